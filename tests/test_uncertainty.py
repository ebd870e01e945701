"""Distributions are read in the parameter's storage unit and described in the unit the route file writes."""

import numpy as np
import pytest

from flowsheet.uncertainty import read_distribution


def test_a_range_is_described_in_the_unit_of_its_value():
    wash = read_distribution({"value": "5 L/kg", "range": ["3 L/kg", "10 L/kg"]}, "m**3/kg", "wash_ratio")
    assert wash.parameters == pytest.approx((0.003, 0.010))  # stored in SI
    assert wash.unit == "L/kg"
    assert wash.described() == {
        "kind": "range", "unit": "L/kg", "nominal": pytest.approx(5.0), "parameters": pytest.approx([3.0, 10.0])
    }  # fmt: skip


def test_a_normal_spread_of_a_temperature_is_a_difference_not_a_temperature():
    # 800 degC = 1073.15 K; a standard deviation of 10 K is 10 degC, not 10 K - 273.15
    firing = read_distribution({"value": "800 degC", "normal": "10 K"}, "K", "temperature")
    assert firing.nominal == pytest.approx(1073.15)
    described = firing.described()
    assert described["unit"] == "degC"
    assert described["nominal"] == pytest.approx(800.0)
    assert described["parameters"] == pytest.approx([10.0])
    np.testing.assert_allclose(firing.shown(np.array([1073.15, 1083.15])), [800.0, 810.0])


def test_a_plain_number_keeps_no_unit():
    share = read_distribution({"value": 0.2, "range": [0.1, 0.3]}, "", "cake_moisture")
    assert share.unit == ""
    assert share.described()["parameters"] == pytest.approx([0.1, 0.3])


@pytest.mark.parametrize(
    ("spec", "shares", "expected"),
    [
        # uniform: low + share (high - low), in L/kg
        ({"value": "5 L/kg", "range": ["3 L/kg", "10 L/kg"]}, [0.0, 0.5, 1.0], [3.0, 6.5, 10.0]),
        # triangular: the mode sits at share (mode - low) / (high - low) = 2/7; the median of [3, 5, 10] is
        # high - sqrt((1 - 0.5)(high - low)(high - mode)) = 10 - sqrt(17.5)
        ({"value": "5 L/kg", "triangular": ["3 L/kg", "5 L/kg", "10 L/kg"]}, [2 / 7, 0.5], [5.0, 10 - 17.5**0.5]),
        # normal: the nominal at 0.5, one standard deviation above at Phi(1) = 0.841345
        ({"value": "5 L/kg", "normal": "1 L/kg"}, [0.5, 0.8413447460685429], [5.0, 6.0]),
        # lognormal: the nominal is the median; exp(sigma) times it at Phi(1)
        ({"value": "5 L/kg", "lognormal": 0.3}, [0.5, 0.8413447460685429], [5.0, 5 * np.exp(0.3)]),
    ],
)
def test_the_quantile_function_maps_shares_onto_the_distribution(spec, shares, expected):
    distribution = read_distribution(spec, "m**3/kg", "units.filter.wash_ratio")
    found = distribution.shown(distribution.quantile(np.array(shares)))  # L/kg
    np.testing.assert_allclose(found, expected, rtol=1e-12)
