"""A unit's balances as multilinear functions of its sampled parameters and its state.

Every unit's outlet maps and dose specifications are multilinear in its parameters, each
taken as it enters (:data:`~flowsheet.operations.base.ENTERS`), and in its state values.
With ``t_k`` in [0, 1] the position of coefficient ``k`` between two evaluation points,
a balance is exactly

    A(t) = Σ_S (Π_{k in S} t_k) A_S      over the subsets S of the coefficients,

whose matrices ``A_S`` follow from the balance at the 2^K corners of the box (a Möbius
transform of the corner values). So a unit is evaluated once per study, on K + 1 corners and
one check point, never once per sample: for N samples only the N x 2^K products of the
``t_k`` remain. The check point (the middle of the box) proves the multilinearity; a unit
that breaks it is refused by name.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from flowsheet.components import Components
from flowsheet.errors import FlowsheetError, UnitError
from flowsheet.operations import Operation
from flowsheet.operations.base import ENTERS

MAX_COEFFICIENTS = 8
"""Coefficients (varying parameters and state values) one unit may have: 2^8 corners at most."""

EXACTNESS = 1e-9
"""Largest deviation of a balance from its multilinear form at the check point, relative to its entries."""

ROUND_OFF = 1e-15
"""A term entry below this fraction of the balance's largest entry is rounding of the corners, not a term."""

Balance = dict[str, dict[str, np.ndarray]]


