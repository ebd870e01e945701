"""The solver: mass balance (one sparse linear solve), checks, temperatures and duties, scaled to a basis."""

from __future__ import annotations

import numpy as np
import pint

from flowsheet.errors import SolveError
from flowsheet.graph import Flowsheet
from flowsheet.operations import Product
from flowsheet.results import Results
from flowsheet.solve.checks import check_closure, check_negative, closure
from flowsheet.solve.energy import duties, solve_temperatures
from flowsheet.solve.mass import MassSolution, solve_mass
from flowsheet.units import parse_basis

__all__ = ["MassSolution", "solve", "solve_mass"]


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
    components = sheet.check()
    amount, target, _ = parse_basis(basis)
    solution = solve_mass(sheet, components)
    check_negative(sheet, solution)
    found = closure(sheet, solution)
    check_closure(sheet, found)
    product_label, produced = _product(sheet, solution, product)
    scale = target / produced
    batch = solution.flows[None]
    temperatures = {name: float(t[0]) for name, t in solve_temperatures(sheet, solution.streams, batch).items()}
    heat = {
        unit: float(d[0])
        for unit, d in duties(
            sheet, solution.streams, batch, {k: np.array([v]) for k, v in temperatures.items()}
        ).items()
    }
    return Results(
        flowsheet=sheet,
        components=components,
        edges=solution.streams,
        flows=solution.flows * scale,
        temperatures=temperatures,
        duties={unit: value * scale for unit, value in heat.items()},
        doses={feed: value * scale for feed, value in solution.doses.items()},
        closure=found,
        iterations=solution.iterations,
        basis=amount,
        product=product_label,
    )


def _product(sheet: Flowsheet, solution: MassSolution, product: str | None) -> tuple[str, float]:
    """The basis species and its unscaled mass in the products of kind 'product', [kg/s]."""
    components = solution.components
    total = np.zeros(len(components))
    for stream, flows in zip(solution.streams, solution.flows, strict=True):
        target = sheet.operation(stream.target)
        if isinstance(target, Product) and target.kind == "product":
            total += flows
    masses = total * components.molar_masses
    if product is None:
        index = int(np.argmax(masses))
    else:
        index = components.index(product)
    if masses[index] <= 0:
        raise SolveError(
            sheet.name,
            f"no {components.labels[index]} reaches a Product of kind 'product', so there is no basis to scale to",
            "connect the product stream to Product(..., kind='product') or name another basis species",
        )
    return components.labels[index], float(masses[index])
