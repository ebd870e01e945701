"""Prices of what a route buys and sells, in US dollars of one year, from ``data/prices/``.

Every price has a key and a region: a material by its formula (``Ni``, ``LiOH·H2O``, bought by
the kg of the pure species), an energy carrier by name (``electricity``, ``natural_gas``, per J),
freight by mode (``freight_sea``, per kg*m), disposal by product kind (``disposal_waste``,
``disposal_wastewater``, per kg) and a byproduct credit by formula (``credit_Na2SO4``, per kg). A
region without its own row takes the ``world`` row. Rows in other currencies or years are
converted once, here: at that year's average exchange rate (``currencies.csv``), then to
:data:`PRICE_YEAR` by the US consumer price index (``deflators.csv``).

A route's own ``prices:`` section goes on top (:meth:`PriceBook.with_prices`), for every region.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from flowsheet.chemistry import Formula
from flowsheet.datafiles import Row, read_table
from flowsheet.units import magnitude

PRICE_YEAR = 2023
"""The year every price is expressed in, [USD of that year]."""

CURRENCY = "USD"

MATERIAL_CATEGORIES = ("metals", "lithium", "reagents")
"""How bought materials are grouped in the cost KPIs; process water counts with the reagents."""

KINDS = {
    "material": ("prices/materials.csv", "species", "USD/kg"),
    "energy": ("prices/energy.csv", "carrier", "USD/J"),
    "freight": ("prices/freight.csv", "mode", "USD/(kg*m)"),
    "disposal": ("prices/disposal.csv", "kind", "USD/kg"),
    "credit": ("prices/byproducts.csv", "species", "USD/kg"),
}
"""Per kind of price: its table, the column naming the item, and the SI unit it is held in."""

PREFIXES = {"freight": "freight_", "disposal": "disposal_", "credit": "credit_"}
"""Keys of these kinds are the item with a prefix; materials and energy carriers are keyed by their item."""

WATER_DENSITY = 1000.0
"""[kg/m**3]: a price per m**3 of water or wastewater is divided by it to give a price per kg."""


@dataclass(frozen=True)
class Price:
    """One price.

    Attributes
    ----------
    key : str
        ``Ni``, ``electricity``, ``freight_sea``, ``disposal_waste``, ``credit_Na2SO4`` ...
    region : str
        A region, or ``world``.
    value : float
        In US dollars of :data:`PRICE_YEAR` per SI unit of its kind (kg, J or kg*m).
    category : str
        For a material: ``metals``, ``lithium`` or ``reagents``; else the kind.
    source : str
        Citation key and table row, or the route file entry.
    estimate : bool
        True if the value is an estimate rather than read from its source.
    """

    key: str
    region: str
    value: float
    category: str
    source: str
    estimate: bool = False


def material_key(label: str) -> str:
    """The price key of a species label: its formula without phase, ``H2SO4(aq)`` -> ``H2SO4``."""
    formula = Formula(label)
    suffix = f"({formula.phase})" if formula.phase else ""
    return formula.text.removesuffix(suffix)


def storage_kind(key: str) -> str:
    """The kind of price a key names: ``material``, ``energy``, ``freight``, ``disposal`` or ``credit``."""
    if key in _energy_keys():
        return "energy"
    return next((kind for kind, prefix in PREFIXES.items() if key.startswith(prefix)), "material")


def storage_unit(key: str) -> str:
    """The SI unit a price of this key is held in: USD per kg, J or kg*m."""
    return KINDS[storage_kind(key)][2]


@cache
def _energy_keys() -> frozenset[str]:
    return frozenset(row["carrier"] for row in read_table(KINDS["energy"][0], required=("carrier",)))


@cache
def exchange_rates() -> dict[tuple[str, int], float]:
    """Units of a currency per US dollar by (currency, year), annual averages."""
    found = {}
    for row in read_table("prices/currencies.csv", required=("currency", "per_usd", "year", "source")):
        rate = row.number("per_usd")
        if not rate > 0:
            raise row.error("per_usd", "must be positive")
        found[(row["currency"], int(row.number("year")))] = rate
    return found


@cache
def price_index() -> dict[int, float]:
    """US consumer price index by year (annual average)."""
    return {
        int(row.number("year")): row.number("index")
        for row in read_table("prices/deflators.csv", required=("year", "index", "source"))
    }


def in_price_year(value: float, currency: str, year: int) -> float:
    """A value in `currency` of `year` as US dollars of :data:`PRICE_YEAR`.

    Raises
    ------
    ValueError
        If there is no exchange rate for the currency in that year, or no price index for it.
    """
    rates, index = exchange_rates(), price_index()
    rate = 1.0 if currency == CURRENCY else rates.get((currency, year))
    if rate is None:
        known = ", ".join(sorted(f"{c} {y}" for c, y in rates))
        raise ValueError(f"no exchange rate for {currency} in {year} in data/prices/currencies.csv (it has {known})")
    if year not in index or PRICE_YEAR not in index:
        raise ValueError(f"no consumer price index for {year} or {PRICE_YEAR} in data/prices/deflators.csv")
    return value / rate * index[PRICE_YEAR] / index[year]


def _read_row(row: Row, kind: str) -> Price:
    table, item_column, unit = KINDS[kind]
    where = f"{row.path}:{row.line}"
    year = int(row.number("year"))
    physical, item = row["unit"], row[item_column]
    if physical == "m**3":  # water and wastewater only: per cubic metre of water
        if item not in ("H2O", "wastewater"):
            raise row.error(
                "unit", f"a price per m**3 is read only for water and wastewater, not {item!r}: give it per kg"
            )
        per = WATER_DENSITY
    else:
        per = magnitude(f"1 {physical}", unit.split("/", 1)[1].strip("()"), field=f"{where} unit")
    try:
        value = in_price_year(row.number("price"), row["currency"], year) / per
    except ValueError as err:
        raise row.error("currency", str(err)) from None
    if not value >= 0:
        raise row.error("price", "must not be negative")
    key = material_key(item) if kind in ("material", "credit") else item
    key = PREFIXES.get(kind, "") + key
    category = row["category"] if kind == "material" else kind
    if kind == "material" and category not in (*MATERIAL_CATEGORIES, "water"):
        raise row.error("category", f"must be one of {', '.join(MATERIAL_CATEGORIES)} or water, got {category!r}")
    category = "reagents" if category == "water" else category
    estimate = row.values.get("estimate", "") == "yes"
    return Price(key, row["region"], value, category, f"{row['source']} ({where})", estimate)


@dataclass(frozen=True)
class PriceBook:
    """Prices by (key, region), the package's with a route's own on top.

    Attributes
    ----------
    prices : dict of (str, str) to Price
        By key and region.
    own : dict of str to Price
        The route's own prices by key, applying in every region.
    """

    prices: Mapping[tuple[str, str], Price]
    own: Mapping[str, Price] = field(default_factory=dict)

    def find(self, key: str, region: str) -> Price | None:
        """The price of `key` in `region`: the route's own, the region's, else the world's; None if none."""
        if key in self.own:
            return self.own[key]
        return self.prices.get((key, region)) or self.prices.get((key, "world"))

    def with_prices(self, own: Mapping[str, Price]) -> PriceBook:
        """Return the book with a route's own prices on top."""
        return replace(self, own={**self.own, **own})


def read_prices(folder: Path | None = None) -> PriceBook:
    """Every price of the price tables of ``data/prices/`` (or of a data `folder` in the same layout).

    Raises
    ------
    DataFileError
        At the file and line of a row without a source, year, currency or a readable price, or
        of an item priced twice in one region.
    """
    found: dict[tuple[str, str], Price] = {}
    for kind, (table, item_column, _) in KINDS.items():
        category = ("category",) if kind == "material" else ()
        required = (item_column, "region", "price", "currency", "unit", "year", "source", *category)
        for row in read_table(table, required=required, folder=folder):
            price = _read_row(row, kind)
            if (price.key, price.region) in found:
                raise row.error(item_column, f"{price.key} in {price.region} is priced twice")
            found[(price.key, price.region)] = price
    return PriceBook(found)


@cache
def package_prices() -> PriceBook:
    """Every price of the package's ``data/prices/``."""
    return read_prices()
