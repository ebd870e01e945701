"""Shared constants for tests, and the fuzzing profiles of every hypothesis test.

The default fuzzing profile is a short, derandomised run for CI; the long run is opt-in:
``FLOWSHEET_FUZZ=long pytest tests/test_fuzz.py tests/test_hostile_*.py``.

CIAAW 2021 standard atomic weights, g/mol (Prohaska et al. 2022, doi:10.1515/pac-2019-0603);
conventional values for the interval elements H, Li, C, N, O, S.
"""

import contextlib
import os

from hypothesis import HealthCheck, event, settings
from hypothesis.errors import InvalidArgument

from flowsheet.errors import FlowsheetError

settings.register_profile(
    "ci", max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long",
    max_examples=150_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("FLOWSHEET_FUZZ", "ci"))
LONG = os.environ.get("FLOWSHEET_FUZZ") == "long"
"""The long fuzzing run: tests scale their own example counts by it."""


def escapes_only_flowsheet_errors(call) -> object:
    """Call; a FlowsheetError is an accepted outcome (None), anything else fails the test. Outcomes are counted."""
    try:
        found = call()
    except FlowsheetError as err:
        count_outcome(f"refused: {type(err).__name__}")
        return None
    count_outcome("accepted")
    return found


def count_outcome(outcome: str) -> None:
    """Count an outcome in hypothesis's statistics (``--hypothesis-show-statistics``)."""
    with contextlib.suppress(InvalidArgument):  # outside a hypothesis test there is nothing to count
        event(outcome)


H, LI, C, N, O, NA, S = 1.008, 6.94, 12.011, 14.007, 15.999, 22.98976928, 32.06
MN, CO, NI, AL = 54.938043, 58.933194, 58.6934, 26.9815384
CU = 63.546
FE, P = 55.845, 30.973761998
