"""Units decomposed into multilinear terms reproduce their balances at every sample."""

import dataclasses

import numpy as np
import pytest

from flowsheet import solve
from flowsheet.errors import FlowsheetError
from flowsheet.operations import Mixer
from flowsheet.route_file import load_route
from flowsheet.solve.terms import unit_terms
from tests.operations.test_common import EXAMPLES, _components, _numeric_parameters, _random_inlets, _state

ROUTE = "routes/nmc811_sulfate.yaml"


def _rebuilt(terms, columns, balance, outer, inner):
    """Σ_S Π_{k in S} t_k A_S for each sample, from the decomposition."""
    total = 0.0
    for mask, by_outer in balance.items():
        weight = np.prod(columns[:, [k for k in range(columns.shape[1]) if mask >> k & 1]], axis=1)
        term = by_outer.get(outer, {}).get(inner)
        if term is not None:
            total = total + weight.reshape(-1, *([1] * term.ndim)) * term
    return total


@pytest.mark.parametrize("operation", EXAMPLES, ids=lambda op: op.name)
def test_terms_reproduce_the_balance_of_every_sample(operation):
    components = _components(operation)
    parameters = _numeric_parameters(operation)
    if not parameters:
        pytest.skip("no numeric parameter")
    factors = np.array([0.8, 0.93, 1.0, 1.07])  # inside every bound of the examples' parameters
    values = {name: value * factors for name, value in parameters.items()}
    terms, sampled = unit_terms(operation, components, values)
    inlets = _random_inlets(operation, components)
    state = _state(operation, inlets, components)
    columns = terms.coefficients(values)
    if terms.state:
        state_columns = np.stack([np.full(len(factors), float(state[name])) for name in terms.state], axis=1)
        columns = np.concatenate([np.broadcast_to(columns, (len(factors), columns.shape[1])), state_columns], axis=1)
    for k, factor in enumerate(factors):
        single = operation.sampled({name: value * factor for name, value in parameters.items()})
        for outlet, by_port in single.outlet_maps(components, state).items():
            for port, matrix in by_port.items():
                rebuilt = np.broadcast_to(_rebuilt(terms, columns, terms.maps, outlet, port), (4, *matrix.shape))[k]
                assert np.allclose(rebuilt, matrix, rtol=1e-12, atol=1e-12 * np.abs(matrix).max()), (outlet, port)
        for port, weights in single.dose_specs(components, state).items():
            for key, row in weights.items():
                rebuilt = np.broadcast_to(_rebuilt(terms, columns, terms.specs, port, key), (4, *row.shape))[k]
                assert np.allclose(rebuilt, row, rtol=1e-12, atol=1e-12 * np.abs(row).max()), (port, key)
    assert sampled is not operation


@dataclasses.dataclass(frozen=True, repr=False)
class SquaredMixer(Mixer):
    """A mixer whose outlet scales with the square of a parameter: not multilinear."""

    gain: float = 1.0

    def outlet_maps(self, components, state):
        return {"product": {"*in": np.asarray(self.gain)[..., None, None] ** 2 * np.eye(len(components))}}


def test_a_balance_that_is_not_multilinear_is_refused_by_name():
    components = _components(Mixer("m"))
    with pytest.raises(FlowsheetError, match="squared: its outlet map product/\\*in is not multilinear in gain"):
        unit_terms(SquaredMixer("squared"), components, {"gain": np.array([1.0, 2.0])})


def test_a_washer_fed_from_upstream_is_solved_in_closed_form():
    # the washer's cake liquor fraction follows from its slurry, known before it: no iteration
    route = load_route(ROUTE)
    assert solve(route.flowsheet, "1 kg", route.spec.product).iterations == 1


def test_values_kept_between_studies_are_those_a_fresh_flowsheet_gives():
    route = load_route(ROUTE)
    samples = {"filter.wash_ratio": np.array([0.004, 0.009]), "calcine.lithium_ratio": np.array([1.04, 1.03])}
    first = solve(route.flowsheet, samples=samples)
    again = solve(route.flowsheet, samples={k: v[::-1] for k, v in samples.items()})  # the plan and kept values reused
    fresh = solve(load_route(ROUTE).flowsheet, samples={k: v[::-1] for k, v in samples.items()})
    assert np.array_equal(again.flows, fresh.flows)
    assert np.allclose(again.flows[::-1], first.flows, rtol=1e-14, atol=0)
