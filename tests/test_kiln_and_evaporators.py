"""Energy from physics: a kiln's walls and saggers, evaporators by technology."""

from pathlib import Path

import pytest

from flowsheet.batch import solve_loaded
from flowsheet.factors import kilns, utility
from flowsheet.operations import Calciner
from flowsheet.operations.firing import sagger_enthalpy
from flowsheet.route_file import load_route

ROUTES = Path(__file__).parents[1] / "routes"
NMC = {"product": "LiNi0.8Mn0.1Co0.1O2", "precursor": "Ni0.8Mn0.1Co0.1(OH)2"}


def test_the_roller_hearth_kiln_is_the_vendors_figures():
    kiln = kilns()["roller_hearth"]
    assert kiln.holding_power == pytest.approx(220e3)  # W
    assert kiln.holding_temperature == pytest.approx(1373.15)
    # 1.2 m/h over 0.32 m per sagger, 2 rows x 2 layers, 2.45 kg fired per sagger (3.5 kg less 30 % on ignition)
    assert kiln.throughput * 3600 == pytest.approx(1.2 / 0.32 * 4 * 3.5 * 0.7, rel=1e-12)
    # a 320 x 320 x 75 mm sagger with 12 mm walls and base at 2.0 g/cm3 is 4.32 kg, per 2.45 kg fired
    walls = (32 * 32 * 7.5 - 29.6 * 29.6 * 6.3) * 2.0 / 1000
    assert kiln.sagger_ratio == pytest.approx(walls / 2.45, abs=0.005)


@pytest.mark.parametrize("celsius", [700, 800, 900])
def test_kiln_losses_per_kg_are_walls_scaled_to_temperature_plus_saggers(celsius):
    calciner = Calciner("fire", temperature=f"{celsius} degC", walls="holding", **NMC)
    rise = (celsius - 25) / 1075  # the rise over 25 degC, against the 1100 degC the holding power keeps
    walls = 220e3 * rise / (36.75 / 3600)
    # corundum's enthalpy: a mean Cp of about 1.1 kJ/(kg K) over the rise
    assert sagger_enthalpy(celsius + 273.15) == pytest.approx(1.1e3 * (celsius - 25), rel=0.05)
    saggers = 1.76 * sagger_enthalpy(celsius + 273.15)
    assert calciner.heat_losses(2.0) == pytest.approx(2.0 * (walls + saggers), rel=1e-12)


def test_route_values_replace_the_kilns_and_no_kiln_loses_nothing():  # walls: holding, the measured kiln
    base = Calciner("fire", temperature="800 degC", walls="holding", **NMC)
    lean = Calciner(
        "fire", temperature="800 degC", walls="holding", holding_power="110 kW", sagger_heat_recovery=1.0, **NMC
    )
    assert lean.heat_losses(1.0) == pytest.approx(base.heat_losses(1.0) / 2 - 1.76 * sagger_enthalpy(1073.15) / 2)
    assert Calciner("fire", temperature="800 degC", kiln="", **NMC).heat_losses(1.0) == 0.0
    assert Calciner("fire", temperature="800 degC", kiln="none", **NMC).heat_losses(1.0) == 0.0
    [problem] = Calciner("fire", temperature="800 degC", kiln="tunnel", **NMC).problems()
    assert (problem.field, problem.message) == ("kiln", "unknown kiln 'tunnel'")
    assert "roller_hearth" in problem.hint
    [problem] = Calciner("fire", temperature="800 degC", walls="lining", holding_power="110 kW", **NMC).problems()
    assert (problem.field, problem.message) == ("holding_power", "is read only with walls: holding")


@pytest.mark.parametrize(
    ("name", "per_kg_water"),
    [
        # MJ bought per kg of water evaporated, the duty taken as 2.26 MJ/kg:
        ("mvr_evaporator", 2.26 / 17.94),  # 35 kWh/t = 0.126 MJ of electricity
        ("triple_effect_evaporator", 2.26 / (3.7 * 0.80)),  # 270 kg steam per t, a boiler at 80 %
        ("single_effect_evaporator", 2.26 / (1.0 * 0.80)),  # 1 kg steam per kg water
    ],
)
def test_evaporators_buy_energy_per_kg_of_water_by_technology(name, per_kg_water):
    assert utility(name).purchased(2.26) == pytest.approx(per_kg_water, rel=2e-3)


def test_mvr_is_35_kwh_per_tonne_of_water():
    assert utility("mvr_evaporator").purchased(2.26e6) / 3.6e6 * 1000 == pytest.approx(35, rel=2e-3)


def test_the_evaporator_choice_moves_the_precursor_plants_gas_by_the_steam_economy():
    heat = {}
    for name in ("mvr_evaporator", "single_effect_evaporator"):
        route = load_route(ROUTES / "nmc811_sulfate.yaml", overrides={"units.salt_crystallize.utility": name})
        heat[name] = solve_loaded(route).energy().loc["salt_crystallize"]
    duty = heat["mvr_evaporator"]["duty [MJ]"]
    assert heat["single_effect_evaporator"]["duty [MJ]"] == pytest.approx(duty, rel=1e-12)  # the same water leaves
    assert heat["single_effect_evaporator"]["purchased [MJ]"] == pytest.approx(duty / 0.80, rel=1e-9)
    assert heat["mvr_evaporator"]["purchased [MJ]"] == pytest.approx(duty / 17.94, rel=1e-9)
    assert heat["single_effect_evaporator"]["carrier"] == "natural_gas"


def test_ammonia_recovery_buys_stripping_steam_per_volume_of_liquor():
    from flowsheet.operations.precipitation import steam_enthalpy

    # steam at 100 degC from water at 25 degC: 75 K of liquid at 4.18 kJ/(kg K) plus 2257 kJ/kg latent heat
    assert steam_enthalpy() == pytest.approx(4.18e3 * 75 + 2257e3, rel=0.01)
    results = solve_loaded(load_route(ROUTES / "nmc811_sulfate.yaml"))
    slurry = results.flow("precipitate.slurry->filter.slurry")
    c = results.components
    liquid = sum(slurry[j] * c.molar_masses[j] for j in range(len(c)) if c.phases[j] in ("l", "aq"))  # kg
    expected = liquid / 1000 * 120 * steam_enthalpy() / 1e6  # 120 kg steam per m3 of liquor, MJ
    assert results.energy().loc["precipitate", "losses [MJ]"] == pytest.approx(expected, rel=1e-9)
    plain = solve_loaded(
        load_route(ROUTES / "nmc811_sulfate.yaml", overrides={"units.precipitate.ammonia_recovery": 0})
    )
    assert plain.energy().loc["precipitate", "losses [MJ]"] == 0
