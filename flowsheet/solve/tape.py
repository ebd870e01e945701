"""The groups a study's samples move, as the flat arrays the compiled kernel reads.

A :class:`Tape` lays every unknown of the plan in one vector per sample (group after group,
each group's unknowns together), starts it from the values no sample moves, and lists for each
moving group, in solve order: its constant ``c``, the entries of ``B`` (row, position read,
value, term) and of ``M`` (row, column, value, term), the terms it weighs and the states to
evaluate before it (or, for a group that holds a nonlinear unit's own recycle, on each pass).
Built in numpy once per study; :func:`flowsheet.solve.kernel.evaluate` runs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from flowsheet.components import Components
from flowsheet.operations import Operation
from flowsheet.solve.plan import Group, Plan, Term, Variable
from flowsheet.solve.terms import UnitTerms

SYSTEM = (
    "groups",
    "constant",
    "group_terms",
    "term_start",
    "term_columns",
    "m_row",
    "m_col",
    "m_term",
    "m_value",
    "b_row",
    "b_source",
    "b_term",
    "b_value",
)
"""The arrays that state the groups' equations, in the order the kernel unpacks them."""

GROUP_FIELDS = 10
"""Per group: offset, size, identity, constant start, terms start/stop, M entries start/stop, B entries start/stop."""


@dataclass(frozen=True)
class Tape:
    """One study's moving groups in flat arrays (int64 indices, float64 values), in the kernel's argument order.

    Per-sample arrays (`coefficients`, `state_scale`) run along the samples: (columns, N).
    """

    start: np.ndarray
    coefficients: np.ndarray
    term_start: np.ndarray
    term_columns: np.ndarray
    groups: np.ndarray
    constant: np.ndarray
    group_terms: np.ndarray
    m_row: np.ndarray
    m_col: np.ndarray
    m_term: np.ndarray
    m_value: np.ndarray
    b_row: np.ndarray
    b_source: np.ndarray
    b_term: np.ndarray
    b_value: np.ndarray
    state_scale: np.ndarray
    state_rows: np.ndarray
    form_index: np.ndarray
    form_weight: np.ndarray
    pre: np.ndarray
    pre_states: np.ndarray
    own: np.ndarray
    own_states: np.ndarray
    flow_index: np.ndarray
    dose_index: np.ndarray

    def arguments(self) -> tuple:
        """The arrays as :func:`flowsheet.solve.kernel.evaluate` takes them, contiguous.

        The start and the coefficients, then as tuples: the groups' system, the states' forms, the order of
        state updates and the output layout.
        """
        a = {name: np.ascontiguousarray(array) for name, array in vars(self).items()}
        system = tuple(a[name] for name in SYSTEM)
        forms = (a["state_scale"], a["state_rows"], a["form_index"], a["form_weight"])
        order = (a["pre"], a["pre_states"], a["own"], a["own_states"])
        return a["start"], a["coefficients"], system, forms, order, (a["flow_index"], a["dose_index"])


