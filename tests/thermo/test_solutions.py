"""Reagents fed concentrated carry their heat of dilution (Koretsky 2013, Table 6.1, integral heats of solution)."""

import pytest

from flowsheet import Flowsheet, solve
from flowsheet.errors import FlowsheetError
from flowsheet.operations import Feed, Mixer, Product
from flowsheet.thermo.solutions import relative_enthalpy
from tests.conftest import NA, H, N, O

NAOH, NH3, WATER = NA + O + H, N + 3 * H, 2 * H + O


def test_caustic_at_32_percent_holds_its_heat_of_solution_above_infinite_dilution():
    n = (68 / WATER) / (32 / NAOH)  # 4.72 mol water per mol NaOH
    # between n = 4 (-34.43) and n = 5 (-37.76 kJ/mol), linear in 1/n; infinite dilution -42.87
    share = (1 / n - 1 / 5) / (1 / 4 - 1 / 5)
    expected = (-37.76 + share * (-34.43 + 37.76) + 42.87) * 1e3
    assert relative_enthalpy("NaOH(aq)", n) == pytest.approx(expected, rel=1e-12)  # 5.91 kJ/mol
    assert relative_enthalpy("NaOH(aq)", 1e9) == pytest.approx(0.0, abs=1e-3)
    assert relative_enthalpy("NiSO4(aq)", 5) is None  # not tabulated: taken at infinite dilution


def test_a_solution_beyond_the_table_is_refused():
    with pytest.raises(FlowsheetError, match="more concentrated than the heats of solution"):
        relative_enthalpy("NaOH(aq)", 2.0)  # the table starts at 3 mol water per mol NaOH


def _diluted(flows):
    sheet = Flowsheet("dilution")
    sheet.add(
        Feed("reagent", flows), Mixer("dilute", inlet_names=("reagent",), temperature="25 degC"), Product("solution")
    )
    sheet.connect("reagent", "dilute.reagent")
    sheet.connect("dilute", "solution")
    return solve(sheet, "1 kg", product="H2O(l)")


@pytest.mark.parametrize(
    ("solute", "molar_mass", "percent"),
    [("NaOH(aq)", NAOH, 32), ("NH3(aq)", NH3, 25)],
)
def test_a_concentrated_reagent_releases_its_heat_of_dilution_where_it_mixes(solute, molar_mass, percent):
    results = _diluted({solute: f"{percent} kg/s", "H2O(l)": f"{100 - percent} kg/s"})
    moles = results.flow("reagent.out->dilute.reagent")[results.components.index(solute)]
    n = ((100 - percent) / WATER) / (percent / molar_mass)
    # the mixer's outlet is at infinite dilution: its duty is the heat of dilution released, -n_solute L(n)
    assert results.duties["dilute"][0] == pytest.approx(-moles * relative_enthalpy(solute, n), rel=1e-9)
