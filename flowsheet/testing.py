"""One battery of checks for any unit operation, ours or a user's: :func:`check_operation`.

A unit operation (a frozen dataclass deriving from :class:`~flowsheet.operations.Operation`)
is solvable by the package when its balances are linear in its flows and multilinear in its
parameters, conserve every element, and report bad parameters as problems. The checks here
prove each of these on random feeds; because a balance is linear, conservation for random
feeds is conservation for every feed. Each element (and charge) is checked on its own, never
summed, so +1 O and -1 H cannot cancel. Use it in your tests::

    from flowsheet.testing import check_operation

    def test_my_unit():
        check_operation(MyUnit("u", ratio=0.3), broken={"ratio": -1.0})
"""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from flowsheet.components import Components
from flowsheet.errors import FlowsheetError
from flowsheet.operations import Operation
from flowsheet.operations.base import ALL_INLETS
from flowsheet.solve.terms import unit_terms
from flowsheet.thermo import package_data

POOL = ("H2O(l)", "H2O(g)", "O2(g)", "N2(g)", "Na2SO4(aq)", "NiSO4(aq)", "NH3(aq)", "Ni(OH)2(s)", "Na2SO4(s)")
"""Species fed besides the unit's own, so that a balance also meets species it does not name."""

FACTORS = (0.9, 0.97, 1.0, 1.05)
"""Multiples of each numeric parameter sampled at once; the examples stay inside their bounds."""


def operation_components(operation: Operation, extra: Sequence[str] = POOL) -> Components:
    """The species a check feeds a unit: those it names, a common pool, and those it derives from them."""
    labels = [*operation.species(), *extra]
    return Components([*labels, *operation.derived_species(labels, package_data())])


def numeric_parameters(operation: Operation) -> dict[str, float]:
    """Every scalar parameter of a unit as :meth:`~flowsheet.operations.Operation.sampled` names it, with its value.

    Temperatures are left out: they set outlet temperatures, not balances.
    """
    found = {}
    for item in dataclasses.fields(operation):
        value = getattr(operation, item.name)
        if item.metadata.get("unit") is not None and isinstance(value, float) and item.name != "temperature":
            found[item.name] = float(value)
        elif isinstance(value, dict) and value and all(isinstance(v, float) for v in value.values()):
            found.update({f"{item.name}.{key}": float(v) for key, v in value.items()})
    return found


def random_inlets(operation: Operation, components: Components, seed: int = 0) -> dict[str, np.ndarray]:
    """Positive random flows for every inlet port, [mol/s]."""
    rng = np.random.default_rng(seed)
    return {port: rng.uniform(0.1, 2.0, len(components)) for port in operation.inlet_ports()}


def state_of(operation: Operation, components: Components, inlets: Mapping[str, np.ndarray]) -> dict | None:
    """A nonlinear unit's state for these inlets (None for a linear unit)."""
    if not operation.nonlinear:
        return None
    return operation.state_values(components, {port: inlets[port] for port in operation.state_ports})


def _conserves(operation: Operation, components: Components) -> list[str]:
    failures = []
    for seed in (0, 1, 2):
        inlets = random_inlets(operation, components, seed)
        outlets = operation.apply(components, inlets, state_of(operation, components, inlets))
        if set(outlets) != set(operation.outlet_ports()):
            return [f"apply() gives outlets {sorted(outlets)}, the unit declares {sorted(operation.outlet_ports())}"]
        fed = sum(inlets.values(), np.zeros(len(components)))
        atoms_in, atoms_out = components.elements @ fed, components.elements @ sum(outlets.values())
        scale = np.abs(components.elements) @ fed
        for name, a_in, a_out, s in zip(components.element_names, atoms_in, atoms_out, scale, strict=True):
            if not abs(a_out - a_in) <= 1e-12 * s:
                failures.append(f"{name} is not conserved for random feed {seed}: in {a_in:.12g}, out {a_out:.12g}")
    return failures


def _zero_feed(operation: Operation, components: Components) -> list[str]:
    zeros = {port: np.zeros(len(components)) for port in operation.inlet_ports()}
    outlets = operation.apply(components, zeros, state_of(operation, components, zeros))
    return [f"outlet {port} carries flow from no feed" for port, flows in outlets.items() if flows.any()]


def _doses(operation: Operation, components: Components) -> list[str]:
    inlets = random_inlets(operation, components)
    specs = operation.dose_specs(components, state_of(operation, components, inlets))
    failures = []
    if set(specs) != set(operation.dosed_ports()):
        failures.append(f"dose specifications for {sorted(specs)}, dosed ports {sorted(operation.dosed_ports())}")
    ports = set(operation.inlet_ports()) | set(operation.outlet_ports()) | {ALL_INLETS}
    for port, weights in specs.items():
        if not set(weights) <= ports:
            failures.append(f"the dose of {port} reads unknown ports {sorted(set(weights) - ports)}")
        key = operation.key_species(port)
        if key is None or key not in components:
            failures.append(f"the dose of {port} names no key species the feed must bring")
        if not all(np.isfinite(w).all() and w.shape == (len(components),) for w in weights.values()):
            failures.append(f"the dose of {port} has weights that are not finite, one per species")
        elif not any(np.abs(w).max() > 0 for w in weights.values()):
            failures.append(f"the dose of {port} is all zero")
    return failures


def _close(found: np.ndarray, expected: np.ndarray, tolerance: float) -> bool:
    return bool(np.allclose(found, expected, rtol=tolerance, atol=tolerance * max(np.abs(expected).max(), 1e-300)))


