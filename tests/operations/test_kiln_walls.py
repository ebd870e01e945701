"""A kiln's wall losses from its size and temperature (``walls: lining``), checked by hand.

Figures of data/energy/kiln_figures.csv, each the mean of its sources: roller hearth: shell 235.4 and 265.9 m2
for 36.75 and 79.65 kg/h, capacity exponent 1 and 0.67, lining 0.605 m thick, conductivity 0.30 and 0.29
W/(m K), shell emissivity 0.92, 0.94 and 0.79, saggers 1.76, 1.20 and 1.0 kg/kg; rotary: conductivity 0.16
and 0.20, exponent 0.67 and 0.6, no saggers. The shell: eps sigma (Ts^4 - Ta^4) + 1.31 (Ts - Ta)^(4/3).
"""

import numpy as np
import pytest
from scipy.optimize import brentq

from flowsheet.operations import Calciner
from flowsheet.operations.firing import sagger_enthalpy
from flowsheet.operations.kiln_walls import wall_flux
from flowsheet.thermo import package_data

SIGMA, TA = 5.670374419e-8, 298.15
ROLLER = {"area": (235.4 + 265.9) / 2, "rate": (36.75 + 79.65) / 2 / 3600, "n": (1 + 0.67) / 2}
ROLLER |= {
    "thickness": 0.605,
    "k": (0.30 + 0.29) / 2,
    "eps": (0.92 + 0.94 + 0.79) / 3,
    "saggers": (1.76 + 1.20 + 1.0) / 3,
}


def _flux_by_hand(hot, resistance, eps):
    """The shell temperature by Brent's method on the heat balance, and the flux through the lining."""
    balance = lambda ts: (hot - ts) / resistance - eps * SIGMA * (ts**4 - TA**4) - 1.31 * (ts - TA) ** (4 / 3)  # noqa: E731
    shell = brentq(balance, TA, hot, xtol=1e-12)
    return (hot - shell) / resistance, shell


@pytest.mark.parametrize("hot", [873.15, 1073.15, 1373.15])
def test_the_wall_flux_balances_conduction_against_radiation_and_convection(hot):
    resistance = ROLLER["thickness"] / ROLLER["k"]
    flux, shell = wall_flux(hot, resistance, ROLLER["eps"])
    by_hand, shell_by_hand = _flux_by_hand(hot, resistance, ROLLER["eps"])
    assert float(shell) == pytest.approx(shell_by_hand, rel=1e-9)
    assert float(flux) == pytest.approx(by_hand, rel=1e-9)
    assert TA < float(shell) < 400  # an insulated shell stays warm to the touch, not hot


def _calciner(**given):
    return Calciner(
        "fire",
        product="LiNi0.8Mn0.1Co0.1O2",
        precursor="Ni0.8Mn0.1Co0.1(OH)2",
        temperature=given.pop("temperature", "800 degC"),
        walls=given.pop("walls", "lining"),
        **given,
    )


@pytest.mark.parametrize("times", [1.0, 4.0])
def test_a_roller_kilns_losses_per_kg_are_its_walls_for_its_size_and_its_saggers(times):
    rate = ROLLER["rate"] * times
    calciner = _calciner(throughput=f"{rate} kg/s")
    assert calciner.problems() == []
    flux, _ = _flux_by_hand(1073.15, ROLLER["thickness"] / ROLLER["k"], ROLLER["eps"])
    area = ROLLER["area"] * times ** ROLLER["n"]  # a kiln built for 4 times the rate has 4^0.835 the shell
    walls = flux * area / rate
    saggers = ROLLER["saggers"] * float(sagger_enthalpy(1073.15))  # none of their heat recovered
    assert float(calciner.heat_losses(1.0)) == pytest.approx(walls + saggers, rel=1e-9)


