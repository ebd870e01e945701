"""Regional scenarios: sites carry regions, regions select grid factors and shipping lanes.

Figures from data/: grid CO2e (kg/kWh) CN 0.582, US 0.369, KR 0.431 (Ember yearly data, 2023); export
lanes by sea (km) Indonesia 12,237, Canada 13,145, Australia 11,792 (UNCTAD via premise), the fallback
for a site with no port; ports and sea distances read from the tables (tests/transport_tables.py).
"""

import json
from pathlib import Path

import pytest

from flowsheet.batch import evaluate
from flowsheet.cli import main
from flowsheet.errors import MissingDataError, RouteFileError
from flowsheet.factors import lane
from flowsheet.route_file import load_route
from tests.transport_tables import default_port, dwell_days, sea_km, speed_km_per_day, way_km

ROUTES = Path(__file__).parents[1] / "routes"
M2CAM = ROUTES / "nmc811_m2cam.yaml"
GRID = {"CN": 0.582, "US": 0.369, "KR": 0.431}
SCENARIOS = [
    {"refinery": "ID", "cathode_plant": "CN"},
    {"refinery": "CA", "cathode_plant": "US"},
    {"refinery": "AU", "cathode_plant": "KR"},
]
# what moving sites may change: grid CO2e, freight with the fuel and CO2e it burns and the time it takes,
# and the prices of what is bought there
MOVES = {"freight", "energy_transport", "energy_total", "co2e_energy", "co2e_transport", "co2e", "lead_time"}
MOVES |= {"inventory_in_transit", "cost_reagents", "cost_utilities", "cost_freight", "cost_metals", "cost"}
MOVES |= {"co2e_upstream", "co2e_cradle_to_gate"}  # an input bought in another region was made there


def test_a_lane_to_anywhere_is_the_origins_export_average():
    found = lane("ID", "CN")
    assert found.parts == (("sea", 1.0, 12237e3),)  # 97 % by sea, the only mode with a distance
    assert "unctad_premise" in found.source


def test_a_lane_over_several_modes_scales_their_shares():
    # DR Congo cobalt: 67 % sea over 20,870 km, 23 % road over 11,621 km (rail, 9 %, has no distance)
    assert lane("CD", "CN").parts == (("sea", 0.67 / 0.90, 20870e3), ("road", 0.23 / 0.90, 11621e3))


def test_a_leg_over_a_mode_mix_ships_each_share_by_its_mode(tmp_path):
    from flowsheet.batch import solve_route

    path = tmp_path / "cobalt.yaml"
    path.write_text(
        "name: cobalt\nproduct: Co\n"
        "sites: {mine: {region: CD}, plant: {region: CN}}\n"
        "feeds: {metal: {flows: {Co: 1 mol/s}, site: mine}}\n"
        "products: {out: {site: plant}}\n"
        "units: {ship: {type: transport_leg, mix: [[sea, 0.75, 20870 km], [road, 0.25, 11621 km]]}}\n"
        "streams: [metal -> ship, ship -> out]\n"
    )
    kpis = {k: v["value"] for k, v in solve_route(load_route(path))["kpis"].items()}
    sea, road = 0.75 * 1e-3, 0.25 * 1e-3  # tonnes per kg Co by each mode
    assert kpis["shipped_mass"] == pytest.approx(1.0, rel=1e-12)
    assert kpis["freight"] == pytest.approx(sea * 20870 + road * 11621, rel=1e-12)
    # data/transport/modes.csv: sea 0.070 MJ/(t km) of fuel oil, road 0.99 MJ/(t km) of diesel
    sea_fuel, road_fuel = sea * 20870 * 0.070, road * 11621 * 0.99
    assert kpis["energy_transport"] == pytest.approx(sea_fuel + road_fuel, rel=1e-12)
    # IPCC 2006: fuel oil 0.0774, diesel 0.0741 kg CO2 per MJ
    assert kpis["co2e_transport"] == pytest.approx(sea_fuel * 0.0774 + road_fuel * 0.0741, rel=1e-12)


@pytest.mark.parametrize(
    ("mix", "words"),
    [
        ((("sea", 0.5, "100 km"), ("road", 0.4, "10 km")), "the mix shares must sum to 1, got 0.9"),
        (
            (("boat", 1.0, "100 km"),),
            "ship.mode: must be one of rail, barge, sea, road, got 'boat'\n  hint: the modes of data/transport/modes.csv",
        ),
        ((("air", 1.0, "100 km"),), "got 'air'"),  # no factors for air freight in data/
        ((("sea", 1.0, "-5 km"),), "the sea distance must be >= 0, got -5000 m"),
    ],
)
def test_a_bad_mode_mix_is_named(mix, words):
    from flowsheet.operations import TransportLeg

    assert any(words in str(problem) for problem in TransportLeg("ship", mix=mix).problems())


