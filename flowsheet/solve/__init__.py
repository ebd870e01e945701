"""The solver: one path from a flowsheet to flows, temperatures and duties, for one sample or many.

:func:`solve` builds the flowsheet's equations once per structure (:mod:`flowsheet.solve.plan`),
evaluates them for every sample (:mod:`flowsheet.solve.engine`), checks that no flow is
negative and that mass closes on every sample (:mod:`flowsheet.solve.checks`), then computes
temperatures and duties (:mod:`flowsheet.solve.energy`) and scales to the basis.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pint

from flowsheet.errors import SolveError, UnitError
from flowsheet.graph import Flowsheet
from flowsheet.kpis import Parts
from flowsheet.results import Closure, Results
from flowsheet.solve.checks import check_closure, check_negative, closure
from flowsheet.solve.energy import energy_of
from flowsheet.solve.engine import MassSolution, solve_mass
from flowsheet.solve.figures import calculator_of
from flowsheet.solve.plan import Plan
from flowsheet.units import parse_basis

__all__ = ["MassSolution", "Study", "solve", "solve_mass", "study"]


@dataclass(frozen=True)
class Study:
    """A flowsheet solved for N samples and scaled to its basis, as arrays with a leading sample axis.

    Attributes
    ----------
    solution : MassSolution
        Unscaled flows on the reduced layout, the plan, and the units with their sampled values.
    scale : numpy.ndarray
        Factor from the unscaled solve to the basis, per sample, (N,).
    product : str
        The basis species.
    flows : numpy.ndarray
        Molar flows per basis on the plan's reduced layout, (N, L), [mol] or [mol/s]
        (:meth:`full` gives one sample over every stream and species).
    temperatures : dict of str to numpy.ndarray
        Per stream, (N,), [K].
    duties : dict of str to numpy.ndarray
        Per unit, per basis, (N,), [J] or [W].
    elements : numpy.ndarray
        Relative closure per element (names in ``solution.plan.components.element_names``), (N, E).
    mass : numpy.ndarray
        Relative mass closure, (N,).
    parts : Parts
        Flow sums, unit energies and transport legs per sample, per basis.
    kpis : dict of str to numpy.ndarray
        Every KPI of :data:`flowsheet.kpis.KPIS` per sample, in SI per basis.
    """

    solution: MassSolution
    scale: np.ndarray
    product: str
    flows: np.ndarray
    temperatures: dict[str, np.ndarray]
    duties: dict[str, np.ndarray]
    elements: np.ndarray
    mass: np.ndarray
    parts: Parts
    kpis: dict[str, np.ndarray]

    def full(self, sample: int = 0) -> np.ndarray:
        """Molar flows of one sample over every stream and species, (streams, species), per basis."""
        return self.solution.plan.expand(self.flows[sample : sample + 1])[0]


def study(
    sheet: Flowsheet,
    basis: str | pint.Quantity = "1 kg",
    product: str | None = None,
    samples: Mapping[str, np.ndarray] | None = None,
    describe: Mapping[str, np.ndarray] | None = None,
) -> Study:
    """Solve a flowsheet for every sample of its parameters and scale each to the basis.

    Parameters
    ----------
    sheet : Flowsheet
        The flowsheet; it is checked first and every problem reported at once.
    basis : str or pint.Quantity
        ``"1 kg"`` (amounts per kg of product) or a rate such as ``"50 kt/yr"``.
    product : str, optional
        The basis species; default the species of largest mass in the products of kind 'product'.
    samples : mapping of str to numpy.ndarray, optional
        ``{"unit.parameter": values}`` in the parameter's SI unit, one value per sample
        (``"filter.wash_ratio"`` in m3/kg; a mapping entry as ``"split.fractions.bleed"``).
    describe : mapping of str to numpy.ndarray, optional
        The values to name a failing sample by (as the user gave them); default `samples`.

    Raises
    ------
    SolveError
        Naming the sample (and its values) whose balance fails: accumulation in a loop,
        non-convergence, negative flows, bad closure, no product.
    """
    components = sheet.check()
    _, target, _ = parse_basis(basis)
    values = _by_unit(sheet, samples or {})
    solution = solve_mass(sheet, components, values)
    shown = describe if describe is not None else (samples or {})

    def which(sample: int) -> str:
        if not shown:
            return ""
        items = ", ".join(f"{path} = {float(np.asarray(v).reshape(-1)[sample]):.6g}" for path, v in shown.items())
        return f"sample {sample} ({items}): "

    check_negative(solution, which)
    _, elements, mass = closure(solution)
    check_closure(solution, elements, mass, which)
    plan = solution.plan
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
    heat = {unit: value * scale for unit, value in energy.duties(solution.flows, found).items()}
    temperatures = {name: np.broadcast_to(t, scale.shape) for name, t in found.items()}
    parts = calculator.parts(flows, heat, solution.operations, label)
    kpis = calculator.compute(parts)
    return Study(solution, scale, label, flows, temperatures, heat, elements, mass, parts, kpis)


def solve(
    sheet: Flowsheet,
    basis: str | pint.Quantity = "1 kg",
    product: str | None = None,
) -> Results:
    """Solve a flowsheet's mass and energy balance and scale it to a basis.

    Parameters
    ----------
    sheet : Flowsheet
        The flowsheet; it is checked first and every problem reported at once.
    basis : str or pint.Quantity
        ``"1 kg"`` (amounts per kg of product) or a rate such as ``"50 kt/yr"``.
    product : str, optional
        The species the basis counts, e.g. ``"LiNi0.8Mn0.1Co0.1O2"``; default the
        species of largest mass across the products of kind ``"product"``.

    Returns
    -------
    Results
        Flows, temperatures, duties and closure; closure is below 1e-9 or the
        solve fails.

    Raises
    ------
    FlowsheetCheckError
        If the flowsheet is not well built.
    SolveError
        On accumulation in a loop, non-convergence, negative flows or bad closure.
    """
    amount, _, _ = parse_basis(basis)
    found = study(sheet, basis, product)
    solution = found.solution
    names = solution.plan.components.element_names
    return Results(
        flowsheet=sheet,
        components=solution.plan.components,
        edges=solution.plan.streams,
        flows=found.full(0),
        temperatures={name: float(t[0]) for name, t in found.temperatures.items()},
        duties={unit: float(d[0]) for unit, d in found.duties.items()},
        doses={feed: float(d) for feed, d in zip(solution.plan.doses, solution.doses[0] * found.scale[0], strict=True)},
        closure=Closure(dict(zip(names, map(float, found.elements[0]), strict=True)), float(found.mass[0])),
        iterations=solution.iterations,
        basis=amount,
        product=found.product,
        kpis={name: float(value[0]) for name, value in found.kpis.items()},
        unit_energy=tuple(
            {
                "unit": u.unit,
                "duty": float(u.duty[0]),
                "utility": u.utility,
                "carrier": u.carrier,
                "purchased": float(u.purchased[0]),
                "co2e": float(u.co2e[0]),
            }
            for u in found.parts.units
        ),
        legs=tuple(
            {
                "leg": leg.leg,
                "mode": leg.mode,
                "distance": float(leg.distance[0]),
                "shipped": float(leg.shipped[0]),
                "tonne_km": float(leg.tonne_km[0]),
                "fuel": float(leg.fuel[0]),
                "co2e": float(leg.co2e[0]),
            }
            for leg in found.parts.legs
        ),
    )


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
    for unit, parameters in grouped.items():  # the samples at each end of each range must make a valid unit
        nominal = sheet.operation(unit)
        ends = {int(f(array)) for array in parameters.values() for f in (np.argmin, np.argmax)}
        for sample in sorted(ends):
            problems = nominal.sampled({key: np.asarray(v[sample]) for key, v in parameters.items()}).problems()
            if problems:
                shown = ", ".join(f"{unit}.{key} = {v[sample]:g}" for key, v in parameters.items())
                raise UnitError(unit, "values the unit accepts", shown, "; ".join(problems))
    return grouped


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
