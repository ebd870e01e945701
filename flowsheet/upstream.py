"""Cradle-to-gate burdens of what a route buys, from ``data/upstream/materials.csv``.

Every purchased material (a feed's species, keyed by formula as prices are: ``Ni``, ``LiOH·H2O``,
``NaOH``, per kg of the pure species) has a factor per region: the greenhouse gases emitted to make
one kg of it, from the mine or well to the producer's gate (``co2e``, kg CO2e per kg), and where the
same source gives them its cumulative energy and water. Each row states its source, year,
region, boundary and allocation. A region without its own row takes the ``world`` row; a feed is
taken to come from the region of its site (a route moves a feed's origin by moving its site).

A route's own ``upstream:`` section goes on top (:meth:`UpstreamBook.with_factors`), for every
region, and so do the rows of a user's data folder in the same layout (:func:`read_upstream`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from flowsheet.datafiles import Row, read_table
from flowsheet.errors import FlowsheetError, UnitError
from flowsheet.prices import material_key
from flowsheet.units import magnitude, split_co2e

TABLE = "upstream/materials.csv"
REQUIRED = ("species", "region", "co2e", "unit", "year", "boundary", "allocation", "source")
"""Columns every row fills: what, where, how much, when, within which boundary, allocated how, and from where."""


@dataclass(frozen=True)
class Factor:
    """The cradle-to-gate burden of one kg of a purchased material.

    Attributes
    ----------
    key : str
        The material, by formula (``Ni``, ``NiSO4·6H2O``, ``LiOH·H2O``).
    region : str
        Where it is made, or ``world``; ``*`` for a route's own factor.
    co2e : float
        Greenhouse gases, [kg CO2e per kg].
    energy : float or None
        Cumulative energy demand, [J/kg], where the source gives it.
    water : float or None
        Water consumed, [kg/kg], where the source gives it.
    boundary : str
        What the factor covers (``cradle-to-gate``: mining or extraction to the producer's gate).
    year : int
        The year of the figure (its data, else its publication); 0 for a route's own.
    allocation : str
        How burdens are shared with co-products (mass, economic, system expansion, not stated).
    source : str
        The citation and table row, or the route's entry.
    estimate : bool
        True where the figure is recalled or derived rather than read.
    """

    key: str
    region: str
    co2e: float
    energy: float | None = None
    water: float | None = None
    boundary: str = "cradle-to-gate"
    year: int = 0
    allocation: str = "not stated"
    source: str = ""
    estimate: bool = False


@dataclass(frozen=True)
class UpstreamBook:
    """Upstream factors by (material, region), with a route's own on top."""

    factors: Mapping[tuple[str, str], Factor]
    own: Mapping[str, Factor] = field(default_factory=dict)

    def find(self, key: str, region: str) -> Factor | None:
        """The factor of `key` made in `region`: the route's own, the region's, else the world's; None if none."""
        if key in self.own:
            return self.own[key]
        return self.factors.get((key, region)) or self.factors.get((key, "world"))

    def with_factors(self, own: Mapping[str, Factor]) -> UpstreamBook:
        """Return the book with a route's own factors on top."""
        return replace(self, own={**self.own, **own})

    def with_book(self, other: UpstreamBook) -> UpstreamBook:
        """Return the book with `other`'s rows on top of its own (a user's data folder on the package's)."""
        return replace(self, factors={**self.factors, **other.factors}, own={**self.own, **other.own})


def _read_row(row: Row, cited: Mapping[str, Mapping[str, str]]) -> Factor:
    """One row of the table, in SI; a bad number or unit is an error at its file and line."""
    where = f"{row.path}:{row.line}"
    try:
        key = material_key(row["species"])
    except FlowsheetError as err:
        raise row.error("species", f"{row['species']!r} is not a formula: {err}") from None
    unit, _ = split_co2e(row["unit"])
    try:
        co2e = magnitude(f"{row['co2e']} {unit}", "", field=f"{where} co2e")
    except UnitError as err:
        raise row.error("co2e", f"{row['co2e']} {row['unit']} is not kg CO2e per kg: {err.problem}") from None
    if not co2e >= 0:
        raise row.error("co2e", f"{row['co2e']} is negative: a burden is >= 0 (credits are not netted here)")
    energy = row.number("energy_MJ_per_kg") * 1e6 if row.values.get("energy_MJ_per_kg") else None
    water = row.number("water_L_per_kg") if row.values.get("water_L_per_kg") else None
    year = int(row.number("year"))
    citation = cited[row["source"]]["cite"]
    locator = row.values.get("locator", "")
    source = f"{row['source']}: {citation}" + (f" ({locator})" if locator else "")
    estimate = row.values.get("estimate", "no") == "yes"
    return Factor(key, row["region"], co2e, energy, water, row["boundary"], year, row["allocation"], source, estimate)


def read_upstream(folder: Path | None = None) -> UpstreamBook:
    """Every factor of ``data/upstream/materials.csv`` (or of a data `folder` in the same layout).

    Raises
    ------
    DataFileError
        At the file and line of a row without a source, year, region, boundary or allocation, of a
        number or unit that cannot be read, or of a material given twice for one region.
    """
    from flowsheet.datafiles import sources

    cited = sources(folder)
    found: dict[tuple[str, str], Factor] = {}
    for row in read_table(TABLE, required=REQUIRED, folder=folder):
        factor = _read_row(row, cited)
        if (factor.key, factor.region) in found:
            raise row.error("species", f"{factor.key} in {factor.region} is given twice")
        found[(factor.key, factor.region)] = factor
    return UpstreamBook(found)


@cache
def package_upstream() -> UpstreamBook:
    """Every factor of the package's ``data/upstream/``."""
    return read_upstream()
