"""Bad input, hostile files and interrupts: a clear error, never a traceback, a hang or a silent wrong number."""

import json
import os
from pathlib import Path

import pytest

import flowsheet.batch as batch
import flowsheet.cli.routes as route_commands
from flowsheet.cli import main
from flowsheet.report.folder import OutputFolder

ROUTES = Path(__file__).parents[1] / "routes"
SULFATE = str(ROUTES / "nmc811_sulfate.yaml")
M2CAM = str(ROUTES / "nmc811_m2cam.yaml")


def test_output_naming_a_file_is_refused_before_any_work(tmp_path, capsys):
    target = tmp_path / "results.json"
    target.write_text("keep me")
    assert main(["run", SULFATE, "--output", str(target)]) == 1
    assert "is a file, not a folder" in capsys.readouterr().err
    assert target.read_text() == "keep me"


def test_route_names_that_would_share_a_file_get_files_of_their_own(tmp_path):
    folder = OutputFolder(tmp_path, "test")
    stems = [folder.stem(name) for name in ("a/b", "a_b", "a b", "x" * 300)]
    assert len(set(stems)) == 4
    assert stems[0] == "a_b"
    assert all(len(stem) <= 90 for stem in stems)
    assert folder.stem("a_b") == stems[1]  # the same name keeps its file


def test_an_interrupted_write_leaves_no_file_and_no_manifest(tmp_path, monkeypatch):
    (tmp_path / "manifest.json").write_text("{}")  # from an earlier, complete run
    folder = OutputFolder(tmp_path, "test")
    assert not (tmp_path / "manifest.json").exists()  # the folder is incomplete until this run closes it

    def interrupted(*_):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        folder.write("a.json", "{}")
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_takes_too_long_is_given_up_and_the_batch_goes_on(monkeypatch, capsys):
    import time

    solve_route = batch.solve_route

    def slow(route, *args, **kwargs):
        if route.name == "nmc811-sulfate":
            time.sleep(30)
        return solve_route(route, *args, **kwargs)

    monkeypatch.setattr(batch, "solve_route", slow)
    started = time.perf_counter()
    assert main(["run", SULFATE, M2CAM, "--time-limit", "0.5", "--format", "json"]) == 1
    assert time.perf_counter() - started < 10
    captured = capsys.readouterr()
    assert "nmc811_sulfate.yaml: did not finish within 0.5 s" in captured.err
    assert [s["route"] for s in json.loads(captured.out)] == ["nmc811-m2cam"]


@pytest.mark.parametrize(
    ("raised", "status", "words"),
    [
        (RuntimeError("boom"), 70, "internal error (RuntimeError: boom) while running: flowsheet run "),
        (KeyboardInterrupt(), 130, "interrupted; no partial output was left"),
        (BrokenPipeError(), 141, ""),
    ],
)
def test_every_exception_ends_at_the_boundary_without_a_traceback(raised, status, words, monkeypatch, capsys):
    def fail(*_args, **_kwargs):
        raise raised

    monkeypatch.setattr(route_commands, "render_runs", fail)
    assert main(["run", SULFATE]) == status
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert words in err


def test_too_many_samples_is_a_usage_error(capsys):
    assert main(["sweep", SULFATE, "--samples", "1000000000000"]) == 2
    assert "--samples must be between 2 and 10,000,000" in capsys.readouterr().err


def _route_with(tmp_path, old, new, name="case"):
    text = Path(SULFATE).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / f"{name}.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return str(path)


