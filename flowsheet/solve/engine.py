"""The mass balance of every sample at once: a flowsheet's plan evaluated group by group.

One study is N >= 1 samples of the units' parameters. Units whose parameters vary are
decomposed into multilinear terms (:mod:`flowsheet.solve.terms`); the plan for that set of
varying parameters is built once (:mod:`flowsheet.solve.plan`) and kept with the flowsheet.
Each group is then a few array products and, where a sampled unit sits in a recycle loop or
a dose depends on its own outlet, one batched dense solve. Values that no varying parameter
can move are computed once, for one sample, and kept for the next study. A nonlinear unit's
state (the washer's cake liquor fraction) is computed from its inlet once that is known, so
it costs nothing more; only where it sits in its own loop is its group iterated.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from flowsheet.components import Components
from flowsheet.errors import SolveError
from flowsheet.graph import Flowsheet
from flowsheet.operations import Operation
from flowsheet.solve import kernel_cache
from flowsheet.solve.plan import Group, Plan, Term, Variable
from flowsheet.solve.terms import UnitTerms, unit_terms

MAX_ITERATIONS = 100
"""Passes allowed for a group holding a nonlinear unit's own recycle before giving up."""

TOLERANCE = 1e-14
"""Such a group has converged when no flow changes by more than this fraction of the largest."""

ROUND_OFF = 1e-14
"""Flows smaller than this fraction of a sample's largest are round-off, set to zero."""

INITIAL_STATE = 0.5
"""State value a nonlinear unit in its own loop starts from."""

COMPILED_FROM = 2_000
"""Samples from which a study goes to the compiled kernel, when it is ready: below, numpy's fixed cost is smaller."""


@dataclass(frozen=True)
class MassSolution:
    """Solved molar flows of every sample, on the plan's reduced layout.

    Attributes
    ----------
    plan : Plan
        The equations: streams, layout (``plan.slices``, ``plan.species``), doses.
    flows : numpy.ndarray
        Flat molar flows, shape (N, L), [mol/s].
    doses : numpy.ndarray
        Amount of each dosed feed (``plan.doses``), shape (N, D), in multiples of its composition.
    iterations : int
        Passes of the most iterated group (1 when no nonlinear unit sits in its own loop).
    operations : dict of str to Operation
        Every unit, those with varying parameters carrying one value per sample.
    """

    plan: Plan
    flows: np.ndarray
    doses: np.ndarray
    iterations: int
    operations: dict[str, Operation]

    @property
    def samples(self) -> int:
        """Number of samples N."""
        return self.flows.shape[0]


@dataclass
class Plans:
    """What solving builds from one version of a flowsheet's structure, kept for the next solve.

    Attributes
    ----------
    version : int
        The :attr:`~flowsheet.graph.Flowsheet.version` it was built for; a changed flowsheet empties it.
    terms : dict of str to UnitTerms
        Each unit's nominal terms.
    plans : dict of tuple to Plan
        The plan of each set of varied parameters, ``((unit, (parameter, ...)), ...)``.
    """

    version: int = -1
    terms: dict[str, UnitTerms] = field(default_factory=dict)
    plans: dict[tuple, Plan] = field(default_factory=dict)
    sampled: dict[tuple, UnitTerms] = field(default_factory=dict)
    """The terms of a sampled unit over given ranges, by ``(unit, ((parameter, low, high), ...))``."""

    def of(self, sheet: Flowsheet) -> Plans:
        """Itself, emptied first if `sheet` changed since it was built."""
        if self.version != sheet.version:
            self.version, self.terms, self.plans, self.sampled = sheet.version, {}, {}, {}
        return self

    def sampled_terms(
        self,
        operation: Operation,
        components: Components,
        values: Mapping[str, np.ndarray],
        ranges: Mapping[str, tuple[float, float]],
    ) -> tuple[UnitTerms, Operation]:
        """:func:`~flowsheet.solve.terms.unit_terms` of a sampled unit, kept when every parameter has its range."""
        if not values or set(values) - set(ranges) or any(low >= high for low, high in ranges.values()):
            return unit_terms(operation, components, values)
        key = (operation.name, tuple((name, *ranges[name]) for name in sorted(values)))
        inside = all(ranges[n][0] <= np.min(v) and np.max(v) <= ranges[n][1] for n, v in values.items())
        if key not in self.sampled or not inside:
            terms, sampled = unit_terms(operation, components, values, ranges)
            if inside:
                self.sampled[key] = terms
            return terms, sampled
        return self.sampled[key], operation.sampled(dict(values))


