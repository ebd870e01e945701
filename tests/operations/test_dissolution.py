import pytest

from flowsheet import Flowsheet, solve
from flowsheet.operations import Dissolver, Feed, Product


def _dissolve(reaction, acid_feed=None, **parameters):
    reactions = reaction if isinstance(reaction, list) else [reaction]
    sheet = Flowsheet("dissolve")
    oxidative = any("O2" in str(r) for r in reactions)
    sheet.add(
        Feed("nickel", {"Ni": "1 mol/s"}),
        Feed("acid", acid_feed or {"H2SO4(aq)": "1 mol", "H2O(l)": "2 mol"}, dosed=True),
        Feed("water", {"H2O(l)": "1 mol"}, dosed=True),
        Dissolver("dissolve", reactions=reactions, **parameters),
        Product("solution"),
        Product("gas", kind="emission"),
    )
    if oxidative:
        sheet.add(Feed("air", {"O2": "21 mol", "N2": "79 mol"}, dosed=True))
        sheet.connect("air", "dissolve.oxygen")
    for source, target in [
        ("nickel", "dissolve.feed"),
        ("acid", "dissolve.acid"),
        ("water", "dissolve.water"),
        ("dissolve.solution", "solution"),
        ("dissolve.gas", "gas"),
    ]:
        sheet.connect(source, target)
    return solve(sheet, "1 kg", product="NiSO4(aq)")


def _moles(results, stream, label):
    return results.flow(stream)[results.components.index(label)]


def test_non_oxidising_dissolution_releases_hydrogen_and_meets_the_molality():
    results = _dissolve("Ni + H2SO4(aq) -> NiSO4(aq) + H2(g)", excess=0.1, molality="2 mol/kg")
    nickel = _moles(results, "nickel.out->dissolve.feed", "Ni(s)")
    assert _moles(results, "dissolve.gas->gas.in", "H2(g)") == pytest.approx(nickel, rel=1e-12)
    # acid 10 % over: 1.1 mol per mol Ni, 0.1 left in solution
    assert _moles(results, "acid.out->dissolve.acid", "H2SO4(aq)") == pytest.approx(1.1 * nickel, rel=1e-12)
    # water: 1 mol NiSO4 per 0.5 kg water, i.e. 0.5 / 0.018015 mol water per mol Ni
    water = _moles(results, "dissolve.solution->solution.in", "H2O(l)")
    assert water == pytest.approx(nickel * 0.5 / 0.018015, rel=1e-12)


def test_oxidative_dissolution_takes_oxygen_from_air_and_releases_no_hydrogen():
    results = _dissolve("Ni + H2SO4(aq) + 1/2 O2 -> NiSO4(aq) + H2O", molality="2 mol/kg", oxygen_excess=0.2)
    nickel = _moles(results, "nickel.out->dissolve.feed", "Ni(s)")
    assert "H2(g)" not in results.components
    # 1/2 O2 per Ni, 20 % over; the rest and all the N2 leave as gas
    assert _moles(results, "air.out->dissolve.oxygen", "O2(g)") == pytest.approx(0.6 * nickel, rel=1e-12)
    assert _moles(results, "dissolve.gas->gas.in", "O2(g)") == pytest.approx(0.1 * nickel, rel=1e-12)
    assert _moles(results, "dissolve.gas->gas.in", "N2(g)") == pytest.approx(0.6 * nickel * 79 / 21, rel=1e-12)


def test_concentration_by_volume_uses_the_solution_density():
    # 2 mol/L at 1.3 kg/L: 650 g of solution per mol NiSO4
    results = _dissolve("Ni + H2SO4(aq) -> NiSO4(aq) + H2(g)", concentration="2 mol/L", solution_density="1.3 kg/L")
    nickel = _moles(results, "nickel.out->dissolve.feed", "Ni(s)")
    assert results.mass("dissolve.solution->solution.in") == pytest.approx(nickel * 0.650, rel=1e-12)


def test_reactions_in_turn_dose_the_acid_and_oxygen_they_consume_once():
    # half the nickel dissolves without oxidant, then all that is left with oxygen:
    # acid 0.5 + 0.5 = 1 mol per mol Ni (none left over), H2 0.5 mol, O2 0.5 * 1/2 = 0.25 mol
    results = _dissolve(
        [
            ("Ni + H2SO4(aq) -> NiSO4(aq) + H2(g)", "Ni", 0.5),
            ("Ni + H2SO4(aq) + 1/2 O2 -> NiSO4(aq) + H2O", "Ni", 1.0),
        ],
        molality="2 mol/kg",
    )
    nickel = _moles(results, "nickel.out->dissolve.feed", "Ni(s)")
    assert _moles(results, "acid.out->dissolve.acid", "H2SO4(aq)") == pytest.approx(nickel, rel=1e-12)
    assert _moles(results, "dissolve.solution->solution.in", "H2SO4(aq)") == pytest.approx(0.0, abs=1e-12)
    assert _moles(results, "dissolve.gas->gas.in", "H2(g)") == pytest.approx(0.5 * nickel, rel=1e-12)
    assert _moles(results, "air.out->dissolve.oxygen", "O2(g)") == pytest.approx(0.25 * nickel, rel=1e-12)


def test_concentrated_acid_releases_its_heat_of_dilution_in_the_dissolver():
    # H2SO4(l) -> H2SO4(aq, infinite dilution): -909.27 - (-813.989) = -95.281 kJ/mol (NBS 1982; NASA for the liquid)
    reaction = "Ni + H2SO4(aq) -> NiSO4(aq) + H2(g)"
    dilute = _dissolve(reaction, excess=0.05, molality="1.7 mol/kg", temperature="25 degC")
    strong = _dissolve(
        reaction,
        acid_feed={"H2SO4(l)": "98 kg", "H2O(l)": "2 kg"},
        acid="H2SO4(l)",
        excess=0.05,
        molality="1.7 mol/kg",
        temperature="25 degC",
    )
    acid = _moles(strong, "acid.out->dissolve.acid", "H2SO4(l)")
    assert acid == pytest.approx(_moles(dilute, "acid.out->dissolve.acid", "H2SO4(aq)"), rel=1e-12)
    assert acid == pytest.approx(1.05 * _moles(strong, "nickel.out->dissolve.feed", "Ni(s)"), rel=1e-12)
    for label in ("NiSO4(aq)", "H2SO4(aq)", "H2O(l)"):  # the same solution leaves
        same = _moles(strong, "dissolve.solution->solution.in", label)
        assert same == pytest.approx(_moles(dilute, "dissolve.solution->solution.in", label), rel=1e-9)
    difference = strong.duties["dissolve"][0] - dilute.duties["dissolve"][0]  # W per basis rate
    assert difference == pytest.approx(acid * (-909.27e3 - -813.989e3), rel=1e-6)
