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
def sources() -> dict[str, dict[str, str]]:
    """Return the citation registry ``data/sources.toml`` as a dict by source key."""
    with open(data_dir() / "sources.toml", "rb") as handle:
        return tomllib.load(handle)


@cache
def read_table(relative_path: str, required: tuple[str, ...] = ("source",)) -> tuple[Row, ...]:
    """Read a CSV table of the data folder and check its columns and sources.

    Parameters
    ----------
    relative_path : str
        Path below the data folder, e.g. ``"atomic_weights.csv"``.
    required : tuple of str
        Columns that must exist and be non-empty in every row.

    Returns
    -------
    tuple of Row
        The rows, in file order.

    Raises
    ------
    DataFileError
        On a missing column, an empty required cell or an unknown source key.
    """
    path = data_dir() / relative_path
    known = sources()
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in required if column not in (reader.fieldnames or ())]
        if missing:
            raise DataFileError(relative_path, 1, missing[0], "column missing from the header")
        for values in reader:
            row = Row(relative_path, reader.line_num, {k: (v or "").strip() for k, v in values.items()})
            for column in required:
                if not row[column]:
                    raise row.error(column, "empty; every row needs a value here")
            if row["source"] not in known:
                raise row.error("source", f"{row['source']!r} is not a key of sources.toml")
            rows.append(row)
    return tuple(rows)
