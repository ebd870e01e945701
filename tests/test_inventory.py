"""The foreground inventory: it adds up to co2e_cradle_to_gate, and Brightway reads it and computes the same."""

import csv
import io
import math
import zipfile
from pathlib import Path

import pytest

import flowsheet
from flowsheet.report.inventory import brightway_files, check_total, inventory, to_csv

ROOT = Path(__file__).parents[1]


def _solved(stem: str):
    route = flowsheet.load_route(ROOT / "routes" / f"{stem}.yaml")
    return flowsheet.solve(route.flowsheet, "1 kg", product=route.spec.product)


@pytest.mark.parametrize("stem", ["nmc811_sulfate", "nmc811_m2cam", "nmc811_recycled", "lfp_sulfate"])
def test_the_inventory_adds_up_to_the_cradle_to_gate_co2e(stem):
    results = _solved(stem)
    exchanges = inventory(results)
    assert check_total(results, exchanges) < 1e-12
    # the parts: materials are co2e_upstream, energy co2e_energy, fuel co2e_transport, CO2 released co2e_process
    kinds = {"material": "co2e_upstream", "energy": "co2e_energy", "fuel": "co2e_transport", "released": "co2e_process"}
    for kind, kpi in kinds.items():
        total = sum(e.total for e in exchanges if e.kind == kind or (kind, e.kind) == ("material", "recycled"))
        assert total == pytest.approx(results.kpis[kpi][0], rel=1e-12, abs=1e-15), kind
    rows = list(csv.DictReader(io.StringIO(to_csv(exchanges))))
    assert math.fsum(float(row["co2e total [kg CO2e]"]) for row in rows) == pytest.approx(
        results.kpis["co2e_cradle_to_gate"][0], rel=1e-12
    )
    # per kg of the product species: its stream also carries what the product holds besides (excess lithium ...)
    (product,) = [e for e in exchanges if e.kind == "product"]
    stream = sum(results.mass(s.name) for s in results.product_streams())
    assert product.amount == pytest.approx(stream / results.kpis["product"][0], rel=1e-12)
    assert product.amount >= 1.0


def test_the_inventory_is_per_kg_of_product_at_a_rate_basis_too():
    route = flowsheet.load_route(ROOT / "routes" / "nmc811_m2cam.yaml")
    per_kg = inventory(flowsheet.solve(route.flowsheet, "1 kg", product=route.spec.product))
    at_rate = inventory(flowsheet.solve(route.flowsheet, "50 kt/yr", product=route.spec.product))
    for a, b in zip(per_kg, at_rate, strict=True):
        assert (a.kind, a.name) == (b.kind, b.name)
        assert b.amount == pytest.approx(a.amount, rel=1e-9)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # bw2io 0.9's own strategies call its deprecated `kind`
def test_brightway_imports_the_export_and_computes_the_same_co2e(tmp_path):
    bd = pytest.importorskip("bw2data")
    bi = pytest.importorskip("bw2io")
    bc = pytest.importorskip("bw2calc")
    results = _solved("nmc811_sulfate")
    exchanges = inventory(results)
    for name, text in brightway_files(results, exchanges).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "brightway" / "logs").mkdir(parents=True)
    bd.projects.change_base_directories(tmp_path / "brightway", tmp_path / "brightway" / "logs", "round trip")
    linked = {"fields": ["name", "unit", "categories"], "edge_kinds": ["biosphere"]}
    for part, links in (("biosphere", []), ("background", [linked]), ("foreground", [linked])):
        importer = bi.CSVImporter(str(tmp_path / f"{part}.csv"))
        importer.apply_strategies()
        for link in links:
            importer.match_database("cathode-flowsheet biosphere", **link)
        if part == "foreground":
            importer.match_database("cathode-flowsheet background", fields=["name", "unit", "location"])
        assert importer.statistics(print_stats=False)[2] == 0  # no unlinked exchange
        importer.write_database()
    bd.config.p["biosphere_database"] = "cathode-flowsheet biosphere"
    method = bi.CSVLCIAImporter(str(tmp_path / "method.csv"), ("cathode-flowsheet", "CO2e"), "CO2e", "kg CO2e")
    method.apply_strategies()
    method.write_methods()
    activity = bd.Database(results.name).get(results.name)
    # the exchanges as Brightway stores them (double precision): the same inventory, to the last digits
    stored = {(e.input["name"], e["type"]): e["amount"] for e in activity.exchanges()}
    for e in exchanges:
        if e.direction == "input":
            assert stored[(f"{e.name}, {e.kind}, {e.region}", "technosphere")] == pytest.approx(e.amount, rel=1e-15)
    expected = results.kpis["co2e_cradle_to_gate"][0] / results.kpis["product"][0]
    # evaluated over the stored graph in double precision: co2e_cradle_to_gate to 1e-9
    per_input = {
        node["name"]: sum(e["amount"] for e in node.exchanges() if e["type"] == "biosphere")
        for node in bd.Database("cathode-flowsheet background")
    }
    graph = sum(
        e["amount"] * (per_input[e.input["name"]] if e["type"] == "technosphere" else 1.0)
        for e in activity.exchanges()
        if e["type"] in ("technosphere", "biosphere")
    )
    assert graph == pytest.approx(expected, rel=1e-9)
    # Brightway's own LCA: its matrices hold amounts in single precision (bw_processing), so 1e-6
    lca = bc.LCA({activity: 1}, ("cathode-flowsheet", "CO2e"))
    lca.lci()
    lca.lcia()
    assert lca.score == pytest.approx(expected, rel=1e-6)


