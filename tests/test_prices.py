"""Prices as data and the cost KPIs: every row sourced and dated, one currency and year, costs hand-computed.

Figures from data/prices/ (USD of 2023): Ni 21,495 USD/t (USGS MCS 2026, LME cash 2023); Co 15.48 USD/lb
(LME cash 2023); Mn 1,900 USD/t; Li2CO3 39,000 USD/t (USGS); O2 100, CH3COOH 500 USD/t and process
water 0.8 USD/m3 (world estimates); electricity in China 0.088 USD/kWh in 2024, taken to 2023 by the
US CPI-U 304.702 / 313.689 (BLS); natural gas in China 100 CNY/GJ at 7.0846 CNY per USD (ECB 2023
average); freight 0.004 USD/(t km) by sea and 0.09 by road (world estimates).
"""

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from flowsheet.cli import main
from flowsheet.datafiles import data_dir
from flowsheet.errors import DataFileError, RouteFileError
from flowsheet.prices import PRICE_YEAR, in_price_year, package_prices, read_prices
from flowsheet.route_file import load_route
from flowsheet.sampling import sample
from flowsheet.solve import solve
from tests.conftest import CO, LI, MN, NI, C, H, O

ROUTES = Path(__file__).parents[1] / "routes"
M2CAM = ROUTES / "nmc811_m2cam.yaml"
TABLES = ("materials.csv", "energy.csv", "freight.csv", "disposal.csv", "byproducts.csv")
LB = 0.45359237  # kg


def _priced_m2cam(tmp_path):
    path = tmp_path / "priced.yaml"
    path.write_text(
        f"extends: {M2CAM}\nname: priced\nsources: [{{key: quote, cite: 'a supplier quote, 2023'}}]\n"
        "prices:\n  Ni: {price: {value: 18000 USD/t, range: [15000 USD/t, 25000 USD/t]}, source: quote}\n"
    )
    return path


