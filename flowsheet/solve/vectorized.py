"""The mass balance for many parameter samples at once.

The flowsheet's equations are ordered by their strongly connected components: a
stream depends on its unit's inlets, a dose on the ports its specification names.
Components are solved in order, each as a small dense system over only the species
that can reach its streams, for all samples together with numpy's batched solver:
no Python loop over samples. Units whose parameters vary give balances with a
leading sample axis (:meth:`~flowsheet.operations.Operation.sampled`); the others
are shared. Nonlinear units are re-linearised at the last solution until every
sample has settled.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import networkx as nx
import numpy as np

from flowsheet.components import Components
from flowsheet.errors import SolveError
from flowsheet.graph import Flowsheet, Stream
from flowsheet.operations import Feed, Operation
from flowsheet.operations.base import ALL_INLETS
from flowsheet.solve.mass import MAX_ITERATIONS, ROUND_OFF, TOLERANCE


@dataclass(frozen=True)
class BatchMassSolution:
    """Solved molar flows of every sample.

    Attributes
    ----------
    components : Components
        Species, in column order.
    streams : tuple of Stream
        In the order of the second axis of `flows`.
    flows : numpy.ndarray
        Shape (samples, streams, species), [mol/s].
    doses : dict of str to numpy.ndarray
        Amount of each dosed feed per sample.
    iterations : int
        Passes over the flowsheet (1 when every unit is linear).
    """

    components: Components
    streams: tuple[Stream, ...]
    flows: np.ndarray
    doses: dict[str, np.ndarray]
    iterations: int


class _Plan:
    """What does not change between passes: structure, orders, reduced indices, fixed feeds."""

    def __init__(self, sheet: Flowsheet, components: Components, operations: dict[str, Operation], samples: int):
        self.sheet, self.components, self.samples = sheet, components, samples
        self.operations = {op.name: operations.get(op.name, op) for op in sheet.operations}
        self.streams = tuple(sheet.streams())
        self.row = {s.name: i for i, s in enumerate(self.streams)}
        self.dose_of: dict[tuple[str, str], str] = {}
        for operation in sheet.operations:
            for port in operation.dosed_ports():
                feed = sheet.dose_source(operation.name, port)
                assert feed is not None  # the flowsheet was checked
                self.dose_of[(operation.name, port)] = feed.name
        self.nonlinear = [name for name, op in self.operations.items() if op.nonlinear]
        self.fixed_maps = {
            name: op.outlet_maps(components, None)
            for name, op in self.operations.items()
            if not op.nonlinear and not isinstance(op, Feed)
        }
        self.fixed_specs = {name: op.dose_specs(components, None) for name, op in self.operations.items()}
        self.present = self._present()
        self.index = {name: np.nonzero(mask)[0] for name, mask in self.present.items()}
        self.order = self._order()
        self.affected = self._affected()

    @classmethod
    def get(cls, sheet: Flowsheet, components: Components, operations: dict[str, Operation], samples: int) -> _Plan:
        """A plan for these sampled units, reusing the structure found last time for the same units.

        The structure (species that can reach each stream, solve order) is kept while the
        sampled values leave every balance's pattern of non-zeros inside the one it was built on.
        """
        key = f"batch-plan:{','.join(sorted(operations))}"
        plan = sheet.derived(key, lambda: cls(sheet, components, operations, samples))
        if all(plan.operations[name] is op for name, op in operations.items()) and plan.samples == samples:
            return plan
        fresh = copy.copy(plan)
        fresh.samples = samples
        fresh.operations = {**plan.operations, **operations}
        fresh.fixed_maps, fresh.fixed_specs = dict(plan.fixed_maps), dict(plan.fixed_specs)
        for name, operation in operations.items():
            if name in fresh.fixed_maps:
                fresh.fixed_maps[name] = operation.outlet_maps(components, None)
                if not _within(fresh.fixed_maps[name], plan.fixed_maps[name]):
                    rebuilt = cls(sheet, components, operations, samples)
                    sheet._derived[key] = rebuilt
                    return rebuilt
            fresh.fixed_specs[name] = operation.dose_specs(components, None)
        return fresh

    def ports(self, unit: str, key: str) -> list[Stream]:
        inlets, outlets = self.sheet.inlets(unit), self.sheet.outlets(unit)
        if key == ALL_INLETS:
            return list(inlets.values())
        return [inlets[key]] if key in inlets else [outlets[key]]

    def maps(self, unit: str, state: dict | None) -> dict:
        if unit in self.fixed_maps:
            return self.fixed_maps[unit]
        return self.operations[unit].outlet_maps(self.components, None if state is None else state.get(unit))

    def specs(self, unit: str, state: dict | None) -> dict:
        if unit in self.nonlinear and state is not None:
            return self.operations[unit].dose_specs(self.components, state.get(unit))
        return self.fixed_specs[unit]

    def _present(self) -> dict[str, np.ndarray]:
        """Species that can be non-zero in each stream, for every sample (structural)."""
        present = {s.name: np.zeros(len(self.components), bool) for s in self.streams}
        for stream in self.streams:
            source = self.operations[stream.source]
            if isinstance(source, Feed):
                present[stream.name] = source.vector(self.components) != 0
        changed = True
        while changed:
            changed = False
            for unit, operation in self.operations.items():
                if isinstance(operation, Feed):
                    continue
                for port, by_key in self.maps(unit, None).items():
                    outlet = self.sheet.outlets(unit).get(port)
                    if outlet is None:
                        continue
                    reach = present[outlet.name].copy()
                    for key, matrix in by_key.items():
                        pattern = np.abs(matrix).reshape(-1, *matrix.shape[-2:]).sum(axis=0) > 0
                        for inlet in self.ports(unit, key):
                            reach |= (pattern.astype(float) @ present[inlet.name]) > 0
                    if (reach != present[outlet.name]).any():
                        present[outlet.name], changed = reach, True
        return present

    def _affected(self) -> set[tuple[str, str]]:
        """Variables a nonlinear unit's state can move: its outlets, its doses, and all they feed."""
        graph = self._graph
        seeds = {("s", s.name) for unit in self.nonlinear for s in self.sheet.outlets(unit).values()}
        seeds |= {("d", feed) for (unit, _), feed in self.dose_of.items() if unit in self.nonlinear}
        found = set(seeds)
        for seed in seeds:
            found |= nx.descendants(graph, seed)
        return found

    def _order(self) -> list[list[tuple[str, str]]]:
        """Variables ('s', stream) and ('d', feed) grouped in strongly connected components, in solve order."""
        graph = nx.DiGraph()
        for stream in self.streams:
            node = ("s", stream.name)
            graph.add_node(node)
            source = self.operations[stream.source]
            if isinstance(source, Feed):
                if source.dosed:
                    graph.add_edge(("d", source.name), node)
                continue
            for key in self.maps(stream.source, None)[stream.source_port]:
                for inlet in self.ports(stream.source, key):
                    graph.add_edge(("s", inlet.name), node)
        for (unit, port), feed in self.dose_of.items():
            node = ("d", feed)
            graph.add_node(node)
            for key in self.fixed_specs[unit][port]:
                for stream in self.ports(unit, key):
                    graph.add_edge(("s", stream.name), node)
        self._graph = graph
        condensed = nx.condensation(graph)
        return [sorted(condensed.nodes[group]["members"]) for group in nx.topological_sort(condensed)]


