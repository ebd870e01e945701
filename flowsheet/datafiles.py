"""Find and read the package's data tables, keeping file and line for every row.

Tables are CSV with a header; every row names a ``source`` key that resolves in
``data/sources.toml``. In a source checkout the tables live in the top-level
``data/`` folder; in an installed wheel they are packaged as ``flowsheet/_data``.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flowsheet.errors import DataFileError

_PACKAGE = Path(__file__).resolve().parent


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
            raise DataFileError(self.path, self.line, column, f"{text!r} is not a number") from None

    def error(self, column: str, problem: str) -> DataFileError:
        """Return a :class:`DataFileError` for this row and column."""
        return DataFileError(self.path, self.line, column, problem)


@cache
def sources(folder: Path | None = None) -> dict[str, dict[str, str]]:
    """Return the citation registry ``sources.toml`` as a dict by source key.

    For a user's data `folder`, its own ``sources.toml`` (if any) added to the package's.
    """
    with open(data_dir() / "sources.toml", "rb") as handle:
        found = tomllib.load(handle)
    if folder is not None and (folder / "sources.toml").is_file():
        try:
            with open(folder / "sources.toml", "rb") as handle:
                found = {**found, **tomllib.load(handle)}
        except (tomllib.TOMLDecodeError, OSError) as err:
            raise DataFileError(str(folder / "sources.toml"), 0, "", f"cannot be read: {err}") from None
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
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in required if column not in (reader.fieldnames or ())]
        if missing:
            raise DataFileError(shown, 1, missing[0], "column missing from the header")
        for values in reader:
            row = Row(shown, reader.line_num, {k: (v or "").strip() for k, v in values.items()})
            for column in required:
                if not row[column]:
                    raise row.error(column, "empty; every row needs a value here")
            if row["source"] not in known:
                raise row.error("source", f"{row['source']!r} is not a key of sources.toml")
            rows.append(row)
    return tuple(rows)
