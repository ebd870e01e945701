"""Checks on a solved mass balance: no negative flows, and mass closing per element."""

from __future__ import annotations

import numpy as np

from flowsheet.errors import SolveError
from flowsheet.graph import Flowsheet
from flowsheet.operations import Feed, Product
from flowsheet.results import Closure
from flowsheet.solve.mass import MassSolution

CLOSURE_LIMIT = 1e-9
"""Largest relative imbalance of any element, or of mass, a solve may report."""

NEGATIVE_LIMIT = 1e-10
"""A flow below minus this fraction of the largest flow is an error, not round-off."""


def check_negative(sheet: Flowsheet, solution: MassSolution) -> None:
    """Raise :class:`SolveError` naming the first stream and species with a negative flow."""
    flows = solution.flows
    limit = -NEGATIVE_LIMIT * max(np.abs(flows).max(initial=0.0), 1e-300)
    rows, cols = np.nonzero(flows < limit)
    if len(rows) == 0:
        return
    stream, label = solution.streams[rows[0]], solution.components.labels[cols[0]]
    others = len(rows) - 1
    more = f" (and {others} more negative flow{'s' if others > 1 else ''})" if others else ""
    raise SolveError(
        sheet.name,
        f"stream {stream.name!r} would carry {flows[rows[0], cols[0]]:.4g} mol/s of {label}, "
        f"from unit {stream.source!r}{more}",
        "the unit takes out more than comes in: check its parameters against its feed (a target concentration "
        "the feed is already past, a cake moisture the slurry cannot supply, a feed off the product's metal ratio)",
        unit=stream.source,
    )


def closure(sheet: Flowsheet, solution: MassSolution) -> Closure:
    """Compare what feeds bring with what products take away, per element and in mass."""
    components = solution.components
    inflow = np.zeros(len(components))
    outflow = np.zeros(len(components))
    for stream, flows in zip(solution.streams, solution.flows, strict=True):
        if isinstance(sheet.operation(stream.source), Feed):
            inflow += flows
        if isinstance(sheet.operation(stream.target), Product):
            outflow += flows
    atoms_in, atoms_out = components.elements @ inflow, components.elements @ outflow
    elements = {}
    for name, a_in, a_out, scale in zip(
        components.element_names, atoms_in, atoms_out, np.abs(components.elements) @ np.abs(inflow), strict=True
    ):
        elements[name] = abs(a_in - a_out) / scale if scale > 0 else abs(a_out)
    mass_in, mass_out = components.molar_masses @ inflow, components.molar_masses @ outflow
    mass = abs(mass_in - mass_out) / mass_in if mass_in > 0 else abs(mass_out)
    return Closure(elements, float(mass))


def check_closure(sheet: Flowsheet, found: Closure) -> None:
    """Raise :class:`SolveError` if any element or the mass closes worse than ``CLOSURE_LIMIT``."""
    if found.worst <= CLOSURE_LIMIT:
        return
    worst = max(found.elements, key=found.elements.get)  # type: ignore[arg-type]
    raise SolveError(
        sheet.name,
        f"mass does not close: {worst} is off by {found.elements[worst]:.2e} (limit {CLOSURE_LIMIT:g}), "
        f"mass by {found.mass:.2e}",
        "a unit's balance does not conserve atoms; report it with the route",
    )
