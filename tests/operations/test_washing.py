"""Washing a filter cake: a fixed displaced fraction, or a wash model whose residual falls with the wash ratio."""

import math

import pytest

from flowsheet import Flowsheet, solve
from flowsheet.operations import Feed, Product, Washer
from tests.conftest import NA, NI, H, O, S


def _washed(wash_ratio, **model):
    sheet = Flowsheet("wash")
    sheet.add(
        Feed("slurry", {"Ni(OH)2": "1 mol/s", "Na2SO4(aq)": "1 mol/s", "H2O(l)": "100 mol/s"}),
        Feed("water", {"H2O(l)": "1 mol"}, dosed=True),
        Washer("filter", cake_moisture=0.2, wash_ratio=wash_ratio, **model),
        Product("cake"),
        Product("filtrate", kind="wastewater"),
    )
    for pair in ("slurry filter.slurry", "water filter.wash_water", "filter.cake cake", "filter.filtrate filtrate"):
        sheet.connect(*pair.split())
    results = solve(sheet, "1 kg", product="Ni(OH)2")
    cake = results.flow("filter.cake->cake.in")
    return (
        cake[results.components.index("Na2SO4(aq)")]
        / results.flow("slurry.out->filter.slurry")[results.components.index("Na2SO4(aq)")]
    )


@pytest.mark.parametrize("litres", [1, 3, 10])
def test_a_perfectly_mixed_cake_liquor_keeps_e_to_the_minus_washes(litres):
    hydroxide = NI + 2 * (O + H)  # g/mol
    held = 0.2 / 0.8 * hydroxide  # g of liquor in the cake per mol of solids
    liquor = 100 * (2 * H + O) + (2 * NA + S + 4 * O)  # g of slurry liquor per mol of solids
    washes = litres * 1000 * 0.8 / 0.2 / 1000  # litres per kg of solids over 0.25 L of cake liquor per kg
    expected = held / liquor * math.exp(-washes)
    kept = _washed(f"{litres} L/kg", displacement_efficiency=1 - math.exp(-1))
    assert kept == pytest.approx(expected, rel=1e-9)


def test_the_fixed_wash_efficiency_ignores_the_wash_ratio_and_the_model_does_not():
    fixed = [_washed(f"{litres} L/kg", wash_efficiency=0.99) for litres in (1, 10)]
    assert fixed[0] == pytest.approx(fixed[1], rel=1e-12)
    model = [_washed(f"{litres} L/kg", displacement_efficiency=0.3) for litres in (1, 10)]
    assert model[1] < model[0] / 1e5


def test_both_wash_descriptions_are_refused():
    washer = Washer("filter", cake_moisture=0.2, wash_ratio="5 L/kg", wash_efficiency=0.99, displacement_efficiency=0.5)
    [problem] = washer.problems()
    assert problem.field == "displacement_efficiency"
