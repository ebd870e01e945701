"""Units as multilinear terms: a unit that is not multilinear is refused; values kept between studies are sound.

That every shipped unit's terms reproduce its balances at every sample is part of the public battery
(:func:`flowsheet.testing.check_operation`, run on every unit in ``tests/operations/test_common.py``).
"""

import dataclasses

import numpy as np
import pytest

from flowsheet import solve
from flowsheet.errors import FlowsheetError
from flowsheet.operations import Mixer
from flowsheet.route_file import load_route
from flowsheet.solve.terms import unit_terms
from flowsheet.testing import operation_components

ROUTE = "routes/nmc811_sulfate.yaml"


@dataclasses.dataclass(frozen=True, repr=False)
class SquaredMixer(Mixer):
    """A mixer whose outlet scales with the square of a parameter: not multilinear."""

    gain: float = 1.0

    def outlet_maps(self, components, state):
        return {"product": {"*in": np.asarray(self.gain)[..., None, None] ** 2 * np.eye(len(components))}}


def test_a_balance_that_is_not_multilinear_is_refused_by_name():
    components = operation_components(Mixer("m"))
    with pytest.raises(FlowsheetError, match="squared: its outlet map product/\\*in is not multilinear in gain"):
        unit_terms(SquaredMixer("squared"), components, {"gain": np.array([1.0, 2.0])})


def test_a_washer_fed_from_upstream_is_solved_in_closed_form():
    # the washer's cake liquor fraction follows from its slurry, known before it: no iteration
    route = load_route(ROUTE)
    assert solve(route.flowsheet, "1 kg", route.spec.product).iterations == 1


def test_values_kept_between_studies_are_those_a_fresh_flowsheet_gives():
    route = load_route(ROUTE)
    samples = {"units.filter.wash_ratio": ["4 L/kg", "9 L/kg"], "units.calcine.lithium_ratio": [1.04, 1.03]}
    first = solve(route.flowsheet, samples=samples)
    again = solve(route.flowsheet, samples={k: v[::-1] for k, v in samples.items()})  # the plan and kept values reused
    fresh = solve(load_route(ROUTE).flowsheet, samples={k: v[::-1] for k, v in samples.items()})
    assert np.array_equal(again.flows, fresh.flows)
    assert np.allclose(again.flows[::-1], first.flows, rtol=1e-14, atol=0)