def test_the_openlca_package_reads_back_with_the_same_co2e(tmp_path):
    olca = pytest.importorskip("olca_schema")
    zipio = pytest.importorskip("olca_schema.zipio")
    from flowsheet.report.inventory import openlca_zip

    results = _solved("nmc811_sulfate")
    exchanges = inventory(results)
    path = tmp_path / "route.zip"
    path.write_bytes(openlca_zip(results, exchanges))
    again = zipfile.ZipFile(io.BytesIO(openlca_zip(results, exchanges)))
    assert sorted(again.namelist()) == sorted(zipfile.ZipFile(path).namelist())  # ids from names: the same data sets
    with zipio.ZipReader(path) as reader:
        processes = {p.name: p for p in reader.read_each(olca.Process)}
        flows = {f.id: f for f in reader.read_each(olca.Flow)}
        (indicator,) = list(reader.read_each(olca.ImpactCategory))
    factor = {f.flow.id: f.value for f in indicator.impact_factors}
    route = processes[results.name]
    for exchange in route.exchanges:
        assert exchange.flow.id in flows  # every reference resolves inside the package

    def co2e(process, amount):
        """CO2e of `amount` of what `process` makes: its elementary outputs, and its inputs' makers' CO2e."""
        total = 0.0
        for exchange in process.exchanges:
            flow = flows[exchange.flow.id]
            if flow.flow_type == olca.FlowType.ELEMENTARY_FLOW:
                total += exchange.amount * factor[flow.id]
            elif exchange.is_input:
                total += co2e(processes[flow.name], exchange.amount)
        return total * amount

    expected = results.kpis["co2e_cradle_to_gate"][0] / results.kpis["product"][0]
    assert co2e(route, 1.0) == pytest.approx(expected, rel=1e-12)
    reference = next(e for e in route.exchanges if e.is_quantitative_reference)
    assert (flows[reference.flow.id].name, reference.amount) == ("LiNi0.8Mn0.1Co0.1O2", 1.0)


def test_the_command_writes_each_format_and_never_over_its_input(tmp_path, capsys):
    from flowsheet.cli import main

    route = str(ROOT / "routes" / "nmc811_m2cam.yaml")
    for form, suffix in (
        ("csv", "inventory.csv"),
        ("brightway", "brightway-foreground.csv"),
        ("openlca", "openlca.zip"),
    ):
        assert main(["export", route, "--to", form, "--output", str(tmp_path)]) == 0
        out = capsys.readouterr().out
        assert (tmp_path / f"nmc811-m2cam-{suffix}").is_file()
        assert "co2e_cradle_to_gate to" in out
        assert max(len(line) for line in out.splitlines() if str(tmp_path) not in line) <= 100
    assert main(["export", route, "--to", "csv", "--output", route]) == 1  # the route itself: never written over
    assert "is a file, not a folder" in capsys.readouterr().err


def test_the_openlca_export_without_olca_schema_says_what_to_install(monkeypatch):
    import sys

    from flowsheet.errors import FlowsheetError
    from flowsheet.report.inventory import openlca_zip

    results = _solved("lfp_sulfate")
    monkeypatch.setitem(sys.modules, "olca_schema", None)  # as if not installed: importing it raises ImportError
    with pytest.raises(FlowsheetError, match=r"pip install 'cathode-flowsheet\[lca\]'"):
        openlca_zip(results, inventory(results))
