"""Checks on a solved mass balance, per sample: no negative flows, and mass closing per element."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from flowsheet.errors import SolveError
from flowsheet.solve.engine import MassSolution
from flowsheet.solve.plan import Plan

CLOSURE_LIMIT = 1e-9
"""Largest relative imbalance of any element, or of mass, a solve may report."""

NEGATIVE_LIMIT = 1e-10
"""A flow below minus this fraction of the sample's largest flow is an error, not round-off."""


def check_finite(flowsheet: str, arrays: dict[str, np.ndarray], what: str, describe: Callable[[int], str]) -> None:
    """Raise :class:`SolveError` naming the first sample and entry (a stream, unit or KPI) that is NaN or infinite.

    `arrays` holds one array per entry with a leading sample axis; `what` says what they are, e.g. "duty".
    """
    for name, values in arrays.items():
        bad = ~np.isfinite(values)
        if bad.any():
            sample = int(np.argwhere(bad)[0][0])
            raise SolveError(
                flowsheet,
                f"{describe(sample)}the {what} of {name!r} is not a finite number",
                "a value is too large or too small for the arithmetic (a feed rate or basis many orders of magnitude "
                "from 1, a distance of 1e300 m): give values of sensible magnitude",
                unit=name.partition(".")[0] if what in ("flow", "duty") else "",
            )


def check_negative(solution: MassSolution, describe: Callable[[int], str]) -> None:
    """Raise :class:`SolveError` naming the first sample, stream and species with a negative flow.

    `describe(sample)` says which sample it is (its parameter values), or ``""`` for a single solve.
    """
    flows, plan = solution.flows, solution.plan
    limit = -NEGATIVE_LIMIT * np.maximum(flows.max(axis=1, initial=0.0), 1e-300)
    bad = flows < limit[:, None]
    if not bad.any():
        return
    sample, column = (int(i) for i in np.argwhere(bad)[0])
    stream = next(s for s in plan.streams if plan.slices[s.name].start <= column < plan.slices[s.name].stop)
    label = plan.components.labels[plan.species[stream.name][column - plan.slices[stream.name].start]]
    others = int(bad[sample].sum()) - 1
    more = f" (and {others} more negative flow{'s' if others > 1 else ''})" if others else ""
    raise SolveError(
        plan.sheet.name,
        f"{describe(sample)}stream {stream.name!r} would carry {flows[sample, column]:.4g} mol/s of {label}, "
        f"from unit {stream.source!r}{more}",
        "the unit takes out more than comes in: check its parameters against its feed (a target concentration "
        "the feed is already past, a cake moisture the slurry cannot supply, a feed off the product's metal ratio)",
        unit=stream.source,
    )


def closure(solution: MassSolution) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Compare what feeds bring with what products take away, per sample.

    Returns
    -------
    tuple of (names, elements, mass)
        Element names (``"charge"`` last), ``|in - out| / in`` per element, shape (N, E), and of
        total mass, shape (N,), [-].
    """
    plan, flows = solution.plan, solution.flows
    into, out, scale, mass_in, mass_out = (flows @ weights for weights in _closure_weights(plan))
    elements = np.where(scale > 0, np.abs(into - out) / np.where(scale > 0, scale, 1.0), np.abs(out))
    mass = np.where(mass_in > 0, np.abs(mass_in - mass_out) / np.where(mass_in > 0, mass_in, 1.0), np.abs(mass_out))
    return plan.components.element_names, elements, mass


def _closure_weights(plan: Plan) -> list[np.ndarray]:
    """Columns of the flat layout giving atoms in, atoms out, the scale of atoms in, mass in and mass out."""
    if plan.closure_columns is None:
        rows = plan.components.elements
        masses = plan.components.molar_masses
        feeds, products = plan.feeds(), plan.products()
        plan.closure_columns = [
            np.stack([plan.weights(feeds, row) for row in rows], axis=1),
            np.stack([plan.weights(products, row) for row in rows], axis=1),
            np.stack([plan.weights(feeds, np.abs(row)) for row in rows], axis=1),
            plan.weights(feeds, masses),
            plan.weights(products, masses),
        ]
    return plan.closure_columns


def check_closure(
    solution: MassSolution, elements: np.ndarray, mass: np.ndarray, describe: Callable[[int], str]
) -> None:
    """Raise :class:`SolveError` if any element or the mass of any sample closes worse than ``CLOSURE_LIMIT``."""
    worst = np.maximum(elements.max(axis=1, initial=0.0), mass)
    if worst.max(initial=0.0) <= CLOSURE_LIMIT:
        return
    sample = int(np.argmax(worst))
    names = solution.plan.components.element_names
    element = names[int(np.argmax(elements[sample]))]
    raise SolveError(
        solution.plan.sheet.name,
        f"{describe(sample)}mass does not close: {element} is off by {elements[sample].max():.2e} "
        f"(limit {CLOSURE_LIMIT:g}), mass by {mass[sample]:.2e}",
        "a unit's balance does not conserve atoms; report it with the route",
    )