def build(
    plan: Plan,
    components: Components,
    groups: list[Group],
    known: Mapping[Variable, np.ndarray],
    terms: Mapping[str, UnitTerms],
    coefficients: Mapping[str, np.ndarray],
    operations: Mapping[str, Operation],
    samples: int,
) -> Tape:
    """The tape of the moving `groups` (assembled with the study's terms), the rest taken from `known`.

    Parameters
    ----------
    known : mapping of Variable to numpy.ndarray
        Values of the unknowns no sample moves, (1, width) each.
    coefficients : mapping of str to numpy.ndarray
        Per sampled unit, its coefficients (N or 1, K).
    operations : mapping of str to Operation
        Every unit, those sampled carrying one value per sample (their states' scales).
    """
    position: dict[Variable, int] = {}
    size = 0
    for group in plan.groups:
        for variable in group.variables:
            position[variable] = size
            size += _width(plan, variable)
    start = np.zeros(size)
    for variable, value in known.items():
        start[position[variable] : position[variable] + value.shape[1]] = value[0]
    column: dict[str, int] = {}
    blocks: list[np.ndarray] = []
    for unit in sorted({unit for group in groups for unit, _ in group.terms}):
        column[unit] = sum(block.shape[1] for block in blocks)
        blocks.append(np.broadcast_to(coefficients.get(unit, np.zeros((1, 0))), (samples, len(terms[unit].parameters))))
    table = np.ascontiguousarray(np.hstack(blocks).T) if blocks else np.zeros((0, samples))
    states = _States(plan, components, terms, operations, position, samples, table.shape[0])
    term_ids: dict[Term, int] = {}
    term_columns: list[int] = []
    term_start = [0]
    records: list[list[int]] = []
    constants: list[np.ndarray] = []
    group_terms: list[int] = []
    m_entries: list[tuple[np.ndarray, ...]] = []
    b_entries: list[tuple[np.ndarray, ...]] = []
    pre, pre_states, own, own_states = [0], [], [0], []
    m_count = b_count = constant_count = 0
    for group in groups:
        for unit, mask in sorted(group.terms):
            if (unit, mask) not in term_ids:
                term_ids[(unit, mask)] = len(term_ids)
                count = len(terms[unit].parameters)
                for k in range(count + len(terms[unit].state)):
                    if mask >> k & 1:
                        term_columns.append(column[unit] + k if k < count else states.column(unit, k - count))
                term_start.append(len(term_columns))
        reads = [position[v] + np.arange(_width(plan, v)) for v in group.inputs]
        m_entries.append(_entries(group.matrix, term_ids))
        b_entries.append(_entries(group.input_matrix, term_ids, np.concatenate(reads) if reads else None))
        used = sorted(term_ids[term] for term in group.terms)
        m_stop, b_stop = m_count + len(m_entries[-1][0]), b_count + len(b_entries[-1][0])
        terms_stop = len(group_terms) + len(used)
        records.append(
            [position[group.variables[0]], group.size, group.identity, constant_count]
            + [len(group_terms), terms_stop, m_count, m_stop, b_count, b_stop]
        )
        m_count, b_count, constant_count = m_stop, b_stop, constant_count + group.size
        group_terms += used
        constants.append(group.constant)
        mine = set(group.state_units)
        pre_states += [states.index(unit, k) for unit in sorted({u for u, _ in group.terms} - mine) for k in
                       range(len(terms[unit].state))]  # fmt: skip
        own_states += [states.index(unit, k) for unit in group.state_units for k in range(len(terms[unit].state))]
        pre.append(len(pre_states))
        own.append(len(own_states))
    m_row, m_col, m_term, m_value = (np.concatenate(parts) for parts in zip(*m_entries, strict=True))
    b_row, b_source, b_term, b_value = (np.concatenate(parts) for parts in zip(*b_entries, strict=True))
    flow_index = np.concatenate([position[("s", s.name)] + np.arange(len(plan.species[s.name])) for s in plan.streams])
    index = np.int64
    return Tape(
        start=start,
        coefficients=table,
        term_start=np.array(term_start, dtype=index),
        term_columns=np.array(term_columns, dtype=index),
        groups=np.array(records, dtype=index).reshape(-1, GROUP_FIELDS),
        constant=np.concatenate(constants),
        group_terms=np.array(group_terms, dtype=index),
        m_row=m_row.astype(index),
        m_col=m_col.astype(index),
        m_term=m_term.astype(index),
        m_value=m_value.astype(float),
        b_row=b_row.astype(index),
        b_source=b_source.astype(index),
        b_term=b_term.astype(index),
        b_value=b_value.astype(float),
        state_scale=states.scales(),
        state_rows=np.array(states.rows, dtype=index).reshape(-1, 5),
        form_index=np.array(states.positions, dtype=index),
        form_weight=np.array(states.weights, dtype=float),
        pre=np.array(pre, dtype=index),
        pre_states=np.array(pre_states, dtype=index),
        own=np.array(own, dtype=index),
        own_states=np.array(own_states, dtype=index),
        flow_index=flow_index.astype(index),
        dose_index=np.array([position[("d", feed)] for feed in plan.doses], dtype=index),
    )


def _width(plan: Plan, variable: Variable) -> int:
    """Scalars of an unknown: a stream's reachable species, or a dose's one amount."""
    return len(plan.species[variable[1]]) if variable[0] == "s" else 1


def _entries(
    by_term: Mapping[Term | None, np.ndarray], term_ids: Mapping[Term, int], reads: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The non-zero entries of a group's matrices: rows, columns (or the positions `reads` gives them), terms, values.

    The constant part's term is -1.
    """
    parts = []
    for term, matrix in by_term.items():
        row, col = np.nonzero(matrix)
        where = col if reads is None else reads[col]
        parts.append((row, where, np.full(len(row), -1 if term is None else term_ids[term]), matrix[row, col]))
    if not parts:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0, int), np.zeros(0)
    rows, places, ids, values = (np.concatenate(found) for found in zip(*parts, strict=True))
    return rows, places, ids, values


class _States:
    """The state values of the nonlinear units, each a column after the coefficients, with its linear forms."""

    def __init__(
        self,
        plan: Plan,
        components: Components,
        terms: Mapping[str, UnitTerms],
        operations: Mapping[str, Operation],
        position: Mapping[Variable, int],
        samples: int,
        first: int,
    ) -> None:
        self.first, self.samples = first, samples
        self._columns: dict[tuple[str, int], int] = {}
        self._scales: list[np.ndarray] = []
        self.rows: list[list[int]] = []
        self.positions: list[int] = []
        self.weights: list[float] = []
        for unit in plan.nonlinear:
            forms = operations[unit].state_forms(components)
            for k, name in enumerate(terms[unit].state):
                form = forms[name]
                stream = plan.sheet.inlets(unit)[form.port].name
                species = plan.species[stream]
                self._columns[(unit, k)] = first + len(self.rows)
                self._scales.append(np.broadcast_to(np.asarray(form.scale, dtype=float), (samples,)))
                row = []
                for weights in (form.numerator, form.denominator):
                    row.append(len(self.positions))
                    if weights is not None:
                        reduced = weights[species]
                        where = np.flatnonzero(reduced)
                        self.positions.extend(int(position[("s", stream)] + i) for i in where)
                        self.weights.extend(float(w) for w in reduced[where])
                    row.append(len(self.positions))
                kind = 0 if form.numerator is None else 1 if form.denominator is None else 2
                self.rows.append([row[0], row[1], row[2], row[3], kind])

    def column(self, unit: str, k: int) -> int:
        """Column of state value `k` of `unit` among the coefficients and states."""
        return self._columns[(unit, k)]

    def index(self, unit: str, k: int) -> int:
        """Index of state value `k` of `unit` among the states."""
        return self._columns[(unit, k)] - self.first

    def scales(self) -> np.ndarray:
        """Each state's scale per sample, (S, N)."""
        if not self._scales:
            return np.zeros((0, self.samples))
        return np.ascontiguousarray(np.stack(self._scales))
