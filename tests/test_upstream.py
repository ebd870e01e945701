"""Cradle-to-gate factors: every row sourced, a route's upstream CO2e by hand, regions, overrides, samples."""

from pathlib import Path

import pytest

import flowsheet
from flowsheet.chemistry import atomic_weights
from flowsheet.errors import DataFileError, RouteFileError
from flowsheet.upstream import REQUIRED, TABLE, package_upstream, read_upstream

ROOT = Path(__file__).parents[1]
M2CAM = ROOT / "routes" / "nmc811_m2cam.yaml"


def _solved(path=M2CAM, **keywords):
    route = flowsheet.load_route(path, **keywords)
    return flowsheet.solve(route.flowsheet, "1 kg", product=route.spec.product)


def test_every_upstream_row_states_its_source_year_region_boundary_and_allocation():
    book = package_upstream()
    assert len(book.factors) >= 30
    for (key, region), factor in book.factors.items():
        assert all((factor.source, factor.boundary, factor.allocation, region)), key
        assert 1990 <= factor.year <= 2026, key
        assert factor.co2e >= 0, key
    # every input a shipped route buys has a factor, bought where its feed's site stands
    for path in sorted((ROOT / "routes").glob("*.yaml")):
        assert _solved(path).without_factor == (), path.name


def test_a_row_without_its_source_or_boundary_is_refused_at_its_line(tmp_path):
    header = ",".join([*REQUIRED, "locator", "estimate", "note"])
    (tmp_path / "upstream").mkdir()
    (tmp_path / TABLE).write_text(
        f"{header}\nNi,world,13,kg/kg,2024,cradle-to-gate,mass,,,no,\nCo,world,9,kg/kg,2024,,mass,ciaaw2021,,no,\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError) as caught:
        read_upstream(tmp_path)
    issues = [(line, column) for line, column, *_ in caught.value.issues]
    assert issues == [(2, "source"), (3, "boundary")]


def test_the_m2cam_route_upstream_co2e_by_hand():
    # Per mol of LiNi0.8Mn0.1Co0.1O2 the route buys (routes/nmc811_m2cam.yaml): the metals 0.8 Ni, 0.1 Mn,
    # 0.1 Co; Li2CO3 at Li/M 1.03, 0.515 mol; acetic acid at 2 mol per mol metal, 90 % recovered, 0.2 mol;
    # O2 at twice the need, 2 (0.75 + 0.4) = 2.3 mol: 0.75 to make LiMO2 from metal and Li2O (2 O less
    # the 0.5 Li2O brings, halved) and 0.4 to burn the acetic acid (CH3COOH + 2 O2 -> 2 CO2 + 2 H2O);
    # water to slurry the metals at 30 % solids, 7/3 of their mass.
    w = atomic_weights()
    product = w["Li"] + 0.8 * w["Ni"] + 0.1 * w["Mn"] + 0.1 * w["Co"] + 2 * w["O"]  # g/mol, 97.28
    metals = {"Ni": 0.8 * w["Ni"], "Mn": 0.1 * w["Mn"], "Co": 0.1 * w["Co"]}
    bought = dict(metals)
    bought["Li2CO3"] = 0.515 * (2 * w["Li"] + w["C"] + 3 * w["O"])
    bought["CH3COOH"] = 0.2 * (2 * w["C"] + 4 * w["H"] + 2 * w["O"])
    bought["O2"] = 2.3 * 2 * w["O"]
    bought["H2O"] = sum(metals.values()) * 0.7 / 0.3
    # the rows of data/upstream/materials.csv for where each is bought: the metals at the refinery in ID
    # (Ni's own ID row, RKEF; Mn and Co the world's), the rest at the cathode plant in CN (Li2CO3's CN row)
    factors = {"Ni": 54.0, "Mn": 6.6, "Co": 9.4, "Li2CO3": 24.1, "CH3COOH": 1.5, "O2": 0.19, "H2O": 0.000356}
    site = {"Ni": "ID", "Mn": "ID", "Co": "ID"}
    book = package_upstream()
    assert {key: book.find(key, site.get(key, "CN")).co2e for key in factors} == factors
    expected = sum(bought[key] / product * factors[key] for key in factors)  # kg CO2e per kg product
    results = _solved()
    assert results.kpis["co2e_upstream"][0] == pytest.approx(expected, rel=1e-9)
    assert results.kpis["co2e_cradle_to_gate"][0] == pytest.approx(results.kpis["co2e"][0] + expected, rel=1e-12)
    table = results.upstream()
    assert table.loc["Ni", "amount [kg]"] == pytest.approx(0.8 * w["Ni"] / product, rel=1e-12)
    assert table["co2e [kg CO2e]"].sum() == pytest.approx(expected, rel=1e-9)
    assert table.index[0] == "Ni"  # the largest burden first


def test_moving_the_refinery_moves_the_nickel_it_buys_to_another_factor():
    # from ID (54, RKEF on coal) to CA, which has no row of its own: the world's class 1 nickel, 13
    w = atomic_weights()
    product = w["Li"] + 0.8 * w["Ni"] + 0.1 * w["Mn"] + 0.1 * w["Co"] + 2 * w["O"]
    base = _solved()
    moved = _solved(overrides={"sites.refinery.region": "CA"})
    drop = base.kpis["co2e_upstream"][0] - moved.kpis["co2e_upstream"][0]
    assert drop == pytest.approx(0.8 * w["Ni"] / product * (54.0 - 13.0), rel=1e-9)


def test_a_recycled_feed_enters_free_of_its_first_lifes_burden():
    results = _solved(ROOT / "routes" / "nmc811_recycled.yaml")
    recycled = [line for line in results.upstream_lines if line.feed == "black_mass"]
    assert recycled
    assert all(line.factor[0] == 0 and line.boundary.startswith("cut-off") for line in recycled)
    assert results.kpis["co2e_upstream"][0] > 0  # its acid, peroxide, lithium and caustic are still made somewhere


def test_a_feed_without_a_factor_is_listed_and_left_out():
    from flowsheet import Flowsheet, solve
    from flowsheet.operations import Feed, Product

    sheet = Flowsheet("salt", regions={"plant": "CN"})
    sheet.add(Feed("salt", {"Na2SO4(s)": "1 mol/s"}, site="plant"), Product("out"))
    sheet.connect("salt", "out")
    results = solve(sheet, "1 kg", product="Na2SO4")
    assert results.without_factor == ("Na2SO4 (feed salt, CN)",)
    assert results.kpis["co2e_upstream"][0] == 0
    (line,) = results.upstream_lines  # still in the inventory, with what it is
    assert line.amount[0] == pytest.approx(1.0, rel=1e-12)
    assert line.boundary.startswith("no factor found")


def _variant(tmp_path, upstream: str) -> Path:
    path = tmp_path / "variant.yaml"
    path.write_text(
        f"extends: {M2CAM}\nname: variant\nsources:\n  - {{key: epd, cite: 'A nickel EPD, 2025'}}\n"
        f"upstream:\n  Ni: {upstream}\n",
        encoding="utf-8",
    )
    return path


def test_a_routes_own_factor_goes_on_top_and_its_range_is_sampled(tmp_path):
    w = atomic_weights()
    product = w["Li"] + 0.8 * w["Ni"] + 0.1 * w["Mn"] + 0.1 * w["Co"] + 2 * w["O"]
    nickel = 0.8 * w["Ni"] / product
    base = _solved().kpis["co2e_upstream"][0]
    path = _variant(tmp_path, "{co2e: {value: 20 kg CO2e/kg, range: [10 kg CO2e/kg, 30 kg CO2e/kg]}, source: epd}")
    route = flowsheet.load_route(path)
    assert "upstream.Ni" in route.uncertain
    own = flowsheet.solve(route.flowsheet, "1 kg", product=route.spec.product)
    assert own.kpis["co2e_upstream"][0] == pytest.approx(base - nickel * (54.0 - 20.0), rel=1e-9)
    assert "epd" in next(line.source for line in own.upstream_lines if line.item == "Ni")
    model = flowsheet.compile(route, vary=["upstream.Ni"])
    sampled = model.solve({"upstream.Ni": ["10 kg CO2e/kg", "30 kg CO2e/kg"]})
    low, high = sampled.kpis["co2e_upstream"]
    assert high - low == pytest.approx(nickel * 20.0, rel=1e-9)


def test_a_bad_factor_of_a_route_is_reported_at_its_line(tmp_path):
    with pytest.raises(RouteFileError) as caught:
        flowsheet.load_route(_variant(tmp_path, "{co2e: 20 kg, source: nowhere}"))
    text = str(caught.value)
    assert "variant.yaml:6: upstream.Ni.source: 'nowhere' is not a key of the route's sources" in text


def test_a_data_folder_brings_its_own_factors(tmp_path):
    folder = tmp_path / "mine"
    (folder / "upstream").mkdir(parents=True)
    (folder / "sources.toml").write_text('[mine_epd]\ncite = "Our refinery, EPD 2025"\n', encoding="utf-8")
    header = ",".join([*REQUIRED, "locator", "estimate", "note"])
    (folder / TABLE).write_text(f"{header}\nNi,ID,7.5,kg/kg,2025,cradle-to-gate,mass,mine_epd,,no,\n", encoding="utf-8")
    w = atomic_weights()
    product = w["Li"] + 0.8 * w["Ni"] + 0.1 * w["Mn"] + 0.1 * w["Co"] + 2 * w["O"]
    base = _solved().kpis["co2e_upstream"][0]
    own = _solved(data_folders=[folder]).kpis["co2e_upstream"][0]
    assert own == pytest.approx(base - 0.8 * w["Ni"] / product * (54.0 - 7.5), rel=1e-9)


def test_a_sweep_over_a_factor_names_it_as_the_driver_of_the_upstream_co2e(tmp_path, capsys):
    from flowsheet.cli import main

    path = _variant(tmp_path, "{co2e: {value: 30 kg CO2e/kg, range: [13 kg CO2e/kg, 54 kg CO2e/kg]}, source: epd}")
    assert main(["sweep", str(path), "--samples", "200"]) == 0
    out = capsys.readouterr().out
    (line,) = [row for row in out.splitlines() if row.startswith("co2e_upstream") and "upstream.Ni" in row]
    assert "upstream.Ni +1.00" in line  # the only factor drawn: the rank correlation is 1


def test_a_feed_that_names_its_origin_takes_that_regions_factor(tmp_path):
    # The M2CAM route's Li2CO3 is bought at the Chinese plant: the CN row, spodumene, 24.1. Named as made
    # in Chile (brine, 3.62), per kg of product it saves 0.515 mol Li2CO3 x M(Li2CO3) / M(product) x (24.1 - 3.62).
    w = atomic_weights()
    product = w["Li"] + 0.8 * w["Ni"] + 0.1 * w["Mn"] + 0.1 * w["Co"] + 2 * w["O"]
    lithium = 0.515 * (2 * w["Li"] + w["C"] + 3 * w["O"]) / product
    path = tmp_path / "chile.yaml"
    path.write_text(f"extends: {M2CAM}\nname: chile\nset:\n  feeds.lithium.origin: CL\n", encoding="utf-8")
    base, chile = _solved().kpis["co2e_upstream"][0], _solved(path).kpis["co2e_upstream"][0]
    assert base - chile == pytest.approx(lithium * (24.1 - 3.62), rel=1e-9)
    path.write_text(f"extends: {M2CAM}\nname: chile\nset:\n  feeds.lithium.origin: CHL\n", encoding="utf-8")
    with pytest.raises(RouteFileError, match=r"feeds.lithium.origin: unknown region 'CHL'"):
        flowsheet.load_route(path)


def test_a_factor_in_the_wrong_unit_is_refused_at_its_line(tmp_path):
    header = ",".join([*REQUIRED, "locator", "estimate", "note"])
    (tmp_path / "upstream").mkdir()
    (tmp_path / TABLE).write_text(
        f"{header}\nNi,world,13,kg,2024,cradle-to-gate,mass,ciaaw2021,,no,\n", encoding="utf-8"
    )
    with pytest.raises(DataFileError) as caught:
        read_upstream(tmp_path)
    assert [(line, column) for line, column, *_ in caught.value.issues] == [(2, "co2e")]
    assert "13 kg is not kg CO2e per kg" in str(caught.value)
    for given, problem in (("20 kg", "upstream.Ni.co2e: expects"), ("-3 kg CO2e/kg", "must not be negative")):
        with pytest.raises(RouteFileError, match=problem):
            flowsheet.load_route(_variant(tmp_path, f"{{co2e: {given}, source: epd}}"))
