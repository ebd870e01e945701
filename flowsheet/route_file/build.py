"""From a validated route spec to a Flowsheet: units, lanes, uncertain values, streams."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

from flowsheet.chemistry import Formula
from flowsheet.errors import (
    FlowsheetCheckError,
    FlowsheetError,
    FormulaError,
    MissingDataError,
    Problem,
    UnitError,
    message_and_hint,
)
from flowsheet.geography import Place, passage, place
from flowsheet.graph import Flowsheet
from flowsheet.operations import Feed, Operation, Product, TransportLeg
from flowsheet.operations.base import SI
from flowsheet.prices import Price, package_prices, storage_kind, storage_unit
from flowsheet.route_file.schema import RouteSpec, unit_types
from flowsheet.thermo import ConstantHeatCapacity, Species, SpeciesData, package_data
from flowsheet.thermo.plausibility import check_formation_enthalpy, check_heat_capacity, check_range, settle
from flowsheet.thermo.species import MAX_NAME
from flowsheet.uncertainty import Distribution, is_uncertain, read_distribution
from flowsheet.units import magnitude


def build_flowsheet(
    spec: RouteSpec,
    report: Any,
    uncertain: dict[str, Distribution] | None = None,
    data: SpeciesData | None = None,
    where: str = "route",
) -> Flowsheet:
    """Build the flowsheet a validated spec describes; every problem goes to ``report(path, problem, hint)``.

    Uncertain values are replaced by their nominal value and their distributions
    recorded in `uncertain` by dotted path. Species are looked up in `data` (default the
    package's), with the route's own ``species:`` on top, named after `where` (the file).
    """
    regions = {name: site.region for name, site in spec.sites.items()}
    data = data or package_data()
    own = route_species(spec, report, where)
    prices = route_prices(spec, report, where, {} if uncertain is None else uncertain)
    book = package_prices().with_prices(prices) if prices else None
    sheet = Flowsheet(spec.name, regions=regions, species_data=data.layered(where, own) if own else data, prices=book)
    sheet.specific_energy = _specific_energy(spec, report)
    types = unit_types()
    built: list[Operation] = []
    for name, feed in spec.feeds.items():
        parameters = {
            "flows": feed.flows,
            "dosed": feed.dosed,
            "recycled": feed.recycled,
            "certified": feed.certified,
            "temperature": feed.temperature,
            "site": feed.site,
        }
        built += _make(Feed, name, parameters, ("feeds", name), report)
    for name, product in spec.products.items():
        built += _make(Product, name, {"kind": product.kind, "site": product.site}, ("products", name), report)
    for name, parameters in spec.units.items():
        if name in spec.refused:
            continue
        cls = types[str(parameters["type"])]
        values = {k: _plain(v) for k, v in parameters.items() if k not in ("type", "note")}
        read = _nominal(cls, name, values, report, {} if uncertain is None else uncertain)
        if read is None:
            continue
        values = read
        if cls is TransportLeg:
            values = _with_passage(name, values, spec, report)
        built += _make(cls, name, values, ("units", name), report)
    failed = set(spec.feeds) | set(spec.products) | set(spec.units)
    failed -= {operation.name for operation in built}
    names: set[str] = set()
    for operation in built:
        if operation.name in names:
            report(("units", operation.name), "the name is used by more than one feed, product or unit")
            continue
        names.add(operation.name)
        sheet.add(operation)
    for i, stream in enumerate(spec.streams):
        source, arrow, target = stream.partition("->")
        if not arrow or not source.strip() or not target.strip():
            report(("streams", i), f"{stream!r} is not 'unit.port -> unit.port'", "e.g. 'dissolve.solution -> cryst'")
            continue
        ends = {end.strip().partition(".")[0] for end in (source, target)}
        if ends & failed:
            continue  # the unit's own error is reported; its streams would only repeat it
        try:
            sheet.connect(source.strip(), target.strip())
        except FlowsheetCheckError as err:
            message = "; ".join(f"{p.where}: {p.message}" if p.where else p.message for p in err.problems)
            report(("streams", i), message, "; ".join(p.hint for p in err.problems if p.hint))
    return sheet


def _nominal(
    cls: type[Operation], name: str, values: dict, report: Any, uncertain: dict[str, Distribution]
) -> dict | None:
    """Replace uncertain values by their nominal value, recording their distribution by dotted path.

    Returns None, every problem reported, if a value cannot be read: the unit is then not built.
    """
    units = {f.name: f.metadata.get("unit") for f in dataclasses.fields(cls)}
    mappings = {f.name for f in dataclasses.fields(cls) if str(f.type).startswith("dict")}
    found, ok = {}, True
    for key, value in values.items():
        if key in mappings and is_uncertain(value):
            hint = "give each entry its own: {recycle: {value: 0.9, range: [0.85, 0.95]}, bleed: ...}"
            report(("units", name, key), "is a mapping of entries, not one uncertain value", hint)
            ok = False
            continue
        entries = value.items() if isinstance(value, dict) and not is_uncertain(value) else [(None, value)]
        nominal = {}
        for entry, item in entries:
            path = ("units", name, key) if entry is None else ("units", name, key, entry)
            if isinstance(item, dict) and not is_uncertain(item) and entry is not None:
                hint = "an entry is a number, or an uncertain one: {value: 0.2, range: [0.1, 0.3]}"
                report(path, "is a mapping, not a value", hint)
                ok = False
                continue
            if not is_uncertain(item):
                nominal[entry] = item
                continue
            unit = units.get(key) if entry is None else ""
            try:
                distribution = read_distribution(item, unit if unit is not None else "", ".".join(map(str, path)))
            except UnitError as err:
                report(path, f"expects {err.expected}, got {err.got!r}: {err.problem}", err.hint)
                ok = False
                continue
            uncertain[".".join(map(str, path))] = distribution
            nominal[entry] = SI(distribution.nominal) if entry is None and units.get(key) else distribution.nominal
        found[key] = nominal[None] if None in nominal else nominal
    return found if ok else None


def route_species(spec: RouteSpec, report: Any, where: str) -> list[Species]:
    """The species a route's ``species:`` section brings; each value must carry its unit and a source of the route.

    Each entry is checked for physical sense (:mod:`flowsheet.thermo.plausibility`); a value outside
    its band is refused unless the entry says ``override: true``. A formula and phase given twice is
    refused at the second entry.
    """
    keys = {source.key for source in spec.sources}
    found = []
    first: dict[tuple, int] = {}
    for i, entry in enumerate(spec.species):
        path = ("species", i)
        if entry.source not in keys:
            report((*path, "source"), f"{entry.source!r} is not a key of the route's sources", "add it to sources:")
            continue
        try:
            formula = Formula(entry.formula)
            if formula.phase is not None:
                raise FormulaError(entry.formula, 1, "give the phase in phase:, not in the formula")
            low, high = (magnitude(t, "K", field=name) for t, name in ((entry.t_min, "t_min"), (entry.t_max, "t_max")))
            cp = magnitude(entry.heat_capacity, "J/(mol*K)", field="heat_capacity")
            formation = magnitude(entry.formation_enthalpy, "J/mol", field="formation_enthalpy")
        except UnitError as err:
            report((*path, err.field), f"expects {err.expected}, got {err.got!r}: {err.problem}", err.hint)
            continue
        except FlowsheetError as err:
            report((*path, "formula"), *message_and_hint(err))
            continue
        key = (formula.key, entry.phase)
        if key in first:
            problem = f"{formula.text}({entry.phase}) is given twice (first as species[{first[key]}])"
            report((*path, "formula"), problem, "keep one entry per formula and phase")
            continue
        first[key] = i
        if len(entry.name) > MAX_NAME or not entry.name.isprintable():
            problem = f"is not a short printable name ({len(entry.name):,} characters)"
            report((*path, "name"), problem, f"at most {MAX_NAME} characters, e.g. retgersite")
            continue
        model = ConstantHeatCapacity(cp, low, high)
        findings = check_formation_enthalpy(formation, formula, entry.phase, "formation_enthalpy")
        findings += check_range(low, high, entry.phase)
        findings += check_heat_capacity(model, formula, entry.phase, "heat_capacity")
        refused, accepted = settle(findings, entry.override, "write override: true in this entry")
        for finding in refused:
            report((*path, finding.field), finding.problem, finding.hint)
        if refused:
            continue
        cited = f"{entry.source} ({where}: species[{i}])"
        found.append(
            Species(
                formula=formula,
                phase=entry.phase,
                name=entry.name,
                formation_enthalpy=formation,
                heat_capacity=model,
                sources={"formation_enthalpy": cited, "heat_capacity": cited},
                estimated=("formation_enthalpy", "heat_capacity") if entry.estimate else (),
                overrides=tuple(
                    (
                        "formation_enthalpy" if finding.field == "formation_enthalpy" else "heat_capacity",
                        f"{finding.field} {finding.problem} (override at {where}: species[{i}])",
                    )
                    for finding in accepted
                ),
            )
        )
    return found


def route_prices(spec: RouteSpec, report: Any, where: str, uncertain: dict[str, Distribution]) -> dict[str, Price]:
    """The prices a route's ``prices:`` section sets, each with a source of the route, in USD per SI unit.

    An uncertain price is recorded in `uncertain` as ``prices.<key>`` and its nominal value used.
    """
    keys = {source.key for source in spec.sources}
    found = {}
    for key, entry in spec.prices.items():
        path = ("prices", key)
        if entry.source not in keys:
            report((*path, "source"), f"{entry.source!r} is not a key of the route's sources", "add it to sources:")
            continue
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
        dotted = ".".join(path)
        try:
            if isinstance(entry.price, dict):
                distribution = read_distribution(entry.price, unit, dotted)
                uncertain[dotted] = distribution
                value = distribution.nominal
            else:
                value = magnitude(entry.price, unit, field=dotted)  # a number or a text
        except UnitError as err:
            hint = err.hint or "prices are in USD of 2023, e.g. '18000 USD/t', '0.08 USD/kWh', '0.02 USD/(t*km)'"
            report((*path, "price"), f"expects {err.expected}, got {err.got!r}: {err.problem}", hint)
            continue
        if not value >= 0:
            report((*path, "price"), f"must not be negative, got {value:g} {unit}")
            continue
        cited = f"{entry.source} ({where}: prices.{key})"
        found[key] = Price(key, "*", value, category or kind, cited, entry.estimate)
    return found


def _specific_energy(spec: RouteSpec, report: Any) -> float | None:
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


def _package_category(key: str) -> str:
    """The category the package's data give a material (any region), else ''."""
    return next((price.category for (item, _), price in package_prices().prices.items() if item == key), "")


def _with_passage(name: str, values: dict, spec: RouteSpec, report: Any) -> dict:
    """A leg that names its origin and destination sites travels the way between them (their ports, inland legs)."""
    ends = {key: values.get(key) for key in ("origin", "destination")}
    if not any(ends.values()):
        return values
    where = ("units", name)
    for key, site in ends.items():
        if not site:
            report((*where, key), "a leg between sites needs both an origin and a destination site")
            return values
        if site not in spec.sites:
            report((*where, key), f"unknown site {site!r}", f"sites: {', '.join(spec.sites) or 'none defined'}")
            return values
    given = [key for key in ("mode", "distance", "mix", "inland", "ports") if values.get(key) not in (None, ())]
    if given:
        hint = "the sites give the way (their ports and inland legs); to state it yourself, drop origin and destination"
        report((*where, given[0]), "give origin and destination sites, or mode and distance (or a mix), not both", hint)
        return values
    try:
        found = passage(*(_place(spec.sites[str(ends[key])]) for key in ("origin", "destination")))
    except MissingDataError as err:
        hint = "add the port or lane to data/transport/, or give mode and distance"
        report((*where, "origin"), err.problem, hint)
        return values
    values = {**values, "ports": found.ports, "basis": found.basis}
    if found.lane_parts:
        mode, _, distance = found.lane_parts[0]
        mix = tuple((m, share, f"{d} m") for m, share, d in found.lane_parts) if len(found.lane_parts) > 1 else ()
        return {**values, "mode": mode, "distance": f"{distance} m", "mix": mix}
    main = max(found.stages, key=lambda stage: (stage[0] == "sea", stage[1]), default=("road", 0.0))
    inland = list(found.stages)
    if main in inland:
        inland.remove(main)
    stages = tuple((mode, f"{distance} m") for mode, distance in inland)
    dwell = values["dwell"] if "dwell" in values else f"{found.dwell} s"
    return {**values, "mode": main[0], "distance": f"{main[1]} m", "inland": stages, "dwell": dwell}


def _place(site: Any) -> Place:
    """Where a route file's site is: its named port and inland leg, else its region's default."""
    distance = magnitude(site.inland, "m", field="inland") if site.inland != "" else None
    return place(site.region, site.port, site.inland_mode, distance)


def _plain(value: Any) -> Any:
    """Lists become tuples, as the unit dataclasses store them."""
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    return value


def _make(cls: type[Operation], name: str, parameters: dict, where: tuple, report: Any) -> Iterator[Operation]:
    try:
        operation = cls(name, **parameters)
    except UnitError as err:
        _, _, field = err.field.partition(".")
        path = (*where, *_field_path(field)) if field else where
        report(path, f"expects {err.expected}, got {err.got!r}: {err.problem}", err.hint)
        return
    except FlowsheetError as err:
        report(where, *message_and_hint(err))
        return
    except (TypeError, ValueError) as err:
        report(where, f"cannot build a {cls.__name__}: {err}")
        return
    try:
        problems = operation.problems()
    except (TypeError, ValueError, AttributeError) as err:  # a value of a type the unit cannot check
        report(where, f"cannot check its parameters: {err}", "see the unit's parameters in its route-file schema")
        return
    for problem in problems:  # a value out of range is reported as such, before its ports are relied on
        path = (*where, *problem.field.split(".")) if problem.field else where
        report(path, f"{problem.port}: {problem.message}" if problem.port else problem.message, problem.hint)
    if not problems:
        yield operation


def _field_path(field: str) -> tuple[str, ...]:
    """``flows['Ni']`` -> ``('flows', 'Ni')``."""
    match = re.fullmatch(r"(\w+)\[['\"](.+)['\"]\]", field)
    return (match.group(1), match.group(2)) if match else (field,)


def problem_path(spec: RouteSpec, problem: Problem) -> tuple:
    """Where a flowsheet problem sits in the route file: its unit, feed or product, and its field there."""
    for section in ("units", "feeds", "products"):
        if problem.unit in getattr(spec, section):
            return (section, problem.unit, *problem.field.split(".")) if problem.field else (section, problem.unit)
    return ()