def test_a_mix_distance_without_units_is_refused():
    from flowsheet.errors import UnitError
    from flowsheet.operations import TransportLeg

    with pytest.raises(UnitError, match=r"ship.mix\[0\] expects"):
        TransportLeg("ship", mix=(("sea", 1.0, "100 kg"),))


def test_an_export_average_is_not_a_domestic_leg():
    with pytest.raises(MissingDataError, match="no lane within region 'CN'"):
        lane("CN", "CN")


def test_a_region_without_lanes_is_named_with_those_that_have_them():
    with pytest.raises(MissingDataError, match="no lane from region 'EU'; regions with lanes: AU, CA, CD, CN, ID, RU"):
        lane("EU", "CN")


def test_a_leg_between_sites_sails_between_their_regions_default_ports():
    leg = load_route(M2CAM).flowsheet.operation("ship")
    # data/transport/ports.csv: Indonesia ships from Morowali, China receives at Ningbo
    origin, destination = default_port("ID")[0], default_port("CN")[0]
    assert (leg.mode, leg.distance) == ("sea", sea_km(origin, destination) * 1e3)
    assert leg.ports == (origin, destination)
    assert [(mode, km * 1e3) for mode, km in way_km("ID", "CN").items() if mode != "sea" and km] == [
        (mode, distance) for mode, distance in leg.inland
    ]
    assert f"{origin} (" in leg.basis
    assert "default port of ID" in leg.basis


@pytest.mark.parametrize("region", ["NO", "US", "KR"])
def test_moving_the_cathode_plant_moves_its_sea_leg_to_the_port_tables_distance(region, capsys):
    moved = load_route(M2CAM, overrides={"sites.cathode_plant.region": region}).flowsheet.operation("ship")
    port = default_port(region)[0]
    assert moved.distance == sea_km("IDMOW", port) * 1e3
    assert moved.ports == ("IDMOW", port)
    # the output names the ports used
    assert main(["run", str(M2CAM), "--region", f"cathode_plant={region}"]) == 0
    shown = " ".join(capsys.readouterr().out.split())  # as wrapped to the terminal, unwrapped
    assert f"{port} (" in shown
    assert "IDMOW (Morowali" in shown


def test_lead_time_is_distance_over_speed_plus_dwell_plus_residence_times():
    from flowsheet.solve import solve

    route = load_route(M2CAM)
    results = solve(route.flowsheet, "1 kg", route.spec.product)
    # sea and inland km over each mode's speed (data/transport/speeds.csv), a port call at each end
    way = way_km("ID", "CN")
    transit = sum(km / speed_km_per_day(mode) for mode, km in way.items()) + dwell_days("ID") + dwell_days("CN")
    units = {op.name: op.residence_time / 86400 for op in route.flowsheet.operations}
    # the longest way from a feed to the cathode: metals -> ship -> slurry -> dry -> fire -> cam
    expected = transit + units["ship"] + units["slurry"] + units["dry"] + units["fire"]
    assert results.totals()["lead_time"].to("day").magnitude == pytest.approx(expected, rel=1e-9)
    shipped = results.totals()["shipped_mass"].magnitude
    assert results.totals()["inventory_in_transit"].to("kg*day").magnitude == pytest.approx(shipped * transit, rel=1e-9)


def test_a_site_may_name_its_port_and_inland_leg(tmp_path):
    path = tmp_path / "route.yaml"
    path.write_text(
        "name: ports\nproduct: Ni\n"
        "sites: {mine: {region: ID, port: IDWED, inland: 20 km, inland_mode: road}, plant: {region: NO}}\n"
        "feeds: {metal: {flows: {Ni: 1 mol/s}, site: mine}}\nproducts: {out: {site: plant}}\n"
        "units: {ship: {type: transport_leg, origin: mine, destination: plant}}\n"
        "streams: [metal -> ship, ship -> out]\n"
    )
    leg = load_route(path).flowsheet.operation("ship")
    port, mode, km = default_port("NO")
    assert (leg.distance, leg.ports) == (sea_km("IDWED", port) * 1e3, ("IDWED", port))
    assert list(leg.inland) == [("road", 20e3)] + ([(mode, km * 1e3)] if km else [])  # to the port, from the port
    assert "IDWED (Weda Bay" in leg.basis
    assert "named by the site" in leg.basis
    # moving the site leaves its named port behind: it ships from its new region's default port
    moved = load_route(path, overrides={"sites.mine.region": "AU"}).flowsheet.operation("ship")
    assert moved.ports == (default_port("AU")[0], port)


