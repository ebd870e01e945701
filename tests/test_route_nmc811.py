"""Issue 3: the conventional NMC811 route built in Python, solved per 1 kg CAM, pinned by hand.

Per kg CAM, n(M) = 1000 / M(LiNi0.8Mn0.1Co0.1O2) = 10.2796 mol (one metal per formula unit).
"""

import pytest

from flowsheet import solve
from tests.conftest import CO, LI, MN, NA, NI, H, O, S
from tests.sulfate_route import CAM, build

MOLES = 1000 / (LI + 0.8 * NI + 0.1 * MN + 0.1 * CO + 2 * O)  # mol metal per kg CAM


@pytest.fixture(scope="module")
def results():
    return solve(build(caustic_excess=0.02), "1 kg")


def test_issue_3_sodium_sulfate_per_kg_cam(results):
    # one Na2SO4 per metal: 10.2796 mol * 142.042 g/mol = 1.4601 kg
    expected = MOLES * (2 * NA + S + 4 * O) / 1000
    assert results.totals()["sodium_sulfate"].to("kg").magnitude == pytest.approx(expected, rel=1e-9)
    assert expected == pytest.approx(1.460, abs=5e-4)


def test_issue_3_sodium_hydroxide_with_excess(results):
    # 2 NaOH per metal, 2 % over: 0.8223 kg * 1.02
    expected = MOLES * 2 * (NA + O + H) / 1000 * 1.02
    caustic = results.reagents()["caustic"].to("kg").magnitude * 0.32  # the feed is 32 wt % NaOH
    assert caustic == pytest.approx(expected, rel=1e-9)


def test_issue_3_shipped_hydrated_sulfates(results):
    hexahydrate = NI + S + 10 * O + 12 * H
    heptahydrate = CO + S + 11 * O + 14 * H
    monohydrate = MN + S + 5 * O + 2 * H
    expected = MOLES * (0.8 * hexahydrate + 0.1 * heptahydrate + 0.1 * monohydrate) / 1000  # 2.6242 kg
    assert results.totals()["shipped_mass"].to("kg").magnitude == pytest.approx(expected, rel=1e-9)
    assert expected == pytest.approx(2.624, abs=5e-4)


def test_issue_3_water_released_on_firing(results):
    # M(OH)2 + LiOH·H2O + 1/4 O2 -> LiMO2 + 5/2 H2O: 2.5 * 18.015 g per mol metal = 0.4630 kg
    offgas = results.flow("calcine.offgas->offgas.in")
    water = (
        offgas[results.components.index("H2O(g)")] * results.components.molar_masses[results.components.index("H2O(g)")]
    )
    assert water == pytest.approx(MOLES * 2.5 * (2 * H + O) / 1000, rel=1e-9)


def test_issue_3_mass_closes_below_1e_9(results):
    assert results.closure.worst < 1e-9
    assert set(results.closure.elements) >= {"Ni", "Mn", "Co", "Li", "Na", "S", "O", "H", "N", "charge"}


def test_basis_is_one_kilogram_of_cathode(results):
    assert results.product == f"{CAM}(s)"
    assert results.totals()["product"].to("kg").magnitude == pytest.approx(1.0, rel=1e-12)


def test_rate_basis_scales_linearly():
    per_kg = solve(build(), "1 kg").totals()["sodium_sulfate"].to("kg").magnitude
    per_hour = solve(build(), "50 kt/yr").totals()["sodium_sulfate"].to("t/yr").magnitude
    assert per_hour == pytest.approx(per_kg * 50_000, rel=1e-9)


def test_lower_crystal_yield_with_bleed_loses_metal_not_sulfate_per_cam():
    # per kg CAM the chemistry after the refinery is unchanged; the bleed only costs more metal
    results = solve(build(crystal_yield=0.8, bleed=0.1), "1 kg")
    sulfate = results.totals()["sodium_sulfate"].to("kg").magnitude
    assert sulfate == pytest.approx(MOLES * (2 * NA + S + 4 * O) / 1000, rel=1e-9)
    # metal fed per metal in product: y / (1 - r (1 - y)) of the dissolved metal crystallises
    recovered = 0.8 / (1 - 0.9 * 0.2)
    metal_fed = results.flow("metals.out->dissolve.feed").sum()
    assert metal_fed == pytest.approx(MOLES / recovered, rel=1e-9)
