"""Studies: the same table whatever runs them, nothing lost to a bad route or a dead worker, resumable."""

import os
import signal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import flowsheet
from flowsheet.cli import main
from flowsheet.route_file import load_route
from flowsheet.sampling import evaluate, sobol_indices
from flowsheet.study import (
    BLOCK,
    TOKEN,
    StudyFileError,
    _key,
    _scenario_key,
    read_study,
    run_chunk,
    run_study,
    solve_part,
)

ROUTES = Path(__file__).parents[1] / "routes"
REGION = "sites.cathode_plant.region"
KEYS = ["route", REGION, "sample"]


def _study(tmp_path, routes=("nmc811_sulfate.yaml", "nmc811_m2cam.yaml"), samples=3000, chunk=1000, name="study"):
    listed = ", ".join(r if r.startswith("/") else str(ROUTES / r) for r in routes)
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"routes: [{listed}]\ngrid:\n  {REGION}: [CN, NO]\nsamples: {samples}\nseed: 7\nchunk: {chunk}\n",
        encoding="utf-8",
    )
    return read_study(path)


def _run(study, output, scheduler="sync", progress=None):
    outcome = run_study(study, output, scheduler, progress)
    assert not outcome.failures, [str(f) for f in outcome.failures]
    return pd.read_parquet(outcome.output)


def _sorted(table):
    return table.sort_values(KEYS).reset_index(drop=True)


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address="127.0.0.1:0") as local:
        yield local


def test_a_study_reads_into_scenarios_and_chunks(tmp_path):
    study = _study(tmp_path, samples=2500)
    assert study.scenarios == [((REGION, "CN"),), ((REGION, "NO"),)]  # NO stays Norway (YAML 1.2), not False
    assert study.chunks == [(0, 1000), (1000, 1000), (2000, 500)]
    assert [Path(r).name for r in study.routes] == ["nmc811_sulfate.yaml", "nmc811_m2cam.yaml"]


def test_every_problem_of_a_study_file_is_reported_at_its_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("routes: [missing_*.yaml]\ngrid:\n  units.calcine.temperature: 800 degC\nsampels: 10\nseed: -1\n")
    with pytest.raises(StudyFileError) as caught:
        read_study(path)
    found = {field: (line, problem, hint) for line, field, problem, hint in caught.value.issues}
    assert found["routes[0]"][0] == 1
    assert "no route file matches 'missing_*.yaml'" in found["routes[0]"][1]
    assert found["grid.units.calcine.temperature"][0] == 3
    assert "list" in found["grid.units.calcine.temperature"][1]
    assert found["sampels"][0] == 4
    assert found["sampels"][2] == "did you mean 'samples'?"
    assert found["seed"][0] == 5
    assert "whole number from 0 to" in found["seed"][1]


def test_the_table_holds_each_sample_as_the_route_solves_it(tmp_path):
    study = _study(tmp_path, routes=("nmc811_sulfate.yaml",), samples=1500)
    table = _run(study, tmp_path / "out.parquet")
    assert list(table.columns[:3]) == KEYS
    assert len(table) == 2 * 1500
    assert table.groupby(REGION)["sample"].nunique().tolist() == [1500, 1500]
    # the wash ratio of sample 1234 in Norway, drawn by hand from its stream: uniform on [3, 10] L/kg
    stream = np.random.SeedSequence(7, spawn_key=(_scenario_key(((REGION, "NO"),)), 1, _key("units.filter.wash_ratio")))
    by_hand = np.random.Generator(np.random.PCG64(stream)).uniform(3e-3, 10e-3, BLOCK)[234] * 1e3  # m3/kg -> L/kg
    row = table[(table[REGION] == "NO") & (table["sample"] == 1234)].iloc[0]
    assert row["units.filter.wash_ratio [L/kg]"] == pytest.approx(by_hand, rel=1e-12)
    # ... and its KPIs are what the route gives for that row's parameters, solved on their own (SI units)
    route = load_route(ROUTES / "nmc811_sulfate.yaml", overrides={REGION: "NO"})
    values = {
        "units.precipitate.residence_time": row["units.precipitate.residence_time [h]"] * 3600,
        "units.calcine.residence_time": row["units.calcine.residence_time [h]"] * 3600,
        "units.precipitate.caustic_excess": row["units.precipitate.caustic_excess"],
        "units.filter.cake_moisture": row["units.filter.cake_moisture"],
        "units.filter.wash_ratio": row["units.filter.wash_ratio [L/kg]"] * 1e-3,
        "units.calcine.lithium_ratio": row["units.calcine.lithium_ratio"],
        "units.calcine.capacity_exponent": row["units.calcine.capacity_exponent"],
        "units.calcine.sagger_ratio": row["units.calcine.sagger_ratio"],
        "units.calcine.surface_emissivity": row["units.calcine.surface_emissivity"],
        "units.filter.occluded_fraction": row["units.filter.occluded_fraction"],
    }
    values = {path: np.array([value]) for path, value in values.items()}
    alone = evaluate(route, values)
    for kpi in ("water_fresh", "sodium_sulfate", "energy_total", "co2e"):
        column = next(c for c in table.columns if c.startswith(f"{kpi} ["))
        assert row[column] == pytest.approx(alone[kpi][0], rel=1e-9), kpi
    assert (table["closure [-]"] <= 1e-9).all()
    metadata = pq.read_schema(tmp_path / "out.parquet").metadata
    assert metadata[b"flowsheet.study"].decode() == study.path.read_text()


