"""Standard atomic weights of the elements (IUPAC/CIAAW 2021), from ``data/atomic_weights.csv``."""

from __future__ import annotations

from functools import cache

from flowsheet.datafiles import read_table

TABLE = "atomic_weights.csv"


@cache
def atomic_weights() -> dict[str, float]:
    """Return the standard atomic weight of each element by symbol.

    Returns
    -------
    dict of str to float
        Relative atomic mass, [-] (numerically g/mol). Conventional values are
        used for elements whose standard atomic weight is an interval.

    References
    ----------
    .. [1] T. Prohaska et al., "Standard atomic weights of the elements 2021",
       Pure Appl. Chem. 94 (2022) 573-600, doi:10.1515/pac-2019-0603.
    """
    weights = {}
    for row in read_table(TABLE, required=("symbol", "atomic_weight", "source")):
        if row["symbol"] in weights:
            raise row.error("symbol", f"{row['symbol']!r} appears twice")
        weights[row["symbol"]] = row.number("atomic_weight")
    return weights
