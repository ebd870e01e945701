"""Live what-if: sliders over a route's uncertain parameters, each move the model's solve, a static table elsewhere."""

import sys
from pathlib import Path

import numpy as np
import pytest

import flowsheet
from flowsheet.route_file import load_route
from flowsheet.sampling import evaluate

ROUTE = Path(__file__).parents[1] / "routes" / "nmc811_sulfate.yaml"


@pytest.fixture(scope="module")
def view():
    return flowsheet.what_if(ROUTE)


def test_a_slider_per_uncertain_parameter_spans_its_range_in_the_route_files_unit(view):
    route = load_route(ROUTE)
    assert [s.path for s in view.sliders] == list(route.uncertain)
    wash = next(s for s in view.sliders if s.path == "units.filter.wash_ratio")
    assert (wash.unit, wash.low, wash.high, wash.nominal) == (
        "L/kg",
        pytest.approx(3),
        pytest.approx(10),
        pytest.approx(5),
    )
    time = next(s for s in view.sliders if s.path == "units.precipitate.residence_time")
    assert (time.unit, time.low, time.high) == ("h", pytest.approx(3), pytest.approx(20))  # the triangle's ends


def test_a_move_is_the_solve_of_every_sliders_value_and_the_table_its_ratio_to_the_route(view):
    found = view.update("units.filter.wash_ratio", 8.0)
    nominal = {s.path: np.array([load_route(ROUTE).uncertain[s.path].nominal]) for s in view.sliders}
    by_hand = evaluate(load_route(ROUTE), {**nominal, "units.filter.wash_ratio": np.array([0.008])})  # m3/kg
    assert found.kpis["water_fresh"][0] == pytest.approx(by_hand["water_fresh"][0], rel=1e-12)
    row = dict((name, (value, base, ratio)) for name, value, _, base, ratio in view.table())["water_fresh"]
    assert row[2] == pytest.approx(row[0] / row[1], rel=1e-12)
    assert row[0] - row[1] == pytest.approx(3 * 92.356 / 97.280, rel=1e-4)  # 3 L/kg more on the pCAM per kg CAM
    view.update("units.filter.wash_ratio", 5.0)
    assert all(ratio == pytest.approx(1.0, rel=1e-12) for *_, ratio in view.table() if ratio is not None)


def test_moving_a_site_rebuilds_the_route_in_its_new_region_and_keeps_the_sliders(view):
    moved = flowsheet.what_if(ROUTE)
    moved.update("units.filter.wash_ratio", 8.0)
    found = moved.move_site("cathode_plant", "NO")
    route = load_route(ROUTE, overrides={"sites.cathode_plant.region": "NO", "units.filter.wash_ratio": "8 L/kg"})
    alone = flowsheet.solve(route.flowsheet, "1 kg", route.spec.product)
    assert found.kpis["co2e"][0] == pytest.approx(alone.kpis["co2e"][0], rel=1e-12)
    assert found.kpis["co2e"][0] < moved.baseline.kpis["co2e"][0]  # Norway's hydro against China's coal


def test_the_widget_re_solves_and_redraws_on_a_slider_move():
    pytest.importorskip("ipywidgets")
    live = flowsheet.what_if(ROUTE)
    widget = live.widget()
    [slider] = [box.children[0] for box in widget.children if getattr(box, "children", None)
                and getattr(box.children[0], "description", "") == "filter.wash_ratio"]  # fmt: skip
    table, figure = widget.children[-2], widget.children[-1]
    before = table.value
    slider.value = 9.0
    assert table.value != before
    assert "water_fresh" in table.value
    assert live.values["units.filter.wash_ratio"] == 9.0
    drawn = live.figure()
    assert list(figure.data[0].link.value) == pytest.approx(list(drawn.data[0].link.value))


def test_where_no_kernel_runs_it_shows_the_ends_of_each_slider_as_a_table(monkeypatch, view):
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    page = bundle["text/html"]
    assert page.count("<tr>") == 2 + 1 + 2 * len(view.sliders)  # header, units, the route, two ends each
    assert "units.filter.wash_ratio = 3 L/kg" in page
    assert "units.filter.wash_ratio = 10 L/kg" in page
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # no ipywidgets: the table alone
    assert set(view._repr_mimebundle_()) == {"text/html", "text/plain"}


def test_an_unknown_kpi_or_slider_is_refused(view):
    with pytest.raises(ValueError, match="unknown KPI"):
        flowsheet.what_if(ROUTE, kpis=["water"])
    with pytest.raises(KeyError, match="no slider"):
        view.update("units.filter.colour", 1.0)
