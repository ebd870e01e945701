"""Cathodes whose formula holds non-metals (LiFePO4), or more than one metal per Li (LNMO); NCA's aluminium sulfate; fired reactors."""

import pytest

from flowsheet import Flowsheet, solve
from flowsheet.errors import FlowsheetError
from flowsheet.operations import Calciner, CoPrecipitator, Feed, Product, StoichiometricReactor
from flowsheet.operations.base import cathode_metals
from tests.conftest import AL, CO, FE, LI, NA, NI, H, O, P, S


@pytest.mark.parametrize(
    ("cathode", "metals"),
    [
        ("LiNi0.8Mn0.1Co0.1O2", 1),
        ("LiFePO4", 1),  # P is the anion's, not a metal
        ("LiMn0.6Fe0.4PO4", 1),
        ("LiNi0.5Mn1.5O4", 2),
        ("Ni0.8Co0.15Al0.05(OH)2.05", 1),
    ],
)
def test_a_cathodes_metals_are_its_elements_other_than_lithium_and_the_non_metals(cathode, metals):
    assert float(sum(cathode_metals(cathode).values())) == pytest.approx(metals)
    assert "P" not in cathode_metals(cathode)
    assert "O" not in cathode_metals(cathode)


def test_a_phosphate_fires_one_mole_of_cathode_per_mole_of_iron():
    sheet = Flowsheet("olivine")
    sheet.add(
        Feed("phosphate", {"FePO4": "1 mol/s"}),
        Feed("lithium", {"Li2CO3": "1 mol"}, dosed=True),
        Feed("sweep", {"N2": "1 mol/s"}),
        Feed("glucose", {"C6H12O6": "1 mol"}, dosed=True),
        Calciner(
            "fire",
            product="LiFePO4",
            precursor="FePO4",
            lithium_source="Li2CO3",
            atmosphere="nitrogen",
            reductant="C6H12O6",
            temperature="700 degC",
        ),
        Product("product"),
        Product("offgas", kind="emission"),
    )
    for pair in (
        "phosphate fire.feed",
        "lithium fire.lithium",
        "sweep fire.gas",
        "glucose fire.reductant",
        "fire.product product",
        "fire.offgas offgas",
    ):
        sheet.connect(*pair.split())
    results = solve(sheet, "1 kg", product="LiFePO4")
    n = 1000 / (LI + FE + P + 4 * O)
    product = results.flow("fire.product->product.in")
    assert product[results.components.index("LiFePO4(s)")] == pytest.approx(n, rel=1e-12)
    assert product[results.components.index("FePO4(s)")] == pytest.approx(0, abs=1e-12)
    # FePO4 + 1/2 Li2CO3 + 1/24 C6H12O6 -> LiFePO4 + 3/4 CO2 + 1/4 H2O: no carbon asked for, so no more glucose
    assert results.doses["lithium"] == pytest.approx(n / 2, rel=1e-12)
    assert results.doses["glucose"] == pytest.approx(n / 24, rel=1e-12)


def test_aluminium_coprecipitates_from_its_sulfate():
    # 0.8 NiSO4 + 0.15 CoSO4 + 0.025 Al2(SO4)3 + 2.05 NaOH -> Ni0.8Co0.15Al0.05(OH)2.05 + 1.025 Na2SO4
    hydroxide = "Ni0.8Co0.15Al0.05(OH)2.05"
    unit = CoPrecipitator("precipitate", product=hydroxide)
    assert unit.sulfates() == ["NiSO4(aq)", "CoSO4(aq)", "Al2(SO4)3(aq)"]
    assert unit.reaction().coefficient("NaOH(aq)") / -unit.reaction().coefficient(hydroxide) == pytest.approx(2.05)
    sheet = Flowsheet("nca precursor")
    sheet.add(
        Feed(
            "liquor",
            {"NiSO4(aq)": "0.8 mol/s", "CoSO4(aq)": "0.15 mol/s", "Al2(SO4)3(aq)": "0.025 mol/s", "H2O(l)": "55 mol/s"},
        ),
        Feed("caustic", {"NaOH(aq)": "32 kg", "H2O(l)": "68 kg"}, dosed=True),
        unit,
        Product("slurry"),
    )
    for pair in ("liquor precipitate.feed", "caustic precipitate.caustic", "precipitate.slurry slurry"):
        sheet.connect(*pair.split())
    results = solve(sheet, "1 kg", product=hydroxide)
    n = 1000 / (0.8 * NI + 0.15 * CO + 0.05 * AL + 2.05 * (O + H))
    slurry = results.flow("precipitate.slurry->slurry.in")
    assert slurry[results.components.index("Al2(SO4)3(aq)")] == pytest.approx(0, abs=1e-12)
    na2so4 = slurry[results.components.index("Na2SO4(aq)")] * (2 * NA + S + 4 * O) / 1000
    assert na2so4 == pytest.approx(1.025 * n * (2 * NA + S + 4 * O) / 1000, rel=1e-12)


