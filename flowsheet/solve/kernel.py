"""The moving groups of a study evaluated in one compiled loop over blocks of samples.

:func:`evaluate` runs a :class:`~flowsheet.solve.tape.Tape` block by block (``BLOCK`` samples, all
unknowns of the block in one array, samples along the contiguous axis): for each group in turn
its weights (products of its units' coefficients and states), its right-hand side ``B X + c``
and, unless the group is a plain assignment, its matrix ``M`` and an LU solve with partial
pivoting per sample; the states of nonlinear units between groups, and a group holding a unit's
own recycle iterated until every sample of the block has converged. The entry loops run along
the samples, so the compiler vectorises them; no array of the whole study is made but the
results. It does what :class:`~flowsheet.solve.engine._Study` does with numpy, which stays the
reference the kernel is tested against (to 1e-12).

Compiled by numba on first use and cached on disk (``cache=True``); nothing here is imported
until a study asks for it (:func:`flowsheet.solve.engine.kernel_wanted`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

OK, SINGULAR, NOT_CONVERGED = 0, 1, 2
"""Status of a sample."""

BLOCK = 256
"""Samples solved together: the block's unknowns (about 100 x 256 x 8 B) stay in the processor's cache."""


@njit(cache=True)
def evaluate(start, coefficients, system, forms, order, layout, settings):
    """Flows (N, L), doses (N, D), passes and status of every sample; flows and doses in column order.

    The arguments are a :class:`~flowsheet.solve.tape.Tape`'s, grouped by
    :meth:`~flowsheet.solve.tape.Tape.arguments`; `settings` are the iteration limit, the convergence
    tolerance, the state a unit's own loop starts from and the round-off of flows.
    """
    groups, term_start = system[0], system[3]
    state_scale = forms[0]
    pre, pre_states, own, own_states = order
    flow_index, dose_index = layout
    max_iterations, tolerance, initial_state, round_off = settings
    samples, parameters = coefficients.shape[1], coefficients.shape[0]
    width, dosed = flow_index.shape[0], dose_index.shape[0]
    flows = np.empty((width, samples))  # written along the samples, returned transposed
    doses = np.empty((dosed, samples))
    passes = np.ones(samples, dtype=np.int64)
    status = np.zeros(samples, dtype=np.int64)
    largest = 1
    for g in range(groups.shape[0]):
        largest = max(largest, groups[g, 1])
    values = np.empty((start.shape[0], BLOCK))
    columns = np.empty((parameters + state_scale.shape[0], BLOCK))
    work = (
        np.empty((term_start.shape[0], BLOCK)),  # the terms' weights
        np.empty((largest, BLOCK)),  # right-hand sides
        np.empty((largest, largest)),  # one sample's matrix
        np.empty(largest),  # and its solution
    )
    previous = np.empty((largest, BLOCK))
    for first in range(0, samples, BLOCK):
        n = min(BLOCK, samples - first)
        for i in range(start.shape[0]):
            values[i, :n] = start[i]
        for k in range(parameters):
            columns[k, :n] = coefficients[k, first : first + n]
        for g in range(groups.shape[0]):
            offset, size = groups[g, 0], groups[g, 1]
            for k in range(pre[g], pre[g + 1]):
                _state(pre_states[k], first, n, values, columns, parameters, forms)
            if own[g] == own[g + 1]:
                _solve(g, first, n, values, columns, work, status, system)
                continue
            for k in range(own[g], own[g + 1]):
                columns[parameters + own_states[k], :n] = initial_state
            converged = False
            for iteration in range(1, max_iterations + 1):
                _solve(g, first, n, values, columns, work, status, system)
                if iteration > 1:
                    converged = True
                    for j in range(n):
                        scale = 1e-300
                        for i in range(size):
                            scale = max(scale, abs(values[offset + i, j]))
                        for i in range(size):
                            if abs(values[offset + i, j] - previous[i, j]) > tolerance * scale:
                                converged = False
                    if converged:
                        for j in range(n):
                            passes[first + j] = iteration
                        break
                for i in range(size):
                    previous[i, :n] = values[offset + i, :n]
                for k in range(own[g], own[g + 1]):
                    _state(own_states[k], first, n, values, columns, parameters, forms)
            if not converged:
                for j in range(n):
                    status[first + j] = max(status[first + j], NOT_CONVERGED)
        top = np.zeros(n)
        for i in range(width):
            row = values[flow_index[i]]
            for j in range(n):
                top[j] = max(top[j], row[j])
        for i in range(width):  # flows are >= 0 up to round-off
            row, out = values[flow_index[i]], flows[i]
            for j in range(n):
                out[first + j] = row[j] if abs(row[j]) >= round_off * top[j] else 0.0
        for i in range(dosed):
            doses[i, first : first + n] = values[dose_index[i], :n]
    return flows.T, doses.T, passes, status


@njit(cache=True, inline="always")
def _state(j, first, n, values, columns, parameters, forms):
    """Evaluate state value `j` of the block from the current values: ``scale * (num · n) / (den · n)``."""
    state_scale, state_rows, form_index, form_weight = forms
    row = parameters + j
    if state_rows[j, 4] == 0:
        columns[row, :n] = state_scale[j, first : first + n]
        return
    top = np.zeros(n)
    for k in range(state_rows[j, 0], state_rows[j, 1]):
        top += form_weight[k] * values[form_index[k], :n]
    bottom = np.ones(n)
    if state_rows[j, 4] == 2:
        bottom[:] = 0.0
        for k in range(state_rows[j, 2], state_rows[j, 3]):
            bottom += form_weight[k] * values[form_index[k], :n]
    for s in range(n):
        columns[row, s] = state_scale[j, first + s] * (top[s] / bottom[s]) if bottom[s] > 0 else 0.0


@njit(cache=True, inline="always")
def _solve(g, first, n, values, columns, work, status, system):
    """Solve group `g` for the block's `n` samples into `values`; a singular sample is marked in `status`."""
    groups, constant, group_terms, term_start, term_columns, m_row, m_col, m_term, m_value = system[:9]
    b_row, b_source, b_term, b_value = system[9:]
    tau, rhs, matrix, vector = work
    offset, size, identity, constant_start = groups[g, 0], groups[g, 1], groups[g, 2], groups[g, 3]
    for k in range(groups[g, 4], groups[g, 5]):
        t = group_terms[k]
        tau[t, :n] = 1.0
        for c in range(term_start[t], term_start[t + 1]):
            column = term_columns[c]
            for s in range(n):
                tau[t, s] *= columns[column, s]
    for i in range(size):
        rhs[i, :n] = constant[constant_start + i]
    for k in range(groups[g, 8], groups[g, 9]):
        row, source, value, term = b_row[k], b_source[k], b_value[k], b_term[k]
        if term < 0:
            for s in range(n):
                rhs[row, s] += value * values[source, s]
        else:
            for s in range(n):
                rhs[row, s] += tau[term, s] * (value * values[source, s])
    if identity:
        for i in range(size):
            values[offset + i, :n] = rhs[i, :n]
        return
    for s in range(n):
        for i in range(size):
            vector[i] = rhs[i, s]
            for j in range(size):
                matrix[i, j] = 0.0
        for k in range(groups[g, 6], groups[g, 7]):
            matrix[m_row[k], m_col[k]] += m_value[k] if m_term[k] < 0 else tau[m_term[k], s] * m_value[k]
        if not _lu_solve(matrix, vector, size):
            status[first + s] = SINGULAR
            continue
        for i in range(size):
            values[offset + i, s] = vector[i]


@njit(cache=True, inline="always")
def _lu_solve(matrix, vector, size):
    """Solve ``matrix x = vector`` in place (x into `vector`), LU with partial pivoting; False if singular."""
    for p in range(size):
        pivot, best = p, abs(matrix[p, p])
        for i in range(p + 1, size):
            if abs(matrix[i, p]) > best:
                pivot, best = i, abs(matrix[i, p])
        if not best > 0.0:
            return False
        if pivot != p:
            for j in range(size):
                matrix[p, j], matrix[pivot, j] = matrix[pivot, j], matrix[p, j]
            vector[p], vector[pivot] = vector[pivot], vector[p]
        for i in range(p + 1, size):
            factor = matrix[i, p] / matrix[p, p]
            if factor != 0.0:
                for j in range(p + 1, size):
                    matrix[i, j] -= factor * matrix[p, j]
                vector[i] -= factor * vector[p]
    for i in range(size - 1, -1, -1):
        total = vector[i]
        for j in range(i + 1, size):
            total -= matrix[i, j] * vector[j]
        vector[i] = total / matrix[i, i]
    return True
