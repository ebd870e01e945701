"""The mass balance: one sparse linear solve over all streams, recycles included.

Unknowns are the molar flows of every stream (``n_streams x n_species``) and one
amount per dosed feed. Equations:

- a fixed feed's stream equals its flows;
- a dosed feed's stream is its composition times its amount ``a``;
- every other stream equals its unit's outlet map applied to the unit's inlets;
- each dosed port adds its unit's dose specification.

The system is square and, for a well-posed flowsheet, regular; recycle loops are
solved exactly with no tear streams. Units marked ``nonlinear`` are re-linearised
at the last solution until the flows stop changing (successive substitution).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from flowsheet.components import Components
from flowsheet.errors import SolveError
from flowsheet.graph import Flowsheet, Stream
from flowsheet.operations import Feed
from flowsheet.operations.base import ALL_INLETS

MAX_ITERATIONS = 100
"""Successive-substitution passes allowed for nonlinear units before giving up."""

TOLERANCE = 1e-14
"""Converged when no flow changes by more than this fraction of the largest flow."""

ROUND_OFF = 1e-14
"""Flows smaller than this fraction of the largest are round-off of the sparse solve and set to zero."""


@dataclass(frozen=True)
class MassSolution:
    """Solved molar flows.

    Attributes
    ----------
    components : Components
        The species, in column order.
    streams : tuple of Stream
        In row order.
    flows : numpy.ndarray
        Molar flows, shape (streams, species), [mol/s].
    doses : dict of str to float
        Amount of each dosed feed, in multiples of its given composition, [1/s].
    iterations : int
        Linear solves done (1 if every unit is linear).
    """

    components: Components
    streams: tuple[Stream, ...]
    flows: np.ndarray
    doses: dict[str, float]
    iterations: int

    def flow(self, stream: str) -> np.ndarray:
        """Molar flows of one stream, [mol/s]."""
        return self.flows[[s.name for s in self.streams].index(stream)]


def solve_mass(sheet: Flowsheet, components: Components) -> MassSolution:
    """Solve the mass balance of a checked flowsheet.

    Raises
    ------
    SolveError
        If a species accumulates in a recycle loop (the system is singular), or
        nonlinear units do not converge within ``MAX_ITERATIONS``.
    """
    streams = tuple(sheet.streams())
    nonlinear = [op.name for op in sheet.operations if op.nonlinear]
    state = None
    previous = None
    for iteration in range(1, MAX_ITERATIONS + 1):
        flows, doses = _solve_once(sheet, components, streams, state)
        if not nonlinear:
            return MassSolution(components, streams, flows, doses, iteration)
        if previous is not None:
            change = np.abs(flows - previous).max()
            if change <= TOLERANCE * max(np.abs(flows).max(), 1e-300):
                return MassSolution(components, streams, flows, doses, iteration)
        previous = flows
        state = _state(sheet, streams, flows)
    loops = [loop for loop in sheet.loops() if set(loop) & set(nonlinear)]
    where = "; ".join(" -> ".join(loop) for loop in loops) or ", ".join(nonlinear)
    raise SolveError(
        sheet.name,
        f"nonlinear units {', '.join(nonlinear)} did not converge in {MAX_ITERATIONS} iterations "
        f"(loop: {where}; last change {change:.3g} mol/s)",
        "check the loop's split fractions and the units' parameters; a recycle near 100 % converges slowly",
        unit=nonlinear[0],
    )


def _state(sheet: Flowsheet, streams: tuple[Stream, ...], flows: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    row = {s.name: i for i, s in enumerate(streams)}
    return {
        op.name: {port: flows[row[stream.name]] for port, stream in sheet.inlets(op.name).items()}
        for op in sheet.operations
        if op.nonlinear
    }


def _solve_once(
    sheet: Flowsheet,
    components: Components,
    streams: tuple[Stream, ...],
    state: dict | None,
) -> tuple[np.ndarray, dict[str, float]]:
    n = len(components)
    row_of = {s.name: i for i, s in enumerate(streams)}
    dosed_feeds = [op.name for op in sheet.operations if isinstance(op, Feed) and op.dosed]
    dose_column = {name: len(streams) * n + k for k, name in enumerate(dosed_feeds)}
    size = len(streams) * n + len(dosed_feeds)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    values: list[np.ndarray] = []
    rhs = np.zeros(size)

    def put(row0: int, col0: int, block: np.ndarray) -> None:
        r, c = np.nonzero(block)
        rows.append(r + row0)
        cols.append(c + col0)
        values.append(block[r, c])

    identity = np.eye(n)
    for stream in streams:
        s = row_of[stream.name] * n
        put(s, s, identity)
        source = sheet.operation(stream.source)
        if isinstance(source, Feed):
            if source.dosed:
                put(s, dose_column[source.name], -source.vector(components)[:, None])
            else:
                rhs[s : s + n] = source.vector(components)
            continue
        inlets = sheet.inlets(source.name)
        maps = source.outlet_maps(components, None if state is None else state.get(source.name))
        for key, matrix in maps[stream.source_port].items():
            for inlet in inlets.values() if key == ALL_INLETS else [inlets[key]]:
                put(s, row_of[inlet.name] * n, -matrix)

    for operation in sheet.operations:
        specs = operation.dose_specs(components, None if state is None else state.get(operation.name))
        inlets, outlets = sheet.inlets(operation.name), sheet.outlets(operation.name)
        for port, weights in specs.items():
            feed = sheet.dose_source(operation.name, port)
            assert feed is not None  # the flowsheet was checked
            r = dose_column[feed.name]
            for key, w in weights.items():
                ports = inlets.values() if key == ALL_INLETS else [inlets.get(key) or outlets[key]]
                for stream in ports:
                    put(r, row_of[stream.name] * n, w[None, :])

    matrix = sp.csc_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(size, size))
    try:
        solution = spla.splu(matrix).solve(rhs)
    except RuntimeError:
        raise _singular(sheet, components, streams, matrix, dosed_feeds) from None
    flows = solution[: len(streams) * n].reshape(len(streams), n)
    flows[np.abs(flows) < ROUND_OFF * np.abs(flows).max(initial=0.0)] = 0.0
    doses = {name: float(solution[dose_column[name]]) for name in dosed_feeds}
    return flows, doses


def _singular(
    sheet: Flowsheet,
    components: Components,
    streams: tuple[Stream, ...],
    matrix: sp.csc_matrix,
    dosed_feeds: list[str],
) -> SolveError:
    """Explain a singular balance: which species accumulate in which loop, or which dose is undefined."""
    n = len(components)
    _, singular_values, vh = np.linalg.svd(matrix.toarray())
    null = vh[singular_values <= singular_values.max() * 1e-12]
    weights = np.abs(null).max(axis=0) if len(null) else np.zeros(matrix.shape[0])
    hits: list[int] = list(np.nonzero(weights > 1e-6 * weights.max())[0]) if weights.max() > 0 else []
    species_hit = sorted({components.labels[i % n] for i in hits if i < len(streams) * n})
    dose_hit = [dosed_feeds[i - len(streams) * n] for i in hits if i >= len(streams) * n]
    units_hit = {streams[i // n].source for i in hits if i < len(streams) * n}
    loops = [loop for loop in sheet.loops() if set(loop) & units_hit] or list(sheet.loops())
    where = "; ".join(" -> ".join(loop) for loop in loops) or "no loop"
    if species_hit:
        problem = f"{', '.join(species_hit)} accumulate(s) in the recycle loop {where}: nothing removes it"
        hint = "add a purge (a Splitter to a Product) or a unit that converts or separates it out of the loop"
    else:
        problem = f"the dose of {', '.join(dose_hit) or 'a reagent'} is not determined by its unit's specification"
        hint = "check that the dosed feed contains the species the unit doses"
    culprit = next((unit for loop in loops for unit in loop), next(iter(units_hit), ""))
    return SolveError(sheet.name, problem, hint, unit=culprit)
