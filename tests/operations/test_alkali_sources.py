"""A calciner fires with any alkali source: the sodium of a sodium-ion layered oxide from Na2CO3.

By hand, per mol NaNi0.5Mn0.5O2 from Ni0.5Mn0.5(OH)2 and Na2CO3 in oxygen: Na 1 = 2 x 1/2 Na2CO3; C 1/2 -> 1/2 CO2;
H 2 -> 1 H2O; O: 2 + 3/2 + 2x = 2 + 1 + 1 -> x = 1/4 O2 (Mn and Ni go from +2 to +3 on average).
"""

from fractions import Fraction

import pytest

from flowsheet.operations import Calciner


def _calciner(product, source):
    return Calciner(
        "fire", product=product, precursor="Ni0.5Mn0.5(OH)2", lithium_source=source, temperature="900 degC", kiln=""
    )


def test_sodium_carbonate_fires_a_sodium_layered_oxide_balanced_by_hand():
    calciner = _calciner("NaNi0.5Mn0.5O2", "Na2CO3")
    assert calciner.problems() == []
    reaction = calciner.reaction()
    per_product = {str(f).split("(")[0] if str(f).endswith("(g)") else str(f): c / reaction.coefficient("NaNi0.5Mn0.5O2")
                   for c, f in reaction.reactants + reaction.products}  # fmt: skip
    assert per_product == {
        "Ni0.5Mn0.5(OH)2": Fraction(1),
        "Na2CO3": Fraction(1, 2),
        "O2": Fraction(1, 4),
        "NaNi0.5Mn0.5O2": Fraction(1),
        "H2O": Fraction(1),
        "CO2": Fraction(1, 2),
    }
    assert str(calciner.excess_lithium_reaction()) == "Na2CO3 -> Na2O + CO2(g)"  # dosed beyond the firing
    assert calciner.alkali_oxide() in calciner.species()


@pytest.mark.parametrize(
    ("product", "source", "words"),
    [
        ("LiNi0.5Mn0.5O2", "Na2CO3", "Na2CO3 brings Na, which LiNi0.5Mn0.5O2 does not hold"),
        ("NaNi0.5Mn0.5O2", "NiCO3", "NiCO3 brings no alkali metal (Li, Na or K)"),
    ],
)
def test_an_alkali_source_the_product_does_not_hold_is_refused_on_its_field(product, source, words):
    [problem] = _calciner(product, source).problems()
    assert problem.field == "lithium_source"
    assert words in problem.message


def test_a_co_precipitator_makes_a_carbonate_with_sodium_carbonate():
    from flowsheet.operations import CoPrecipitator

    # by hand: 1/4 NiSO4 + 3/4 MnSO4 + Na2CO3 -> Ni0.25Mn0.75CO3 + Na2SO4, one Na2CO3 per metal
    carbonate = CoPrecipitator("precipitate", product="Ni0.25Mn0.75CO3", precipitant="Na2CO3(aq)")
    assert carbonate.problems() == []
    assert str(carbonate.reaction()) == "NiSO4(aq) + 3 MnSO4(aq) + 4 Na2CO3(aq) -> 4 Ni0.25Mn0.75CO3 + 4 Na2SO4(aq)"
    assert carbonate.key_species("caustic") == "Na2CO3(aq)"
    [problem] = CoPrecipitator("precipitate", product="Ni0.25Mn0.75(OH)2", precipitant="Na2CO3(aq)").problems()
    assert problem.field == "product"
    assert "a hydroxide takes NaOH(aq), a carbonate Na2CO3(aq)" in problem.hint


def test_a_sodium_layered_oxide_fired_from_sodium_carbonate_solves_to_the_hand_stoichiometry(tmp_path):
    from flowsheet.chemistry import Formula
    from flowsheet.route_file import load_route
    from flowsheet.solve import solve

    path = tmp_path / "sodium.yaml"
    path.write_text(
        "name: sodium-oxide\nproduct: NaNi0.5Mn0.5O2\n"
        "feeds:\n  precursor: {flows: {Ni0.5Mn0.5(OH)2: 1 mol/s}}\n"
        "  soda: {flows: {Na2CO3: 1 mol}, dosed: true}\n  oxygen: {flows: {O2: 1 mol}, dosed: true}\n"
        "products: {cam: {kind: product}, offgas: {kind: emission}}\n"
        "units:\n  fire: {type: calciner, product: NaNi0.5Mn0.5O2, precursor: Ni0.5Mn0.5(OH)2,\n"
        "         lithium_source: Na2CO3, lithium_ratio: 1.02, temperature: 850 degC, kiln: ''}\n"
        "streams: [precursor -> fire.feed, soda -> fire.lithium, oxygen -> fire.gas, fire.product -> cam,\n"
        "          fire.offgas -> offgas]\n",
        encoding="utf-8",
    )
    route = load_route(path)
    results = solve(route.flowsheet, "1 kg", route.spec.product)
    assert results.closure.worst < 1e-9
    n = 1000 / Formula("NaNi0.5Mn0.5O2").relative_mass  # mol per kg
    kpis = {name: q.magnitude for name, q in results.totals().items()}
    # Na/M 1.02: 0.51 Na2CO3 per mol, all its carbon leaving as CO2; one H2O per hydroxide
    assert kpis["co2e_process"] == pytest.approx(0.51 * n * Formula("CO2").relative_mass / 1000, rel=1e-9)
    assert kpis["water_evaporated"] == pytest.approx(n * Formula("H2O").relative_mass / 1000, rel=1e-9)
    cam = results.flow("fire.product->cam.in")
    assert cam[results.components.index("Na2O(s)")] == pytest.approx(0.01 * n, rel=1e-9)  # the 2 % excess Na


def test_a_mixed_carbonate_precursor_is_estimated_from_its_end_members():
    from flowsheet.thermo import package_data

    # ideal mixing: 0.25 NiCO3 (-713.320 kJ/mol, ThermoChimie) + 0.75 MnCO3 (-889.188, data/thermo)
    carbonate = package_data().species("Ni0.25Mn0.75CO3(s)")
    assert carbonate.formation_enthalpy == pytest.approx((0.25 * -713.320 + 0.75 * -889.188) * 1000, rel=1e-12)
    assert "formation_enthalpy" in carbonate.estimated