def solve_mass(
    sheet: Flowsheet,
    components: Components,
    values: Mapping[str, Mapping[str, np.ndarray]] | None = None,
    samples: int = 1,
    compiled: bool | None = None,
    plans: Plans | None = None,
    ranges: Mapping[str, Mapping[str, tuple[float, float]]] | None = None,
) -> MassSolution:
    """Solve the mass balance of a checked flowsheet for every sample.

    Parameters
    ----------
    sheet : Flowsheet
        A checked flowsheet.
    components : Components
        Its species.
    values : mapping, optional
        ``{unit: {parameter: array (N,)}}`` in SI; parameters not given keep their value.
    samples : int
        Samples to solve when `values` gives none (the same balance each time: only prices vary).
    compiled : bool, optional
        Evaluate the groups the samples move in the compiled kernel (True) or with numpy (False);
        default :func:`kernel_wanted`. Both give the same flows to round-off (tested to 1e-12).
    plans : Plans, optional
        What earlier solves of this flowsheet built (a model's), used and added to; default built anew.
    ranges : mapping, optional
        ``{unit: {parameter: (low, high)}}`` in SI: the whole range the values are drawn from, so that the
        chunks of one study share their units' terms instead of each decomposing them again.

    Raises
    ------
    SolveError
        If a species accumulates in a loop, or a nonlinear unit's loop does not converge.
    """
    values = values or {}
    kept = (plans or Plans()).of(sheet)
    samples = max((len(np.atleast_1d(v)) for by_unit in values.values() for v in by_unit.values()), default=samples)
    for op in sheet.operations:
        if op.name not in kept.terms:
            kept.terms[op.name] = unit_terms(op, components)[0]
    terms = dict(kept.terms)
    operations = {op.name: op for op in sheet.operations}
    for unit, parameters in values.items():
        own = (ranges or {}).get(unit, {})
        terms[unit], operations[unit] = kept.sampled_terms(sheet.operation(unit), components, parameters, own)
    key = tuple((unit, tuple(sorted(values[unit]))) for unit in sorted(values))
    plan = kept.plans.get(key)
    if plan is None or (values and not plan.fits({unit: terms[unit] for unit in values})):
        plan = kept.plans[key] = Plan(sheet, components, terms)
    coefficients = {unit: terms[unit].coefficients(values.get(unit, {})) for unit in terms if terms[unit].parameters}
    study = _Study(plan, components, terms, coefficients, operations, samples)
    return study.run(compiled=kernel_wanted(samples) if compiled is None else compiled)


def kernel_wanted(samples: int) -> bool:
    """Whether a study of `samples` is evaluated by the compiled kernel (:mod:`flowsheet.solve.kernel`).

    ``FLOWSHEET_KERNEL=numpy`` or ``compiled`` forces the choice. By default the kernel serves
    studies of ``COMPILED_FROM`` samples or more once it is compiled and on disk; the first such
    study finds it missing, goes on with numpy and has it compiled in a separate process
    (:func:`~flowsheet.solve.kernel_cache.prepare_in_background`), so no command waits for a compile.
    """
    choice = os.environ.get("FLOWSHEET_KERNEL", "auto")
    if choice in ("numpy", "compiled"):
        return choice == "compiled"
    if samples < COMPILED_FROM:
        return False
    if kernel_cache.ready():
        return True
    kernel_cache.prepare_in_background()
    return False


