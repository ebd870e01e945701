"""Firing in other atmospheres: what oxygen, nitrogen and hydrogen allow, reductants and the carbon they leave."""

import pytest

from flowsheet import Flowsheet, solve
from flowsheet.chemistry import Formula
from flowsheet.operations import Calciner, Feed, OnePotReactor, Product
from tests.conftest import AL, LI, C, O

NMC = {"product": "LiNi0.8Mn0.1Co0.1O2", "precursor": "Ni0.8Mn0.1Co0.1(OH)2", "temperature": "800 degC"}
ALUMINATE = {"product": "LiAlO2", "precursor": "Al(OH)3", "lithium_source": "LiOH·H2O", "temperature": "800 degC"}


@pytest.mark.parametrize("atmosphere", ["nitrogen", "hydrogen"])
def test_a_firing_that_needs_oxygen_is_refused_in_an_atmosphere_without_it(atmosphere):
    # Ni2+ -> Ni3+: M(OH)2 + LiOH·H2O + 1/4 O2 -> LiMO2 + 5/2 H2O needs an oxidant
    [problem] = Calciner("calcine", atmosphere=atmosphere, **NMC).problems()
    assert problem.field == "atmosphere"
    assert f"takes up O2, which a {atmosphere} atmosphere cannot give" in problem.message
    assert "LiOH·H2O + O2(g) ->" in problem.message  # the balance it would need, O2 taken up
    assert problem.hint.startswith("fire in oxygen or air")


def _aluminate(atmosphere, gas, dosed, **more):
    sheet = Flowsheet("aluminate")
    sheet.add(
        Feed("hydroxide", {"Al(OH)3": "1 mol/s"}),
        Feed("lithium", {"LiOH·H2O": "1 mol"}, dosed=True),
        Feed("gas", gas, dosed=dosed),
        Calciner("fire", atmosphere=atmosphere, **ALUMINATE, **more),
        Product("product"),
        Product("offgas", kind="emission"),
    )
    pairs = "hydroxide fire.feed, lithium fire.lithium, gas fire.gas, fire.product product, fire.offgas offgas"
    if "reductant" in more:
        sheet.add(Feed("reductant", {more["reductant"]: "1 mol"}, dosed=True))
        pairs += ", reductant fire.reductant"
    for pair in pairs.split(", "):
        sheet.connect(*pair.split())
    return sheet


def test_a_firing_without_redox_runs_in_nitrogen_with_the_sweep_gas_passing_through():
    # Al(OH)3 + LiOH·H2O -> LiAlO2 + 3 H2O(g): nothing to oxidise, no O2 dosed
    results = solve(_aluminate("nitrogen", {"N2": "2 mol/s"}, dosed=False), "1 kg", product="LiAlO2")
    n = 1000 / (LI + AL + 2 * O)  # mol LiAlO2 per kg
    offgas = results.flow("fire.offgas->offgas.in")
    assert offgas[results.components.index("H2O(g)")] == pytest.approx(3 * n, rel=1e-12)
    assert offgas[results.components.index("N2(g)")] == pytest.approx(2 * n, rel=1e-12)  # 2 mol N2 per mol Al
    assert offgas[results.components.index("O2(g)")] == 0
    assert results.closure.worst < 1e-12


def test_hydrogen_doses_only_what_the_firing_takes_up():
    results = solve(_aluminate("hydrogen", {"H2": "1 mol", "N2": "19 mol"}, dosed=True), "1 kg", product="LiAlO2")
    assert results.doses["gas"] == pytest.approx(0.0, abs=1e-15)  # nothing to reduce


@pytest.mark.parametrize(("reductant", "carbon_per_reductant"), [("C", 1), ("CH3COOH(l)", 2)])
def test_a_reductant_leaves_the_carbon_residue_asked_for(reductant, carbon_per_reductant):
    # 2 % carbon on LiAlO2: per kg of product 0.02 kg C = 0.02 / 12.011 g/mol; acetic acid pyrolyses to 2 C + 2 H2O
    sheet = _aluminate("nitrogen", {"N2": "1 mol/s"}, dosed=False, reductant=reductant, carbon_residue=0.02)
    results = solve(sheet, "1 kg", product="LiAlO2")
    carbon = results.flow("fire.product->product.in")[results.components.index("C(s)")]
    assert carbon * C / 1000 == pytest.approx(0.02 * results.mass("fire.product->product.in") / 1.02, rel=1e-9)
    assert results.doses["reductant"] == pytest.approx(0.02 * 1000 / C / carbon_per_reductant, rel=1e-9)
    assert "CO2(g)" not in results.components  # nothing was reduced: the reductant only leaves carbon
    assert results.closure.worst < 1e-12
    assert Formula("LiAlO2").relative_mass == pytest.approx(LI + AL + 2 * O)