def test_the_table_is_the_same_in_process_on_a_local_pool_and_on_a_cluster(tmp_path, cluster):
    study = _study(tmp_path)
    local = _run(study, tmp_path / "local.parquet", "sync")
    assert len(local) == 2 * 2 * 3000
    assert not (tmp_path / "local.parquet.parts").exists()  # removed once the table is written
    remote = _run(study, tmp_path / "remote.parquet", cluster.scheduler_address)
    pd.testing.assert_frame_equal(_sorted(local), _sorted(remote))
    pool = _run(study, tmp_path / "pool.parquet", "processes")
    pd.testing.assert_frame_equal(_sorted(local), _sorted(pool))


def test_a_sample_does_not_depend_on_the_chunks_or_the_order_of_routes(tmp_path):
    first = _run(_study(tmp_path, samples=2500, chunk=1000, name="a"), tmp_path / "a.parquet")
    routes = ("nmc811_m2cam.yaml", "nmc811_sulfate.yaml")
    second = _run(_study(tmp_path, routes=routes, samples=2500, chunk=700, name="b"), tmp_path / "b.parquet")
    pd.testing.assert_frame_equal(_sorted(first), _sorted(second)[first.columns])  # columns: first route's first


def test_routes_share_the_draws_of_a_parameter_and_scenarios_do_not(tmp_path):
    table = _run(_study(tmp_path, routes=("nmc811_sulfate.yaml", "lfp_sulfate.yaml"), samples=1000), tmp_path / "t.pq")
    wash = table.pivot_table(index=[REGION, "sample"], columns="route", values="units.filter.wash_ratio [L/kg]")
    np.testing.assert_array_equal(wash["nmc811-sulfate"], wash["lfp-sulfate"])  # common random numbers
    assert not np.isin(wash.loc["CN"].to_numpy(), wash.loc["NO"].to_numpy()).any()  # independent scenarios
    # lfp's own parameter is null in the sulfate rows, and the other way round
    sulfate = table[table.route == "nmc811-sulfate"]
    assert sulfate["units.calcine.carbon_residue"].isna().all()
    assert table.columns[-1] == "closure [-]"
    assert table.columns.get_loc("product [kg]") > table.columns.get_loc("units.calcine.carbon_residue")


def test_a_worker_killed_mid_study_loses_nothing(tmp_path, cluster):
    from distributed import Client

    study = _study(tmp_path, samples=8000, chunk=1000)
    expected = _run(study, tmp_path / "expected.parquet", "sync")
    with Client(cluster) as client:
        victim = next(iter(client.run(os.getpid).values()))
    killed = []

    def kill_one_worker(done, total):
        if done and not killed:
            os.kill(victim, signal.SIGKILL)  # its tasks and the routes it held are made again elsewhere
            killed.append(victim)

    table = _run(study, tmp_path / "killed.parquet", cluster.scheduler_address, kill_one_worker)
    assert killed
    pd.testing.assert_frame_equal(_sorted(table), _sorted(expected))


def test_a_worker_that_cannot_see_the_parts_folder_sends_its_chunk_back(tmp_path):
    model = flowsheet.compile(load_route(ROUTES / "nmc811_m2cam.yaml"))
    (tmp_path / TOKEN).write_text("this run")
    part = tmp_path / "chunk.arrow"
    elsewhere = solve_part(model, (), 0, 10, 7, str(part), "another run")  # a remote worker sees another folder
    assert elsewhere.equals(run_chunk(model, (), 0, 10, 7))
    assert not part.exists()
    assert solve_part(model, (), 0, 10, 7, str(part), "this run") is None  # a local one writes it itself
    import pyarrow as pa

    assert pa.ipc.open_file(str(part)).read_all().equals(elsewhere)


