"""Recycled, regional and certified shares of each element of a product, from the element trace."""

import json
from pathlib import Path

import pytest

import flowsheet
from flowsheet import Flowsheet, solve
from flowsheet.cli import main
from flowsheet.compliance import compliance, recycled_minimums
from flowsheet.operations import Feed, Mixer, Product, Splitter

ROUTES = Path(__file__).parents[1] / "routes"


def test_the_regulations_minimums_are_read_with_their_dates():
    # Regulation (EU) 2023/1542, Article 8(2): from 18 August 2031 and 2036
    assert recycled_minimums()["Co"] == {"2031-08-18": 0.16, "2036-08-18": 0.26}
    assert recycled_minimums()["Li"] == {"2031-08-18": 0.06, "2036-08-18": 0.12}
    assert recycled_minimums()["Ni"] == {"2031-08-18": 0.06, "2036-08-18": 0.15}


def _cobalt(certified_share, recycled_share):
    # cobalt from two mines in two regions, mixed in a third: shares by mass balance
    sheet = Flowsheet("cobalt", regions={"mine_a": "CD", "mine_b": "AU", "plant": "FI"})
    sheet.add(
        Feed("a", {"CoSO4(aq)": f"{1 - certified_share} mol/s"}, site="mine_a", recycled=recycled_share > 0),
        Feed("b", {"CoSO4(aq)": f"{certified_share} mol/s"}, site="mine_b", certified=True),
        Mixer("mix", inlet_names=("a", "b"), site="plant"),
        Product("product"),
    )
    for pair in ("a mix.a", "b mix.b", "mix product"):
        sheet.connect(*pair.split())
    return sheet, solve(sheet, "1 kg", product="CoSO4(aq)")


def test_shares_are_by_mass_balance():
    sheet, results = _cobalt(0.3, 0.7)
    found = compliance(sheet, results, elements=("Co",))
    assert found.elements.loc["Co", "certified"] == pytest.approx(0.3, rel=1e-12)
    assert found.elements.loc["Co", "recycled"] == pytest.approx(0.7, rel=1e-12)
    assert bool(found.elements.loc["Co", "meets 2036"])  # 70 % against 26 %
    assert found.sourced.loc["Co"].to_dict() == pytest.approx({"AU": 0.3, "CD": 0.7, "FI": 0.0})
    assert found.processed.loc["Co", "FI"] == pytest.approx(1.0)  # all of it passed through the Finnish mixer
    assert found.processed.loc["Co", "CD"] == pytest.approx(0.0)  # a feed is sourced, not processed


def test_the_recycled_route_meets_the_minimums_for_its_recycled_metals_and_not_for_lithium():
    route = flowsheet.load_route(ROUTES / "nmc811_recycled.yaml")
    found = compliance(route.flowsheet, flowsheet.solve(route.flowsheet, "1 kg", route.spec.product))
    elements = found.elements
    assert elements.loc["Co", "recycled"] == pytest.approx(1.0)  # the black mass is its only cobalt
    assert elements.loc["Li", "recycled"] == pytest.approx(0.0)  # lithium is bought as LiOH·H2O
    assert bool(elements.loc["Ni", "meets 2031"])
    assert not bool(elements.loc["Li", "meets 2031"])


def test_the_command_prints_both_routes_with_their_boundary(capsys):
    assert main(["compliance", str(ROUTES / "nmc811_recycled.yaml"), str(ROUTES / "nmc811_sulfate.yaml")]) == 0
    out = capsys.readouterr().out
    assert "nmc811-recycled" in out
    assert "nmc811-sulfate" in out
    assert "not a finding of compliance" in " ".join(out.split())  # the caption wraps to the terminal
    assert "share processed in each region" in out
    assert main(["compliance", str(ROUTES / "nmc811_sulfate.yaml"), "--format", "json"]) == 0
    [document] = json.loads(capsys.readouterr().out)
    assert document["sourced"]["Ni"]["ID"] == pytest.approx(1.0)  # Indonesian nickel
    assert document["processed"]["Ni"]["CN"] == pytest.approx(1.0)  # precipitated and fired in China