def test_every_price_row_is_sourced_dated_and_in_a_stated_currency():
    for table in (*TABLES, "currencies.csv", "deflators.csv"):
        with open(data_dir() / "prices" / table, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert rows, table
        for row in rows:
            assert row["source"], (table, row)
            assert row["estimate"] in ("yes", "no"), (table, row)
            if table in TABLES:
                assert row["currency"], (table, row)
                assert int(row["year"]) in range(2015, 2025), (table, row)
    assert package_prices().prices  # and the package reads them all


@pytest.mark.parametrize(("column", "words"), [("source", "source: empty"), ("currency", "currency: empty")])
def test_a_price_row_without_a_source_or_currency_is_refused_at_its_line(tmp_path, column, words):
    (tmp_path / "prices").mkdir()
    for table in TABLES:
        shutil.copy(data_dir() / "prices" / table, tmp_path / "prices" / table)
    path = tmp_path / "prices" / "materials.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows[0][column] = ""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(DataFileError, match=rf"materials.csv:2: {words}"):
        read_prices(tmp_path)


def test_a_price_per_cubic_metre_is_read_only_for_water(tmp_path):
    (tmp_path / "prices").mkdir()
    for table in TABLES:
        shutil.copy(data_dir() / "prices" / table, tmp_path / "prices" / table)
    with open(tmp_path / "prices" / "materials.csv", "a", encoding="utf-8") as handle:
        handle.write("O2,CN,reagents,0.2,USD,m**3,2023,price_estimate,,yes,a gas by volume\n")
    with pytest.raises(
        DataFileError, match=r"unit: a price per m\*\*3 is read only for water and wastewater, not 'O2'"
    ):
        read_prices(tmp_path)


def test_a_price_of_another_year_and_currency_is_taken_to_usd_of_the_price_year():
    assert PRICE_YEAR == 2023
    # 100 CNY in 2023 at 7.0846 CNY/USD; 1 USD of 2024 is 304.702 / 313.689 USD of 2023
    assert in_price_year(100, "CNY", 2023) == pytest.approx(100 / 7.0846, rel=1e-12)
    assert in_price_year(1, "USD", 2024) == pytest.approx(304.702 / 313.689, rel=1e-12)
    with pytest.raises(ValueError, match="no exchange rate for CNY in 2019"):
        in_price_year(1, "CNY", 2019)


def test_the_m2cam_routes_operating_cost_is_its_purchases_utilities_and_freight_at_their_prices():
    route = load_route(M2CAM)
    results = solve(route.flowsheet, "1 kg", route.spec.product)
    kpis = {name: float(value[0]) for name, value in results.kpis.items()}
    n = 1000 / (LI + 0.8 * NI + 0.1 * MN + 0.1 * CO + 2 * O)  # mol NMC811 per kg
    metals = 0.8 * n * NI / 1000 * 21.495 + 0.1 * n * CO / 1000 * 15.48 / LB + 0.1 * n * MN / 1000 * 1.9
    lithium = 0.515 * n * (2 * LI + C + 3 * O) / 1000 * 39.0  # Li/M 1.03 as Li2CO3
    acid = 0.2 * n * (2 * C + 4 * H + 2 * O) / 1000 * 0.5  # the acetic acid make-up: 10 % of 2 mol per mol metal
    oxygen = results.mass("oxygen.out->fire.gas") * 0.1  # dosed at twice the need
    water = results.mass("slurry_water.out->slurry.water") * 0.8 / 1000
    electricity = kpis["energy_electric"] / 3.6e6 * 0.088 * 304.702 / 313.689  # J -> kWh, 2024 -> 2023 USD
    gas = kpis["energy_thermal"] / 1e9 * 100 / 7.0846  # J -> GJ, CNY -> USD
    sea, road = (sum(leg.tonne_km[0] for leg in results.legs if leg.mode == mode) for mode in ("sea", "road"))
    freight = sea * 0.004 + road * 0.09
    assert kpis["cost_metals"] == pytest.approx(metals, rel=1e-9)
    assert kpis["cost_lithium"] == pytest.approx(lithium, rel=1e-9)
    assert kpis["cost_reagents"] == pytest.approx(acid + oxygen + water, rel=1e-9)
    assert kpis["cost_utilities"] == pytest.approx(electricity + gas, rel=1e-9)
    assert kpis["cost_freight"] == pytest.approx(freight, rel=1e-9)
    assert kpis["cost_waste"] == 0
    assert kpis["credit_byproducts"] == 0
    assert kpis["cost"] == pytest.approx(
        metals + lithium + acid + oxygen + water + electricity + gas + freight, rel=1e-9
    )
    # the table of priced items adds up to the KPI, and says where each price comes from
    table = results.costs()
    assert table["cost [USD]"].sum() == pytest.approx(kpis["cost"], rel=1e-12)
    assert table.loc["Ni", "source"].startswith("usgs_mcs2026 (prices/materials.csv:")
    assert results.unpriced == ()


def test_the_sulfate_route_pays_to_landfill_its_sodium_sulfate(tmp_path):
    route = load_route(ROUTES / "nmc811_sulfate.yaml")
    results = solve(route.flowsheet, "1 kg", route.spec.product)
    waste = sum(results.mass(e.name) for e in results.edges if e.target == "sodium_sulfate")
    bleeds = sum(results.mass(e.name) for e in results.edges if e.target in ("liquor_bleed", "salt_bleed"))
    # data/prices/disposal.csv: landfill 150 CNY/t in China; wastewater 0.5 USD/m3 in Indonesia, 5 CNY/m3 in China
    liquor = sum(results.mass(e.name) for e in results.edges if e.target == "liquor_bleed")
    salt = bleeds - liquor
    expected = waste * 0.150 / 7.0846 + liquor * 0.5 / 1000 + salt * 5 / 1000 / 7.0846
    assert float(results.kpis["cost_waste"][0]) == pytest.approx(expected, rel=1e-9)


def test_the_recycled_route_buys_its_black_mass_whole_at_the_payable_of_its_cathode():
    route = load_route(ROUTES / "nmc811_recycled.yaml")
    results = solve(route.flowsheet, "1 kg", route.spec.product)
    black_mass = results.mass("black_mass.out->truck.feed")
    # 6,530 USD per t of NMC811 contained (data/prices/materials.csv) x 97.28 g cathode in 151.20 g black mass
    assert float(results.kpis["cost_metals"][0]) == pytest.approx(black_mass * 4.201, rel=1e-9)
    assert 6.530 * 97.2798437 / 151.19929754 == pytest.approx(4.201, abs=5e-4)
    assert not {"C", "Cu", "Al"} & set(results.costs().index)  # graphite and foils are not paid for


def test_a_routes_own_price_with_a_range_is_swept_like_any_parameter(tmp_path):
    path = tmp_path / "priced.yaml"
    path.write_text(
        f"extends: {M2CAM}\nname: priced\nsources: [{{key: quote, cite: 'a supplier quote, 2023'}}]\n"
        "prices:\n  Ni: {price: {value: 18000 USD/t, range: [15000 USD/t, 25000 USD/t]}, source: quote}\n"
        "  metals: {price: 20 USD/kg, category: metals, source: quote}\n"
    )
    route = load_route(path)
    frame = sample(route, n=64, seed=3)
    # the whole metals feed is priced at 20 USD/kg: the nickel price has nothing left to move
    n = 1000 / (LI + 0.8 * NI + 0.1 * MN + 0.1 * CO + 2 * O)
    metals = n * (0.8 * NI + 0.1 * MN + 0.1 * CO) / 1000
    assert np.allclose(frame["cost_metals [USD]"], metals * 20, rtol=1e-9)
    assert frame["prices.Ni [USD/t]"].between(15000, 25000).all()


def test_a_sampled_nickel_price_moves_the_metals_cost_in_proportion(tmp_path):
    frame = sample(load_route(_priced_m2cam(tmp_path)), n=64, seed=3)
    n = 1000 / (LI + 0.8 * NI + 0.1 * MN + 0.1 * CO + 2 * O)
    others = 0.1 * n * CO / 1000 * 15.48 / LB + 0.1 * n * MN / 1000 * 1.9
    expected = 0.8 * n * NI / 1e6 * frame["prices.Ni [USD/t]"] + others
    assert np.allclose(frame["cost_metals [USD]"], expected, rtol=1e-9)


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        (
            "Ni: {price: 18000 USD/t, source: nowhere}",
            "prices.Ni.source: 'nowhere' is not a key of the route's sources",
        ),
        ("Ni: {price: 18000 EUR/t, source: quote}", "prices.Ni.price: expects USD/kg"),
        ("Ni: {price: 18000 USD/kWh, source: quote}", "prices.Ni.price: expects USD/kg"),
        ("Ni: {price: -5 USD/t, source: quote}", "prices.Ni.price: must not be negative"),
        ("Nickel metal: {price: 5 USD/kg, source: quote}", "is not a formula, a feed of the route"),
        ("Pt: {price: 30000 USD/kg, source: quote}", "prices.Pt.category: Pt, which the package does not price"),
        ("metals: {price: 20 USD/kg, source: quote}", "a feed priced whole needs its category"),
        ("Ni: {price: 18000 USD/t}", "prices.Ni.source"),
    ],
)
def test_a_bad_route_price_is_reported_at_its_line(tmp_path, entry, words):
    path = tmp_path / "priced.yaml"
    path.write_text(
        f"extends: {M2CAM}\nname: priced\nsources: [{{key: quote, cite: 'a supplier quote, 2023'}}]\n"
        f"prices:\n  {entry}\n"
    )
    with pytest.raises(RouteFileError) as caught:
        load_route(path)
    assert f"{path}:5: " in str(caught.value)
    assert words in str(caught.value)


