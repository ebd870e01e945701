"""Physical sense of species data: the bands hold every shipped species with room to spare, and real extremes."""

import math

import numpy as np
import pytest

from flowsheet.chemistry import Formula
from flowsheet.thermo import package_data
from flowsheet.thermo.heat_capacity import ConstantHeatCapacity, Nasa9, Nasa9Interval
from flowsheet.thermo.plausibility import (
    AQUEOUS_HEAT_CAPACITY,
    AQUEOUS_T_MAX,
    FORMATION_ENTHALPY,
    HEAT_CAPACITY_CEILING,
    T_MAX,
    Finding,
    check_formation_enthalpy,
    check_heat_capacity,
    check_range,
    settle,
)

R = 8.314462618  # J/(mol K), CODATA 2018
THREE_R = 3 * R  # Dulong and Petit (1819): 24.94 J/(mol K) per mole of atoms
SPARE = 0.75  # every shipped value lies within three quarters of its band


def _atoms(item):
    return float(sum(item.formula.elements.values()))


def _cp_over_range(model):
    """Heat capacity at 401 points of each interval, ends included, [J/(mol K)] (denser than the check's)."""
    if isinstance(model, Nasa9):
        return np.concatenate([iv.cp(np.linspace(iv.t_min, iv.t_max, 401)) for iv in model.intervals])
    return np.array([model.cp(model.t_min), model.cp(model.t_max)])


def test_the_bands_are_the_stated_multiples_of_three_r_and_kilojoules():
    assert THREE_R == pytest.approx(24.943, abs=1e-3)
    assert HEAT_CAPACITY_CEILING == pytest.approx(5 * THREE_R, rel=1e-12)  # 124.7 J/(mol K) per atom
    assert AQUEOUS_HEAT_CAPACITY == pytest.approx((-8 * THREE_R, 8 * THREE_R), rel=1e-12)
    assert FORMATION_ENTHALPY == {
        "s": (-600e3, 150e3),
        "l": (-600e3, 150e3),
        "g": (-600e3, 1000e3),
        "aq": (-1000e3, 300e3),
    }


def test_every_shipped_species_lies_inside_the_bands_with_a_quarter_to_spare():
    shipped = package_data().all()
    assert len(shipped) == 111  # as pinned in test_species_data
    for item in shipped:
        atoms = _atoms(item)
        low, high = FORMATION_ENTHALPY[item.phase]
        assert SPARE * low <= item.formation_enthalpy / atoms <= SPARE * high, item.label
        cp = _cp_over_range(item.heat_capacity) / atoms
        if item.phase == "aq":
            assert SPARE * AQUEOUS_HEAT_CAPACITY[0] <= cp.min(), item.label
            assert cp.max() <= SPARE * AQUEOUS_HEAT_CAPACITY[1], item.label
            assert item.heat_capacity.t_max <= AQUEOUS_T_MAX, item.label
        else:
            assert cp.min() > 0, item.label
            assert cp.max() <= SPARE * HEAT_CAPACITY_CEILING, item.label
            assert item.heat_capacity.t_max <= T_MAX, item.label
    assert package_data().overrides == ()  # nothing shipped needs an override


def test_the_shipped_extremes_are_those_the_bands_were_drawn_around():
    shipped = package_data().all()
    solid = [item for item in shipped if item.phase != "aq"]
    water = [item for item in shipped if item.phase == "aq"]
    lowest = min(solid, key=lambda item: item.formation_enthalpy / _atoms(item))
    assert lowest.label == "ZrO2(s)"
    assert lowest.formation_enthalpy / 3 == pytest.approx(-1100.3e3 / 3)  # baddeleyite -1100.3 kJ/mol, 3 atoms
    assert min(water, key=lambda item: item.formation_enthalpy / _atoms(item)).label == "Al+3(aq)"  # -531.0, one atom
    hottest = max(solid, key=lambda item: _cp_over_range(item.heat_capacity).max() / _atoms(item))
    assert hottest.label == "Fe(s)"  # the Curie point, 1042 K
    assert _cp_over_range(hottest.heat_capacity).max() == pytest.approx(83.7, abs=0.1)  # 3.36 * 3R
    most_negative = min(water, key=lambda item: _cp_over_range(item.heat_capacity).min() / _atoms(item))
    assert most_negative.label == "OH-(aq)"
    assert most_negative.heat_capacity.value / 2 == pytest.approx(-148.5 / 2)  # NBS 1982, two atoms


@pytest.mark.parametrize(
    ("formula", "phase", "value"),
    [
        ("ThO2", "s", -1226.4e3),  # CODATA 1989 key value: -408.8 kJ per mol of atoms
        ("HN3", "l", 264.0e3),  # NBS 1982: +66 per atom, the energetic end of condensed matter
        ("C", "g", 716.68e3),  # CODATA 1989
        ("W", "g", 8.90 * 96.485332e3),  # Kittel table 3.1: cohesive energy 8.90 eV * F = 858.7 kJ/mol
        ("Th+4", "aq", -769.0e3),  # CODATA 1989
        ("Al+3", "aq", -538.4e3),  # CODATA 1989
        ("Tl+3", "aq", 196.6e3),  # NBS 1982
    ],
)
def test_real_extreme_formation_enthalpies_pass(formula, phase, value):
    assert check_formation_enthalpy(value, Formula(formula), phase, "dHf_298") == []


