"""Figures per kWh the product stores, from a route's specific capacity and voltage.

NMC811 at 200 mAh/g and 3.8 V (the shipped routes' stated assumption): 0.2 Ah/g x 3.8 V = 0.76 Wh/g = 0.76 kWh/kg.
"""

from pathlib import Path

import pytest

from flowsheet.errors import RouteFileError
from flowsheet.route_file import load_route
from flowsheet.solve import solve

M2CAM = Path(__file__).parents[1] / "routes" / "nmc811_m2cam.yaml"


@pytest.mark.parametrize("basis", ["1 kg", "50 kt/yr"])
def test_every_amount_per_kwh_is_the_amount_per_kg_over_the_stored_energy(basis):
    route = load_route(M2CAM)
    per_kg = solve(route.flowsheet, "1 kg", route.spec.product).totals()
    per_kwh = solve(route.flowsheet, basis, route.spec.product).per_kwh()
    assert per_kwh["cost"].to("USD/kWh").magnitude == pytest.approx(per_kg["cost"].magnitude / 0.76, rel=1e-12)
    assert per_kwh["water_fresh"].to("kg/kWh").magnitude == pytest.approx(per_kg["water_fresh"].magnitude / 0.76)
    assert per_kwh["energy_total"].to("MJ/kWh").magnitude == pytest.approx(per_kg["energy_total"].magnitude / 0.76)
    assert "lead_time" not in per_kwh  # a time is not an amount per kWh


def test_a_route_without_a_capacity_gives_no_figures_per_kwh():
    route = load_route(Path(__file__).parents[1] / "routes" / "lfp_sulfate.yaml")
    assert solve(route.flowsheet, "1 kg", route.spec.product).per_kwh() == {}


@pytest.mark.parametrize(
    ("capacity", "words"),
    [
        ("{specific_capacity: 200 mAh/g, voltage: 3.8 V, source: nowhere}", "capacity.source: 'nowhere' is not a key"),
        ("{specific_capacity: 200 mAh, voltage: 3.8 V, source: cell-energy}", "capacity.specific_capacity: expects"),
        ("{specific_capacity: 200 mAh/g, voltage: 3.8, source: cell-energy}", "capacity.voltage: expects V"),
        ("{specific_capacity: -200 mAh/g, voltage: 3.8 V, source: cell-energy}", "must be positive"),
    ],
)
def test_a_bad_capacity_is_reported_at_its_line(tmp_path, capacity, words):
    path = tmp_path / "capacity.yaml"
    path.write_text(f"extends: {M2CAM}\nname: capacity\ncapacity: {capacity}\n", encoding="utf-8")
    with pytest.raises(RouteFileError) as caught:
        load_route(path)
    assert f"{path}:3: " in str(caught.value)
    assert words in str(caught.value)


def test_a_variant_of_another_product_does_not_inherit_what_its_parent_stores():
    routes = Path(__file__).parents[1] / "routes"
    assert load_route(routes / "lnmo_sulfate.yaml").spec.capacity is None  # a spinel is not NMC811
    assert load_route(routes / "nmc811_sulfate_discharge.yaml").spec.capacity is not None  # the same cathode
