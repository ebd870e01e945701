"""A study's output: checked against its inputs before any work, and held by one run at a time.

Beside the table ``results.parquet`` a study keeps its finished chunks in ``results.parquet.parts/``;
the run that writes them holds ``results.parquet.parts/.lock``, a lock the system takes from a
process that ends however it ends, so a second run on the same output is refused while the first
runs, and a lock left by a run that was killed is taken over.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flowsheet import files
from flowsheet.errors import FlowsheetError

PARTS = ".parts"
"""Suffix of the folder beside the output that keeps finished chunks."""

TOKEN = ".token"
"""The file in a parts folder that tells a worker it sees the folder the caller does."""

LOCK = ".lock"
"""The file in a parts folder that the running study holds locked."""

OURS = re.compile(r"[0-9a-f]{24}-\d+-\d+\.arrow|\.token|\.lock|\..+\.[0-9a-f]{8}\.tmp")
"""Names of the files a study writes in its parts folder: chunks, the token, the lock, temporaries."""


def parts_folder(output: Path) -> Path:
    """The folder beside `output` that keeps its finished chunks."""
    return output.with_name(output.name + PARTS)


def check_study_output(output: str | Path, inputs: Iterable[str | Path]) -> Path:
    """Refuse an output that would overwrite an input or another study's files; return it resolved.

    Besides :func:`flowsheet.files.check_output`'s cases: an output named like a parts folder
    (``*.parts``), an output whose parts folder is a file, and an input inside the parts folder
    (which is emptied once the table is written).

    Raises
    ------
    FlowsheetError
        Saying which; nothing has been written.
    """
    inputs = list(inputs)
    resolved = files.check_output(output, inputs)
    if resolved.name.endswith(PARTS):
        raise FlowsheetError(
            f"--output {output}: is named like a study's folder of finished chunks (*{PARTS}); "
            f"name the Parquet file, e.g. {Path(output).with_name(resolved.name[: -len(PARTS)] or 'study')}.parquet"
        )
    parts = parts_folder(resolved)
    if parts.exists() and not parts.is_dir():
        raise FlowsheetError(
            f"--output {output}: {parts} is a file, where the study keeps its finished chunks; "
            "move it, or name another output"
        )
    for name in inputs:
        if Path(name).resolve().is_relative_to(parts):
            raise FlowsheetError(
                f"--output {output}: the input {name} is inside {parts}, which the study empties once the "
                "table is written; move the input, or name another output"
            )
    return resolved


@contextmanager
def holding(parts: Path, output: str | Path) -> Iterator[None]:
    """Make the parts folder and hold its lock while the block runs.

    Raises
    ------
    FlowsheetError
        When the folder cannot be made, or another run holds the lock (naming its process).
    """
    try:
        parts.mkdir(parents=True, exist_ok=True)
        lock = parts / LOCK
        while True:
            handle = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
            if not _lock(handle):
                holder = os.read(handle, 200).decode("utf-8", "replace").strip() or "unknown"
                os.close(handle)
                raise FlowsheetError(
                    f"--output {output}: another run of a study is writing it (process {files.shown(holder)}); "
                    "wait for it to finish, or name another output"
                )
            if os.path.exists(lock) and os.stat(lock).st_ino == os.fstat(handle).st_ino:
                break  # the lock file was not removed by the run that held it before
            os.close(handle)
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()} on {socket.gethostname()}".encode())
    except OSError as err:
        raise FlowsheetError(
            f"--output {output}: cannot keep finished chunks in {parts}: {err.strerror}; name an output in a "
            "folder you can write"
        ) from None
    try:
        yield
    finally:
        if sys.platform != "win32":  # removed while held, so that no run takes a lock on a removed file
            lock.unlink(missing_ok=True)
        os.close(handle)


def _lock(handle: int) -> bool:
    """Take the lock on an open file without waiting; False if another process holds it."""
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def clear(parts: Path) -> None:
    """Remove the files a study wrote in its parts folder, then the folder if nothing else is in it."""
    for file in parts.iterdir():
        if OURS.fullmatch(file.name) and file.name != LOCK and file.is_file():
            file.unlink(missing_ok=True)
    if all(file.name == LOCK for file in parts.iterdir()):
        (parts / LOCK).unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # a file put there meanwhile: the folder stays
            parts.rmdir()