class _Study:
    """One evaluation of a plan: values per unknown, coefficients per unit, for N samples."""

    def __init__(
        self,
        plan: Plan,
        components: Components,
        terms: dict[str, UnitTerms],
        coefficients: dict[str, np.ndarray],
        operations: dict[str, Operation],
        samples: int,
    ) -> None:
        self.plan, self.components, self.terms, self.samples = plan, components, terms, samples
        self.coefficients = coefficients
        self.state: dict[str, np.ndarray] = {}
        self.operations = operations
        self.sampled = {name for name, op in operations.items() if op is not plan.sheet.operation(name)}
        self.values: dict[Variable, np.ndarray] = {}
        self.moved: set[Variable] = set()
        self.iterations = 1

    def run(self, compiled: bool = False) -> MassSolution:
        """Solve every group; with `compiled`, those the samples move in the compiled kernel."""
        plan = self.plan
        moving: list[Group] = []
        for group in plan.groups:
            units = {unit for unit, _ in group.terms} | self._units(group)
            moves = bool(units & self.sampled) or any(source in self.moved for source in group.inputs)
            if not moves and all(v in plan.kept for v in group.variables):
                self.values.update({v: plan.kept[v] for v in group.variables})
                continue
            if self.sampled:
                group = self._assembled(group)
            if compiled and moves:
                moving.append(group)
                self.moved.update(group.variables)
                continue
            self._solve(group)
            if moves:
                self.moved.update(group.variables)
            else:
                plan.kept.update({v: self.values[v] for v in group.variables})
        if moving:
            return self._compiled(moving)
        flows = np.zeros((self.samples, plan.width))
        for stream in plan.streams:
            flows[:, plan.slices[stream.name]] = self.values[("s", stream.name)]
        threshold = ROUND_OFF * flows.max(axis=1, keepdims=True)  # flows are >= 0 up to round-off
        flows *= np.abs(flows) >= threshold
        doses = np.zeros((self.samples, len(plan.doses)))
        for k, feed in enumerate(plan.doses):
            doses[:, k] = self.values[("d", feed)][:, 0]
        return MassSolution(plan, flows, doses, self.iterations, self.operations)

    def _compiled(self, moving: list[Group]) -> MassSolution:
        """The moving groups solved in the compiled kernel.

        If any sample fails there (a singular group, a loop that does not converge), the study is solved
        again by the numpy path, which names the problem.
        """
        from flowsheet.solve import kernel
        from flowsheet.solve.tape import build

        known = {v: value for v, value in self.values.items() if v not in self.moved}
        tape = build(
            self.plan, self.components, moving, known, self.terms, self.coefficients, self.operations, self.samples
        )
        flows, doses, passes, status = kernel.evaluate(
            *tape.arguments(), (MAX_ITERATIONS, TOLERANCE, INITIAL_STATE, ROUND_OFF)
        )
        if status.any():
            return _Study(
                self.plan, self.components, self.terms, self.coefficients, self.operations, self.samples
            ).run()
        return MassSolution(self.plan, flows, doses, int(passes.max()), self.operations)

    def _units(self, group: Group) -> set[str]:
        """Units whose balances make this group's equations (sampled or not)."""
        if group.units is not None:
            return group.units
        found = set()
        for kind, name in group.variables:
            if kind == "s":
                found.add(self.plan.streams[self.plan.row[name]].source)
            else:
                found.update(unit for (unit, _), feed in self.plan.dose_of.items() if feed == name)
        group.units = found
        return found

    def _assembled(self, group: Group) -> Group:
        """The group with the terms of this study's sampled units (their corners differ from the plan's)."""
        if not self._units(group) & self.sampled:
            return group
        return self.plan.assemble(group.variables, self.terms)

    def _tau(self, term: Term) -> np.ndarray:
        """Weight of a term per sample: the product of its unit's coefficients named by the mask, (N or 1,)."""
        unit, mask = term
        columns = self._columns(unit)
        weight = np.ones(columns.shape[0])
        for k in range(columns.shape[1]):
            if mask >> k & 1:
                weight = weight * columns[:, k]
        return weight

    def _columns(self, unit: str) -> np.ndarray:
        parameters = self.coefficients.get(unit, np.zeros((1, 0)))
        state = self.state.get(unit)
        if state is None:
            return parameters
        rows = max(parameters.shape[0], state.shape[0])
        return np.concatenate(
            [np.broadcast_to(parameters, (rows, parameters.shape[1])), np.broadcast_to(state, (rows, state.shape[1]))],
            axis=1,
        )

    def _update_state(self, unit: str) -> None:
        operation = self.operations[unit]  # with its sampled values
        inlets = {}
        for port in operation.state_ports:
            stream = self.plan.sheet.inlets(unit)[port]
            known = self.values[("s", stream.name)]
            full = np.zeros((known.shape[0], len(self.components)))
            full[:, self.plan.species[stream.name]] = known
            inlets[port] = full
        found = operation.state_values(self.components, inlets)
        self.state[unit] = np.stack([np.asarray(found[name], dtype=float) for name in self.terms[unit].state], axis=-1)

    def _solve(self, group: Group) -> None:
        own = set(group.state_units)
        for unit in {unit for unit, _ in group.terms} - own:
            if self.terms[unit].state:
                self._update_state(unit)
        if not own:
            self._store(group, self._solve_once(group))
            return
        for unit in own:
            self.state[unit] = np.full((1, len(self.terms[unit].state)), INITIAL_STATE)
        previous = None
        for iteration in range(1, MAX_ITERATIONS + 1):
            x = self._solve_once(group)
            self._store(group, x)
            if previous is not None and previous.shape == x.shape:
                scale = np.abs(x).max(axis=1, keepdims=True)
                if (np.abs(x - previous) <= TOLERANCE * np.maximum(scale, 1e-300)).all():
                    self.iterations = max(self.iterations, iteration)
                    return
            previous = x
            for unit in own:
                self._update_state(unit)
        loops = [loop for loop in self.plan.sheet.loops() if set(loop) & own]
        where = "; ".join(" -> ".join(loop) for loop in loops) or ", ".join(sorted(own))
        change = float(np.abs(x - previous).max()) if previous is not None and previous.shape == x.shape else np.nan
        raise SolveError(
            self.plan.sheet.name,
            f"nonlinear units {', '.join(sorted(own))} did not converge in {MAX_ITERATIONS} iterations "
            f"(loop: {where}; last change {change:.3g} mol/s)",
            "check the loop's split fractions and the units' parameters; a recycle near 100 % converges slowly",
            unit=sorted(own)[0],
        )

    def _store(self, group: Group, x: np.ndarray) -> None:
        for variable, where in group.offsets.items():
            self.values[variable] = x[:, where]

    def _solve_once(self, group: Group) -> np.ndarray:
        known = [self.values[source] for source in group.inputs]
        rows = max([1, *(v.shape[0] for v in known)])
        rhs = np.broadcast_to(group.constant, (rows, group.size)).copy()
        if known:
            inputs = np.concatenate([np.broadcast_to(v, (rows, v.shape[1])) for v in known], axis=1)
            for term, matrix in group.input_matrix.items():
                product = inputs @ matrix.T
                rhs = rhs + (product if term is None else self._tau(term)[:, None] * product)
        varying = [term for term in group.matrix if term is not None]
        constant = group.matrix[None]
        try:
            if not varying:
                if group.identity:
                    return rhs
                return np.linalg.solve(constant, rhs.T).T
            weights = {term: self._tau(term) for term in varying}
            rows = max(rows, *(w.shape[0] for w in weights.values()))
            matrix = np.broadcast_to(constant, (rows, *constant.shape)).copy()
            for term, weight in weights.items():
                matrix += weight[:, None, None] * group.matrix[term]
            rhs = np.broadcast_to(rhs, (rows, group.size))
            return np.linalg.solve(matrix, rhs[..., None])[..., 0]
        except np.linalg.LinAlgError:
            raise self.plan.singular(group) from None
