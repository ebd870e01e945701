"""The route commands: compare, run, check; formats; whole-file output; exit statuses."""

import json
import os
import re
from pathlib import Path

import pytest

from flowsheet.cli import main
from flowsheet.kpis import KPIS, markdown_table

ROUTES = Path(__file__).parents[1] / "routes"
SULFATE = str(ROUTES / "nmc811_sulfate.yaml")
M2CAM = str(ROUTES / "nmc811_m2cam.yaml")
CONTRACT = [
    "water_fresh",
    "water_evaporated",
    "wastewater",
    "sodium_sulfate",
    "waste_total",
    "shipped_mass",
    "freight",
    "energy_electric",
    "energy_thermal",
    "energy_total",
    "co2e",
]


def test_compare_prints_a_row_per_kpi_and_ratios_to_the_baseline(capsys):
    assert main(["compare", M2CAM, "--baseline", SULFATE]) == 0
    out = capsys.readouterr().out
    assert "the ratio to nmc811-sulfate" in out
    header = out.splitlines()[1]
    assert header.split()[2:4] == ["nmc811-sulfate", "nmc811-m2cam"]  # the baseline comes first
    table, ports = out.split("\n\n")  # the ports each route calls at follow the table
    rows = {line.split()[0]: line.split() for line in table.splitlines()[3:]}
    assert {kpi.name for kpi in KPIS} <= set(rows)
    assert "nmc811-m2cam: ship IDMOW -> CNNGB" in ports
    assert rows["sodium_sulfate"][1:] == ["kg", "1.456", "0", "(0.00x)"]
    assert rows["freight"][1] == "t*km"  # one spelling of tonne-kilometres everywhere
    assert rows["co2e"][1:3] == ["kg", "CO2e"]


