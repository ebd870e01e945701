"""Files written whole or not at all: a reader never sees half a file, an interrupt leaves none."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(target: Path, data: str | bytes | memoryview) -> Path:
    """Write `data` (text as UTF-8, or any bytes-like object) to a hidden temporary file beside `target`, then rename it into place.

    The file gets the mode a plain ``open`` would give it (the user's umask, not ``mkstemp``'s 0600).
    """
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    current = os.umask(0o022)
    os.umask(current)
    return current
