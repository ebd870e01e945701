"""Studies: the same table whatever runs them, nothing lost to a bad route or a dead worker, resumable."""

import os
import signal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flowsheet.cli import main
from flowsheet.sampling import sobol_indices
from flowsheet.study import read_study, run_study

ROUTES = Path(__file__).parents[1] / "routes"
KEYS = ["route", "sites.cathode_plant.region", "sample"]


def _study(tmp_path, routes=("nmc811_sulfate.yaml", "nmc811_m2cam.yaml"), samples=3000, chunk=1000):
    listed = ", ".join(str(ROUTES / r) if not r.startswith("/") else r for r in routes)
    path = tmp_path / "study.yaml"
    path.write_text(
        f"routes: [{listed}]\ngrid:\n  sites.cathode_plant.region: [CN, NO]\nsamples: {samples}\nseed: 7\nchunk: {chunk}\n",
        encoding="utf-8",
    )
    return read_study(path)


def _sorted(table):
    return table.sort_values(KEYS).reset_index(drop=True)


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as local:
        yield local


def test_a_study_reads_into_tasks_with_their_own_streams(tmp_path):
    study = _study(tmp_path)
    assert len(study.tasks) == 2 * 2 * 3  # routes x regions (NO stays Norway, not False) x chunks
    assert {t.overrides for t in study.tasks} == {
        (("sites.cathode_plant.region", "CN"),),
        (("sites.cathode_plant.region", "NO"),),
    }
    assert len({t.key for t in study.tasks}) == len(study.tasks)


def test_the_table_is_the_same_in_process_and_on_a_cluster(tmp_path, cluster):
    study = _study(tmp_path)
    local, failures = run_study(study, tmp_path / "local.parquet", "sync")
    assert not failures
    assert len(local) == 2 * 2 * 3000
    remote, failures = run_study(study, tmp_path / "remote.parquet", cluster.scheduler_address)
    assert not failures
    pd.testing.assert_frame_equal(_sorted(local), _sorted(remote))
    # chunk size does not change a sample's values: each chunk has its own stream, not a slice of one
    assert not (tmp_path / "local.parquet.parts").exists()  # cleaned once complete
    on_disk = pd.read_parquet(tmp_path / "local.parquet")
    pd.testing.assert_frame_equal(_sorted(on_disk), _sorted(local))


def test_a_worker_killed_mid_study_loses_nothing(tmp_path, cluster):
    study = _study(tmp_path, samples=6000, chunk=500)
    expected, _ = run_study(study, tmp_path / "expected.parquet", "sync")
    killed = []

    from distributed import Client

    with Client(cluster) as client:
        pids = client.run(os.getpid)

    def kill_one_worker(done, total):
        if not killed:
            pid = next(iter(pids.values()))
            os.kill(pid, signal.SIGKILL)  # the nanny restarts it; its tasks are retried elsewhere
            killed.append(pid)

    table, failures = run_study(study, tmp_path / "killed.parquet", cluster.scheduler_address, kill_one_worker)
    assert killed
    assert not failures
    pd.testing.assert_frame_equal(_sorted(table), _sorted(expected))


def test_a_bad_route_fails_alone_and_the_study_resumes_where_it_stopped(tmp_path, monkeypatch):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        f"extends: {ROUTES / 'nmc811_sulfate.yaml'}\nname: bad\nset:\n  units.calcine.temprature: 800 degC\n"
    )
    study = _study(tmp_path, routes=("nmc811_sulfate.yaml", str(bad)), samples=2000)
    table, failures = run_study(study, tmp_path / "out.parquet", "sync")
    assert len(failures) == 2 * 2  # the bad route's chunks, each reported
    assert "temprature" in failures[0].error
    assert len(table) == 2 * 2000  # every good chunk is there
    assert (tmp_path / "out.parquet.parts").exists()  # kept, to resume
    # mend the file and run again: only the failed chunks run
    bad.write_text(
        f"extends: {ROUTES / 'nmc811_sulfate.yaml'}\nname: bad\nset:\n  units.calcine.temperature: 800 degC\n"
    )
    import flowsheet.study as module

    ran = []
    original = module.run_task
    monkeypatch.setattr(module, "run_task", lambda task: ran.append(task.key) or original(task))
    table, failures = run_study(read_study(study.path), tmp_path / "out.parquet", "sync")
    assert not failures
    assert sorted(ran) == sorted(t.key for t in study.tasks if t.key[0] == 1)
    assert len(table) == 2 * 2 * 2000


def test_the_study_command_writes_its_table_and_reports_failures(tmp_path, capsys):
    study = _study(tmp_path, routes=("nmc811_sulfate.yaml",), samples=500)
    assert main(["study", str(study.path), "--output", str(tmp_path / "t.parquet")]) == 0
    assert "1,000 rows from 2 of 2 chunks" in capsys.readouterr().out
    assert len(pd.read_parquet(tmp_path / "t.parquet")) == 1000


def test_sobol_indices_of_the_ishigami_function_are_its_known_ones():
    # Ishigami with a = 7, b = 0.1 on [-pi, pi]^3 (Saltelli et al. 2008, Global Sensitivity Analysis, 4.3):
    # S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437
    def ishigami(u):
        x = -np.pi + 2 * np.pi * u
        return {"y": np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])}

    found = sobol_indices(ishigami, ["x1", "x2", "x3"], n=4096, seed=1).loc["y"]
    for name, first, total in (("x1", 0.3139, 0.5576), ("x2", 0.4424, 0.4424), ("x3", 0.0, 0.2437)):
        assert abs(found.loc[name, "S1"] - first) <= found.loc[name, "S1_conf"], name
        assert abs(found.loc[name, "ST"] - total) <= found.loc[name, "ST_conf"], name