@dataclass(frozen=True)
class UnitTerms:
    """One unit's balances as a sum of constant matrices weighted by products of coefficients.

    Attributes
    ----------
    unit : str
        The unit's name.
    parameters : tuple of str
        The parameters that vary between samples (``"wash_ratio"``, ``"fractions.bleed"``).
    state : tuple of str
        The unit's state values (``"liquor_fraction"``), coefficients after the parameters.
    maps : dict of int to Balance
        ``{mask: {outlet: {port: A_S}}}``, the bits of ``mask`` naming the coefficients in S.
    specs : dict of int to Balance
        ``{mask: {dosed port: {port: w_S}}}``.
    low, high : numpy.ndarray
        The two evaluation points of each parameter, transformed as it enters.
    transforms : tuple of str
        How each parameter enters (keys of ``ENTERS``).
    """

    unit: str
    parameters: tuple[str, ...]
    state: tuple[str, ...]
    maps: dict[int, Balance]
    specs: dict[int, Balance]
    low: np.ndarray
    high: np.ndarray
    transforms: tuple[str, ...]

    @property
    def masks(self) -> list[int]:
        """The subsets with a non-zero term, constant part (0) first."""
        return sorted(set(self.maps) | set(self.specs))

    def coefficients(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """Positions ``t`` of the parameters between their evaluation points, shape (N, K_parameters)."""
        columns = []
        for name, transform, low, high in zip(self.parameters, self.transforms, self.low, self.high, strict=True):
            columns.append((ENTERS[transform](np.asarray(values[name], dtype=float)) - low) / (high - low))
        return np.stack(columns, axis=-1) if columns else np.zeros((1, 0))


def _field_of(operation: Operation, key: str) -> dataclasses.Field:
    name = key.partition(".")[0]
    for item in dataclasses.fields(operation):
        if item.name == name:
            return item
    raise UnitError(f"{operation.name}.{key}", "a parameter of the unit", key, "is not one")


def unit_terms(
    operation: Operation,
    components: Components,
    values: Mapping[str, np.ndarray] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
) -> tuple[UnitTerms, Operation]:
    """Decompose a unit's balances in the parameters that vary across `values`, and its state.

    Parameters
    ----------
    operation : Operation
        The unit, with its nominal parameters.
    components : Components
        The flowsheet's species.
    values : mapping of str to numpy.ndarray, optional
        Parameter values per sample in SI (``{"wash_ratio": array}``); parameters with one value
        for every sample are set, not decomposed.
    ranges : mapping of str to (float, float), optional
        Evaluation points to use instead of the values' least and greatest, for a parameter whose
        values they hold (a study's whole range: its chunks then share their terms).

    Returns
    -------
    tuple of (UnitTerms, Operation)
        The terms, and the unit carrying the sampled values (for temperatures, distances, checks).
    """
    values = {key: np.asarray(value, dtype=float) for key, value in (values or {}).items()}
    given = {key: (low, high) for key, (low, high) in (ranges or {}).items() if key in values and low < high}
    fixed = {key: value.reshape(-1)[0] for key, value in values.items() if np.ptp(value) == 0 and key not in given}
    varying = {key: value for key, value in values.items() if key not in fixed}
    base = operation.sampled({key: np.asarray(value) for key, value in fixed.items()}) if fixed else operation
    sampled = base.sampled(varying) if varying else base
    parameters = tuple(varying)
    transforms = tuple(_field_of(operation, key).metadata.get("enters", "linear") for key in parameters)
    state = tuple(_state_names(operation, components))
    count = len(parameters) + len(state)
    if count > MAX_COEFFICIENTS:
        raise FlowsheetError(
            f"{operation.name}: {count} parameters vary at once; at most {MAX_COEFFICIENTS} per unit can be sampled"
        )
    spans = [(float(np.min(varying[key])), float(np.max(varying[key]))) for key in parameters]
    ends = [
        given[key] if key in given and given[key][0] <= lo and hi <= given[key][1] else (lo, hi)
        for key, (lo, hi) in zip(parameters, spans, strict=True)
    ]
    low = np.array([ENTERS[t](lo) for t, (lo, _) in zip(transforms, ends, strict=True)])
    high = np.array([ENTERS[t](hi) for t, (_, hi) in zip(transforms, ends, strict=True)])
    points = [*itertools.product((0, 1), repeat=count), (None,) * count]  # the corners, then the check point
    columns = {
        key: np.array([hi if point[k] == 1 else lo if point[k] == 0 else _middle(lo, hi) for point in points])
        for k, (key, (lo, hi)) in enumerate(zip(parameters, ends, strict=True))
    }
    evaluate = base.sampled(columns) if columns else base
    state_values = None
    if state:
        offset = len(parameters)
        state_values = {
            name: np.array([0.5 if (at := point[offset + i]) is None else float(at) for point in points])
            for i, name in enumerate(state)
        }
    try:
        maps = evaluate.outlet_maps(components, state_values)
        specs = evaluate.dose_specs(components, state_values)
    except FlowsheetError as err:
        err.add_note(f"while evaluating the balances of unit {operation.name!r}")
        raise
    maps_terms = _decompose(maps, count, 2)
    specs_terms = _decompose(specs, count, 1)
    if count:
        check = np.array(
            [
                (ENTERS[t](_middle(lo, hi)) - ENTERS[t](lo)) / (ENTERS[t](hi) - ENTERS[t](lo))
                for t, (lo, hi) in zip(transforms, ends, strict=True)
            ]
            + [0.5] * len(state)
        )
        for kind, found, decomposed, rank in (
            ("outlet map", maps, maps_terms, 2),
            ("dose specification", specs, specs_terms, 1),
        ):
            _verify(found, decomposed, check, len(points) - 1, rank, operation, kind, parameters + state, transforms)
    return UnitTerms(operation.name, parameters, state, maps_terms, specs_terms, low, high, transforms), sampled


def _middle(low: float, high: float) -> float:
    """The check point between `low` and `high`: the golden section, no special point of any transform."""
    return low + 0.3819660112501051 * (high - low)  # the golden section: no special point of any transform


def _state_names(operation: Operation, components: Components) -> list[str]:
    if not operation.nonlinear:
        return []
    inlets = {port: np.zeros((1, len(components))) for port in operation.state_ports}
    return list(operation.state_values(components, inlets))


def _at(array: np.ndarray, point: int, rank: int) -> np.ndarray:
    """A balance at one evaluation point: `rank` 2 for a map, 1 for dose weights; a leading axis runs over points."""
    return array[point] if array.ndim == rank + 1 else array


def _decompose(balance: Balance, count: int, rank: int) -> dict[int, Balance]:
    """Möbius transform of the corner values, ``A_S = Σ_{T ⊆ S} (-1)^|S - T| A(T)``; zero terms left out.

    Done one coefficient at a time (``A[S] -= A[S - {k}]`` for every S holding k), K array
    subtractions instead of the 4^K of the sum as written.
    """
    terms: dict[int, Balance] = {}
    for outlet, by_port in balance.items():
        for port, array in by_port.items():
            stack = np.stack([_at(array, _corner_index(subset, count), rank) for subset in range(2**count)])
            scale = float(np.abs(stack).max(initial=0.0))
            shape = stack.shape[1:]
            for k in range(count):  # the subsets' bit k on the middle axis: those with it lose those without it
                view = stack.reshape(2 ** (count - 1 - k), 2, 2**k, *shape)
                view[:, 1] -= view[:, 0]
            stack[np.abs(stack) <= ROUND_OFF * scale] = 0.0  # what cancels to rounding is a zero term
            for mask in range(2**count):
                if mask == 0 or np.any(stack[mask] != 0.0):
                    terms.setdefault(mask, {}).setdefault(outlet, {})[port] = stack[mask]
    return terms


def _corner_index(subset: int, count: int) -> int:
    """Position in ``itertools.product((0, 1), repeat=count)`` of the corner with `subset`'s bits at 1."""
    index = 0
    for k in range(count):
        index = index * 2 + ((subset >> k) & 1)
    return index


def _verify(
    found: Balance,
    terms: dict[int, Balance],
    check: np.ndarray,
    point: int,
    rank: int,
    operation: Operation,
    kind: str,
    names: tuple[str, ...],
    transforms: tuple[str, ...],
) -> None:
    """Refuse a unit whose balance at the check point is not its multilinear form there."""
    for outlet, by_port in found.items():
        for port, array in by_port.items():
            actual = _at(array, point, rank)
            rebuilt = np.zeros_like(actual, dtype=float)
            for mask, balance in terms.items():
                weight = np.prod([check[k] for k in range(len(check)) if mask >> k & 1]) if mask else 1.0
                rebuilt = rebuilt + weight * balance.get(outlet, {}).get(port, 0.0)
            scale = max(float(np.abs(actual).max(initial=0.0)), 1e-300)
            if np.abs(rebuilt - actual).max(initial=0.0) > EXACTNESS * scale:
                shown = ", ".join(
                    f"{name} ({how})" for name, how in zip(names, (*transforms, *["state"] * len(names)), strict=False)
                )
                raise FlowsheetError(
                    f"{operation.name}: its {kind} {outlet}/{port} is not multilinear in {shown}; declare how each "
                    "parameter enters (parameter(..., enters='reciprocal' or 'odds')) so that it is"
                )
