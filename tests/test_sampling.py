"""Monte Carlo and sweeps: vectorised results equal one-at-a-time solves; distributions read with units."""

import json
from pathlib import Path

import numpy as np
import pytest

import flowsheet
from flowsheet.batch import solve_route
from flowsheet.cli import main
from flowsheet.errors import FlowsheetError, RouteFileError, SolveError, UnitError
from flowsheet.route_file import load_route
from flowsheet.sampling import evaluate, parameter_column, sample, sensitivity, sweep
from flowsheet.uncertainty import convert

ROUTE = Path(__file__).parents[1] / "routes" / "nmc811_sulfate.yaml"
ROUTE_UNCERTAIN = load_route(ROUTE).uncertain


@pytest.fixture(scope="module")
def route():
    return load_route(ROUTE)


def _si(route, frame):
    """The sampled parameters of a frame (in route-file units) back in SI, by path."""
    return {
        path: convert(frame[parameter_column(path, d.unit)].to_numpy(), d.unit, d.storage)
        for path, d in route.uncertain.items()
    }


def _override(path, value):
    unit = ROUTE_UNCERTAIN[path].storage
    return f"{float(value)!r} {unit}" if unit else float(value)


def test_a_batch_equals_the_same_samples_evaluated_one_at_a_time(route):
    drawn = _si(route, sample(route, n=40, seed=3))
    batch = evaluate(route, drawn)
    for i in (0, 17, 39):
        single = evaluate(route, {path: v[i : i + 1] for path, v in drawn.items()})
        for name, values in batch.items():
            assert values[i] == pytest.approx(single[name][0], rel=1e-12, abs=1e-15), (i, name)


def test_vectorised_samples_equal_routes_rebuilt_with_each_samples_values(route):
    # a sampled unit is decomposed in multilinear terms; a route loaded with the sample's values evaluates
    # its units directly. Flows agree to 1e-15; energy to 1e-10 because an adiabatic temperature inherits
    # the round-off of the NASA liquid-water polynomial (about 1e-9 K, terms of 1e7 cancelling to 1e3)
    frame = sample(route, n=6, seed=3)
    values = _si(route, frame)
    for i in range(len(frame)):
        overrides = {path: _override(path, values[path][i]) for path in route.uncertain}
        single = solve_route(load_route(ROUTE, overrides=overrides))["kpis"]
        for name, value in single.items():
            column = next(c for c in frame.columns if c.startswith(f"{name} ["))
            tolerance = 1e-10 if name.startswith(("energy", "co2e")) else 1e-12
            assert frame[column][i] == pytest.approx(value["value"], rel=tolerance, abs=1e-12), (i, name)


def test_sweep_is_the_cartesian_product_and_matches_single_solves(route):
    grid = {"units.calcine.temperature": ["750 degC", "850 degC"], "units.filter.wash_ratio": ["3 L/kg", "8 L/kg"]}
    frame = sweep(route, grid)
    assert len(frame) == 4
    single = solve_route(
        load_route(ROUTE, overrides={"units.calcine.temperature": "850 degC", "units.filter.wash_ratio": "8 L/kg"})
    )["kpis"]
    # parameters are reported in the units the grid writes them in
    hot = np.isclose(frame["units.calcine.temperature [degC]"], 850.0)
    row = frame[hot & np.isclose(frame["units.filter.wash_ratio [L/kg]"], 8.0)]
    assert row["energy_total [MJ]"].item() == pytest.approx(single["energy_total"]["value"], rel=1e-12)
    assert row["water_fresh [kg]"].item() == pytest.approx(single["water_fresh"]["value"], rel=1e-12)


def test_same_seed_same_samples(route):
    first, again, other = sample(route, 50, seed=7), sample(route, 50, seed=7), sample(route, 50, seed=8)
    assert first.equals(again)
    assert not first.equals(other)


