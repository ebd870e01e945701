"""The package's boundary with the file system: inputs read once, bounded and typed; outputs written whole.

Every file a user hands in (a route, a study, measurements, species data) is read here:

- only a regular file is opened (a FIFO, a device or a folder is refused before it is opened, so
  nothing waits on a writer or reads forever);
- its size is checked before it is read, and at most one byte more than the limit is read;
- text is UTF-8 (a byte-order mark is dropped); a file in another encoding is refused at the line of
  its first foreign byte, and a file holding NUL bytes is refused as binary;
- a CSV table's header is checked, and every row keeps its line.

Problems raise :class:`~flowsheet.errors.InputFileError` (or the subclass the caller names) at the
file and line, never echoing more of the file than the offending token (:func:`shown`).

Every output goes through :func:`check_output` before any work, and is written by
:func:`write_atomically`: a temporary file beside the target, flushed to disk, then renamed.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from flowsheet.errors import FlowsheetError, InputFileError

MAX_TOKEN = 40
"""Longest piece of an input file repeated in an error message, [characters]."""

MAX_FIELD = 10_000
"""Longest CSV cell read, [characters]: a cell is a name, a number or a citation."""

PROTECTED = tuple(Path(p) for p in ("/proc", "/sys", "/dev", "/boot", "/etc", "/bin", "/sbin", "/lib", "/usr"))
"""System folders no output is written into."""


def shown(text: object, limit: int = MAX_TOKEN) -> str:
    """`text` quoted as an error repeats it: at most `limit` characters, control characters escaped."""
    text = str(text)
    cut = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(cut)


def read_bytes(path: str | Path, limit: int, kind: type[InputFileError] = InputFileError) -> bytes:
    """The bytes of a regular file of at most `limit` bytes.

    Raises
    ------
    InputFileError
        Of type `kind`, for a file that is not there, not a regular file (a folder, a FIFO, a
        device), unreadable, or larger than `limit` [bytes].
    """
    path = Path(path)
    where = str(path)
    try:
        if not path.exists():
            raise kind.one(where, 0, "", "no such file", "check the path; it is relative to where you run the command")
        if not path.is_file():
            what = "a folder" if path.is_dir() else "not a regular file (a pipe, a device or a socket)"
            raise kind.one(where, 0, "", f"is {what}", "name a file")
        if path.stat().st_size > limit:
            raise kind.one(
                where, 0, "", f"is over {limit:,} bytes, the limit of such a file", "check it is the file meant"
            )
        with path.open("rb") as stream:
            data = stream.read(limit + 1)
    except InputFileError:
        raise
    except OSError as err:
        raise kind.one(where, 0, "", f"cannot be read: {err.strerror}", "check the file's permissions") from None
    except ValueError as err:  # an embedded NUL in the name, a name too long for the system
        raise kind.one(where, 0, "", f"is not a usable path: {err}", "check the path") from None
    if len(data) > limit:  # grew while read
        raise kind.one(where, 0, "", f"is over {limit:,} bytes, the limit of such a file", "check it is the file meant")
    return data


def read_text(path: str | Path, limit: int, kind: type[InputFileError] = InputFileError) -> str:
    """The text of a UTF-8 file of at most `limit` bytes, without a byte-order mark (see :func:`read_bytes`).

    Raises
    ------
    InputFileError
        Of type `kind`, also for binary content (NUL bytes) or text in another encoding, at the
        line of the first offending byte.
    """
    data = read_bytes(path, limit, kind)
    where = str(path)
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise kind.one(where, line, "", "is binary (it holds NUL bytes), not a text file", "check it is the file meant")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        byte = data[err.start]
        hint = "save it as UTF-8 (a spreadsheet's 'CSV UTF-8'); Latin-1 or Windows-1252 text is not read"
        raise kind.one(where, line, "", f"is not UTF-8 text (byte 0x{byte:02x})", hint) from None
    return text


def read_csv(
    path: str | Path, columns: Iterable[str], limit: int, kind: type[InputFileError] = InputFileError
) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV table with a header, each as (line, cells stripped of white space).

    Parameters
    ----------
    path : str or Path
        The table, UTF-8 (see :func:`read_text`).
    columns : iterable of str
        Columns the header must hold; others are kept.
    limit : int
        Largest file read, [bytes].
    kind : type
        The error raised.

    Raises
    ------
    InputFileError
        Of type `kind`, with every problem found: missing columns, a row with more cells than the
        header, a cell longer than ``MAX_FIELD`` characters, a quote never closed, or no header; a
        table of a header alone gives no rows, which the caller judges.
    """
    where = str(path)
    text = read_text(path, limit, kind)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    issues: list[tuple[int, str, str, str]] = []
    rows: list[tuple[int, dict[str, str]]] = []
    header: list[str] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not header:
                if not any(cell.strip() for cell in cells):
                    continue
                header = [cell.strip() for cell in cells]
                missing = [c for c in columns if c not in header]
                if missing:
                    hint = f"the header needs: {', '.join(columns)}"
                    raise kind.one(where, line, "", f"columns missing from the header: {', '.join(missing)}", hint)
                continue
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                issues.append(
                    (line, "", f"has {len(cells)} cells for {len(header)} columns", "quote a cell holding a comma")
                )
                continue
            if long := [i for i, cell in enumerate(cells) if len(cell) > MAX_FIELD]:
                issues.append(
                    (
                        line,
                        header[long[0]],
                        f"is over {MAX_FIELD:,} characters",
                        "a cell holds a name, a number or a citation",
                    )
                )
                continue
            rows.append((line, {name: (cells[i] if i < len(cells) else "").strip() for i, name in enumerate(header)}))
    except csv.Error as err:
        issues.append((reader.line_num, "", f"is not a readable CSV table: {err}", "check the quotes of that line"))
    if not header:
        raise kind.one(where, 1, "", "is empty: no header", f"start with the header: {','.join(columns)}")
    if issues:
        raise kind(where, issues)
    return rows