def test_the_comparison_of_every_shipped_route_fits_100_columns(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    routes = str(Path(SULFATE).parent)
    assert main(["compare", routes, "--baseline", SULFATE]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()[1:]) <= 100
    # every route is there, each in one of the column groups, which repeat the kpi and unit columns
    assert all(f" {path.stem.replace('_', '-')}" in out for path in Path(routes).glob("*.yaml"))
    assert len(re.findall(r"^kpi +unit ", out, flags=re.M)) >= 3


def test_large_bases_are_shown_in_engineering_units_and_csv_carries_no_float_noise(capsys):
    assert main(["run", SULFATE, "--basis", "1 kt"]) == 0
    table = capsys.readouterr().out.split("\n\n")[0]  # the notes on transport legs follow the table
    rows = {line.split()[0]: line.split()[1:] for line in table.splitlines()[3:]}
    assert rows["sodium_sulfate"] == ["1.456", "kt"]  # 1.456 kg per kg of 1 kt
    assert rows["product"] == ["1.000", "kt"]
    assert rows["co2e"][-2:] == ["kt", "CO2e"]
    assert main(["run", SULFATE, "--format", "csv"]) == 0
    cells = [line.split(",")[2] for line in capsys.readouterr().out.splitlines()[1:]]
    assert "1" in cells  # the product: 1 kg exactly, not 0.9999999999999999
    assert all(len(cell.replace("-", "").replace(".", "").lstrip("0")) <= 15 for cell in cells)


def test_compare_json_is_the_contract(capsys):
    assert main(["compare", SULFATE, M2CAM, "--format", "json"]) == 0
    compared = json.loads(capsys.readouterr().out)
    assert [c["route"] for c in compared] == ["nmc811-sulfate", "nmc811-m2cam"]
    for item in compared:
        assert set(item) >= {"route", "file", "product", "basis", "kpis", "closure", "units", "ratios"}
        assert item["product"] == "LiNi0.8Mn0.1Co0.1O2"
        assert item["basis"] == {"value": 1.0, "unit": "kilogram"}
        assert set(CONTRACT) <= set(item["kpis"])
        assert all(set(v) == {"value", "unit"} for v in item["kpis"].values())
        assert item["closure"]["mass_relative_error"] < 1e-9
        assert all(set(u) >= {"duty", "energy"} for u in item["units"].values())
    sulfate, m2cam = compared
    assert sulfate["ratios"]["sodium_sulfate"] == 1.0
    assert m2cam["ratios"]["shipped_mass"] == pytest.approx(
        m2cam["kpis"]["shipped_mass"]["value"] / sulfate["kpis"]["shipped_mass"]["value"]
    )
    assert m2cam["ratios"]["co2e_process"] is None  # the baseline releases no process CO2


def test_run_writes_whole_files_into_the_output_folder(tmp_path, capsys):
    assert main(["run", SULFATE, M2CAM, "--format", "json", "--output", str(tmp_path)]) == 0
    capsys.readouterr()
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["manifest.json", "nmc811-m2cam.json", "nmc811-sulfate.json"]  # no temporary files left
    summary = json.loads((tmp_path / "nmc811-sulfate.json").read_text())
    assert summary["route"] == "nmc811-sulfate"
    # the manifest, written last, lists the run's files with their sizes and digests
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [f["file"] for f in manifest["files"]] == ["nmc811-m2cam.json", "nmc811-sulfate.json"]
    assert manifest["files"][1]["bytes"] == (tmp_path / "nmc811-sulfate.json").stat().st_size
    assert manifest["command"].startswith("flowsheet run ")
    umask = os.umask(0o022)
    os.umask(umask)
    assert (tmp_path / "nmc811-sulfate.json").stat().st_mode & 0o777 == 0o666 & ~umask  # as open() would make it


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown"])
def test_run_formats(fmt, capsys):
    assert main(["run", SULFATE, "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert "sodium_sulfate" in out
    if fmt == "markdown":
        assert "| kpi | value | unit |" in out
    if fmt == "csv":
        assert out.startswith("route,kpi,value,unit")


def test_basis_override_scales_every_kpi(capsys):
    assert main(["run", SULFATE, "--format", "json"]) == 0
    [per_kg] = json.loads(capsys.readouterr().out)
    assert main(["run", SULFATE, "--basis", "50 kt/yr", "--format", "json"]) == 0
    [summary] = json.loads(capsys.readouterr().out)
    assert summary["basis"]["unit"] == "kilotonne / year"
    assert summary["kpis"]["sodium_sulfate"]["unit"] == "kilogram / hour"
    kg_per_hour = 50e6 / (365.25 * 24)  # 50 kt/yr of CAM
    for name in ("sodium_sulfate", "water_fresh", "freight", "co2e"):
        assert summary["kpis"][name]["value"] == pytest.approx(per_kg["kpis"][name]["value"] * kg_per_hour, rel=1e-9)
    assert summary["kpis"]["energy_total"]["unit"] == "kilowatt"
    assert summary["kpis"]["energy_total"]["value"] == pytest.approx(
        per_kg["kpis"]["energy_total"]["value"] * kg_per_hour / 3600 * 1000,
        rel=1e-9,  # MJ/kg x kg/s = MW
    )


def test_routes_with_one_name_are_refused_not_merged(tmp_path, capsys):
    (tmp_path / "copy.yaml").write_text(f"extends: {M2CAM}\n")  # keeps the parent's name
    assert main(["compare", M2CAM, str(tmp_path / "copy.yaml")]) == 1
    assert "2 routes are named 'nmc811-m2cam'" in capsys.readouterr().err


def test_compare_refuses_routes_on_different_bases(tmp_path, capsys):
    (tmp_path / "rated.yaml").write_text(f"extends: {M2CAM}\nname: rated\nbasis: 50 kt/yr\n")
    assert main(["compare", M2CAM, str(tmp_path / "rated.yaml")]) == 1
    assert "the routes have different bases (1 kilogram, 50 kilotonne / year); give --basis" in capsys.readouterr().err
    assert main(["compare", M2CAM, str(tmp_path / "rated.yaml"), "--basis", "1 kg"]) == 0


def test_check_accepts_directories_and_globs(capsys):
    assert main(["check", str(ROUTES)]) == 0
    out = capsys.readouterr().out
    assert out.count("ok: ") == len(list(ROUTES.glob("*.yaml")))
    assert main(["check", str(ROUTES / "nmc811_*.yaml")]) == 0
    assert capsys.readouterr().out.count("ok: ") == len(list(ROUTES.glob("nmc811_*.yaml")))


def test_check_fails_on_a_bad_file_and_says_where(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nproduct: y\nfeeds: {}\nproducts: {}\nunits: {}\nstreams: []\nbogus: 1\n")
    assert main(["check", str(bad), SULFATE]) == 1
    out, err = capsys.readouterr()
    assert f"error: {bad}:7: bogus: unknown key" in err
    assert f"ok: {SULFATE}" in out


def test_no_route_files_found(tmp_path, capsys):
    assert main(["run", str(tmp_path)]) == 1
    assert "no route files found" in capsys.readouterr().err


def test_every_command_has_help(capsys):
    for command in ["compare", "run", "check", "balance", "formula"]:
        with pytest.raises(SystemExit) as caught:
            main([command, "--help"])
        assert caught.value.code == 0
        assert f"usage: flowsheet {command}" in capsys.readouterr().out


def test_the_readme_states_every_kpi_boundary():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme


def test_trace_locates_a_solve_error_in_the_route_file(tmp_path, capsys):
    (tmp_path / "nobleed.yaml").write_text(
        f"extends: {SULFATE}\nset:\n  units.liquor_split.fractions: {{recycle: 1.0, bleed: 0.0}}\n"
    )
    assert main(["trace", str(tmp_path / "nobleed.yaml"), "--element", "Ni"]) == 1
    err = capsys.readouterr().err
    # the loop is the parent's; the value that closed it is set by this variant, on its line 3
    assert "nobleed.yaml:3: units.liquor_split.fractions: " in err
    assert "accumulate(s) in the recycle loop" in err


def test_a_plant_rate_with_its_operating_hours_gives_kw_equal_to_per_kg_duties_times_the_rate():
    import flowsheet

    route = flowsheet.load_route(SULFATE)
    per_kg = flowsheet.solve(route.flowsheet, "1 kg", route.spec.product).energy()
    plant = flowsheet.solve(route.flowsheet, "10 kt/yr at 8000 h/yr", route.spec.product)
    rate = 10e6 / 8000 / 3600  # kg/s while running: 1.25 t/h
    assert plant.totals()["product"].to("kg/s").magnitude == pytest.approx(rate, rel=1e-12)
    energy = plant.energy()
    for unit in ("calcine", "salt_crystallize", "dry"):
        # MJ per kg times kg/s is MW: times 1000 for kW
        assert energy.loc[unit, "duty [kW]"] == pytest.approx(per_kg.loc[unit, "duty [MJ]"] * rate * 1000, rel=1e-9)
        assert energy.loc[unit, "purchased [kW]"] == pytest.approx(
            per_kg.loc[unit, "purchased [MJ]"] * rate * 1000, rel=1e-9
        )
    assert plant.streams()["total [kg/h]"].max() > 1000  # flows in kg/h
    with pytest.raises(flowsheet.FlowsheetError, match="is not in \\(0, 1\\] of a year"):
        flowsheet.solve(route.flowsheet, "10 kt/yr at 9000 h/yr", route.spec.product)


def test_issue_22_co2e_says_co2e_and_freight_is_t_km_in_every_format(capsys):
    assert main(["run", SULFATE, "--format", "json"]) == 0
    [summary] = json.loads(capsys.readouterr().out)
    assert summary["kpis"]["co2e"]["unit"] == "kilogram CO2e"  # pint's long name, then what it counts
    assert summary["kpis"]["co2e_energy"]["unit"] == "kilogram CO2e"
    assert summary["kpis"]["water_fresh"]["unit"] == "kilogram"
    assert main(["run", SULFATE, "--format", "csv"]) == 0
    units = {row.split(",")[1]: row.split(",")[3] for row in capsys.readouterr().out.splitlines()[1:]}
    assert units["co2e"] == "kg CO2e"
    assert units["co2e_process"] == "kg CO2e"
    assert units["freight"] == "t*km"
    assert main(["run", SULFATE, "--format", "table"]) == 0
    table = {line.split()[0]: line.split()[2:] for line in capsys.readouterr().out.splitlines()[3:] if line.strip()}
    assert table["co2e"] == ["kg", "CO2e"]
    assert table["freight"] == ["t*km"]
    assert main(["compare", SULFATE, M2CAM, "--format", "csv"]) == 0
    units = {row.split(",")[0]: row.split(",")[1] for row in capsys.readouterr().out.splitlines()[1:]}
    assert units["co2e"] == "kg CO2e"
    assert main(["run", SULFATE, "--basis", "50 kt/yr", "--format", "json"]) == 0
    [per_hour] = json.loads(capsys.readouterr().out)
    assert per_hour["kpis"]["co2e"]["unit"] == "kilogram CO2e / hour"


MEASURED = "stream,quantity,value,sd,unit\nfilter.cake,Ni,{},{},{}\ndry.dry,Ni,{},{},{}\ncalcine.product,Ni,{},{},{}\n"


def test_issue_22_reconcile_shows_flows_in_the_unit_the_measurements_share(tmp_path, capsys):
    path = tmp_path / "measured.csv"
    # Ni in kg/s: 0.1389, 0.1424, 0.1403 (500.04, 512.64, 505.08 kg/h), each sd 0.0014 kg/s
    path.write_text(MEASURED.format(0.1389, 0.0014, "kg/s", 0.1424, 0.0014, "kg/s", 0.1403, 0.0014, "kg/s"))
    assert main(["reconcile", SULFATE, str(path)]) == 0
    out = capsys.readouterr().out
    assert "flows in kg/s" in out
    rows = {" ".join(line.split()[:2]): line.split()[2:] for line in out.splitlines() if line.startswith("filter")}
    assert rows["filter.cake Ni"][:2] == ["0.1389", "0.0014"]  # as measured, not times 3600
    assert max(len(line) for line in out.splitlines()) <= 100
    # kg/h and t/d in one file: shown in kg/h, 12.3 t/d = 12,300 kg / 24 h = 512.5 kg/h
    path.write_text(MEASURED.format(500, 5, "kg/h", 12.3, 0.12, "t/d", 505, 5, "kg/h"))
    assert main(["reconcile", SULFATE, str(path)]) == 0
    out = capsys.readouterr().out
    assert "flows in kg/h" in out
    assert [line.split()[2] for line in out.splitlines() if line.startswith("dry.dry")] == ["512.5"]