def test_distributions_stay_in_their_ranges(route):
    frame = sample(route, 2000, seed=0)
    wash = frame["units.filter.wash_ratio [L/kg]"]  # as the route file writes it
    assert wash.min() >= 3 - 1e-9
    assert wash.max() <= 10 + 1e-9
    hours = frame["units.precipitate.residence_time [h]"]
    # the route's co-precipitation residence time: triangular on 3, 12, 20 h
    assert 3 - 1e-9 <= hours.min()
    assert hours.max() <= 20 + 1e-9
    # a triangular (a, b, c) distribution has mean (a + b + c) / 3
    assert hours.mean() == pytest.approx((3 + 12 + 20) / 3, rel=0.01)


def test_rank_correlation_finds_the_wash_ratio_behind_fresh_water(route):
    frame = sample(route, 500, seed=1)
    correlations = sensitivity(frame, list(frame.columns[: len(route.uncertain)]))
    assert correlations.loc["units.filter.wash_ratio [L/kg]", "water_fresh [kg]"] > 0.95
    assert abs(correlations.loc["units.precipitate.residence_time [h]", "water_fresh [kg]"]) < 0.2
    # lead time: the precipitation's 3-20 h spread outweighs the kiln's 18-24 h (variances 12.1 and 3 h2)
    assert correlations.loc["units.precipitate.residence_time [h]", "lead_time [d]"] > 0.8


def test_samples_beyond_one_chunk_are_all_solved(route):
    values = {"units.filter.wash_ratio": np.full(25_000, 0.005)}
    kpis = evaluate(route, values)  # three chunks of at most 10,000
    assert kpis["water_fresh"].shape == (25_000,)
    assert np.ptp(kpis["water_fresh"]) == pytest.approx(0.0, abs=1e-9)


def test_the_chunks_of_a_study_share_their_units_terms_and_give_what_one_chunk_gives(monkeypatch):
    # the terms are decomposed over the study's whole range once, not over each chunk's own range
    import flowsheet.sampling as sampling

    route = flowsheet.load_route(ROUTE)  # its own: what other tests built is not counted

    generator = np.random.default_rng(4)
    values = {
        "units.filter.wash_ratio": generator.uniform(0.003, 0.010, 900),
        "units.filter.cake_moisture": generator.uniform(0.15, 0.3, 900),
        "units.calcine.lithium_ratio": generator.uniform(1.01, 1.06, 900),
    }
    whole = evaluate(route, values)
    monkeypatch.setattr(sampling, "CHUNK", 100)
    model = flowsheet.compile(route, vary=list(values))
    chunked = evaluate(model, values)
    assert sorted(unit for unit, _ in model.plans.sampled) == ["calcine", "filter"]  # one entry each, nine chunks
    for name, column in whole.items():
        np.testing.assert_allclose(chunked[name], column, rtol=1e-12, atol=1e-12 * np.abs(column).max(), err_msg=name)


def test_a_sample_outside_what_a_unit_accepts_is_named(route):
    with pytest.raises(
        UnitError,
        match=r"filter expects values the unit accepts, got 'filter.cake_moisture = 1.2': cake_moisture: must be",
    ):
        evaluate(route, {"units.filter.cake_moisture": np.array([0.2, 1.2])})


def test_a_bad_sample_in_a_later_chunk_is_refused_before_any_chunk_is_solved(route, monkeypatch):
    import flowsheet.sampling as sampling

    monkeypatch.setattr(sampling, "CHUNK", 3)
    solved = []
    monkeypatch.setattr(flowsheet.Model, "solve_si", lambda *args, **kwargs: solved.append(args))
    moisture = np.array([0.2, 0.25, 0.3, 0.2, 0.22, 0.24, 0.2, 1.2])  # the last chunk holds the bad one
    with pytest.raises(UnitError, match=r"filter.cake_moisture = 1.2"):
        evaluate(route, {"units.filter.cake_moisture": moisture})
    assert not solved


def test_a_sample_with_negative_flows_is_named_by_index(route):
    # a cake this wet needs more liquor than the slurry carries
    with pytest.raises(
        SolveError,
        match=r"sample 1 \(units.filter.cake_moisture = 0.99\): stream 'filter.filtrate->salt_crystallize.feed' "
        r"would carry -[\d.]+ mol/s of H2O\(l\)",
    ):
        evaluate(route, {"units.filter.cake_moisture": np.array([0.2, 0.99])})


