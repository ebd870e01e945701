"""Duties from the species data, checked against values derived by hand."""

import pytest

from flowsheet import Flowsheet, heat_of_reaction, solve, species
from flowsheet.operations import EvaporativeCrystallizer, Feed, Mixer, Product
from tests.conftest import CO, LI, MN, NI, O
from tests.flowsheets import joined
from tests.sulfate_route import build


def test_evaporator_duty_is_moles_evaporated_times_latent_heat():
    sheet = joined(
        "evaporator",
        [
            Feed("liquor", {"Na2SO4(aq)": "1 mol/s", "H2O(l)": "100 mol/s"}, temperature="100 degC"),
            EvaporativeCrystallizer("evaporate", products={}, molality="2 mol/kg", temperature="100 degC"),
            Product("crystals"),
            Product("concentrate"),
            Product("vapor", kind="emission"),
        ],
        [
            ("liquor", "evaporate"),
            ("evaporate.crystals", "crystals"),
            ("evaporate.mother_liquor", "concentrate"),
            ("evaporate.vapor", "vapor"),
        ],
    )
    results = solve(sheet, "1 kg", product="Na2SO4(aq)")
    steam = results.flow("evaporate.vapor->vapor.in")[results.components.index("H2O(g)")]
    # IAPWS: ΔvapH(100 °C) = 40.65 kJ/mol
    assert results.duties["evaporate"] == pytest.approx(steam * 40.65e3, rel=0.01)


def test_calcination_duty_per_kg_nmc811_is_in_the_thermodynamic_range():
    # per mol of metal, products at 800 °C, reactants at 25 °C:
    #   LiOH·H2O -> LiOH + H2O(g)                          +61.2 kJ (NBS 1982, NASA)
    #   M(OH)2 + LiOH + 1/4 O2 -> LiMO2 + 3/2 H2O(g)       -620.1 - 1.5*241.8 + 547.5 + 484.9 = +49.5 kJ
    #   heat LiMO2 to 1073 K: Kopp Cp 85.4 J/(mol K) * 775 K = 66.2 kJ
    #   heat 5/2 H2O(g): mean Cp about 37 J/(mol K) over 298-1073 K * 775 K * 2.5 = 71.7 kJ
    per_mole = 61.2 + 49.5 + 66.2 + 71.7  # 248.6 kJ/mol, about 2.56 MJ/kg at 10.28 mol/kg
    expected = per_mole * 1000 / 97.2798  # kJ/kg
    results = solve(build(moisture=0.0), "1 kg")
    assert results.duties["calcine"] / 1e3 == pytest.approx(expected, rel=0.05)
    assert 1.5e6 < results.duties["calcine"] < 3.0e6  # "roughly 2 MJ/kg CAM"


def test_calcination_duty_equals_the_reaction_heat_plus_sensible_heat_exactly():
    # the same figure from heat_of_reaction at 298 K: products heated to 1073 K; the pCAM arrives
    # from the dryer at 110 °C, so its sensible heat from 298 K is already in
    results = solve(build(moisture=0.0), "1 kg")
    moles = 1000 / (LI + 0.8 * NI + 0.1 * MN + 0.1 * CO + 2 * O)  # mol CAM per kg
    reaction = heat_of_reaction("Ni0.8Mn0.1Co0.1(OH)2 + LiOH·H2O + 1/4 O2 -> LiNi0.8Mn0.1Co0.1O2 + 5/2 H2O(g)")
    cam, steam, pcam = species("LiNi0.8Mn0.1Co0.1O2"), species("H2O(g)"), species("Ni0.8Mn0.1Co0.1(OH)2")
    sensible = (
        cam.enthalpy(1073.15)
        - cam.enthalpy(298.15)
        + 2.5 * (steam.enthalpy(1073.15) - steam.enthalpy(298.15))
        - (pcam.enthalpy(383.15) - pcam.enthalpy(298.15))
    )
    assert results.duties["calcine"] == pytest.approx(moles * (reaction.magnitude * 1e3 + sensible), rel=1e-9)


def test_adiabatic_mixer_lands_between_its_inlets_with_no_duty():
    sheet = Flowsheet("mix water")
    sheet.add(
        Feed("cold", {"H2O(l)": "1 mol/s"}, temperature="20 degC"),
        Feed("hot", {"H2O(l)": "1 mol/s"}, temperature="80 degC"),
        Mixer("mix"),
        Product("out"),
    )
    sheet.connect("cold", "mix.in1")
    sheet.connect("hot", "mix.in2")
    sheet.connect("mix", "out")
    results = solve(sheet, "1 kg")
    assert results.temperatures["mix.product->out.in"] == pytest.approx(323.15, abs=0.1)  # Cp nearly constant
    assert results.duties["mix"] == pytest.approx(0.0, abs=1e-6 * 75 * 60)


def _water_loop(mixer_temperature=None):
    from flowsheet.operations import Splitter

    sheet = Flowsheet("water loop")
    sheet.add(
        Feed("cold", {"H2O(l)": "1 mol/s"}, temperature="20 degC"),
        Feed("hot", {"H2O(l)": "3 mol/s"}, temperature="80 degC"),
        Mixer("mix", temperature=mixer_temperature),
        Mixer("join"),
        Splitter("split", fractions={"out": 0.4, "back": 0.6}),
        Product("out"),
    )
    pairs = "cold join.in1, hot mix.in1, split.back mix.in2, mix join.in2, join split, split.out out"
    for pair in pairs.split(", "):
        sheet.connect(*pair.split())
    return sheet


def test_a_loop_of_adiabatic_mixers_settles_at_the_feeds_mixing_temperature():
    from scipy.optimize import brentq

    water = species("H2O(l)")
    # what leaves (4 mol/s) holds what the feeds bring: 4 H(T) = 1 H(293.15) + 3 H(353.15)
    brought = water.enthalpy(293.15) + 3 * water.enthalpy(353.15)
    expected = brentq(lambda t: 4 * water.enthalpy(t) - brought, 293.15, 353.15, xtol=1e-12)
    results = solve(_water_loop(), "1 kg", product="H2O(l)")
    assert results.temperatures["split.out->out.in"] == pytest.approx(expected, abs=1e-8)
    assert all(duty == 0.0 for duty in results.duties.values())


def test_a_loop_opened_by_a_unit_at_a_set_temperature_takes_one_pass_and_balances():
    # the heated mixer sets 60 °C whatever its inlets: its duty is all the heat the loop takes
    water = species("H2O(l)")
    results = solve(_water_loop(mixer_temperature="60 degC"), "1 kg", product="H2O(l)")
    moles = results.flow("split.out->out.in")[results.components.index("H2O(l)")]
    per_mole_fed = moles / 4  # the basis scales 4 mol/s of feed to 1 kg of product
    leaving = 4 * water.enthalpy(results.temperatures["split.out->out.in"])
    brought = water.enthalpy(293.15) + 3 * water.enthalpy(353.15)
    assert results.duties["mix"] == pytest.approx(per_mole_fed * (leaving - brought), rel=1e-9)
    assert results.duties["join"] == 0.0
