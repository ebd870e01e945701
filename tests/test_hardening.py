"""Bad input, hostile files and interrupts: a clear error, never a traceback, a hang or a silent wrong number."""

import json
import os
from pathlib import Path

import pytest

import flowsheet.batch as batch
import flowsheet.cli as cli
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

    monkeypatch.setattr(cli, "render_runs", fail)
    assert main(["run", SULFATE]) == status
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert words in err


def test_too_many_samples_is_a_usage_error(capsys):
    assert main(["sweep", SULFATE, "--samples", "1000000000000"]) == 2
    assert "--samples must be between 2 and 10,000,000" in capsys.readouterr().err