def test_residual_carbon_needs_a_reductant_and_a_one_pot_reactor_fires_in_oxygen_or_air():
    [problem] = Calciner("fire", carbon_residue=0.02, **ALUMINATE).problems()
    assert problem.field == "carbon_residue"
    fields = {p.field for p in OnePotReactor("pot", product=NMC["product"], temperature="800 degC",
                                              atmosphere="nitrogen", reductant="C").problems()}  # fmt: skip
    assert {"atmosphere", "reductant"} <= fields


REDUCED = {"product": "LiMnO2", "precursor": "LiMn2O4", "lithium_source": "LiOH·H2O", "temperature": "700 degC"}


@pytest.mark.parametrize(
    ("atmosphere", "reductant", "reaction"),
    [
        # Mn 3.5+ -> 3+: LiMn2O4 + LiOH·H2O -> 2 LiMnO2 + 3/2 H2O + 1/4 O2, the oxygen going somewhere
        ("nitrogen", "", "4 LiMn2O4 + 4 LiOH·H2O -> 8 LiMnO2 + 6 H2O(g) + O2(g)"),
        ("nitrogen", "C", "4 LiMn2O4 + 4 LiOH·H2O + C -> 8 LiMnO2 + 6 H2O(g) + CO2(g)"),
        ("hydrogen", "", "2 LiMn2O4 + 2 LiOH·H2O + H2(g) -> 4 LiMnO2 + 4 H2O(g)"),
    ],
)
def test_a_firing_that_reduces_the_metal_gives_its_oxygen_to_the_atmosphere_or_the_reductant(
    atmosphere, reductant, reaction
):
    calciner = Calciner("fire", atmosphere=atmosphere, reductant=reductant, **REDUCED)
    assert calciner.problems() == []
    assert str(calciner.reaction()) == reaction


def test_the_reductant_dosed_is_what_the_reduction_takes_plus_the_carbon_left():
    from tests.conftest import MN

    sheet = Flowsheet("reduced")
    sheet.add(
        Feed("spinel", {"LiMn2O4": "1 mol/s"}),
        Feed("lithium", {"LiOH·H2O": "1 mol"}, dosed=True),
        Feed("sweep", {"N2": "1 mol/s"}),
        Feed("carbon", {"C": "1 mol"}, dosed=True),
        Calciner("fire", atmosphere="nitrogen", reductant="C", carbon_residue=0.01, **REDUCED),
        Product("product"),
        Product("offgas", kind="emission"),
    )
    pairs = "spinel fire.feed, lithium fire.lithium, sweep fire.gas, carbon fire.reductant, "
    pairs += "fire.product product, fire.offgas offgas"
    for pair in pairs.split(", "):
        sheet.connect(*pair.split())
    results = solve(sheet, "1 kg", product="LiMnO2")
    n = 1000 / (LI + MN + 2 * O)  # mol LiMnO2 per kg
    # 1/8 C per LiMnO2 reduces Mn 3.5+ to 3+ (to CO2); 0.01 kg C stays per kg of LiMnO2 (the basis, 1 kg)
    assert results.doses["carbon"] == pytest.approx(n / 8 + 0.01 * 1000 / C, rel=1e-9)
    # LiOH·H2O is dosed at 1 Li per Mn but the spinel brings 1/2: the other 1/2 stays as 1/4 Li2O
    li2o = 0.25 * n * (2 * LI + O) / 1000
    assert results.mass("fire.product->product.in") == pytest.approx(1.0 + 0.01 + li2o, rel=1e-9)
    offgas = results.flow("fire.offgas->offgas.in")
    assert offgas[results.components.index("CO2(g)")] == pytest.approx(n / 8, rel=1e-9)
    assert results.closure.worst < 1e-12
