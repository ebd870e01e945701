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


@pytest.mark.parametrize("litres", [3, 10])
def test_an_occluded_share_of_the_cake_liquor_stays_whatever_the_wash(litres):
    hydroxide = NI + 2 * (O + H)
    held = 0.2 / 0.8 * hydroxide
    liquor = 100 * (2 * H + O) + (2 * NA + S + 4 * O)
    washes = litres * 0.8 / 0.2
    # the tenth in the particles' pores stays; the wash reaches the rest: 0.1 + 0.9 e^-n
    expected = held / liquor * (0.1 + 0.9 * math.exp(-washes))
    kept = _washed(f"{litres} L/kg", displacement_efficiency=1 - math.exp(-1), occluded_fraction=0.1)
    assert kept == pytest.approx(expected, rel=1e-9)


def test_the_shipped_sulfate_route_keeps_less_sulfur_and_sodium_the_more_it_washes():
    from pathlib import Path

    from flowsheet.route_file import load_route

    path = Path(__file__).parents[2] / "routes" / "nmc811_sulfate.yaml"
    found = {}
    for litres in (3, 10):
        route = load_route(path, overrides={"units.filter.wash_ratio": f"{litres} L/kg"})
        totals = solve(route.flowsheet, "1 kg", route.spec.product).totals()
        found[litres] = {k: totals[k].to("ppm").magnitude for k in ("impurity_S", "impurity_Na")}
    # cake liquor 0.2 / 0.8 kg per kg of solids: 12 and 40 liquor volumes of wash; 9 % occluded
    residual = {litres: 0.09 + 0.91 * math.exp(-litres * 0.8 / 0.2) for litres in (3, 10)}
    for impurity in ("impurity_S", "impurity_Na"):
        assert found[3][impurity] > found[10][impurity]
        # the salt a kg of product carries follows the residual (its own mass moves the ppm by under 1e-6)
        assert found[3][impurity] / found[10][impurity] == pytest.approx(residual[3] / residual[10], rel=1e-6)
    assert 800 < found[10]["impurity_S"] < 1000  # the 800-1000 ppm the route's washing source claims


def test_a_route_says_when_its_precursor_is_over_its_specification(tmp_path, capsys):
    from pathlib import Path

    from flowsheet.cli import main
    from flowsheet.route_file import load_route

    path = Path(__file__).parents[2] / "routes" / "nmc811_sulfate.yaml"
    within = solve(*_route_args(load_route(path)))
    assert within.exceeded() == []
    over = solve(*_route_args(load_route(path, overrides={"units.filter.occluded_fraction": 0.15})))
    [(limit, value)] = over.exceeded()
    assert (limit.kpi, limit.max) == ("impurity_S_precursor", pytest.approx(1200e-6))
    assert value == pytest.approx(over.kpis["impurity_S_precursor"][0])
    assert limit.source.startswith("precursor-spec-low-s: Chinese patent CN 107611383 B")
    variant = tmp_path / "dirty.yaml"
    variant.write_text(f"extends: {path}\nname: dirty\nset:\n  units.filter.occluded_fraction: 0.15\n", "utf-8")
    assert main(["run", str(variant)]) == 0
    notes = capsys.readouterr().out.split("over the route's specifications:", 1)[1]
    assert notes.split("\n")[1].strip().startswith("impurity_S_precursor 1,4")  # ppm, against 1,200
    assert "> 1,200.0 ppm (precursor-spec-low-s)" in notes


def _route_args(route):
    return route.flowsheet, "1 kg", route.spec.product


@pytest.mark.parametrize(
    ("entry", "field", "words"),
    [
        ("co2e: {max: 1 kg, source: washing}", "specifications.co2e", "is not a purity KPI"),
        ("impurity_S: {max: 2 kg, source: washing}", "specifications.impurity_S.max", "expects a mass fraction"),
        ("impurity_S: {max: 100 ppm, source: nowhere}", "specifications.impurity_S.source", "'nowhere' is not a key"),
    ],
)
def test_a_bad_specification_is_refused_at_its_line(tmp_path, entry, field, words):
    from pathlib import Path

    from flowsheet.errors import RouteFileError
    from flowsheet.route_file import load_route

    parent = Path(__file__).parents[2] / "routes" / "nmc811_sulfate.yaml"
    path = tmp_path / "bad.yaml"
    path.write_text(f"extends: {parent}\nname: bad\nspecifications:\n  {entry}\n", "utf-8")
    with pytest.raises(RouteFileError) as caught:
        load_route(path)
    assert f"bad.yaml:4: {field}: {words}" in str(caught.value)