def test_real_extreme_heat_capacities_pass():
    # NBS 1982: Cl-(aq) -136.4 J/(mol K), -5.5 * 3R for one atom; the band is 8 * 3R
    chloride = ConstantHeatCapacity(-136.4, 273.15, 373.15)
    assert check_heat_capacity(chloride, Formula("Cl-"), "aq", "cp") == []
    # a liquid salt at 1.24 * 3R per atom (the package's Li2CO3(l)) and water's 75.3 J/(mol K) over 3 atoms
    assert check_heat_capacity(ConstantHeatCapacity(75.3, 273.15, 373.15), Formula("H2O"), "l", "cp") == []


@pytest.mark.parametrize(
    ("value", "atoms_formula", "phase", "law"),
    [
        (-600.001e3, "Ni", "s", False),  # one atom just below the band
        (150.001e3, "Ni", "s", False),
        (1000.001e3, "C", "g", False),
        (-1000.001e3, "Al+3", "aq", False),
        (1e9, "NiSO4", "aq", False),  # the hostile review's +1e9 J/mol: 1.67e8 J per mol of atoms
        (math.nan, "Ni", "s", True),
        (math.inf, "Ni", "s", True),
    ],
)
def test_a_formation_enthalpy_outside_its_band_is_found(value, atoms_formula, phase, law):
    [finding] = check_formation_enthalpy(value, Formula(atoms_formula), phase, "dHf_298")
    assert finding.law is law
    assert finding.field == "dHf_298"
    assert finding.hint


def test_the_band_edges_are_inside():
    assert check_formation_enthalpy(-600e3 * 2, Formula("NiO"), "s", "f") == []  # -600 per atom * 2 atoms
    edge = ConstantHeatCapacity(HEAT_CAPACITY_CEILING * 2, 300.0, 400.0)
    assert check_heat_capacity(edge, Formula("NiO"), "s", "cp") == []
    over = ConstantHeatCapacity(HEAT_CAPACITY_CEILING * 2 * 1.001, 300.0, 400.0)
    assert [f.law for f in check_heat_capacity(over, Formula("NiO"), "s", "cp")] == [False]


@pytest.mark.parametrize(
    ("value", "phase", "law"),
    [
        (-1e6, "aq", False),  # the review's -1e6 J/(mol K): outside the aqueous band
        (-1e6, "s", True),  # no solid has a negative heat capacity: a law
        (0.0, "g", True),
        (-293.0, "aq", None),  # the package's own SO4-2(aq): inside
    ],
)
def test_heat_capacity_sign_is_a_law_except_in_water(value, phase, law):
    found = check_heat_capacity(ConstantHeatCapacity(value, 273.15, 373.15), Formula("SO4-2"), phase, "cp")
    assert [f.law for f in found] == ([] if law is None else [law])


@pytest.mark.parametrize(
    ("t_min", "t_max", "phase", "field", "law"),
    [
        (math.nan, 400.0, "s", "t_min", True),
        (273.15, math.inf, "s", "t_max", True),
        (400.0, 300.0, "s", "t_min", True),
        (0.0, 300.0, "s", "t_min", True),
        (-5.0, 300.0, "s", "t_min", True),
        (273.15, T_MAX + 1, "g", "t_max", False),
        (273.15, 700.0, "aq", "t_max", False),  # above water's critical point, 647.096 K
    ],
)
def test_a_validity_range_must_be_finite_ordered_and_bounded(t_min, t_max, phase, field, law):
    [finding] = check_range(t_min, t_max, phase)
    assert (finding.field, finding.law) == (field, law)


def test_a_nasa_interval_is_checked_over_its_range_not_only_at_298_k():
    # Cp/R = a3 + a4 T with a3 = 4, a4 = -0.01: positive at 200 K (Cp/R = 2), negative from 400 K on
    falling = Nasa9Interval(200.0, 1000.0, (0.0, 0.0, 4.0, -0.01, 0.0, 0.0, 0.0), 0.0)
    [finding] = check_heat_capacity(falling, Formula("N2"), "g", "a1..a7")
    assert finding.law
    assert "at 1000 K" in finding.problem  # the lowest, at the interval's upper end: R * (4 - 10) < 0
    overflowing = Nasa9Interval(200.0, 1000.0, (0.0, 0.0, 3.5, 0.0, 0.0, 0.0, 1e305), 0.0)
    assert [f.law for f in check_heat_capacity(overflowing, Formula("N2"), "g", "a1..a7")] == [True]
    for interval in package_data().species("Fe(s)").heat_capacity.intervals:
        assert check_heat_capacity(interval, Formula("Fe"), "s", "a1..a7") == []


def test_an_override_accepts_a_band_never_a_law():
    band = Finding("dHf_298", "outside", "check", law=False)
    law = Finding("cp", "negative", "check", law=True)
    refused, accepted = settle([band, law], override=True, how="mark it")
    assert (refused, accepted) == ([law], [band])
    refused, accepted = settle([band, law], override=False, how="mark it")
    assert accepted == []
    assert [f.field for f in refused] == ["dHf_298", "cp"]
    assert "mark it" in refused[0].hint  # the refusal says how to mark an override
    assert refused[1] is law
