"""A whole kiln by hand: the powder, the process gas and the reaction, then the walls and the saggers.

Per mol of LiNi0.8Mn0.1Co0.1O2 fired from its hydroxide with LiOH·H2O in oxygen dosed at twice the need:

    Ni0.8Mn0.1Co0.1(OH)2 + LiOH·H2O + 1/4 O2 -> LiNi0.8Mn0.1Co0.1O2 + 5/2 H2O(g)

and the 1/4 O2 dosed beyond the need passes through. Everything enters at 25 °C and leaves at the firing
temperature T, so the duty is ``Σ n_out h(T) - Σ n_in h(298.15)``, with each species' enthalpy (formation
plus sensible heat) from the package's tables: it holds the powder's heat, the process gas heated in and
carried out, and the reaction. The kiln then adds, per kg fired, its walls ``q(T) A_ref (m / m_ref)^n / m``
(the flux through the lining that the shell gives off by radiation and convection) and its saggers
``r Δh_corundum(T)``. Two kinds of kiln, each at two rates: the lined roller hearth of the data and a
rotary kiln (no saggers) whose size the test gives (a 12 m2 shell for 5 kg/h, a 0.25 m lining).
"""

import numpy as np
import pytest
from scipy.optimize import brentq

from flowsheet import Flowsheet
from flowsheet.operations import Calciner, Feed, Product
from flowsheet.operations.firing import sagger_enthalpy
from flowsheet.solve import solve
from flowsheet.thermo import package_data

SIGMA, TA = 5.670374419e-8, 298.15
EPS = (0.92 + 0.94 + 0.79) / 3  # painted and bare shells (data/energy/kiln_figures.csv)
KILNS = {
    # kind: (shell area m2, reference rate kg/h, capacity exponent, lining m, conductivity W/(m K), saggers kg/kg)
    "roller_hearth": ((235.4 + 265.9) / 2, (36.75 + 79.65) / 2, (1 + 0.67) / 2, 0.605, (0.30 + 0.29) / 2,
                      (1.76 + 1.20 + 1.0) / 3),
    "rotary": (12.0, 5.0, (0.67 + 0.6) / 2, 0.25, (0.16 + 0.20) / 2, 0.0),
}  # fmt: skip
GIVEN = {"rotary": {"shell_area": "12 m**2", "rated_throughput": "5 kg/h", "lining_thickness": "0.25 m"}}
CAM, PCAM = "LiNi0.8Mn0.1Co0.1O2", "Ni0.8Mn0.1Co0.1(OH)2"


def _kiln(kind, rate, celsius):
    sheet = Flowsheet("kiln")
    calciner = Calciner("fire", product=CAM, precursor=PCAM, temperature=f"{celsius} degC", oxygen_excess=1.0,
                        kiln=kind, throughput=f"{rate} kg/h", utility="electric_kiln", **GIVEN.get(kind, {}))  # fmt: skip
    sheet.add(
        Feed("pcam", {PCAM: "1 mol/s"}),
        Feed("lithium", {"LiOH·H2O": "1 mol/s"}, dosed=True),
        Feed("oxygen", {"O2(g)": "1 mol/s"}, dosed=True),
        calciner,
        Product("cam"),
        Product("offgas", kind="emission"),
    )
    for pair in ("pcam fire.feed", "lithium fire.lithium", "oxygen fire.gas", "fire.product cam", "fire.offgas offgas"):
        sheet.connect(*pair.split())
    return solve(sheet, "1 kg", product=CAM).energy().loc["fire"]


def _h(label, kelvin):
    """Enthalpy of one species, [J/mol], formation included."""
    return float(package_data().species(label).enthalpy(np.asarray(kelvin)))


def _by_hand(kind, rate, celsius):
    """MJ per kg of cathode: the duty, the kiln's losses."""
    hot = celsius + 273.15
    n = 1000 / package_data().species(f"{CAM}(s)").formula.relative_mass  # mol per kg
    into = _h(f"{PCAM}(s)", TA) + _h("LiOH·H2O(s)", TA) + 0.5 * _h("O2(g)", TA)
    out = _h(f"{CAM}(s)", hot) + 2.5 * _h("H2O(g)", hot) + 0.25 * _h("O2(g)", hot)
    duty = n * (out - into) / 1e6
    area, reference, exponent, thickness, conductivity, saggers = KILNS[kind]
    resistance = thickness / conductivity
    shell = brentq(lambda ts: (hot - ts) / resistance - EPS * SIGMA * (ts**4 - TA**4) - 1.31 * (ts - TA) ** (4 / 3),
                   TA, hot, xtol=1e-12)  # fmt: skip
    walls = (hot - shell) / resistance * area * (rate / reference) ** exponent / (rate / 3600)  # J/kg
    return duty, (walls + saggers * float(sagger_enthalpy(hot))) / 1e6


@pytest.mark.parametrize("kind", ["roller_hearth", "rotary"])
def test_a_kilns_energy_is_its_heat_balance_plus_its_walls_and_saggers_by_hand(kind):
    reference = KILNS[kind][1]
    bought = []
    for rate in (reference, 4 * reference):
        fired = _kiln(kind, rate, 800)
        duty, losses = _by_hand(kind, rate, 800)
        assert fired["duty [MJ]"] == pytest.approx(duty, rel=1e-9)
        assert fired["losses [MJ]"] == pytest.approx(losses, rel=1e-9)  # 1 kg of cathode is all the kiln gives
        assert fired["purchased [MJ]"] == pytest.approx(duty + losses, rel=1e-9)  # electric: all of it heat
        bought.append(fired["purchased [MJ]"])
    assert bought[1] < bought[0]  # a kiln built for four times the rate loses less per kg: its shell grows as 4^n


def test_a_hotter_kiln_costs_more_than_the_powders_sensible_heat():
    cool, hot = _kiln("roller_hearth", 58.2, 750), _kiln("roller_hearth", 58.2, 900)
    cam = package_data().species(f"{CAM}(s)")
    sensible = (_h(f"{CAM}(s)", 1173.15) - _h(f"{CAM}(s)", 1023.15)) / cam.formula.relative_mass / 1000  # MJ/kg
    assert sensible == pytest.approx(0.13, abs=0.02)  # about 0.9 kJ/(kg K) over 150 K
    assert hot["purchased [MJ]"] - cool["purchased [MJ]"] > 2 * sensible  # walls, saggers and gas grow with it


def test_a_second_firing_reheats_the_product_in_a_second_pass():
    once = Calciner("fire", product=CAM, precursor=PCAM, temperature="800 degC")
    twice = Calciner("fire", product=CAM, precursor=PCAM, temperature="800 degC", refire_temperature="750 degC")
    assert twice.problems() == []
    # the product from 25 to 750 degC, and a pass of walls and saggers at 750 degC
    cam = package_data().species(f"{CAM}(s)")
    reheat = (_h(f"{CAM}(s)", 1023.15) - _h(f"{CAM}(s)", TA)) / cam.formula.relative_mass * 1000  # J/kg
    second = float(once.pass_losses(1023.15))
    assert float(twice.heat_losses(1.0)) == pytest.approx(float(once.heat_losses(1.0)) + reheat + second, rel=1e-12)
