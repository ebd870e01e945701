"""An output folder written whole or visibly not: atomic files, unique names, and a manifest written last.

Each file is written to a hidden temporary file beside its target and renamed into place, so a
reader never sees half a file; an interrupt removes the temporary file. The folder's
``manifest.json`` is removed when a run starts writing and written when it has finished,
listing every file of that run with its size and SHA-256: a folder without a manifest, or
with files the manifest does not list, is not one complete run.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from flowsheet.errors import FlowsheetError
from flowsheet.files import check_output, write_atomically

MANIFEST = "manifest.json"
MAX_STEM = 80
"""Longest file name stem written, [characters]; a longer route name is cut and keeps a hash of the whole."""


class OutputFolder:
    """Where a command writes its files (``--output DIR``).

    Parameters
    ----------
    path : str or Path
        The folder; created if missing. It must not be a file.
    command : str
        The command line, recorded in the manifest.
    inputs : iterable of str or Path
        The files the command reads: none of them is ever written over.
    """

    def __init__(self, path: str | Path, command: str, inputs: Iterable[str | Path] = ()) -> None:
        self.path, self.command, self.inputs = Path(path), command, tuple(inputs)
        if self.path.exists() and not self.path.is_dir():
            raise FlowsheetError(f"--output {self.path}: is a file, not a folder; name a folder to write into")
        check_output(self.path, self.inputs, folder=True)  # a system folder, a path under a file
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            (self.path / MANIFEST).unlink(missing_ok=True)  # the folder is incomplete until this run ends
        except OSError as err:
            raise FlowsheetError(f"--output {self.path}: cannot be written ({err.strerror})") from None
        self.written: dict[str, str] = {}
        self._stems: dict[str, str] = {}

    def stem(self, name: str) -> str:
        """A file name stem for `name`, unique in this run: ``a/b`` and ``a_b`` do not overwrite each other."""
        if name in self._stems:
            return self._stems[name]
        safe = re.sub(r"[^\w.-]+", "_", name).strip("._") or "route"
        digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
        if len(safe) > MAX_STEM:
            safe = f"{safe[:MAX_STEM]}-{digest}"
        if safe in self._stems.values():
            safe = f"{safe}-{digest}"
        self._stems[name] = safe
        return safe

    def write(self, filename: str, text: str | Iterable[str] | bytes) -> Path:
        """Write one file whole or not at all: a temporary file beside it, then a rename.

        `text` is the file's text without its final newline, or that text in pieces, encoded and
        written one at a time so that a large file is never whole in memory; or bytes, written as they are.
        """
        if filename in self.written or filename == MANIFEST:
            raise FlowsheetError(f"--output {self.path}: {filename} would be written twice in one run")
        check_output(self.path / filename, self.inputs)
        digest = hashlib.sha256()

        def encoded() -> Iterator[bytes]:
            if isinstance(text, bytes):
                digest.update(text)
                yield text
                return
            for piece in [text] if isinstance(text, str) else text:
                data = piece.encode("utf-8")
                digest.update(data)
                yield data
            digest.update(b"\n")
            yield b"\n"

        written = write_atomically(self.path / filename, encoded())
        self.written[filename] = digest.hexdigest()
        return written

    def close(self) -> Path:
        """Write the manifest, last: the run's files with their sizes and SHA-256."""
        files = [
            {"file": name, "bytes": (self.path / name).stat().st_size, "sha256": digest}
            for name, digest in sorted(self.written.items())
        ]
        manifest = {
            "command": self.command,
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": files,
        }
        return write_atomically(self.path / MANIFEST, json.dumps(manifest, indent=2, allow_nan=False) + "\n")
