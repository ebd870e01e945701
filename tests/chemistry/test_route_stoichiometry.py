"""The per-kg figures that start every argument about cathode routes, derived by hand.

Basis: 1 kg NMC811 cathode, LiNi0.8Mn0.1Co0.1O2, one metal atom M per formula unit, so
n(CAM) = n(pCAM) = n(M) = 1000 g / M(CAM).
"""

import pytest

from flowsheet import Formula, Reaction
from tests.conftest import CO, LI, MN, NA, NI, H, O, S

M_CAM = LI + 0.8 * NI + 0.1 * MN + 0.1 * CO + 2 * O  # 97.2798 g/mol
MOL_CAM = 1000 / M_CAM  # 10.2796 mol per kg CAM

# sulfate -> hydroxide -> oxide, summed: the net reaction of the conventional route
OVERALL = "Ni0.8Mn0.1Co0.1SO4 + 2 NaOH + LiOH·H2O + 1/4 O2 -> LiNi0.8Mn0.1Co0.1O2 + Na2SO4 + 5/2 H2O(g)"


def test_issue_2_sodium_sulfate_per_kg_nmc811():
    # MSO4 + 2 NaOH -> M(OH)2 + Na2SO4: one Na2SO4 per M
    expected = MOL_CAM * (2 * NA + S + 4 * O) / 1000  # 10.2796 * 142.042 g = 1.4601 kg
    got = Reaction(OVERALL).mass_ratio("Na2SO4", per="LiNi0.8Mn0.1Co0.1O2")
    assert got == pytest.approx(expected, rel=1e-12)
    assert got == pytest.approx(1.460, abs=5e-4)


def test_issue_2_stoichiometric_sodium_hydroxide_per_kg_nmc811():
    expected = MOL_CAM * 2 * (NA + O + H) / 1000  # 2 NaOH per M: 0.8223 kg
    got = Reaction(OVERALL).mass_ratio("NaOH", per="LiNi0.8Mn0.1Co0.1O2")
    assert got == pytest.approx(expected, rel=1e-12)
    assert got == pytest.approx(0.8223, abs=5e-5)


def test_issue_2_lithium_hydroxide_monohydrate_per_kg_nmc811():
    expected = MOL_CAM * (LI + 2 * O + 3 * H) / 1000  # Li/M = 1: 0.4314 kg
    got = Reaction(OVERALL).mass_ratio("LiOH·H2O", per="LiNi0.8Mn0.1Co0.1O2")
    assert got == pytest.approx(expected, rel=1e-12)
    assert got == pytest.approx(0.4314, abs=5e-5)


def test_issue_2_water_released_on_firing_and_oxygen_consumed():
    rxn = Reaction(OVERALL)
    water = rxn.mass_ratio("H2O(g)", per="LiNi0.8Mn0.1Co0.1O2")
    oxygen = rxn.mass_ratio("O2", per="LiNi0.8Mn0.1Co0.1O2")
    assert water == pytest.approx(MOL_CAM * 2.5 * (2 * H + O) / 1000, rel=1e-12)  # 0.4630 kg
    assert oxygen == pytest.approx(MOL_CAM * 0.25 * 2 * O / 1000, rel=1e-12)  # 0.0822 kg


def test_issue_2_hydrated_sulfates_shipped_per_kg_nmc811():
    # 0.8 NiSO4·6H2O + 0.1 CoSO4·7H2O + 0.1 MnSO4·H2O per M
    hexahydrate = NI + S + 10 * O + 12 * H
    heptahydrate = CO + S + 11 * O + 14 * H
    monohydrate = MN + S + 5 * O + 2 * H
    expected = MOL_CAM * (0.8 * hexahydrate + 0.1 * heptahydrate + 0.1 * monohydrate) / 1000
    got = sum(
        share * Formula(salt).relative_mass * MOL_CAM / 1000
        for share, salt in ((0.8, "NiSO4·6H2O"), (0.1, "CoSO4·7H2O"), (0.1, "MnSO4·H2O"))
    )
    assert got == pytest.approx(expected, rel=1e-12)
    assert got == pytest.approx(2.6242, abs=5e-4)  # NMC811 hydrated sulfates from stoichiometry, derived above


def test_issue_2_calcination_closes_mass_to_1e_12():
    rxn = Reaction("Ni0.8Mn0.1Co0.1(OH)2 + LiOH·H2O + 1/4 O2 -> LiNi0.8Mn0.1Co0.1O2 + 5/2 H2O")
    mass_in = sum(float(c) * f.relative_mass for c, f in rxn.reactants)
    mass_out = sum(float(c) * f.relative_mass for c, f in rxn.products)
    assert abs(mass_out - mass_in) / mass_in < 1e-12


def test_pcam_per_kg_cam_is_the_molar_mass_ratio():
    # one M per formula unit: kg pCAM / kg CAM = M(pCAM) / M(CAM) = 92.356 / 97.280
    ratio = Formula("Ni0.8Mn0.1Co0.1(OH)2").relative_mass / Formula("LiNi0.8Mn0.1Co0.1O2").relative_mass
    assert ratio == pytest.approx((0.8 * NI + 0.1 * MN + 0.1 * CO + 2 * O + 2 * H) / M_CAM, rel=1e-12)
    assert ratio == pytest.approx(0.9494, abs=5e-5)