def _bad_route(tmp_path, typo=True):
    bad = tmp_path / "bad.yaml"
    key = "temprature" if typo else "temperature"
    bad.write_text(f"extends: {ROUTES / 'nmc811_sulfate.yaml'}\nname: bad\nset:\n  units.calcine.{key}: 800 degC\n")
    return bad


def test_a_bad_route_fails_alone_no_table_is_written_and_the_study_resumes(tmp_path, monkeypatch):
    import flowsheet.study as module

    bad = _bad_route(tmp_path)
    study = _study(tmp_path, routes=("nmc811_sulfate.yaml", str(bad)), samples=2000)
    output = tmp_path / "out.parquet"
    outcome = run_study(study, output, "sync")
    assert [(Path(f.route).name, f.scenario, f.samples) for f in outcome.failures] == [
        ("bad.yaml", ((REGION, "CN"),), 2000),
        ("bad.yaml", ((REGION, "NO"),), 2000),
    ]
    assert "bad.yaml:4: units.calcine.temprature: unknown key" in outcome.failures[0].error
    assert outcome.output is None
    assert not output.exists()
    assert outcome.ran == 2 * 2
    assert len(list((tmp_path / "out.parquet.parts").glob("*.arrow"))) == 2 * 2
    without = _study(tmp_path, routes=("nmc811_sulfate.yaml",), samples=2000, name="without_bad")
    outcome = run_study(without, output, "sync")  # the bad route taken out: the table from the kept chunks alone
    assert (outcome.ran, outcome.reused, outcome.rows) == (0, 2 * 2, 2 * 2000)
    assert not (tmp_path / "out.parquet.parts").exists()
    output.unlink()
    run_study(study, output, "sync")  # the bad route back, still bad: the good chunks are solved again
    _bad_route(tmp_path, typo=False)  # mended: only its chunks run
    ran = []
    original = module.run_chunk
    monkeypatch.setattr(
        module, "run_chunk", lambda model, *rest: ran.append(model.route.name) or original(model, *rest)
    )
    outcome = run_study(read_study(study.path), output, "sync")
    assert not outcome.failures
    assert (outcome.ran, outcome.reused) == (2 * 2, 2 * 2)
    assert set(ran) == {"bad"}
    assert outcome.rows == len(pd.read_parquet(output)) == 2 * 2 * 2000
    assert not (tmp_path / "out.parquet.parts").exists()


def test_a_chunk_of_a_route_edited_since_is_solved_again(tmp_path):
    route = tmp_path / "variant.yaml"
    route.write_text(f"extends: {ROUTES / 'nmc811_sulfate.yaml'}\nname: variant\n")
    study = _study(tmp_path, routes=(str(route), str(_bad_route(tmp_path))), samples=1000)
    first = run_study(study, tmp_path / "out.parquet", "sync")  # the bad route fails: the variant's chunks wait
    assert (first.ran, len(first.failures)) == (2, 2)
    route.write_text(route.read_text() + "set:\n  units.calcine.temperature: 800 degC\n")
    _bad_route(tmp_path, typo=False)
    outcome = run_study(study, tmp_path / "out.parquet", "sync")
    assert not outcome.failures
    assert (outcome.ran, outcome.reused) == (2 * 2, 0)


def test_the_study_command_writes_its_table_or_says_what_failed(tmp_path, capsys):
    study = _study(tmp_path, routes=("nmc811_sulfate.yaml",), samples=500)
    assert main(["study", str(study.path), "--output", str(tmp_path / "t.parquet")]) == 0
    assert "1,000 rows; 2 chunks solved, 0 kept from before" in capsys.readouterr().out
    assert len(pd.read_parquet(tmp_path / "t.parquet")) == 1000
    bad = _study(tmp_path, routes=("nmc811_sulfate.yaml", str(_bad_route(tmp_path))), samples=500, name="with_bad")
    assert main(["study", str(bad.path), "--output", str(tmp_path / "u.parquet")]) == 1
    err = capsys.readouterr().err
    assert f"error: {tmp_path / 'bad.yaml'} [{REGION}=CN]: 500 samples:" in err
    assert "no table was written" in err
    assert not (tmp_path / "u.parquet").exists()
    assert main(["study", str(study.path), "--output", str(tmp_path / "t.parquet"), "--scheduler", "mpi"]) == 1
    assert "unknown scheduler 'mpi'" in capsys.readouterr().err
    assert main(["study", str(study.path), "--output", str(tmp_path)]) == 1
    assert "is a folder; name the file to write in it" in capsys.readouterr().err
    assert main(["study", str(tmp_path / "nowhere.yaml"), "--output", str(tmp_path / "v.parquet")]) == 1
    assert "nowhere.yaml" in capsys.readouterr().err