def test_what_has_no_price_is_listed_and_shown_not_priced_at_zero_silently(tmp_path, capsys):
    path = tmp_path / "zirconium.yaml"
    path.write_text(
        "name: zirconium\nproduct: Zr\nsites: {plant: {region: CN}}\n"
        "feeds: {metal: {flows: {Zr: 1 mol/s, Ni: 1 mol/s}, site: plant}}\nproducts: {out: {site: plant}}\n"
        "units: {}\nstreams: [metal -> out]\n"
    )
    route = load_route(path)
    results = solve(route.flowsheet, "1 kg", "Zr")
    assert results.unpriced == ("Zr (feed metal, CN)",)
    assert float(results.kpis["cost_metals"][0]) == pytest.approx(
        NI / 91.222 * 21.495, rel=1e-9
    )  # per kg Zr (CIAAW 2021: 91.222)
    assert main(["run", str(path)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "no price, left out of the costs: Zr (feed metal, CN)" in out


def test_a_price_range_is_apportioned_by_sobol_like_any_parameter(tmp_path):
    from flowsheet.sampling import sobol

    indices = sobol(load_route(_priced_m2cam(tmp_path)), n=256, seed=1)
    # only the nickel price moves the metals bought: its first-order and total indices are 1
    assert indices.loc[("cost_metals", "prices.Ni"), "S1"] == pytest.approx(1, abs=0.05)
    assert indices.loc[("cost_metals", "prices.Ni"), "ST"] == pytest.approx(1, abs=0.05)
    assert indices.loc[("lead_time", "prices.Ni"), "ST"] < 0.01  # a price moves no time


def test_a_study_of_a_priced_route_tables_its_price_and_cost_per_sample(tmp_path):
    import pandas as pd

    from flowsheet.study import read_study, run_study

    study_file = tmp_path / "study.yaml"
    study_file.write_text(
        f"routes: [{_priced_m2cam(tmp_path)}]\ngrid:\n  sites.cathode_plant.region: [CN, NO]\n"
        "samples: 200\nseed: 7\nchunk: 100\n",
        encoding="utf-8",
    )
    outcome = run_study(read_study(study_file), tmp_path / "out.parquet", "sync", None)
    assert not outcome.failures
    table = pd.read_parquet(outcome.output)
    assert table["prices.Ni [USD/t]"].between(15000, 25000).all()
    # the same powders bought in Indonesia wherever the cathode plant stands: the nickel price alone moves them
    n = 1000 / (LI + 0.8 * NI + 0.1 * MN + 0.1 * CO + 2 * O)
    others = 0.1 * n * CO / 1000 * 15.48 / LB + 0.1 * n * MN / 1000 * 1.9
    expected = 0.8 * n * NI / 1e6 * table["prices.Ni [USD/t]"] + others
    assert np.allclose(table["cost_metals [USD]"], expected, rtol=1e-9)
    by_region = table.groupby("sites.cathode_plant.region")
    norway, china = (by_region["lead_time [d]"].mean()[r] for r in ("NO", "CN"))
    assert norway > china  # Morowali to Kristiansand is five times the way to Ningbo
