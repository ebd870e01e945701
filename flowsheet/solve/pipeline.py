"""One solve from a flowsheet to Results: flows, checks, basis, temperatures, duties and KPIs, for N samples.

:func:`run` evaluates the flowsheet's equations for every sample (:mod:`flowsheet.solve.engine`),
checks that no flow is negative and that mass closes on every sample (:mod:`flowsheet.solve.checks`),
scales to the basis, computes temperatures and duties (:mod:`flowsheet.solve.energy`) and every KPI
(:mod:`flowsheet.solve.figures`), and returns them as plain data in :class:`~flowsheet.results.Results`.
A :class:`~flowsheet.solve.model.Model` calls it with its plans and its parameters in SI.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pint

from flowsheet.errors import SolveError, UnitError
from flowsheet.graph import Flowsheet
from flowsheet.operations import Feed, Product
from flowsheet.results import Closure, Layout, Results
from flowsheet.solve.checks import check_closure, check_finite, check_negative, closure
from flowsheet.solve.energy import energy_of
from flowsheet.solve.engine import Plans, solve_mass
from flowsheet.solve.figures import calculator_of
from flowsheet.solve.plan import Plan, Structure
from flowsheet.units import parse_basis


@np.errstate(over="ignore", invalid="ignore", divide="ignore")  # non-finite values are caught and named
def run(
    sheet: Flowsheet,
    plans: Plans,
    basis: str | pint.Quantity,
    product: str | None,
    samples: Mapping[str, np.ndarray],
    describe: Mapping[str, np.ndarray],
    ranges: Mapping[str, tuple[float, float]] | None = None,
) -> Results:
    """Solve a flowsheet's mass and energy balance for every sample and scale each to the basis.

    Parameters
    ----------
    sheet : Flowsheet
        The flowsheet; it is checked first and every problem reported at once.
    plans : Plans
        What earlier solves built, used and added to.
    basis : str or pint.Quantity
        ``"1 kg"`` (amounts per kg of product) or a rate such as ``"50 kt/yr"``.
    product : str, optional
        The species the basis counts; default the species of largest mass across the products of
        kind ``"product"``.
    samples : mapping of str to numpy.ndarray
        ``{"unit.parameter": values}`` in the parameter's SI unit, one value per sample (a mapping
        entry as ``"split.fractions.bleed"``, a price as ``"prices.Ni"`` in USD per SI unit).
    describe : mapping of str to numpy.ndarray
        The same values by route-file path, to name a failing sample by and to keep in the results.
    ranges : mapping of str to (float, float), optional
        By the paths of `samples`: the range the values are drawn from, [SI], shared by a study's chunks,
        whose values were checked against the units together (:func:`check_samples`), so not again here.

    Raises
    ------
    FlowsheetCheckError
        If the flowsheet is not well built.
    SolveError
        Naming the sample (and its values) whose balance fails: accumulation in a loop,
        non-convergence, negative flows, bad closure, no product.
    """
    components = sheet.check()
    amount, target, _ = parse_basis(basis)
    prices, factors, by_path = _sampled(sheet, samples)
    values = _by_unit(sheet, by_path)
    if ranges is None:  # a study's chunks were checked together (check_samples)
        _check_ends(sheet, values)
    count = max((len(v) for v in [*prices.values(), *factors.values()]), default=1)
    by_unit: dict[str, dict[str, tuple[float, float]]] = {}
    for path, ends in (ranges or {}).items():
        unit, _, key = path.partition(".")
        by_unit.setdefault(unit, {})[key] = ends
    solution = solve_mass(sheet, components, values, count, plans=plans, ranges=by_unit)

    def which(sample: int) -> str:
        if not describe:
            return ""
        items = ", ".join(f"{path} = {float(np.asarray(v).reshape(-1)[sample]):.6g}" for path, v in describe.items())
        return f"sample {sample} ({items}): "

    plan = solution.plan
    if not np.isfinite(solution.flows).all():  # name the stream only when there is one to name
        check_finite(sheet.name, {s.name: solution.flows[:, plan.slices[s.name]] for s in plan.streams}, "flow", which)
    check_negative(solution, which)
    names, elements, mass = closure(solution)
    check_closure(solution, elements, mass, which)
    calculator = calculator_of(plan)
    label, produced = _product(plan, calculator.product_mass, solution.flows, product)
    if np.any(produced <= 0):
        sample = int(np.argmax(produced <= 0))
        raise SolveError(
            sheet.name,
            f"{which(sample)}no {label} reaches a Product of kind 'product', so there is no basis to scale to",
            "connect the product stream to Product(..., kind='product') or name another basis species",
        )
    scale = target / produced
    flows = solution.flows * scale[:, None]
    energy = energy_of(plan)
    found = energy.temperatures(solution.flows, solution.operations)
    duties = {unit: value * scale for unit, value in energy.duties(solution.flows, found).items()}
    parts = calculator.parts(flows, duties, solution.operations, label, prices, factors)
    kpis = calculator.compute(parts)
    if not (np.isfinite(flows).all() and all(np.isfinite(duty).all() for duty in duties.values())):
        scaled = np.hstack([flows, *(duty[:, None] for duty in duties.values())])
        sample = int(np.argmax(~np.isfinite(scaled).all(axis=1)))
        raise SolveError(
            sheet.name,
            f"{which(sample)}the basis {amount:~} scales flows or duties beyond the range of numbers",
            "give a basis of sensible magnitude, e.g. '1 kg' or '50 kt/yr'",
        )
    check_finite(sheet.name, kpis, "KPI", which)
    structure = _structure(plan)
    return Results(
        name=sheet.name,
        edges=plan.streams,
        feeds=structure.feeds,
        products=structure.products,
        components=components,
        layout=structure.layout,
        flows=flows,
        temperatures={
            name: t if np.shape(t) == scale.shape else np.broadcast_to(t, scale.shape) for name, t in found.items()
        },
        duties=duties,
        doses={feed: solution.doses[:, k] * scale for k, feed in enumerate(plan.doses)},
        closure=Closure(dict(zip(names, elements.T, strict=True)), mass),
        iterations=solution.iterations,
        basis=amount,
        product=label,
        kpis=kpis,
        unit_energy=tuple(parts.units),
        legs=tuple(parts.legs),
        specific_energy=sheet.specific_energy,
        specifications=sheet.specifications,
        cost_lines=tuple(parts.costs),
        unpriced=tuple(calculator.pricing.unpriced),
        upstream_lines=tuple(parts.upstream),
        without_factor=tuple(calculator.upstream.missing),
        parameters={path: np.asarray(v, dtype=float).reshape(-1) for path, v in describe.items()},
        species_layers=sheet.species_data.layers,
        overridden=sheet.species_data.overridden,
        overrides=sheet.species_data.overrides,
        estimated=structure.estimated,
    )


def _structure(plan: Plan) -> Structure:
    """What Results take from a plan's structure alone, built once per plan."""
    if plan.structure is None:
        sheet, components = plan.sheet, plan.components
        plan.structure = Structure(
            feeds={op.name: op.recycled for op in sheet.operations if isinstance(op, Feed)},
            products={op.name: op.kind for op in sheet.operations if isinstance(op, Product)},
            layout=Layout(plan.species, plan.slices, plan.width),
            estimated=tuple(f"{s.label}: {', '.join(s.estimated)}" for s in components.species if s.estimated),
        )
    return plan.structure