def _pattern(matrix: np.ndarray) -> np.ndarray:
    return np.abs(matrix).reshape(-1, *matrix.shape[-2:]).sum(axis=0) > 0


def _within(new: dict, old: dict) -> bool:
    """True if every balance in `new` is non-zero only where the one in `old` is."""
    return all(
        not (_pattern(matrix) & ~_pattern(old[port][key])).any()
        for port, by_key in new.items()
        for key, matrix in by_key.items()
    )


def solve_mass_batch(
    sheet: Flowsheet, components: Components, operations: dict[str, Operation], samples: int
) -> BatchMassSolution:
    """Solve the mass balance of `samples` variants of a checked flowsheet at once.

    Parameters
    ----------
    sheet : Flowsheet
        The nominal flowsheet (checked).
    components : Components
        Its species.
    operations : dict of str to Operation
        Units replaced by sampled copies (:meth:`Operation.sampled`), by name.
    samples : int
        Number of samples N; sampled parameters have shape (N,).

    Raises
    ------
    SolveError
        If a component of the flowsheet is singular for some sample (a species with
        no way out of a loop), or nonlinear units do not settle.
    """
    plan = _Plan.get(sheet, components, operations, samples)
    state: dict | None = None
    previous = None
    values: dict[tuple[str, str], np.ndarray] = {}
    for iteration in range(1, MAX_ITERATIONS + 1):
        values = _pass(plan, state, values)
        reduced = np.concatenate([values[("s", s.name)] for s in plan.streams], axis=1)
        if not plan.nonlinear:
            return _solution(plan, values, iteration)
        if previous is not None:
            scale = np.abs(reduced).max(axis=1, keepdims=True)
            if (np.abs(reduced - previous) <= TOLERANCE * np.maximum(scale, 1e-300)).all():
                return _solution(plan, values, iteration)
        previous = reduced
        state = {
            unit: {port: _full(plan, values, s) for port, s in sheet.inlets(unit).items()} for unit in plan.nonlinear
        }
    raise SolveError(
        sheet.name,
        f"nonlinear units {', '.join(plan.nonlinear)} did not settle in {MAX_ITERATIONS} passes for every sample",
        "check the sampled ranges of the units in recycle loops",
        unit=plan.nonlinear[0],
    )


def _full(plan: _Plan, values: dict, stream: Stream) -> np.ndarray:
    """One stream's flows over all species, (N, n)."""
    full = np.zeros((plan.samples, len(plan.components)))
    full[:, plan.index[stream.name]] = values[("s", stream.name)]
    return full


