import pytest

from flowsheet import Flowsheet
from flowsheet.errors import FlowsheetCheckError
from flowsheet.operations import Dissolver, Feed, Mixer, Product, Splitter, StoichiometricReactor
from tests.flowsheets import joined


def test_all_problems_are_listed_at_once():
    sheet = Flowsheet("broken")
    sheet.add(
        Feed("nickel", {"Ni": "1 mol/s"}),
        Feed("salt", {"NaCl(s)": "1 mol/s"}),  # no data for NaCl
        StoichiometricReactor("react", reactions=["Co + H2SO4(aq) -> CoSO4(aq) + H2(g)"]),
        Mixer("mix"),
        Product("out"),
    )
    sheet.connect("nickel", "mix.in1")
    sheet.connect("salt", "mix.in1")  # two streams into one inlet
    sheet.connect("mix", "react")
    sheet.connect("react.product", "out")  # react.gas left open
    with pytest.raises(FlowsheetCheckError) as caught:
        sheet.check()
    problems = [str(p) for p in caught.value.problems]
    assert any("2 streams into one inlet port" in p and p.startswith("mix.in1") for p in problems)
    assert any(p.startswith("mix.in2: inlet port not connected\n  hint: connect it to a Feed") for p in problems)
    assert any(p.startswith("react.gas: outlet port not connected") for p in problems)
    assert any("unknown species 'NaCl(s)'" in p for p in problems)
    assert len(problems) == 4
    assert "has 4 problem(s)" in str(caught.value)


def test_a_reaction_whose_species_never_arrive():
    sheet = Flowsheet("no cobalt")
    sheet.add(
        Feed("nickel", {"Ni": "1 mol/s", "H2SO4(aq)": "1 mol/s"}),
        StoichiometricReactor("react", reactions=["Co + H2SO4(aq) -> CoSO4(aq) + H2(g)"]),
        Product("out"),
        Product("gas", kind="emission"),
    )
    sheet.connect("nickel", "react")
    sheet.connect("react.product", "out")
    sheet.connect("react.gas", "gas")
    with pytest.raises(
        FlowsheetCheckError,
        match=r"react.reactions: Co never reaches the unit, so .* cannot run\n    hint: feed Co to the unit",
    ):
        sheet.check()


def test_dosed_ports_need_dosed_feeds_with_the_right_species():
    sheet = joined(
        "doses",
        [
            Feed("nickel", {"Ni": "1 mol/s"}),
            Feed("acid", {"H2SO4(aq)": "1 mol/s"}),  # fixed, but the port is dosed
            Feed("water", {"NaOH(aq)": "1 mol"}, dosed=True),  # lacks water
            Dissolver("dissolve", reactions=["Ni + H2SO4(aq) -> NiSO4(aq) + H2(g)"], molality="2 mol/kg"),
            Product("out"),
            Product("gas", kind="emission"),
        ],
        [
            ("nickel", "dissolve.feed"),
            ("acid", "dissolve.acid"),
            ("water", "dissolve.water"),
            ("dissolve.solution", "out"),
            ("dissolve.gas", "gas"),
        ],
    )
    problems = [(p.where, p.message, p.hint) for p in sheet.problems()]
    assert ("dissolve.acid", "the unit sets this reagent's amount", "connect a Feed with dosed=True") in problems
    assert (
        "water.flows",
        "dissolve.water doses H2O(l), which this feed lacks",
        "add H2O(l) to the feed's flows",
    ) in problems


def test_bad_connections_fail_at_once_with_the_ports_available():
    sheet = Flowsheet("ports")
    sheet.add(Splitter("split", fractions={"a": 0.5, "b": 0.5}), Product("out"))
    with pytest.raises(FlowsheetCheckError, match=r"split: has outlet ports a, b\n    hint: name one as 'split.PORT'"):
        sheet.connect("split", "out")
    with pytest.raises(FlowsheetCheckError, match=r"split.c: no such outlet port\n    hint: its outlet ports: a, b"):
        sheet.connect("split.c", "out")
    with pytest.raises(FlowsheetCheckError, match="no unit named 'nowhere'"):
        sheet.connect("nowhere", "out")
    with pytest.raises(FlowsheetCheckError, match="out: a unit of this name exists already"):
        sheet.add(Product("out"))


def test_no_fixed_feed_means_no_scale():
    sheet = Flowsheet("scale")
    sheet.add(Feed("water", {"H2O(l)": "1 mol"}, dosed=True), Product("out"))
    sheet.connect("water", "out")
    assert "no fixed-rate Feed: nothing sets the scale of the flowsheet" in [p.message for p in sheet.problems()]


def test_an_unknown_utility_is_a_check_problem_naming_the_known_ones():
    from flowsheet.operations import Dryer

    sheet = Flowsheet("dry")
    sheet.add(Feed("wet", {"NiSO4·6H2O": "1 mol/s", "H2O(l)": "2 mol/s"}), Dryer("dry", moisture=0.01, utility="steam"))
    problems = sheet.problems()
    assert any(p.where == "dry.utility" and p.message == "unknown utility 'steam'" for p in problems)
    assert any(p.hint.startswith("known: ") and "steam_gas_boiler" in p.hint for p in problems)