def test_sobol_indices_of_the_ishigami_function_are_its_known_ones():
    # Ishigami with a = 7, b = 0.1 on [-pi, pi]^3 (Ishigami and Homma 1990; Saltelli et al. 2008,
    # Global Sensitivity Analysis: The Primer, 4.3): V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2,
    # V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8, V13 = b^2 pi^8 (1/18 - 1/50), V3 = 0
    a, b = 7.0, 0.1
    variance = a**2 / 8 + b * np.pi**4 / 5 + b**2 * np.pi**8 / 18 + 0.5
    v1, v2, v13 = (1 + b * np.pi**4 / 5) ** 2 / 2, a**2 / 8, b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    known = {"x1": (v1, v1 + v13), "x2": (v2, v2), "x3": (0.0, v13)}  # S1, ST by variance: 0.3139, 0.4424, 0 ...

    def ishigami(u):
        x = -np.pi + 2 * np.pi * u
        return {"y": np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])}

    found = sobol_indices(ishigami, ["x1", "x2", "x3"], n=4096, seed=1).loc["y"]
    for name, (first, total) in known.items():
        assert abs(found.loc[name, "S1"] - first / variance) <= found.loc[name, "S1_conf"], name
        assert abs(found.loc[name, "ST"] - total / variance) <= found.loc[name, "ST_conf"], name
        assert 0 < found.loc[name, "ST_conf"] < 0.05, name  # intervals narrow enough to mean something


def test_an_interrupted_study_keeps_its_finished_chunks(tmp_path):
    study = _study(tmp_path, routes=("nmc811_m2cam.yaml",), samples=3000)

    def interrupt(done, total):
        if done >= 2000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_study(study, tmp_path / "out.parquet", "sync", interrupt)
    assert not (tmp_path / "out.parquet").exists()
    outcome = run_study(study, tmp_path / "out.parquet", "sync")
    assert (outcome.ran, outcome.reused) == (2 * 3 - 2, 2)
    assert outcome.rows == 2 * 3000


def test_a_scheduler_nobody_runs_is_a_clear_error(tmp_path, capsys):
    import dask

    study = _study(tmp_path, routes=("nmc811_m2cam.yaml",), samples=10)
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        assert (
            main(
                ["study", str(study.path), "--output", str(tmp_path / "t.parquet"), "--scheduler", "tcp://127.0.0.1:9"]
            )
            == 1
        )
    err = capsys.readouterr().err
    assert "no Dask scheduler answers at tcp://127.0.0.1:9" in err
    assert "dask worker tcp://127.0.0.1:9" in err
    assert not (tmp_path / "t.parquet").exists()


def test_sobol_indices_refuse_an_output_that_is_not_finite():
    from flowsheet.errors import FlowsheetError

    with pytest.raises(FlowsheetError, match=r"output 'ratio' is not finite at \d+ of 64 points"):
        # a ratio whose denominator reaches zero on half the points; 16 x (2 + 2) points in all
        sobol_indices(lambda u: {"ratio": np.where(u[:, 1] < 0.5, np.inf, u[:, 0])}, ["a", "b"], n=16)


def test_a_chunk_made_with_other_species_data_is_solved_again(tmp_path, monkeypatch):
    from tests.thermo.test_species_layers import _folder

    monkeypatch.setenv("FLOWSHEET_DATA", str(_folder(tmp_path)))  # a user's species folder, loaded by every route
    study = _study(tmp_path, routes=("nmc811_m2cam.yaml", str(_bad_route(tmp_path))), samples=1000)
    assert run_study(study, tmp_path / "out.parquet", "sync").ran == 2  # the bad route fails; two chunks wait
    table = tmp_path / "species" / "thermo" / "formation_enthalpy.csv"
    table.write_text(table.read_text().replace("-950.0", "-951.0"))  # the user edits a value
    _bad_route(tmp_path, typo=False)
    outcome = run_study(study, tmp_path / "out.parquet", "sync")
    assert (outcome.ran, outcome.reused) == (2 * 2, 0)


def test_a_worker_is_sent_the_routes_model_and_its_chunks_build_the_equations_once():
    # what a Dask worker receives: the pickled model, whose plans its first chunk builds and the next reuse
    import pickle

    model = pickle.loads(pickle.dumps(flowsheet.compile(load_route(ROUTES / "nmc811_sulfate.yaml"))))
    first = run_chunk(model, (), 0, 20, 7)
    plans = dict(model.plans.plans)
    assert len(plans) == 1
    second = run_chunk(model, (), 20, 20, 7)
    assert model.plans.plans == plans  # the same plan object, not rebuilt
    assert first.num_rows == second.num_rows == 20
