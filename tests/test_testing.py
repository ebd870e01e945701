"""The public check battery fails on units that break each rule, and says which."""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from flowsheet.operations import Mixer, Splitter
from flowsheet.operations.base import SI, total_inlet
from flowsheet.testing import check_operation


@dataclasses.dataclass(frozen=True, repr=False)
class LeakyMixer(Mixer):
    """Loses 1 % of everything: conserves nothing."""

    def outlet_maps(self, components, state):
        return {"product": total_inlet(0.99 * np.eye(len(components)))}


@dataclasses.dataclass(frozen=True, repr=False)
class SquaredMixer(Mixer):
    """Its outlet scales with the square of a parameter: not multilinear (and not conserving unless gain is 1)."""

    gain: float = dataclasses.field(default=1.0, metadata={"unit": ""})

    def outlet_maps(self, components, state):
        return {"product": {"*in": np.asarray(self.gain)[..., None, None] ** 2 * np.eye(len(components))}}


@dataclasses.dataclass(frozen=True, repr=False)
class SpontaneousMixer(Mixer):
    """Makes water from nothing: its outlet is not linear in its inlets."""

    def apply(self, components, inlets, state=None):
        found = super().apply(components, inlets, state)
        found["product"] = found["product"] + components.unit_vector("H2O(l)")
        return found


def test_a_sound_unit_passes():
    check_operation(Splitter("split", fractions={"a": 0.25, "b": 0.75}), broken={"fractions": {"a": 0.5, "b": 0.6}})


def test_a_unit_that_loses_mass_fails_conservation_per_element():
    with pytest.raises(AssertionError, match=r"conservation: H is not conserved for random feed 0") as caught:
        check_operation(LeakyMixer("leaky"))
    assert "conservation: O is not conserved" in str(caught.value)  # every element on its own


def test_a_unit_not_multilinear_in_a_parameter_is_named():
    with pytest.raises(
        AssertionError, match=r"samples: squared: its outlet map product/\*in is not multilinear in gain"
    ):
        check_operation(SquaredMixer("squared"))


def test_a_unit_that_makes_flow_from_nothing_fails_the_zero_feed_check():
    with pytest.raises(AssertionError, match=r"zero feed: outlet product carries flow from no feed"):
        check_operation(SpontaneousMixer("spontaneous"))


def test_broken_values_that_are_accepted_fail():
    with pytest.raises(AssertionError, match=r"broken: parameters \{'temperature': 400.0\} are accepted"):
        check_operation(Mixer("mix"), broken={"temperature": SI(400.0)})  # a mixer at 400 K is fine


def test_a_unit_with_problems_is_reported_before_anything_else():
    with pytest.raises(AssertionError, match=r"fails 1 check\(s\):\n  - problems: split.fractions: must sum to 1"):
        check_operation(Splitter("split", fractions={"a": 0.5, "b": 0.6}))


def test_issue_22_the_battery_is_reached_from_import_flowsheet_and_costs_nothing_until_used():
    # a fresh interpreter: in this one another test may already have imported flowsheet.testing
    script = (
        "import sys, flowsheet\n"
        "assert 'flowsheet.testing' not in sys.modules, 'imported at start-up'\n"
        "from flowsheet.operations import Mixer\n"
        "flowsheet.testing.check_operation(Mixer('m'))\n"
        "print(flowsheet.testing.check_operation.__module__)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "flowsheet.testing"
