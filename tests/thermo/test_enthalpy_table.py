"""The tabulated enthalpy of many species equals each species' own integral, value and slope."""

import numpy as np
import pytest

from flowsheet.thermo import all_species
from flowsheet.thermo.enthalpy_table import EnthalpyTable, basis, slope_basis


@pytest.fixture(scope="module")
def table():
    return EnthalpyTable(all_species())


def _grid(item):
    return np.linspace(item.heat_capacity.t_min, item.heat_capacity.t_max, 41)


def test_every_species_enthalpy_equals_its_term_by_term_integral(table):
    # the reference is Nasa9.enthalpy_change (term-by-term integral from its anchor); the table's only
    # difference is rounding in the liquid-water polynomial, whose terms of about 1e7 J/mol cancel
    for j, item in enumerate(table.species):
        for t in _grid(item):
            g = int(table.segment(np.array(t)))
            value = table.coefficients[g, j] @ basis(np.array(t), table.anchors[g])
            assert value == pytest.approx(item.heat_capacity.enthalpy_change(t), abs=1e-6), (item.label, t)


def test_the_slope_of_the_table_is_each_species_heat_capacity(table):
    for j, item in enumerate(table.species):
        for t in _grid(item):
            g = int(table.segment(np.array(t)))
            slope = table.coefficients[g, j] @ slope_basis(np.array(t))
            assert slope == pytest.approx(item.heat_capacity.cp(t), rel=1e-9, abs=1e-9), (item.label, t)


def test_molar_enthalpy_adds_formation(table):
    water = next(j for j, item in enumerate(table.species) if item.label == "H2O(l)")
    # ΔfH°(H2O, l) = -285.83 kJ/mol (CODATA 1989); 25 -> 80 °C at about 75.4 J/(mol K): +4.15 kJ/mol
    assert table.molar(353.15)[water] == pytest.approx(-285.83e3 + 75.4 * 55, rel=2e-4)


def test_a_mixture_is_the_sum_of_its_species(table):
    rng = np.random.default_rng(1)
    flows = rng.random((5, len(table.species)))
    coefficients, first = table.mixture(flows, 400.0, 400.0)
    g = int(table.segment(np.array(400.0)))
    expected = flows @ (table.molar(400.0) - table.formation)
    found = coefficients[:, g - first] @ basis(np.array(400.0), table.anchors[g])
    np.testing.assert_allclose(found, expected, rtol=1e-12)


def test_outside_names_only_species_that_flow(table):
    hot = np.array([5000.0])
    flows = np.zeros((2, len(table.species)))
    assert table.outside(hot, flows) is None  # nothing flows: nothing to check
    narrow = int(np.argmin(table.t_max))
    flows[1, narrow] = 1.0
    assert table.outside(hot, flows) == narrow
