import pytest

from flowsheet import heat_of_reaction, species
from flowsheet.errors import MissingDataError, UnitError, UnknownSpeciesError


def test_issue_2_lithium_hydroxide_dehydration_is_61_kj_per_mol():
    # ΔH = ΔfH(LiOH) + ΔfH(H2O,g) - ΔfH(LiOH·H2O)
    #    = -484.93 - 241.826 + 788.0 = +61.244 kJ/mol (NBS 1982; NASA for steam)
    expected = -484.93 - 241.826 + 788.0
    got = heat_of_reaction("LiOH·H2O -> LiOH + H2O(g)")
    assert str(got.units) == "kilojoule / mole"
    assert got.magnitude == pytest.approx(expected, abs=1e-9)
    assert got.magnitude == pytest.approx(61, abs=3)


def test_heat_of_reaction_from_formation_enthalpies_at_298():
    # Ni(OH)2 + LiOH + 1/4 O2 -> LiNiO2 + 3/2 H2O(g): the formation enthalpies of data/thermo give +59.2
    expected = -593 + 1.5 * -241.826 - (-530.00) - (-484.93)
    got = heat_of_reaction("Ni(OH)2 + LiOH + 1/4 O2 -> LiNiO2 + 3/2 H2O(g)").magnitude
    assert got == pytest.approx(expected, abs=1e-9)
    assert got == pytest.approx(59.2, abs=0.05)


def test_nickel_sulfate_hexahydrate_dissolution():
    # NiSO4·6H2O -> NiSO4(aq) + 6 H2O(l): -963.27 - 6 * 285.83 + 2682.99 = +4.74 (LLNL's own ΔrH: +4.38)
    got = heat_of_reaction("NiSO4·6H2O -> NiSO4(aq) + 6 H2O").magnitude
    assert got == pytest.approx(-963.27 - 6 * 285.83 + 2682.99, abs=1e-9)
    assert got == pytest.approx(4.38, abs=0.5)


def test_heat_of_reaction_follows_kirchhoff():
    # Kirchhoff: d(ΔrH)/dT = ΔrCp; a 1 K difference quotient matches ΔrCp at the midpoint
    reaction = "Li2CO3 -> Li2O + CO2"
    t1, t2 = 700.0, 701.0
    slope = heat_of_reaction(reaction, f"{t2} K").magnitude - heat_of_reaction(reaction, f"{t1} K").magnitude
    t_mid = (t1 + t2) / 2
    delta_cp = species("Li2O").cp(t_mid) + species("CO2(g)").cp(t_mid) - species("Li2CO3").cp(t_mid)
    assert slope * 1000 == pytest.approx(delta_cp, rel=1e-4)


def test_evaporation_enthalpy_of_water():
    # IAPWS: ΔvapH = 44.0 kJ/mol at 25 C and 40.65 kJ/mol at 100 C
    assert heat_of_reaction("H2O(l) -> H2O(g)").magnitude == pytest.approx(44.0, rel=0.002)
    assert heat_of_reaction("H2O(l) -> H2O(g)", "100 degC").magnitude == pytest.approx(40.65, rel=0.01)


def test_temperature_outside_the_data_is_an_error():
    with pytest.raises(MissingDataError, match=r"NiSO4·6H2O\(s\): heat capacity valid 273.15-373.15 K"):
        heat_of_reaction("NiSO4·6H2O -> NiSO4 + 6 H2O(g)", "800 degC")


def test_temperature_needs_a_unit():
    with pytest.raises(UnitError, match="temperature expects K"):
        heat_of_reaction("LiOH·H2O -> LiOH + H2O(g)", 298.15)


def test_unknown_species_in_a_reaction():
    with pytest.raises(UnknownSpeciesError, match="NiSO4\\(g\\)"):
        heat_of_reaction("NiSO4(g) -> NiSO4")
