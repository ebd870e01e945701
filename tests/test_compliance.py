"""Recycled, regional and certified shares of each element of a product, from the element trace."""

from pathlib import Path

import pytest

import flowsheet
from flowsheet import Flowsheet, solve
from flowsheet.cli import main
from flowsheet.compliance import compliance, recycled_minimums
from flowsheet.operations import Feed, Mixer, Product

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
    assert "not a finding of compliance" in out
    assert "share processed in each region" in out
    assert main(["compliance", str(ROUTES / "nmc811_sulfate.yaml"), "--format", "json"]) == 0
    import json

    [document] = json.loads(capsys.readouterr().out)
    assert document["sourced"]["Ni"]["ID"] == pytest.approx(1.0)  # Indonesian nickel
    assert document["processed"]["Ni"]["CN"] == pytest.approx(1.0)  # precipitated and fired in China