def test_a_rotary_kiln_without_saggers_loses_its_walls_alone_and_less_per_kg_as_it_grows():
    # the data give no rotary kiln's size: the route gives it (a 3 m x 0.2 m pilot tube, 0.25 m lining, as an example)
    given = {"kiln": "rotary", "shell_area": "12 m**2", "rated_throughput": "5 kg/h", "lining_thickness": "0.25 m"}
    losses = []
    for rate in (5.0, 50.0):
        calciner = _calciner(throughput=f"{rate} kg/h", **given)
        assert calciner.problems() == []
        flux, _ = _flux_by_hand(1073.15, 0.25 / ((0.16 + 0.20) / 2), ROLLER["eps"])
        by_hand = flux * 12 * (rate / 5.0) ** ((0.67 + 0.6) / 2) / (rate / 3600)
        assert float(calciner.heat_losses(1.0)) == pytest.approx(by_hand, rel=1e-9)
        losses.append(by_hand)
    assert losses[1] < losses[0] * 10 ** (0.635 - 1) * 1.000001  # ten times the rate: 10^-0.365 the loss per kg


def test_the_kiln_costs_more_per_kg_hotter_by_more_than_the_powders_sensible_heat():
    # from 800 to 950 degC (the cathode's heat capacity holds to 1000 degC)
    cam = package_data().species("LiNi0.8Mn0.1Co0.1O2(s)")
    per_kg = 1000 / cam.formula.relative_mass
    sensible = float(cam.enthalpy(np.asarray(1223.15)) - cam.enthalpy(np.asarray(1073.15))) * per_kg  # J/kg
    hotter = float(_calciner(temperature="950 degC").heat_losses(1.0)) - float(_calciner().heat_losses(1.0))
    assert hotter > sensible


def test_a_kiln_the_data_do_not_size_is_refused_with_what_to_give():
    calciner = _calciner(kiln="pusher")
    fields = {problem.field for problem in calciner.problems()}
    assert fields == {"shell_area", "rated_throughput", "lining_thickness", "sagger_ratio"}
    assert all("data/energy/kiln_figures.csv" in p.hint for p in calciner.problems())
    assert [p.field for p in _calciner(walls="conduction").problems()] == ["walls"]


def test_a_route_fires_in_a_lined_kiln_and_still_closes():
    from pathlib import Path

    from flowsheet.route_file import load_route
    from flowsheet.solve import solve

    path = Path(__file__).parents[2] / "routes" / "nmc811_sulfate.yaml"
    lined = load_route(path)
    # the vendor's kiln at the rate it was built for; the lining's figures stay in the route, unread
    held = load_route(path, overrides={"units.calcine.walls": "holding", "units.calcine.throughput": "36.75 kg/h"})
    results = {name: solve(r.flowsheet, "1 kg", r.spec.product) for name, r in (("held", held), ("lined", lined))}
    assert results["lined"].closure.worst < 1e-9
    losses = {name: r.energy().loc["calcine", "losses [MJ]"] for name, r in results.items()}
    calciner = lined.flowsheet.operation("calcine")
    assert calciner.walls == "lining"  # the default
    fired = results["lined"].energy().loc["calcine", "losses [MJ]"] / (float(calciner.heat_losses(1.0)) / 1e6)
    assert fired == pytest.approx(1.0, rel=0.01)  # about 1 kg fired per kg of cathode: the losses are per kg fired
    assert losses["lined"] < losses["held"]  # the vendor's holding power is the upper bound it was said to be


def test_newtons_steps_reach_the_balance_for_any_lining_hot_face_and_shell_at_once():
    # thin and thick, insulating and conducting linings, cool and hot faces, bare and painted shells
    grid = np.array(np.meshgrid([0.05, 0.2, 0.605], [0.1, 0.3, 1.5], [500.0, 900.0, 1400.0], [0.1, 0.92]))
    thickness, conductivity, hot, eps = (axis.reshape(-1) for axis in grid)
    flux, shell = wall_flux(hot, thickness / conductivity, eps)  # every case in one call, as samples are
    for k in range(len(hot)):
        by_hand, shell_by_hand = _flux_by_hand(hot[k], thickness[k] / conductivity[k], eps[k])
        assert shell[k] == pytest.approx(shell_by_hand, rel=1e-12)
        assert flux[k] == pytest.approx(by_hand, rel=1e-9, abs=1e-9)