@pytest.mark.parametrize("output", ["table", "json"])
def test_issue_a_bad_file_among_several_is_reported_and_the_others_still_run_whole(output, tmp_path, capsys):
    recycled, sulfate = str(ROUTES / "nmc811_recycled.yaml"), str(ROUTES / "nmc811_sulfate.yaml")
    text = (ROUTES / "nmc811_sulfate.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("    temperature: 800 degC", "    temperature: 800 degC\n    conversion: 0.9 mi"))
    missing = tmp_path / "missing.yaml"
    assert main(["compliance", recycled, "--format", output]) == 0
    alone = [capsys.readouterr().out]
    assert main(["compliance", sulfate, "--format", output]) == 0
    alone.append(capsys.readouterr().out)

    assert main(["compliance", recycled, str(broken), str(missing), sulfate, "--format", output]) == 1
    captured = capsys.readouterr()
    if output == "table":  # each good route's output whole, as when run on its own
        assert captured.out == alone[0] + alone[1]
    else:  # one JSON list holding both good routes, as each alone gives them
        assert json.loads(captured.out) == json.loads(alone[0]) + json.loads(alone[1])
    line = text.splitlines().index("    temperature: 800 degC") + 2  # the line added below it
    errors = captured.err.splitlines()
    assert (
        errors[0]
        == f"error: {broken}:{line}: units.calcine.conversion: expects dimensionless, got '0.9 mi': has [length]"
    )
    assert f"error: {missing}: no such file" in captured.err
    assert captured.err.count("  hint: ") == 2
    assert "Traceback" not in captured.err


def test_compliance_of_only_bad_files_prints_nothing_and_exits_1(tmp_path, capsys):
    assert main(["compliance", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"), "--format", "json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("no such file") == 2


def test_issue_22_processed_shares_say_what_they_sum_to(capsys):
    # nickel, manganese and cobalt are refined in Indonesia and precipitated and fired in China: every
    # atom passed through units in both regions, so each counts in both and the row sums to 2 (200 %);
    # lithium is bought in China and only processed there: 1. Sourced shares partition each element.
    route = flowsheet.load_route(ROUTES / "nmc811_sulfate.yaml")
    found = compliance(route.flowsheet, flowsheet.solve(route.flowsheet, "1 kg", route.spec.product))
    processed = found.processed.sum(axis=1)
    assert processed[["Ni", "Mn", "Co"]].tolist() == pytest.approx([2.0, 2.0, 2.0], rel=1e-9)
    assert processed["Li"] == pytest.approx(1.0, rel=1e-9)
    assert found.sourced.sum(axis=1).tolist() == pytest.approx([1.0] * len(found.sourced), rel=1e-9)
    assert main(["compliance", str(ROUTES / "nmc811_sulfate.yaml"), "--format", "json"]) == 0
    [document] = json.loads(capsys.readouterr().out)
    assert "mean number of regions" in document["shares"]["processed"]  # the JSON says what a row sums to
    assert "sums to 100 %" in document["shares"]["sourced"]
    assert main(["compliance", str(ROUTES / "nmc811_sulfate.yaml")]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "counts in each, so a row sums to the mean number of regions its atoms passed through" in text


def test_issue_22_an_element_half_processed_in_a_second_region_sums_to_one_and_a_half():
    # cobalt from one mine, split: half mixed in Finland only, half through a Belgian mixer first
    sheet = Flowsheet("split cobalt", regions={"mine": "CD", "fi": "FI", "be": "BE"})
    sheet.add(
        Feed("ore", {"CoSO4(aq)": "1 mol/s"}, site="mine"),
        Splitter("split", fractions={"direct": 0.5, "via": 0.5}, site="fi"),
        Mixer("belgium", inlet_names=("via",), site="be"),
        Mixer("finland", inlet_names=("direct", "back"), site="fi"),
        Product("product"),
    )
    for pair in ("ore split", "split.direct finland.direct", "split.via belgium.via", "belgium finland.back",
                 "finland product"):  # fmt: skip
        sheet.connect(*pair.split())
    found = compliance(sheet, solve(sheet, "1 kg", product="CoSO4(aq)"), elements=("Co",))
    # all of it passed the Finnish splitter and mixer (1), half the Belgian mixer (0.5): 1 + 0.5 = 1.5,
    # the mean number of regions an atom passed through
    assert found.processed.loc["Co"].to_dict() == pytest.approx({"BE": 0.5, "CD": 0.0, "FI": 1.0}, rel=1e-9)
    assert found.processed.loc["Co"].sum() == pytest.approx(1.5, rel=1e-9)
    assert found.sourced.loc["Co"].sum() == pytest.approx(1.0, rel=1e-9)
