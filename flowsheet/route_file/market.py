"""A route's own prices and what its product stores: read with their units, each resting on a source of the route."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flowsheet.chemistry import Formula
from flowsheet.errors import FlowsheetError, UnitError
from flowsheet.kpis import KPIS, Limit
from flowsheet.prices import Price, package_prices, storage_kind, storage_unit
from flowsheet.route_file.schema import RouteSpec
from flowsheet.uncertainty import Distribution, read_distribution
from flowsheet.units import magnitude, split_co2e
from flowsheet.upstream import Factor


def route_prices(spec: RouteSpec, report: Any, where: str, uncertain: dict[str, Distribution]) -> dict[str, Price]:
    """The prices a route's ``prices:`` section sets, each with a source of the route, in USD per SI unit.

    An uncertain price is recorded in `uncertain` as ``prices.<key>`` and its nominal value used.
    """
    found = {}
    for key, entry, path in _sourced(spec, "prices", report):
        whole_feed = key in spec.feeds
        kind = "material" if whole_feed else storage_kind(key)
        if kind == "material" and not whole_feed:
            try:
                Formula(key)
            except FlowsheetError:
                problem = f"{key!r} is not a formula, a feed of the route, an energy carrier or a prefixed key"
                report(
                    path, problem, "e.g. Ni, electricity, freight_sea, disposal_waste, credit_Na2SO4, or a feed's name"
                )
                continue
        category = entry.category or ("" if whole_feed else _package_category(key))
        if kind == "material" and not category:
            what = "a feed priced whole" if whole_feed else f"{key}, which the package does not price,"
            report((*path, "category"), f"{what} needs its category", "metals, lithium or reagents")
            continue
        unit = "USD/kg" if whole_feed else storage_unit(key)
        hint = "prices are in USD of 2023, e.g. '18000 USD/t', '0.08 USD/kWh', '0.02 USD/(t*km)'"
        value = _amount(entry.price, unit, (*path, "price"), uncertain, report, hint)
        if value is None:
            continue
        cited = f"{entry.source} ({where}: prices.{key})"
        found[key] = Price(key, "*", value, category or kind, cited, entry.estimate)
    return found


def route_upstream(spec: RouteSpec, report: Any, where: str, uncertain: dict[str, Distribution]) -> dict[str, Factor]:
    """The cradle-to-gate factors a route's ``upstream:`` section sets, each with a source of the route, [kg CO2e/kg].

    An uncertain factor is recorded in `uncertain` as ``upstream.<key>`` and its nominal value used.
    """
    found = {}
    for key, entry, path in _sourced(spec, "upstream", report):
        try:
            Formula(key)
        except FlowsheetError:
            report(path, f"{key!r} is not a formula", "name the material bought, e.g. Ni, LiOH·H2O, NaOH")
            continue
        hint = "in kg CO2e per kg of the material, e.g. '8.5 kg CO2e/kg'"
        value = _amount(_plain(entry.co2e), "", (*path, "co2e"), uncertain, report, hint, "kg CO2e/kg")
        if value is None:
            continue
        cited = next(source.cite for source in spec.sources if source.key == entry.source)
        source = f"{entry.source} ({where}: upstream.{key})" + (f": {cited}" if cited else "")
        found[key] = Factor(key, "*", value, boundary=entry.boundary, source=source, estimate=entry.estimate)
    return found


def _amount(
    given: Any,
    unit: str,
    path: tuple[str, ...],
    uncertain: dict[str, Distribution],
    report: Any,
    hint: str,
    shown: str = "",
) -> float | None:
    """A value >= 0 in `unit`, or the nominal of its distribution (recorded in `uncertain` under the entry's path).

    None, with the problem reported at ``path`` (the entry's, then its field), if it cannot be read or is negative.
    """
    dotted = ".".join(path[:-1])
    try:
        if isinstance(given, dict):
            distribution = read_distribution(given, unit, dotted)
            uncertain[dotted] = distribution
            value = distribution.nominal
        else:
            value = magnitude(given, unit, field=dotted)  # a number or a text
    except UnitError as err:
        report(path, f"expects {err.expected}, got {err.got!r}: {err.problem}", err.hint or hint)
        return None
    if not value >= 0:
        report(path, f"must not be negative, got {value:g} {shown or unit}")
        return None
    return value


def _plain(value: Any) -> Any:
    """`value` with ``CO2e`` taken out of its texts (``'8 kg CO2e/kg'`` -> ``'8 kg/kg'``), in a distribution too."""
    if isinstance(value, str):
        return split_co2e(value)[0]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def specific_energy(spec: RouteSpec, report: Any) -> float | None:
    """Energy the product stores per mass, [J/kg]: specific capacity times average voltage; None if not given."""
    capacity = spec.capacity
    if capacity is None:
        return None
    if capacity.source not in {source.key for source in spec.sources}:
        report(("capacity", "source"), f"{capacity.source!r} is not a key of the route's sources", "add it to sources:")
        return None
    try:
        charge = magnitude(capacity.specific_capacity, "C/kg", field="specific_capacity")
        voltage = magnitude(capacity.voltage, "V", field="voltage")
    except UnitError as err:
        report(
            ("capacity", err.field),
            f"expects {err.expected}, got {err.got!r}: {err.problem}",
            "e.g. '200 mAh/g', '3.8 V'",
        )
        return None
    if not (charge > 0 and voltage > 0):
        report(("capacity",), "specific capacity and voltage must be positive")
        return None
    return charge * voltage


def specifications(spec: RouteSpec, report: Any) -> tuple[Limit, ...]:
    """The route's limits on its purity KPIs, each as a mass fraction [kg/kg]; bad entries go to `report`."""
    found = []
    purities = [kpi.name for kpi in KPIS if kpi.kind == "purity"]
    for name, entry, _ in _sourced(spec, "specifications", report):
        if name not in purities:
            report(("specifications", name), "is not a purity KPI", f"one of {', '.join(purities)}")
            continue
        try:
            limit = magnitude(entry.max, "", field="max")
        except UnitError as err:
            report(("specifications", name, "max"), f"expects a mass fraction, got {err.got!r}: {err.problem}",
                   "e.g. '1200 ppm'")  # fmt: skip
            continue
        if not limit > 0:
            report(("specifications", name, "max"), f"must be positive, got {entry.max!r}", "e.g. '1200 ppm'")
            continue
        cited = next(source.cite for source in spec.sources if source.key == entry.source)
        found.append(Limit(name, limit, f"{entry.source}: {cited}" if cited else entry.source))
    return tuple(found)


def _sourced(spec: RouteSpec, section: str, report: Any) -> Iterator[tuple[str, Any, tuple[str, str]]]:
    """Each entry of a section of the route, with its key and path, whose source the route cites.

    An entry whose ``source`` is not a key of the route's sources is reported there and left out.
    """
    keys = {source.key for source in spec.sources}
    for key, entry in getattr(spec, section).items():
        path = (section, key)
        if entry.source not in keys:
            report((*path, "source"), f"{entry.source!r} is not a key of the route's sources", "add it to sources:")
            continue
        yield key, entry, path


def _package_category(key: str) -> str:
    """The category the package's data give a material (any region), else ''."""
    return next((price.category for (item, _), price in package_prices().prices.items() if item == key), "")