def _solution(plan: _Plan, values: dict, iterations: int) -> BatchMassSolution:
    flows = np.zeros((plan.samples, len(plan.streams), len(plan.components)))
    for stream in plan.streams:
        flows[:, plan.row[stream.name], plan.index[stream.name]] = values[("s", stream.name)]
    largest = np.abs(flows).max(axis=(1, 2), keepdims=True)
    flows[np.abs(flows) < ROUND_OFF * largest] = 0.0
    doses = {name: values[("d", name)] for kind, name in values if kind == "d"}
    return BatchMassSolution(plan.components, plan.streams, flows, doses, iterations)


def _batched(array: np.ndarray, samples: int) -> np.ndarray:
    return np.broadcast_to(array, (samples, *array.shape[-2:])) if array.ndim == 2 else array


def _pass(plan: _Plan, state: dict | None, previous: dict) -> dict[tuple[str, str], np.ndarray]:
    """Solve every group in order; after the first pass only what the nonlinear units can move."""
    values: dict[tuple[str, str], np.ndarray] = {}
    maps = {unit: plan.maps(unit, state) for unit in plan.operations if not isinstance(plan.operations[unit], Feed)}
    for group in plan.order:
        if state is not None and not any(variable in plan.affected for variable in group):
            values.update({variable: previous[variable] for variable in group})
            continue
        if len(group) == 1 and group[0][0] == "s":
            kind, name = group[0]
            stream = plan.streams[plan.row[name]]
            source = plan.operations[stream.source]
            if not isinstance(source, Feed) or not source.dosed:
                values[group[0]] = _direct(plan, stream, maps, values)
                continue
        _solve_group(plan, group, maps, state, values)
    return values


def _direct(plan: _Plan, stream: Stream, maps: dict, values: dict) -> np.ndarray:
    """A stream that depends only on streams already solved: a product of its unit's map."""
    rows = plan.index[stream.name]
    source = plan.operations[stream.source]
    if isinstance(source, Feed):
        return np.broadcast_to(source.vector(plan.components)[rows], (plan.samples, len(rows)))
    total = np.zeros((plan.samples, len(rows)))
    for key, matrix in maps[stream.source][stream.source_port].items():
        for inlet in plan.ports(stream.source, key):
            cols = plan.index[inlet.name]
            block = matrix[..., rows[:, None], cols[None, :]]
            total = total + np.einsum("...ij,...j->...i", block, values[("s", inlet.name)])
    return total


def _solve_group(plan: _Plan, group: list[tuple[str, str]], maps: dict, state: dict | None, values: dict) -> None:
    samples = plan.samples
    offsets, size = {}, 0
    for variable in group:
        offsets[variable] = size
        size += len(plan.index[variable[1]]) if variable[0] == "s" else 1
    matrix = np.zeros((samples, size, size))
    rhs = np.zeros((samples, size))

    def add(row: slice | int, variable: tuple[str, str], block: np.ndarray) -> None:
        """Move ``block @ x[variable]`` to the left side if it is unknown here, else to the right."""
        if variable in offsets:
            start = offsets[variable]
            width = block.shape[-1]
            matrix[:, row, start : start + width] += block
        else:
            known = values[variable]
            rhs[:, row] -= (
                np.einsum("...ij,...j->...i", block, known)
                if block.ndim > 1 and not isinstance(row, int)
                else np.einsum("...j,...j->...", block, known)
            )

    for variable in group:
        start = offsets[variable]
        kind, name = variable
        if kind == "s":
            stream = plan.streams[plan.row[name]]
            rows = plan.index[name]
            here = slice(start, start + len(rows))
            matrix[:, here, here] += np.eye(len(rows))
            source = plan.operations[stream.source]
            if isinstance(source, Feed):
                composition = source.vector(plan.components)[rows]
                matrix[:, here, offsets[("d", source.name)]] -= composition
                continue
            for key, block in maps[stream.source][stream.source_port].items():
                for inlet in plan.ports(stream.source, key):
                    cols = plan.index[inlet.name]
                    add(here, ("s", inlet.name), -_batched(block[..., rows[:, None], cols[None, :]], samples))
        else:
            unit, port = next(k for k, feed in plan.dose_of.items() if feed == name)
            for key, weights in plan.specs(unit, state)[port].items():
                for stream in plan.ports(unit, key):
                    cols = plan.index[stream.name]
                    row_weights = np.broadcast_to(weights[..., cols], (samples, len(cols)))
                    add(start, ("s", stream.name), row_weights)
    try:
        solution = np.linalg.solve(matrix, rhs[..., None])[..., 0]
    except np.linalg.LinAlgError:
        units = sorted({plan.streams[plan.row[name]].source for kind, name in group if kind == "s"})
        raise SolveError(
            plan.sheet.name,
            f"the balance of {', '.join(units)} has no unique solution for some samples",
            "a species may have no way out of a loop, or a dose no species to act on",
            unit=units[0] if units else "",
        ) from None
    for variable in group:
        start = offsets[variable]
        if variable[0] == "s":
            values[variable] = solution[:, start : start + len(plan.index[variable[1]])]
        else:
            values[variable] = solution[:, start]