def _moist_solid(fired):
    sheet = Flowsheet("dehydration")
    sheet.add(
        Feed("cake", {"FePO4·2H2O": "1 mol/s", "H2O(l)": "0.1 mol/s"}),
        StoichiometricReactor(
            "dehydrate",
            reactions=["FePO4·2H2O -> FePO4 + 2 H2O(g)"],
            temperature="600 degC",
            fired=fired,
            kiln="none" if fired else "",
        ),
        Product("solid"),
        Product("gas", kind="emission"),
    )
    for pair in ("cake dehydrate.feed", "dehydrate.product solid", "dehydrate.gas gas"):
        sheet.connect(*pair.split())
    return sheet


def test_a_fired_reactor_sends_moisture_off_as_steam():
    results = solve(_moist_solid(fired=True), "1 kg", product="FePO4")
    n = 1000 / (FE + P + 4 * O)
    gas = results.flow("dehydrate.gas->gas.in")
    assert gas[results.components.index("H2O(g)")] == pytest.approx(
        2.1 * n, rel=1e-12
    )  # 2 from the hydrate, 0.1 moisture


def test_an_unfired_reactor_keeps_liquid_water_and_says_where_its_data_end():
    with pytest.raises(FlowsheetError, match="H2O\\(l\\) at a temperature outside its data"):
        solve(_moist_solid(fired=False), "1 kg", product="FePO4")


def test_a_fired_reactor_needs_its_temperature_and_its_kiln():
    problems = StoichiometricReactor("dehydrate", reactions=["FePO4·2H2O -> FePO4 + 2 H2O(g)"], fired=True).problems()
    assert [problem.field for problem in problems] == ["temperature", "kiln"]
    assert "kiln: none for a bare heat balance" in problems[1].hint


@pytest.mark.parametrize(("metal", "product"), [("Mn", "Ni0.8Co0.15Al0.05(OH)2.05"), ("Ni", "Ni(OH)2")])
def test_a_dosed_metal_must_be_one_of_several_in_the_product(metal, product):
    [problem] = CoPrecipitator("precipitate", product=product, dosed_metal=metal).problems()
    assert problem.field == "dosed_metal"
    assert f"{metal!r} is not one of the metals of {product}" in problem.message


def test_ammonium_leaves_a_firing_as_ammonia_and_other_nitrogen_as_n2():
    from flowsheet.operations.calcination import volatile_products

    assert volatile_products("NH4H2PO4") == ["H2O(g)", "NH3(g)"]
    assert volatile_products("LiNO3") == ["N2(g)"]


def test_co_precursors_join_the_firing_in_the_products_ratio():
    unit = Calciner(
        "fire",
        product="LiMn0.6Fe0.4PO4",
        precursor="MnCO3",
        co_precursors=("FePO4", "NH4H2PO4"),
        lithium_source="Li2CO3",
        atmosphere="nitrogen",
        reductant="C6H12O6",
        temperature="700 degC",
    )
    reaction = unit.reaction()
    per_product = abs(reaction.coefficient("LiMn0.6Fe0.4PO4"))
    reactants = {str(f) for _, f in reaction.reactants}
    shares = {s: float(abs(reaction.coefficient(s)) / per_product) for s in ("MnCO3", "FePO4", "NH4H2PO4", "C6H12O6")}
    assert {"MnCO3", "FePO4", "NH4H2PO4", "Li2CO3", "C6H12O6"} <= reactants
    # 0.6 MnCO3 + 0.4 FePO4 + 0.6 NH4H2PO4 + 1/2 Li2CO3 + 1/60 C6H12O6: glucose takes the 0.1 O2 Fe(III) gives up
    assert shares == pytest.approx({"MnCO3": 0.6, "FePO4": 0.4, "NH4H2PO4": 0.6, "C6H12O6": 0.1 / 6})


def test_a_co_precursor_that_cannot_be_read_is_named_at_its_place():
    unit = Calciner("fire", product="LiFePO4", precursor="FePO4", co_precursors=("Fe(PO4",), temperature="700 degC")
    [problem] = [p for p in unit.problems() if p.field.startswith("co_precursors")]
    assert problem.field == "co_precursors[0]"