PRICES = "prices."
"""Sampled prices are named ``prices.<key>`` (``prices.Ni``, ``prices.electricity``), in USD per SI unit."""
UPSTREAM = "upstream."
"""Sampled cradle-to-gate factors are named ``upstream.<key>`` (``upstream.Ni``), in kg CO2e per kg."""


def _sampled(
    sheet: Flowsheet, samples: Mapping[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Sampled prices and upstream factors by key, and the unit parameters left; each finite and not negative.

    A unit named ``prices`` or ``upstream`` keeps its parameters under that name.
    """
    found: dict[str, dict[str, np.ndarray]] = {PRICES: {}, UPSTREAM: {}}
    others = {}
    for path, value in samples.items():
        prefix = next((p for p in found if path.startswith(p) and p.rstrip(".") not in sheet.graph), None)
        if prefix is None:
            others[path] = value
            continue
        array = np.asarray(value, dtype=float).reshape(-1)
        if not len(array) or not np.isfinite(array).all() or (array < 0).any():
            what = "price" if prefix == PRICES else "factor"
            raise UnitError(path, f"one finite {what} >= 0 per sample", repr(value), "is not")
        found[prefix][path.removeprefix(prefix)] = array
    arrays = [*found[PRICES].values(), *found[UPSTREAM].values(), *(np.atleast_1d(v) for v in others.values())]
    if len({len(v) for v in arrays}) > 1:
        counts = sorted({len(v) for v in arrays})
        raise UnitError("samples", "one value per sample for every parameter", str(counts), "lengths differ")
    return found[PRICES], found[UPSTREAM], others


def _by_unit(sheet: Flowsheet, samples: Mapping[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """``{"unit.parameter": values}`` to ``{unit: {parameter: values}}``, checking names and shapes."""
    grouped: dict[str, dict[str, np.ndarray]] = {}
    counts = set()
    for path, value in samples.items():
        unit, _, key = path.partition(".")
        if unit not in sheet.graph or not key:
            raise UnitError(path, "unit.parameter of a unit in the flowsheet", path, "names no unit parameter")
        array = np.asarray(value, dtype=float).reshape(-1)
        if not len(array) or not np.isfinite(array).all():
            raise UnitError(path, "one finite value per sample", repr(value), "is not")
        counts.add(len(array))
        grouped.setdefault(unit, {})[key] = array
    if len(counts) > 1:
        raise UnitError("samples", "one value per sample for every parameter", str(sorted(counts)), "lengths differ")
    return grouped


def check_samples(sheet: Flowsheet, samples: Mapping[str, np.ndarray]) -> None:
    """Refuse samples whose values at either end of a parameter's range make a unit it does not accept.

    `samples` by solver path (``"filter.wash_ratio"``), in SI. A study checks all its samples once so
    that its chunks, solved with their ``ranges``, are not checked again.
    """
    _check_ends(sheet, _by_unit(sheet, _sampled(sheet, samples)[2]))


def _check_ends(sheet: Flowsheet, grouped: Mapping[str, Mapping[str, np.ndarray]]) -> None:
    """Raise UnitError naming the values if a sample at an end of a range makes a unit with problems."""
    for unit, parameters in grouped.items():  # the samples at each end of each range must make a valid unit
        nominal = sheet.operation(unit)
        ends = {int(f(array)) for array in parameters.values() for f in (np.argmin, np.argmax)}
        for sample in sorted(ends):
            problems = nominal.sampled({key: np.asarray(v[sample]) for key, v in parameters.items()}).problems()
            if problems:
                shown = ", ".join(f"{unit}.{key} = {v[sample]:g}" for key, v in parameters.items())
                listed = "; ".join(
                    f"{p.field or p.port}: {p.message}" if p.field or p.port else p.message for p in problems
                )
                raise UnitError(unit, "values the unit accepts", shown, listed, problems[0].hint)


def _product(
    plan: Plan, product_mass: Callable[[np.ndarray, str], np.ndarray], flows: np.ndarray, product: str | None
) -> tuple[str, np.ndarray]:
    """The basis species and its unscaled mass in products of kind 'product', per sample, [kg/s].

    By default the basis species is the largest by mass there, in the first sample.
    """
    if product is None:
        masses = np.zeros(len(plan.components))
        for stream in plan.products("product"):
            columns = plan.species[stream.name]
            masses[columns] += flows[0, plan.slices[stream.name]] * plan.components.molar_masses[columns]
        label = plan.components.labels[int(np.argmax(masses))]
    else:
        label = plan.components.labels[plan.components.index(product)]
    return label, product_mass(flows, label)
