"""From a validated route spec to a Flowsheet: units, legs between sites, prices, uncertain values, streams."""

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
    Problem,
    UnitError,
    message_and_hint,
)
from flowsheet.graph import Flowsheet
from flowsheet.operations import Feed, Operation, Product, TransportLeg
from flowsheet.operations.base import SI
from flowsheet.prices import package_prices
from flowsheet.route_file.legs import with_passage
from flowsheet.route_file.market import route_prices, route_upstream, specific_energy, specifications
from flowsheet.route_file.schema import RouteSpec, unit_types
from flowsheet.thermo import ConstantHeatCapacity, Species, SpeciesData, package_data
from flowsheet.thermo.plausibility import check_formation_enthalpy, check_heat_capacity, check_range, settle
from flowsheet.thermo.species import MAX_NAME
from flowsheet.uncertainty import Distribution, is_uncertain, read_distribution
from flowsheet.units import magnitude
from flowsheet.upstream import UpstreamBook, package_upstream


def build_flowsheet(
    spec: RouteSpec,
    report: Any,
    uncertain: dict[str, Distribution] | None = None,
    data: SpeciesData | None = None,
    where: str = "route",
    upstream: UpstreamBook | None = None,
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
    factors = route_upstream(spec, report, where, {} if uncertain is None else uncertain)
    sheet.upstream = (upstream or package_upstream()).with_factors(factors) if factors or upstream else None
    sheet.specific_energy = specific_energy(spec, report)
    sheet.specifications = specifications(spec, report)
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
            "origin": feed.origin,
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
            values = with_passage(name, values, spec, report)
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