def test_a_region_without_a_port_takes_the_trade_lane_and_says_so():
    from flowsheet.geography import Place, passage, place

    found = passage(Place("CD"), place("CN"))
    assert found.lane_parts == lane("CD", "CN").parts
    assert not found.stages
    assert "trade-weighted lane CD -> *" in found.basis
    assert "no port" in found.basis


@pytest.mark.parametrize(
    ("ship", "words"),
    [
        ("{type: transport_leg, origin: refinery}", "units.ship.destination: a leg between sites needs both"),
        ("{type: transport_leg, origin: refinery, destination: mine}", "unknown site 'mine'"),
        (
            "{type: transport_leg, origin: refinery, destination: plant, mode: sea}",
            "units.ship.mode: give origin and destination sites, or mode and distance (or a mix), not both",
        ),
    ],
)
def test_bad_legs_between_sites_are_reported_at_their_line(tmp_path, ship, words):
    path = tmp_path / "route.yaml"
    path.write_text(
        "name: lanes\nproduct: Ni\n"
        "sites: {refinery: {region: ID}, plant: {region: EU}}\n"
        "feeds: {metal: {flows: {Ni: 1 mol/s}}}\n"
        "products: {out: {}}\n"
        f"units:\n  ship: {ship}\n"
        "streams: [metal -> ship, ship -> out]\n"
    )
    with pytest.raises(RouteFileError) as caught:
        load_route(path)
    assert f"{path}:7: " in str(caught.value)  # the line of ship:
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("site", "words"),
    [
        ("{region: ID, port: XXABC}", "sites.mine.port: unknown port 'XXABC' (a UN/LOCODE)"),
        ("{region: ID, port: IDWED, inland: 20 kg}", "sites.mine.inland: expects a length, got '20 kg'"),
        ("{region: ID, inland_mode: air}", "sites.mine.inland_mode"),
    ],
)
def test_a_bad_place_is_reported_at_its_line(tmp_path, site, words):
    path = tmp_path / "route.yaml"
    path.write_text(
        f"name: r\nproduct: Ni\nsites:\n  mine: {site}\n"
        "feeds: {metal: {flows: {Ni: 1 mol/s}, site: mine}}\nproducts: {out: {}}\nunits: {}\nstreams: [metal -> out]\n"
    )
    with pytest.raises(RouteFileError) as caught:
        load_route(path)
    assert f"{path}:4: " in str(caught.value)
    assert words in str(caught.value)


def test_an_unknown_region_is_refused_with_the_known_ones(tmp_path):
    path = tmp_path / "route.yaml"
    path.write_text(
        "name: r\nproduct: Ni\nsites:\n  refinery: {region: IDN}\n"
        "feeds: {metal: {flows: {Ni: 1 mol/s}}}\nproducts: {out: {}}\nunits: {}\nstreams: [metal -> out]\n"
    )
    with pytest.raises(RouteFileError, match=r"route.yaml:4: sites.refinery.region: unknown region 'IDN'") as caught:
        load_route(path)
    assert "did you mean 'ID'? known regions: AR, AU, CA" in str(caught.value)


@pytest.fixture(scope="module")
def three_regions():
    outcomes = evaluate([M2CAM], scenarios=SCENARIOS)
    assert [o.error for o in outcomes] == [None] * 3
    return [{k: v["value"] for k, v in o.summary["kpis"].items()} for o in outcomes], outcomes


def test_each_scenario_is_named_by_its_sites(three_regions):
    _, outcomes = three_regions
    assert [o.summary["route"] for o in outcomes] == [
        "nmc811-m2cam@refinery=ID,cathode_plant=CN",
        "nmc811-m2cam@refinery=CA,cathode_plant=US",
        "nmc811-m2cam@refinery=AU,cathode_plant=KR",
    ]


def test_moving_the_plants_changes_grid_co2e_and_freight_and_nothing_else(three_regions):
    kpis, _ = three_regions
    base = kpis[0]
    for scenario, found in zip(SCENARIOS[1:], kpis[1:], strict=True):
        for name in set(base) - MOVES:
            assert found[name] == pytest.approx(base[name], rel=1e-12, abs=1e-15), name
        # freight follows the sites' ports; the energy outside transport does not move
        way = sum(way_km(scenario["refinery"], scenario["cathode_plant"]).values())
        assert found["freight"] / base["freight"] == pytest.approx(way / sum(way_km("ID", "CN").values()), rel=1e-12)
        assert found["energy_total"] - found["energy_transport"] == pytest.approx(
            base["energy_total"] - base["energy_transport"], rel=1e-12
        )
        # every kWh bought at the cathode plant now carries the new grid's CO2e (MJ / 3.6 = kWh)
        grid = GRID[scenario["cathode_plant"]] - GRID["CN"]
        assert found["co2e_energy"] - base["co2e_energy"] == pytest.approx(
            base["energy_electric"] / 3.6 * grid, rel=1e-9
        )