def check_output(
    target: str | Path, inputs: Iterable[str | Path] = (), option: str = "--output", folder: bool = False
) -> Path:
    """Refuse an output that would overwrite an input or land where outputs do not belong; return it resolved.

    Refused: a target that is an input file (or the same file by another name), a folder (unless
    `folder`: the output is a folder to write into), a path under a file, a system folder
    (:data:`PROTECTED`), or a hidden temporary name of this package.

    Raises
    ------
    FlowsheetError
        Saying which of these it is; nothing has been written.
    """
    path = Path(target)
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError, ValueError) as err:
        raise FlowsheetError(f"{option} {path}: not a usable path ({err})") from None
    for name in inputs:
        given = Path(name)
        same = resolved == given.resolve()
        if not same and resolved.exists() and given.exists():
            same = os.path.samefile(resolved, given)
        if same:
            raise FlowsheetError(
                f"{option} {path}: is an input of this command ({given}); name another file, the input stays as it is"
            )
    if resolved.is_dir() and not folder:
        raise FlowsheetError(f"{option} {path}: is a folder; name the file to write in it")
    if any(resolved == root or resolved.is_relative_to(root) for root in PROTECTED):
        raise FlowsheetError(f"{option} {path}: is in a system folder; write the output under your own folders")
    for parent in resolved.parents:
        if parent.exists():
            if not parent.is_dir():
                raise FlowsheetError(f"{option} {path}: {parent} is a file, not a folder")
            break
    if resolved.name.startswith(".") and resolved.name.endswith(".tmp"):
        raise FlowsheetError(f"{option} {path}: is a hidden temporary name this package writes; name another file")
    return resolved


def write_atomically(target: Path, data: str | bytes | memoryview | Iterable[bytes]) -> Path:
    """Write `data` (text as UTF-8, any bytes-like object, or pieces of bytes written in turn) to a hidden temporary file beside `target`, then rename it into place.

    Pieces let a large file (a million samples' CSV) be written without its whole text in memory.

    The file is created with mode 0o666 less the user's umask, as a plain ``open`` gives it (the
    kernel applies the umask: the process's umask is never changed). Its content is flushed to disk
    before the rename, and the rename to disk after it, so a crash leaves the old file or the new one.
    """
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        with os.fdopen(handle, "wb") as stream:
            if isinstance(data, str | bytes | memoryview):
                stream.write(data.encode("utf-8") if isinstance(data, str) else data)
            else:
                for piece in data:
                    stream.write(piece)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)
    return target


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename) to disk, where the system allows opening a folder."""
    try:
        handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:  # some file systems refuse fsync on a folder; the rename itself stands
        pass
    finally:
        os.close(handle)