FIXED_KILN = {"capacity_exponent": 0.835, "sagger_ratio": 1.32, "surface_emissivity": 0.883}


def test_a_route_without_uncertain_parameters(tmp_path):
    path = tmp_path / "plain.yaml"
    parent = Path(__file__).parents[1] / "routes" / "nmc811_m2cam.yaml"
    path.write_text(
        f"extends: {parent}\nname: plain\nset:\n  units.fire.residence_time: 20 h\n"
        + "".join(f"  units.fire.{name}: {value}\n" for name, value in FIXED_KILN.items()),
        encoding="utf-8",
    )
    plain = load_route(path)
    with pytest.raises(FlowsheetError, match="no uncertain parameters"):
        sample(plain, 10)


def test_bad_distributions_are_reported_at_their_line(tmp_path):
    base = ROUTE.read_text(encoding="utf-8")
    wrong_unit = base.replace("range: [3 L/kg, 10 L/kg]", "range: [3 kg, 10 kg]")
    (tmp_path / "wrong.yaml").write_text(wrong_unit, encoding="utf-8")
    with pytest.raises(RouteFileError) as caught:
        load_route(tmp_path / "wrong.yaml")
    line = next(i for i, text in enumerate(wrong_unit.splitlines(), 1) if "range: [3 kg, 10 kg]" in text)
    assert str(caught.value).startswith(f"{tmp_path / 'wrong.yaml'}:{line}: units.filter.wash_ratio")
    outside = base.replace("{value: 5 L/kg, range: [3 L/kg, 10 L/kg]}", "{value: 12 L/kg, range: [3 L/kg, 10 L/kg]}")
    (tmp_path / "outside.yaml").write_text(outside, encoding="utf-8")
    with pytest.raises(RouteFileError, match=r"expects a value within its range, got .12 L/kg.: lies outside"):
        load_route(tmp_path / "outside.yaml")