def test_compare_shows_one_route_in_several_regions_side_by_side(capsys):
    regions = ["--region", "refinery=ID,cathode_plant=CN", "--region", "refinery=CA,cathode_plant=US"]
    assert main(["compare", str(M2CAM), *regions, "--format", "json"]) == 0
    compared = json.loads(capsys.readouterr().out)
    assert [c["route"] for c in compared] == [
        "nmc811-m2cam@refinery=ID,cathode_plant=CN",
        "nmc811-m2cam@refinery=CA,cathode_plant=US",
    ]


def test_compare_names_the_ports_each_scenario_calls_at(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["compare", str(M2CAM), "--region", "cathode_plant=CN", "--region", "cathode_plant=NO"]) == 0
    out = capsys.readouterr().out
    assert f"nmc811-m2cam@cathode_plant=NO: ship IDMOW -> {default_port('NO')[0]}" in out
    assert f"nmc811-m2cam@cathode_plant=CN: ship IDMOW -> {default_port('CN')[0]}" in out


def test_a_bad_scenario_is_reported_and_the_others_still_run(capsys):
    status = main(["run", str(M2CAM), "--region", "refinery=XX", "--region", "refinery=CA", "--format", "csv"])
    captured = capsys.readouterr()
    assert status == 1
    assert "error: [refinery=XX] " in captured.err
    assert "unknown region 'XX'" in captured.err
    assert "nmc811-m2cam@refinery=CA" in captured.out


def test_a_malformed_region_option_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["compare", str(M2CAM), "--region", "refinery"])
    assert caught.value.code == 2
    assert "'refinery' is not SITE=REGION" in capsys.readouterr().err


def test_trace_prints_each_feeds_share_and_recycled_content(capsys):
    assert main(["trace", str(ROUTES / "nmc811_recycled.yaml"), "--element", "Co", "--format", "json"]) == 0
    traced = json.loads(capsys.readouterr().out)
    assert traced["shares"]["cam"]["black_mass"] == pytest.approx(1.0, abs=1e-12)
    assert 0.85 < traced["recycled_content"]["cam"] < 0.95  # pinned by hand in test_routes_shipped


def test_trace_of_an_element_not_in_the_route_exits_1(capsys):
    assert main(["trace", str(M2CAM), "--element", "Cu"]) == 1
    assert "'Cu' is not in the flowsheet; elements:" in capsys.readouterr().err


def test_a_site_needs_a_sites_section(tmp_path):
    # without one, the unit would silently take the world grid factor
    path = tmp_path / "route.yaml"
    path.write_text(
        "name: r\nproduct: Ni\nfeeds: {metal: {flows: {Ni: 1 mol/s}, site: plant}}\n"
        "products: {out: {}}\nunits: {}\nstreams: [metal -> out]\n"
    )
    with pytest.raises(RouteFileError, match=r"route.yaml:3: feeds.metal.site: unknown site 'plant'") as caught:
        load_route(path)
    assert "sites: none; add a sites: section" in str(caught.value)


def test_generated_sea_distances_agree_with_published_port_to_port_figures():
    # Ports.com (sea-distances.org): Shanghai - Los Angeles 5,708 nmi, Rotterdam - Singapore 8,288 nmi;
    # 1 nmi = 1.852 km; the table is generated over the MARNET network by data/_scripts/sea_distances.py
    from flowsheet.datafiles import read_table

    table = {(row["from"], row["to"]): row.number("distance") for row in read_table("transport/sea_distances.csv")}
    assert table[("CNSHA", "USLAX")] == pytest.approx(5708 * 1.852, rel=0.05)
    assert table[("NLRTM", "SGSIN")] == pytest.approx(8288 * 1.852, rel=0.05)
    assert all(
        row.startswith(("searoute",)) for row in {r["source"] for r in read_table("transport/sea_distances.csv")}
    )


def test_grid_factors_cover_the_regions_battery_plants_are_sited_in():
    from flowsheet.factors import emission_factor

    for region in ("NO", "SE", "FI", "FR", "DE", "PL", "HU", "ES", "JP", "MA", "CL", "AR", "CN", "US", "ID", "KR"):
        assert emission_factor("electricity", region) != emission_factor("electricity", "world"), region
    # per kWh: Norway's hydro grid is a twentieth of Poland's coal-heavy one
    assert emission_factor("electricity", "NO") * 3.6e6 == pytest.approx(0.0301)
    assert emission_factor("electricity", "NO") < emission_factor("electricity", "PL") / 20
