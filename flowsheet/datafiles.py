"""Find and read the package's data tables, keeping file and line for every row.

Tables are CSV with a header; every row names a ``source`` key that resolves in
``data/sources.toml``. In a source checkout the tables live in the top-level
``data/`` folder; in an installed wheel they are packaged as ``flowsheet/_data``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flowsheet.errors import DataFileError
from flowsheet.files import read_csv, read_text
from flowsheet.files import shown as shown_token

_PACKAGE = Path(__file__).resolve().parent

MAX_TABLE_BYTES = 5_000_000
"""Largest data table or sources.toml read, [bytes]: the largest shipped table holds 25 kB."""


@cache
def data_dir() -> Path:
    """Return the folder holding the data tables.

    Returns
    -------
    pathlib.Path
        ``flowsheet/_data`` in an installed wheel, else ``data/`` beside the package.
    """
    for candidate in (_PACKAGE / "_data", _PACKAGE.parent / "data"):
        if (candidate / "sources.toml").is_file():
            return candidate
    raise FileNotFoundError(f"no data folder with sources.toml beside {_PACKAGE}")


@dataclass(frozen=True)
class Row:
    """One row of a data table, with where it came from.

    Attributes
    ----------
    path : str
        The table's file name relative to the data folder.
    line : int
        1-based line number in that file.
    values : dict of str to str
        The row's cells by column name, stripped of white space.
    """

    path: str
    line: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values[column]

    def number(self, column: str) -> float:
        """Return a cell as a float, or raise :class:`DataFileError` naming file and line."""
        text = self.values[column]
        try:
            return float(text)
        except ValueError:
            raise DataFileError.one(self.path, self.line, column, f"{text!r} is not a number") from None

    def error(self, column: str, problem: str) -> DataFileError:
        """Return a :class:`DataFileError` for this row and column."""
        return DataFileError.one(self.path, self.line, column, problem)


@cache
def sources(folder: Path | None = None) -> dict[str, dict[str, str]]:
    """Return the citation registry ``sources.toml`` as a dict by source key.

    For a user's data `folder`, its own ``sources.toml`` (if any) added to the package's.
    """
    found = _read_sources(data_dir() / "sources.toml")
    if folder is not None and ((folder / "sources.toml").exists() or (folder / "sources.toml").is_symlink()):
        found = {**found, **_read_sources(folder / "sources.toml")}
    return found


def _read_sources(path: Path) -> dict[str, dict[str, str]]:
    """A ``sources.toml``: each key a table with at least ``cite``."""
    text = read_text(path, MAX_TABLE_BYTES, DataFileError)
    try:
        found = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        at = re.search(r"at line (\d+)", str(err))  # TOMLDecodeError has no line attribute before Python 3.14
        line = int(at.group(1)) if at else 0
        raise DataFileError.one(
            str(path), line, "", f"is not valid TOML: {err}", "see data/sources.toml for the form"
        ) from None
    issues = [
        (0, shown_token(key), "needs a table with a 'cite' text", f'[{key}]\ncite = "Author, title, year"')
        for key, entry in found.items()
        if not isinstance(entry, dict) or not isinstance(entry.get("cite"), str)
    ]
    if issues:
        raise DataFileError(str(path), issues)
    return found


@cache
def read_table(
    relative_path: str, required: tuple[str, ...] = ("source",), folder: Path | None = None
) -> tuple[Row, ...]:
    """Read a CSV table of the data folder (or of a user's data `folder`) and check its columns and sources.

    Parameters
    ----------
    relative_path : str
        Path below the data folder, e.g. ``"atomic_weights.csv"``.
    required : tuple of str
        Columns that must exist and be non-empty in every row.
    folder : Path, optional
        A user's data folder in the same layout; its rows may cite the keys of its own
        ``sources.toml`` and the package's. Rows then name the file by its full path.

    Returns
    -------
    tuple of Row
        The rows, in file order.

    Raises
    ------
    DataFileError
        On a missing column, an empty required cell or an unknown source key.
    """
    path = (folder or data_dir()) / relative_path
    shown = relative_path if folder is None else str(path)
    known = sources(folder)
    try:
        read = read_csv(path, required, MAX_TABLE_BYTES, DataFileError)
    except DataFileError as err:
        raise DataFileError(shown, err.issues) from None
    rows, issues = [], []
    for line, values in read:
        row = Row(shown, line, values)
        empty = [column for column in required if not row[column]]
        if empty:
            issues.append((line, empty[0], "empty; every row needs a value here", ""))
        elif row["source"] not in known:
            hint = "add it to sources.toml beside the table, with the full citation"
            issues.append((line, "source", f"{shown_token(row['source'])} is not a key of sources.toml", hint))
        else:
            rows.append(row)
    if issues:
        raise DataFileError(shown, issues)
    return tuple(rows)