ISSUE_CASES = {  # from the hardening issue: a hang, a crash or a silent wrong number before
    "power_in_unit": ("temperature: 800 degC", "temperature: 800 10**10**10 K", "is not understood"),
    "divide_by_zero_unit": ("temperature: 800 degC", "temperature: 800 1/0", "is not understood"),
    "open_parenthesis": ("temperature: 800 degC", "temperature: 800 (", "parenthesis is never closed"),
    "zero_power": ("temperature: 800 degC", "temperature: 800 K**-0", "is not understood"),
    "huge_integer": ("moisture: 0.005", "moisture: " + "9" * 400, "is not a finite number"),
    "unicode_formula": ("lithium_source: LiOH·H2O", "lithium_source: LiOH·H₂O²", "superscript"),
    "nested_formula": ("lithium_source: LiOH·H2O", "lithium_source: " + "(" * 1000 + "Li" + ")" * 1000, "longer"),
    "zero_denominator": ("lithium_source: LiOH·H2O", "lithium_source: LiOH1/0", "denominator 0"),
    "fraction_with_unit": ("{recycle: 0.95, bleed: 0.05}", "{recycle: 0.95 kg, bleed: 0.05}", "wrong type"),
    "null_reaction": ("reactions:\n      - NiSO4·6H2O", "reactions:\n      - null\n      - NiSO4·6H2O", "wrong type"),
    "site_as_list": ("    site: cathode_plant\n    cake", "    site: [cathode_plant]\n    cake", "wrong type"),
    "lithium_source_number": ("lithium_source: LiOH·H2O", "lithium_source: 2", "wrong type"),
    "infinite_excess": ("oxygen_excess: 1.0", "oxygen_excess: .inf", "is not a finite number"),
    "infinite_distance": ("{value: 12237 km, triangular: [11792 km, 12237 km, 15230 km]}", "1e400 km", "finite"),
    "huge_feed": ("{Ni: 0.8 mol/s", "{Ni: 1e300 mol/s", "beyond the 1e+15"),
    "out_of_range_recovery": ("ammonia_recovery: 0.96", "ammonia_recovery: 1.5", "must be >= 0 and <= 1"),
    "long_name": ("name: nmc811-sulfate", "name: " + "n" * 300, ""),  # solves; its output file is cut (below)
    "python_tag_on_mapping": ("products: {Na2SO4: 0.95}", "products: !!python/object:os.system {Na2SO4: 0.95}", "tag"),
}


@pytest.mark.parametrize("case", sorted(ISSUE_CASES))
def test_the_issues_bad_inputs_give_clear_errors(case, tmp_path, capsys):
    old, new, words = ISSUE_CASES[case]
    path = _route_with(tmp_path, old, new)
    status = main(["run", path, "--format", "json", "--output", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if not words:
        assert status == 0
        written = [p.name for p in (tmp_path / "out").iterdir()]
        assert len(written) == 2  # the route's file and the manifest
        assert all(len(name) < 100 for name in written)
        return
    assert status == 1
    line = next(i for i, text in enumerate(Path(path).read_text().splitlines(), 1) if new.splitlines()[-1] in text)
    assert captured.err.startswith(f"error: {path}:"), captured.err
    assert words in captured.err, captured.err
    assert "\n  hint: " in captured.err, captured.err
    assert abs(int(captured.err.split(":")[2]) - line) <= 1, captured.err  # the line edited (or the one above)
    assert not (tmp_path / "out" / "manifest.json").exists() or "Infinity" not in captured.out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["run", SULFATE, "--basis", "1 10**10**10 kg"], "is not understood"),
        (["run", SULFATE, "--basis", "1e306 kg"], "beyond 1e+15"),
        (["balance", "Ni + H2SO4 -> NiSO4 + H2", "--temperature", "5 kg"], "--temperature expects K"),
        (["formula", "H₂O²"], "superscript"),
        (["check", "/dev/zero"], "is not a regular file"),
    ],
)
def test_bad_command_line_values_give_clear_errors(argv, words, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert words in err
    assert "Traceback" not in err


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path, capsys):
    fifo = tmp_path / "route.yaml"
    os.mkfifo(fifo)
    assert main(["check", str(fifo)]) == 1
    assert "is not a regular file" in capsys.readouterr().err


def test_extends_outside_the_routes_folder_is_refused_without_reading_it(tmp_path, capsys):
    secret = tmp_path / "elsewhere" / "secret.yaml"
    secret.parent.mkdir()
    secret.write_text("name: root:x:0:0\n")
    route = tmp_path / "routes" / "child.yaml"
    route.parent.mkdir()
    route.write_text("extends: ../elsewhere/secret.yaml\n")
    assert main(["check", str(route)]) == 1
    err = capsys.readouterr().err
    assert "outside this route's folder" in err
    assert "root:x" not in err


def test_a_temperature_beyond_a_species_data_is_located_at_its_unit(tmp_path, capsys):
    path = _route_with(tmp_path, "temperature: 110 degC", "temperature: 3000 degC")
    assert main(["run", path]) == 1
    err = capsys.readouterr().err
    unit_line = next(i for i, text in enumerate(Path(path).read_text().splitlines(), 1) if text == "  dry:")
    assert err.startswith(f"error: {path}:{unit_line}: units.dry: stream 'dry.dry->calcine.feed' carries H2O(l)")
    assert "asked at 3273.15 K" in err
    assert "hint: set unit 'dry' to a temperature within that range" in err