def _samples(operation: Operation, components: Components) -> list[str]:
    """Sampled balances, and their multilinear terms, equal the balances of each sample on its own."""
    parameters = numeric_parameters(operation)
    if not parameters:
        return []
    factors = np.array(FACTORS)
    values = {name: value * factors for name, value in parameters.items()}
    inlets = random_inlets(operation, components)
    state = state_of(operation, components, inlets)
    batch = operation.sampled(values)
    batched_state = None if state is None else {name: np.tile(v, len(factors)) for name, v in state.items()}
    maps, specs = batch.outlet_maps(components, batched_state), batch.dose_specs(components, batched_state)
    try:
        terms, _ = unit_terms(operation, components, values)
    except FlowsheetError as err:
        return [str(err)]
    columns = terms.coefficients(values)
    if terms.state and state is not None:
        fixed = np.stack([np.full(len(factors), float(state[name])) for name in terms.state], axis=1)
        columns = np.concatenate([np.broadcast_to(columns, (len(factors), columns.shape[1])), fixed], axis=1)
    failures = []
    for k, factor in enumerate(factors):
        single = operation.sampled({name: value * factor for name, value in parameters.items()})
        for outlet, by_port in single.outlet_maps(components, state).items():
            for port, matrix in by_port.items():
                rebuilt = _rebuilt(columns, terms.maps, outlet, port)
                failures += _against(k, f"map {outlet}/{port}", matrix, maps[outlet][port], rebuilt)
        for port, weights in single.dose_specs(components, state).items():
            for key, row in weights.items():
                failures += _against(
                    k, f"dose {port}/{key}", row, specs[port][key], _rebuilt(columns, terms.specs, port, key)
                )
    return sorted(set(failures))


def _against(k: int, what: str, expected: np.ndarray, sampled: np.ndarray, rebuilt: Any) -> list[str]:
    """Sample `k` of a sampled balance, and of its multilinear terms, against the unit built with that sample."""
    shape = (len(FACTORS), *expected.shape)
    failures = []
    if not _close(np.broadcast_to(sampled, shape)[k], expected, 1e-14):
        failures.append(f"the sampled {what} differs from sample {k}'s own")
    if not _close(np.broadcast_to(rebuilt, shape)[k], expected, 1e-12):
        failures.append(f"the multilinear terms of {what} miss sample {k}")
    return failures


def _rebuilt(columns: np.ndarray, balance: dict, outer: str, inner: str) -> Any:
    """Σ_S Π_{k in S} t_k A_S for each sample, from the decomposition."""
    total: Any = 0.0
    for mask, by_outer in balance.items():
        weight = np.prod(columns[:, [k for k in range(columns.shape[1]) if mask >> k & 1]], axis=1)
        term = by_outer.get(outer, {}).get(inner)
        if term is not None:
            total = total + weight.reshape(-1, *([1] * term.ndim)) * term
    return total


def _copies(operation: Operation) -> list[str]:
    failures = []
    if pickle.loads(pickle.dumps(operation)) != operation:
        failures.append("a pickled copy differs from the unit (batch workers send units by pickle)")
    if dataclasses.replace(operation) != operation:
        failures.append("dataclasses.replace() without changes gives a different unit")
    return failures


def _broken(operation: Operation, broken: Mapping[str, Any] | None) -> list[str]:
    if not broken:
        return []
    problems = dataclasses.replace(operation, **broken).problems()
    if not problems:
        return [f"parameters {dict(broken)!r} are accepted without a problem"]
    return [f"a problem of {operation.name} is located at {p.unit!r}" for p in problems if p.unit != operation.name]


CHECKS: dict[str, Callable[[Operation, Components], list[str]]] = {
    "conservation": _conserves,
    "zero feed": _zero_feed,
    "doses": _doses,
    "samples": _samples,
    "copies": lambda operation, _: _copies(operation),
}
"""Each check by name: it returns what failed, empty when the unit passes."""


def check_operation(
    operation: Operation, broken: Mapping[str, Any] | None = None, components: Components | None = None
) -> None:
    """Run every check on a unit operation; raise AssertionError listing every failure.

    Parameters
    ----------
    operation : Operation
        The unit with parameters it accepts (no problems).
    broken : mapping, optional
        Field values (in SI, as :func:`dataclasses.replace` takes them) the unit must refuse
        with at least one problem located at itself.
    components : Components, optional
        The species to feed; default :func:`operation_components`.

    Checks
    ------
    problems
        The unit as given has none.
    conservation
        Every element and charge is conserved for three random feeds, and the outlets are the
        declared ports.
    zero feed
        Nothing flows out of a unit fed nothing.
    doses
        Each dosed port has a well-formed specification naming its key species.
    samples
        Sampling the numeric parameters gives, sample by sample, the balances of the unit built
        with that sample's values; the unit's multilinear terms (how the solver evaluates
        it) reproduce them; a unit not multilinear in its parameters is named.
    copies
        Pickling and ``dataclasses.replace`` give an equal unit.
    broken
        The `broken` values are refused.
    """
    components = components or operation_components(operation)
    failures = [f"problems: {p}" for p in operation.problems()]
    if not failures:
        for name, check in CHECKS.items():
            failures += [f"{name}: {failure}" for failure in check(operation, components)]
    failures += [f"broken: {failure}" for failure in _broken(operation, broken)]
    if failures:
        listed = "\n".join(f"  - {failure}" for failure in failures)
        raise AssertionError(f"{type(operation).__name__} {operation.name!r} fails {len(failures)} check(s):\n{listed}")