def test_cli_sweep_prints_percentiles_and_drivers(capsys, tmp_path):
    assert (
        main(["sweep", str(ROUTE), "--samples", "300", "--seed", "2", "--format", "json", "--output", str(tmp_path)])
        == 0
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["samples"] == 300
    assert summary["seed"] == 2
    water = summary["kpis"]["water_fresh"]
    assert water["p5"] < water["p50"] < water["p95"]
    assert summary["drivers"]["water_fresh"][0]["parameter"] == "units.filter.wash_ratio [L/kg]"
    # parameters are described in the units the route file writes them in
    assert summary["parameters"]["units.filter.wash_ratio"] == {
        "kind": "range",
        "unit": "L/kg",
        "nominal": pytest.approx(5.0),
        "parameters": pytest.approx([3.0, 10.0]),
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "manifest.json",
        "nmc811-sulfate-samples.csv",
        "nmc811-sulfate-sweep.json",
    ]


def test_a_rate_basis_labels_and_scales_every_kpi_per_hour(route):
    # 50 kt/yr is 50e6 kg / (365.25 * 24 h) = 5703.6 kg/h of CAM: every mass and freight figure per kg,
    # times that, per hour; every energy per kg times the rate in kg/s, in kW (MW x 1000)
    kg_per_hour = 50e6 / (365.25 * 24)
    per_hour = sample(route, n=2, basis="50 kt/yr")
    per_kg = evaluate(route, _si(route, per_hour))
    assert per_hour["product [kg/h]"].to_numpy() == pytest.approx(kg_per_hour, rel=1e-12)
    for name, unit, factor in [
        ("water_fresh", "kg/h", kg_per_hour),
        ("co2e", "kg CO2e/h", kg_per_hour),
        ("freight", "t*km/h", kg_per_hour),
        ("energy_total", "kW", kg_per_hour / 3600 * 1000),
    ]:
        assert per_hour[f"{name} [{unit}]"].to_numpy() == pytest.approx(per_kg[name] * factor, rel=1e-9), name


@pytest.mark.parametrize("basis", ["1 MJ", "-1 kg"])
def test_sampling_refuses_a_bad_basis_as_the_solver_does(route, basis):
    with pytest.raises(UnitError, match="basis expects a positive mass or mass rate"):
        evaluate(route, {"units.filter.wash_ratio": np.array([0.005])}, basis=basis)


@pytest.mark.parametrize(
    ("value", "words"),
    [(np.array(0.005), "shape ()"), (np.array([[0.005]]), "shape (1, 1)"), (np.array([]), "shape (0,)"),
     (np.array([0.005, np.nan]), "shape (2,)")],
)  # fmt: skip
def test_evaluate_refuses_values_that_are_not_one_finite_number_per_sample(route, value, words):
    with pytest.raises(UnitError, match=r"units.filter.wash_ratio expects one finite value per sample") as caught:
        evaluate(route, {"units.filter.wash_ratio": value})
    assert words in str(caught.value)


def test_progress_is_reported_after_every_chunk(route, monkeypatch):
    import flowsheet.sampling as sampling

    whole = sample(route, n=20, seed=1)
    monkeypatch.setattr(sampling, "CHUNK", 7)
    seen = []
    frame = sample(route, n=20, seed=1, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(7, 20), (14, 20), (20, 20)]
    np.testing.assert_allclose(frame.to_numpy(), whole.to_numpy(), rtol=1e-12)  # chunks change nothing


def test_the_command_line_draws_a_progress_bar_only_on_a_terminal(capsys, monkeypatch):
    assert main(["sweep", str(ROUTE), "--samples", "50"]) == 0
    assert capsys.readouterr().err == ""  # not a terminal: nothing but the table
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert main(["sweep", str(ROUTE), "--samples", "50"]) == 0
    assert "50 samples" in capsys.readouterr().err


def test_cli_sweep_adds_sobol_indices_with_their_intervals(capsys):
    assert main(["sweep", str(ROUTE), "--samples", "50", "--sobol", "256", "--format", "json"]) == 0
    sobol = json.loads(capsys.readouterr().out)["sobol"]
    assert sobol["solves"] == 256 * (10 + 2)  # Saltelli's scheme without second order: N (P + 2)
    # fresh water moves with the wash ratio and nothing else of note: both its indices are near 1
    [wash, *rest] = sobol["kpis"]["water_fresh"]
    assert wash["parameter"] == "units.filter.wash_ratio [L/kg]"
    assert abs(wash["S1"] - 1) <= wash["S1_conf"] + 0.02
    assert abs(wash["ST"] - 1) <= wash["ST_conf"] + 0.02
    assert all(d["ST"] < 0.05 for d in rest)
    # the residence times move the lead time and nothing made in a plant
    times = ["units.precipitate.residence_time [h]", "units.calcine.residence_time [h]"]
    assert [d["parameter"] for d in sobol["kpis"]["lead_time"]] == times  # 12.1 h2 of variance against 3 h2
    assert all(d["parameter"] not in times for d in sobol["kpis"].get("sodium_sulfate", []))
    assert main(["sweep", str(ROUTE), "--samples", "50", "--sobol", "100"]) == 2
    assert "--sobol must be a power of 2" in capsys.readouterr().err
    assert main(["sweep", str(ROUTE), "--samples", "50", "--sobol", "64"]) == 0
    assert "Sobol indices from 768 solves" in capsys.readouterr().out  # 64 (10 + 2)


def test_sensitivity_ranks_ties_by_their_mean_rank():
    import pandas as pd

    # x = 1, 2, 2, 3 ranks (from 0) 0, 1.5, 1.5, 3; y = 1, 3, 2, 4 ranks 0, 2, 1, 3. Centred on 1.5:
    # x' = -1.5, 0, 0, 1.5 and y' = -1.5, 0.5, -0.5, 1.5; x'.y' = 4.5, |x'|^2 = 4.5, |y'|^2 = 5
    frame = pd.DataFrame({"x": [1.0, 2.0, 2.0, 3.0], "y": [1.0, 3.0, 2.0, 4.0], "flat": [7.0] * 4})
    found = sensitivity(frame, ["x"])
    assert found.loc["x", "y"] == pytest.approx(4.5 / np.sqrt(4.5 * 5), rel=1e-12)  # 0.9487
    assert found.loc["x", "flat"] == 0.0  # a constant column correlates with nothing


def test_sensitivity_equals_scipys_spearman_for_every_pair():
    import pandas as pd
    from scipy.stats import spearmanr

    generator = np.random.default_rng(3)
    a, b = generator.random(2_000), generator.integers(0, 4, 2_000).astype(float)  # b: many ties
    frame = pd.DataFrame({"a": a, "b": b, "sum": a + b, "rounded": np.round(a, 1), "noise": generator.random(2_000)})
    found = sensitivity(frame, ["a", "b"])
    for parameter in ("a", "b"):
        for kpi in ("sum", "rounded", "noise"):
            assert found.loc[parameter, kpi] == pytest.approx(
                spearmanr(frame[parameter], frame[kpi]).statistic, abs=1e-12
            )


def test_sensitivity_reports_progress_a_column_at_a_time():
    import pandas as pd

    frame = pd.DataFrame({"p": [1.0, 2.0, 3.0], "k1": [3.0, 2.0, 1.0], "k2": [1.0, 3.0, 2.0]})
    seen = []
    sensitivity(frame, ["p"], progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]  # the parameter's ranks, then each KPI's


def test_issue_22_the_sweep_shows_its_percentiles_and_drivers_as_a_stage(capsys, monkeypatch, tmp_path):
    # after the samples' bar, the summary runs under a bar of its own instead of a blank terminal,
    # and so does writing the samples' CSV
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert main(["sweep", str(ROUTE), "--samples", "50", "--output", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "50 samples" in err
    assert "percentiles and drivers" in err
    assert "writing 50 samples to CSV" in err


def test_issue_22_sweep_units_say_co2e_and_t_km_in_every_format(route, capsys):
    frame = sample(route, 20, seed=1)
    assert "co2e [kg CO2e]" in frame.columns
    assert "freight [t*km]" in frame.columns
    assert main(["sweep", str(ROUTE), "--samples", "20", "--format", "json"]) == 0
    kpis = json.loads(capsys.readouterr().out)["kpis"]
    assert kpis["co2e"]["unit"] == "kg CO2e"
    assert kpis["co2e_transport"]["unit"] == "kg CO2e"
    assert kpis["freight"]["unit"] == "t*km"
    assert main(["sweep", str(ROUTE), "--samples", "20", "--format", "csv"]) == 0
    rows = {line.split(",")[0]: line.split(",")[1] for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows["co2e"] == "kg CO2e"
    assert rows["water_fresh"] == "kg"


def test_issue_22_the_samples_csv_is_written_in_pieces_and_equals_the_whole(route, tmp_path, capsys):
    import hashlib

    from flowsheet.cli.routes import _csv_pieces

    frame = sample(route, 25, seed=2)
    whole = frame.to_csv(index=False).rstrip("\n")
    assert "".join(_csv_pieces(frame, rows=7)) == whole  # 7 + 7 + 7 + 4 rows, one header
    assert "".join(_csv_pieces(frame, rows=25)) == whole
    assert main(["sweep", str(ROUTE), "--samples", "25", "--seed", "2", "--output", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    written = (tmp_path / "out" / "nmc811-sulfate-samples.csv").read_bytes()
    assert written == (whole + "\n").encode("utf-8")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    [entry] = [f for f in manifest["files"] if f["file"] == "nmc811-sulfate-samples.csv"]
    assert entry["sha256"] == hashlib.sha256(written).hexdigest()
    assert entry["bytes"] == len(written)


def test_a_model_given_to_evaluate_must_vary_every_path_it_is_given(route):
    model = flowsheet.compile(route, vary=["units.filter.wash_ratio"])
    with pytest.raises(
        UnitError, match=r"units.filter.cake_moisture expects one of units.filter.wash_ratio.*is not varied"
    ):
        evaluate(model, {"units.filter.cake_moisture": np.array([0.2, 0.25])})
