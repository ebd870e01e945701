"""Scrap and yields: what each step loses, and what reaches the product."""

from pathlib import Path

import pytest

import flowsheet
from flowsheet import Flowsheet, solve
from flowsheet.batch import solve_route
from flowsheet.cli import main
from flowsheet.operations import Feed, Mixer, Product, Scrap
from flowsheet.yields import overall_yields, step_yields
from tests.conftest import CO, O, S

ROUTES = Path(__file__).parents[1] / "routes"
SHIPPED = sorted(ROUTES.glob("*.yaml"))


def _milled(fraction, recycle):
    # a powder loses `fraction` of its solids to scrap, wasted or sent back to the mixer before it
    sheet = Flowsheet("mill")
    sheet.add(
        Feed("powder", {"CoSO4": "1 mol/s"}),
        Mixer("mix", inlet_names=("fresh", "back")) if recycle else Mixer("mix", inlet_names=("fresh",)),
        Scrap("mill", fraction=fraction),
        Product("product"),
    )
    sheet.connect("powder", "mix.fresh")
    sheet.connect("mix", "mill")
    sheet.connect("mill.product", "product")
    if recycle:
        sheet.connect("mill.scrap", "mix.back")
    else:
        sheet.add(Product("dust", kind="waste"))
        sheet.connect("mill.scrap", "dust")
    return sheet, solve(sheet, "1 kg", product="CoSO4")


def test_scrap_wasted_is_counted_and_lowers_the_yield():
    sheet, results = _milled(0.02, recycle=False)
    # 1 kg of product needs 1 / 0.98 kg of powder: 0.02 / 0.98 kg of it is scrap
    assert results.totals()["scrap"].to("kg").magnitude == pytest.approx(0.02 / 0.98, rel=1e-12)
    assert overall_yields(results)["Co"] == pytest.approx(0.98, rel=1e-12)
    assert step_yields(sheet, results).loc["mill", "Co"] == pytest.approx(0.98, rel=1e-12)
    assert step_yields(sheet, results).loc["mix", "Co"] == pytest.approx(1.0)


def test_scrap_recycled_is_still_scrap_but_costs_no_yield():
    sheet, results = _milled(0.02, recycle=True)
    # at steady state the mill sees 1 / 0.98 kg per kg of product and returns 0.02 of it
    assert results.totals()["scrap"].to("kg").magnitude == pytest.approx(0.02 / 0.98, rel=1e-12)
    assert overall_yields(results)["Co"] == pytest.approx(1.0, rel=1e-12)
    assert step_yields(sheet, results).loc["mill", "Co"] == pytest.approx(0.98, rel=1e-12)  # it still loses it
    cobalt = CO / (CO + S + 4 * O)
    assert results.totals()["product"].to("kg").magnitude * cobalt == pytest.approx(cobalt)


def test_the_sulfate_routes_metals_are_lost_only_to_the_liquor_bleed():
    route = flowsheet.load_route(ROUTES / "nmc811_sulfate.yaml")
    results = flowsheet.solve(route.flowsheet, "1 kg", route.spec.product)
    # crystallised at 90 % per pass, 5 % of the mother liquor bled: 0.9 / (1 - 0.95 x 0.1) delivered
    for metal in ("Ni", "Mn", "Co"):
        assert overall_yields(results)[metal] == pytest.approx(0.9 / 0.905, rel=1e-9)
    steps = step_yields(route.flowsheet, results)
    assert steps.loc["liquor_split", "Ni"] == pytest.approx(0.95, rel=1e-12)
    assert steps.loc["calcine", "Li"] == pytest.approx(1.0)
    assert list(steps.columns) == ["Li", "Ni", "Mn", "Co"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_route_reports_scrap_and_yields(path):
    summary = solve_route(flowsheet.load_route(path))
    assert summary["kpis"]["scrap"]["value"] == 0  # no shipped route loses solids to scrap yet
    assert summary["yields"]
    assert all(0 < share <= 1 + 1e-12 for share in summary["yields"].values())


def test_the_yields_command_shows_the_raffinates_lithium(capsys):
    assert main(["yields", str(ROUTES / "nmc811_recycled.yaml")]) == 0
    out = capsys.readouterr().out
    extract = next(line for line in out.splitlines() if line.startswith("extract"))
    assert extract.split()[1] == "0.00%"  # the lithium goes to the raffinate
