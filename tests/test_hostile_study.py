"""Hostile study files and outputs: each ends in one located error or a stated, checked result.

Every case runs the command line, ``flowsheet study STUDY --output TABLE``, and checks its exit
status and what it says: never an internal error or a traceback, never an input overwritten,
never a line of a file the study may not read.
"""

import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from flowsheet.cli import main
from flowsheet.route_file.edits import allowed_folders
from flowsheet.study import (
    KEYS,
    MAX_CHUNK,
    MAX_CHUNKS,
    MAX_ROWS,
    MAX_RUNS,
    MAX_SAMPLES,
    MAX_SEED,
    StudyFileError,
    read_study,
)
from flowsheet.study.output import LOCK, holding
from tests.conftest import LONG, escapes_only_flowsheet_errors

ROUTES = Path(__file__).parents[1] / "routes"
SECRET = "password: hunter2-do-not-print"


@pytest.fixture
def folder(tmp_path):
    """A study's folder holding one fast route, ``r.yaml``, and a variant that extends it."""
    shutil.copy(ROUTES / "nmc811_m2cam.yaml", tmp_path / "r.yaml")
    (tmp_path / "v.yaml").write_text("extends: r.yaml\nname: variant\n", encoding="utf-8")
    return tmp_path


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def _refused(capsys, argv):
    """Run the command; it must exit 1 with one error and a hint, and no internal error. Return stderr."""
    status = main(["study", *map(str, argv)])
    err = capsys.readouterr().err
    assert status == 1, err
    assert "internal error" not in err, err
    assert "Traceback" not in err, err
    assert err.count("error: ") == 1, err
    return err


def _located(capsys, study, line, field, problem, output=None):
    err = _refused(capsys, [study, "--output", output or study.parent / "out.parquet"])
    where = f"{study}:{line}: {field}: " if field else f"{study}:{line}: "
    assert f"error: {where}" in err, err
    assert problem in err, err
    assert "\n  hint: " in err, err
    assert not (study.parent / "out.parquet").exists()
    return err


# -- data loss: the output never replaces an input -------------------------------------------------


@pytest.mark.parametrize("target", ["study.yaml", "r.yaml", "v.yaml"])
def test_an_output_naming_an_input_is_refused_and_the_inputs_stay_byte_for_byte(folder, capsys, target):
    study = _write(folder / "study.yaml", "routes: [v.yaml]\nsamples: 10\n")  # v.yaml extends r.yaml
    before = {name: (folder / name).read_bytes() for name in ("study.yaml", "r.yaml", "v.yaml")}
    err = _refused(capsys, [study, "--output", folder / target])
    assert f"--output {folder / target}: is an input of this command" in err
    assert {name: (folder / name).read_bytes() for name in before} == before
    assert not (folder / f"{target}.parts").exists()  # refused before anything was written


def test_an_output_named_another_way_is_still_the_input(folder, capsys):
    study = _write(folder / "study.yaml", "routes: [r.yaml]\nsamples: 10\n")
    os.link(folder / "r.yaml", folder / "hard.yaml")  # the same file under a second name
    before = (folder / "r.yaml").read_bytes()
    assert "is an input of this command" in _refused(capsys, [study, "--output", folder / "hard.yaml"])
    assert (folder / "r.yaml").read_bytes() == before


def test_a_route_inside_the_outputs_parts_folder_is_refused_not_emptied(folder, capsys):
    (folder / "out.parquet.parts").mkdir()
    shutil.copy(folder / "r.yaml", folder / "out.parquet.parts" / "r.yaml")
    before = (folder / "out.parquet.parts" / "r.yaml").read_bytes()
    study = _write(folder / "study.yaml", "routes: [out.parquet.parts/r.yaml]\nsamples: 10\n")
    err = _refused(capsys, [study, "--output", folder / "out.parquet"])
    assert "which the study empties once the table is written" in err
    assert (folder / "out.parquet.parts" / "r.yaml").read_bytes() == before


@pytest.mark.parametrize(
    ("output", "said"),
    [
        ("r.yaml/out.parquet", "r.yaml is a file, not a folder"),
        ("/proc/out.parquet", "is in a system folder"),
        (".", "is a folder; name the file to write in it"),
        ("out.parquet.parts", "is named like a study's folder of finished chunks (*.parts)"),
        ("sneaky", "sneaky.parts is a file, where the study keeps its finished chunks"),
        (".out.parquet.1234.tmp", "is a hidden temporary name"),
    ],
)
def test_an_output_where_a_table_cannot_go_is_refused_before_any_work(folder, capsys, output, said):
    _write(folder / "sneaky.parts", "a file where the parts folder would be\n")
    study = _write(folder / "study.yaml", "routes: [r.yaml]\nsamples: 10\n")
    target = output if output.startswith("/") else folder / output
    assert said in _refused(capsys, [study, "--output", target])
    assert (folder / "sneaky.parts").read_text() == "a file where the parts folder would be\n"


# -- leaks: a study reads routes only where extends may -------------------------------------------


@pytest.fixture
def secret(tmp_path_factory):
    """A YAML file outside every folder a study may read, holding a line nobody may see."""
    outside = tmp_path_factory.mktemp("elsewhere")
    return _write(outside / "secret.yaml", f"{SECRET}\napi_key: abc123-do-not-print\n")


@pytest.mark.parametrize("given", ["absolute", "relative", "glob", "link"])
def test_a_route_outside_the_studys_folders_is_not_read_nor_echoed(folder, capsys, secret, given):
    assert not any(secret.resolve().is_relative_to(root) for root in allowed_folders())
    (folder / "link.yaml").symlink_to(secret)  # inside the folder by name, outside by where it leads
    listed = {
        "absolute": str(secret),
        "relative": os.path.relpath(secret, folder),
        "glob": str(secret.parent / "*.yaml"),
        "link": "link.yaml",
    }[given]
    study = _write(folder / "study.yaml", f"routes: ['{listed}']\nsamples: 10\n")
    err = _located(capsys, study, 1, "routes[0]", "reaches outside the study's folder and the allowed folders")
    assert "hunter2" not in err
    assert "api_key" not in err
    assert "password" not in err
    if given == "glob":
        assert "secret.yaml" not in err  # a glob's matches outside are not named either


def test_a_route_in_a_folder_listed_in_the_route_path_is_read(folder, capsys, secret, monkeypatch):
    monkeypatch.setenv("FLOWSHEET_ROUTE_PATH", str(secret.parent))
    study = _write(folder / "study.yaml", f"routes: ['{secret}']\nsamples: 10\n")
    assert read_study(study).routes == (str(secret),)  # allowed now; loading it is the route's own check


# -- bounds: the size of a study is checked before anything is allocated --------------------------


def test_samples_beyond_the_bound_are_refused_at_their_line(folder, capsys):
    study = _write(folder / "study.yaml", f"routes: [r.yaml]\nsamples: {10**12}\n")
    _located(capsys, study, 2, "samples", f"expects a whole number from 1 to {MAX_SAMPLES:,}, got '{10**12}'")


def test_a_grid_of_a_hundred_million_scenarios_is_refused_before_it_is_made(folder, capsys):
    values = ", ".join(f"{i} degC" for i in range(100))
    grid = "".join(f"  units.u{k}.temperature: [{values}]\n" for k in range(4))
    study = _write(folder / "study.yaml", f"routes: [r.yaml]\ngrid:\n{grid}samples: 10\n")
    scenarios = 100**4  # every combination of four lists of 100
    err = _located(capsys, study, 2, "grid", f"1 routes x {scenarios:,} scenarios = {scenarios:,} route loads")
    assert f"over {MAX_RUNS:,}" in err
    assert "split it" in err


def test_rows_beyond_the_bound_say_how_many_samples_fit(folder, capsys):
    study = _write(folder / "study.yaml", f"routes: [r.yaml, v.yaml]\nsamples: {MAX_SAMPLES}\nchunk: {MAX_CHUNK}\n")
    rows = 2 * MAX_SAMPLES  # two routes, one scenario
    err = _located(capsys, study, 2, "samples", f"= {rows:,} rows, over {MAX_ROWS:,}")
    assert f"at most {MAX_ROWS // 2:,} here" in err


def test_chunks_beyond_the_bound_say_the_least_chunk_that_fits(folder, capsys):
    samples = 10**8
    study = _write(folder / "study.yaml", f"routes: [r.yaml]\nsamples: {samples}\nchunk: 1\n")
    err = _located(capsys, study, 3, "chunk", f"{samples:,} chunks in all, over {MAX_CHUNKS:,}")
    assert f"chunk: {math.ceil(samples / MAX_CHUNKS):,} or more" in err  # 1,000


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (f"seed: {MAX_SEED + 1}", f"expects a whole number from 0 to {MAX_SEED:,}"),
        ("seed: -1", "expects a whole number from 0 to"),
        ("seed: 1.5", "got '1.5'"),
        ("seed: " + "9" * 5000, "is a number too long to read"),
        ("chunk: 100000000000", f"expects a whole number from 1 to {MAX_CHUNK:,}"),
        ("chunk: 0", "expects a whole number from 1 to"),
        ("samples: true", "got 'True'"),
        ("samples: 1e6", "got '1e6'"),
    ],
)
def test_a_number_out_of_its_bounds_is_refused_at_its_line(folder, capsys, line, problem):
    study = _write(folder / "study.yaml", f"routes: [r.yaml]\n{line}\n")
    _located(capsys, study, 2, line.split(":")[0], problem)


def test_a_chunk_larger_than_the_samples_solves_them_in_one(folder, capsys):
    study = _write(folder / "study.yaml", "routes: [r.yaml]\nsamples: 10\nchunk: 1000\n")
    assert read_study(study).chunks == [(0, 10)]  # min(chunk, samples)
    assert main(["study", str(study), "--output", str(folder / "out.parquet")]) == 0
    assert "10 rows; 1 chunks solved" in capsys.readouterr().out
    assert pd.read_parquet(folder / "out.parquet")["sample"].tolist() == list(range(10))


def test_a_route_named_twice_is_read_once(folder):
    (folder / "sub").mkdir()
    study = _write(folder / "study.yaml", "routes: [r.yaml, ./r.yaml, sub/../r.yaml, 'r*.yaml']\n")
    assert [Path(route).resolve() for route in read_study(study).routes] == [(folder / "r.yaml").resolve()]


# -- odd values: each one error at its line ------------------------------------------------------


GRID = "units.calcine.temperature"


@pytest.mark.parametrize(
    ("text", "line", "field", "problem"),
    [
        ('grid:\n  "a\\nb..c": [1]\n', 3, "grid.a\\nb..c", "is not a dotted path"),
        ("grid:\n  sample: [1]\n", 3, "grid.sample", "names the table's 'sample' column"),
        (f"grid:\n  {GRID}: [null]\n", 3, f"grid.{GRID}[0]", "is empty (null)"),
        (f"grid:\n  {GRID}: [.nan]\n", 3, f"grid.{GRID}[0]", "holds a number that is not finite"),
        (f"grid:\n  {GRID}: [{{a: .inf}}]\n", 3, f"grid.{GRID}[0]", "holds a number that is not finite"),
        (f"grid:\n  {GRID}: ['{'x' * 1000}']\n", 3, f"grid.{GRID}[0]", "is over 200 characters as text (1,000)"),
        (f"grid:\n  {GRID}: [{', '.join(['800 degC'] * 50_000)}]\n", 3, f"grid.{GRID}[1]", "(49,998 more values"),
        (f"grid:\n  {GRID}: 800 degC\n", 3, f"grid.{GRID}", "expects a non-empty list of values"),
        (f"grid:\n  {GRID}: []\n", 3, f"grid.{GRID}", "expects a non-empty list of values"),
        ("grid: [1, 2]\n", 2, "grid", "expects a mapping of dotted paths"),
        ("grid:\n" + "".join(f"  units.u{i}.t: [1]\n" for i in range(101)), 2, "grid", "has 101 paths, over 100"),
        ("x" * 500 + ": 1\n", 2, "x" * 39 + "…", "is not a study key"),
        ("sampels: 10\n", 2, "sampels", "is not a study key"),
    ],
    ids=lambda case: repr(case)[:30],
)
def test_an_odd_grid_or_key_is_one_error_at_its_line(folder, capsys, text, line, field, problem):
    study = _write(folder / "study.yaml", f"routes: [r.yaml]\n{text}")
    _located(capsys, study, line, field, problem)


def test_a_thousand_and_one_matches_are_one_error(folder, capsys):
    (folder / "many").mkdir()
    for i in range(1001):
        (folder / "many" / f"{i}.yaml").write_text("name: x\n")
    study = _write(folder / "study.yaml", "routes: ['many/*.yaml']\n")
    _located(capsys, study, 1, "routes[0]", "'many/*.yaml' matches over 1,000 files")


@pytest.mark.parametrize(
    ("listed", "problem"),
    [
        ("sub", "'sub' names a folder"),
        ("fifo.yaml", "'fifo.yaml' is not a regular file"),
        ('"r\\0.yaml"', "'r\\x00.yaml' is not a usable path"),
        ("a" * 5000, "is not a usable path"),
        ("missing_*.yaml", "no route file matches 'missing_*.yaml'"),
        ("3", "expects the path of a route file, or a glob"),
        ("''", "expects the path of a route file, or a glob"),
    ],
)
def test_a_route_entry_that_is_not_a_route_file_is_one_error(folder, capsys, listed, problem):
    (folder / "sub").mkdir()
    os.mkfifo(folder / "fifo.yaml")  # never opened: a read would wait for a writer forever
    study = _write(folder / "study.yaml", f"routes: [{listed}]\n")
    _located(capsys, study, 1, "routes[0]", problem)


@pytest.mark.parametrize(
    ("content", "line", "problem"),
    [
        ("routes: [r.yaml]\n# caf\xe9\n".encode("latin-1"), 2, "is not UTF-8 text (byte 0xe9)"),
        (b"routes: [r.yaml]\x00\n", 1, "is binary"),
        (b"- r.yaml\n", 1, "must be a mapping of keys (routes:, grid:, samples:, ...)"),
        (b"", 1, "is empty"),
        (b"routes: &a [r.yaml]\ngrid: *a\n", 2, "YAML aliases"),
        (b"routes: [r.yaml\n", 2, "is not valid YAML"),
    ],
)
def test_a_study_file_that_is_not_a_study_is_one_error(folder, capsys, content, line, problem):
    study = folder / "study.yaml"
    study.write_bytes(content)
    _located(capsys, study, line, "", problem)


@pytest.mark.parametrize("kind", ["fifo", "folder", "missing"])
def test_a_study_that_is_not_a_regular_file_is_refused_unopened(folder, capsys, kind):
    study = folder / "study.yaml"
    {"fifo": lambda: os.mkfifo(study), "folder": study.mkdir, "missing": lambda: None}[kind]()
    err = _refused(capsys, [study, "--output", folder / "out.parquet"])
    said = {"fifo": "is not a regular file", "folder": "is a folder", "missing": "no such file"}[kind]
    assert f"error: {study}: {said}" in err


def test_a_grid_path_that_would_share_a_parameters_column_is_refused(tmp_path, capsys):
    # cake_moisture is dimensionless: its sampled column is named by its path alone, as the grid's is
    study = _write(
        tmp_path / "study.yaml",
        f"routes: [{ROUTES / 'nmc811_sulfate.yaml'}]\ngrid:\n"
        "  units.filter.cake_moisture: [{value: 0.2, range: [0.1, 0.2]}, {value: 0.2, range: [0.2, 0.3]}]\n"
        "samples: 10\n",
    )
    err = _refused(capsys, [study, "--output", tmp_path / "out.parquet"])
    assert f"{study}:2: grid.units.filter.cake_moisture: makes" in err
    assert "the same in 1 more scenario(s)" in err  # two scenarios, one error said once
    assert not (tmp_path / "out.parquet").exists()


@pytest.mark.parametrize("scheduler", ["tcp://notahost:abc", "tcp://", "tcp://[::1", "tcp://host:0", "mpi"])
def test_a_scheduler_address_that_cannot_be_one_is_refused_before_any_work(folder, capsys, scheduler):
    study = _write(folder / "study.yaml", "routes: [r.yaml]\nsamples: 10\n")
    err = _refused(capsys, [study, "--output", folder / "out.parquet", "--scheduler", scheduler])
    assert f"unknown scheduler {scheduler!r}: give sync, processes or tcp://host:port" in err
    assert not (folder / "out.parquet.parts").exists()


def test_a_file_of_the_users_in_the_parts_folder_outlives_the_study(folder, capsys):
    (folder / "out.parquet.parts").mkdir()
    _write(folder / "out.parquet.parts" / "notes.txt", "mine\n")
    study = _write(folder / "study.yaml", "routes: [r.yaml]\nsamples: 10\n")
    assert main(["study", str(study), "--output", str(folder / "out.parquet")]) == 0
    assert sorted(p.name for p in (folder / "out.parquet.parts").iterdir()) == ["notes.txt"]  # chunks, token gone
    assert (folder / "out.parquet.parts" / "notes.txt").read_text() == "mine\n"


# -- two runs on one output ----------------------------------------------------------------------


def test_a_second_run_on_the_same_output_is_told_another_holds_it(folder, capsys):
    study = _write(folder / "study.yaml", "routes: [r.yaml]\nsamples: 10\n")
    output = folder / "out.parquet"
    with holding(folder / "out.parquet.parts", output):
        err = _refused(capsys, [study, "--output", output])
    assert f"--output {output}: another run of a study is writing it (process '{os.getpid()} on" in err
    assert main(["study", str(study), "--output", str(output)]) == 0  # released: the next run goes
    assert not (folder / "out.parquet.parts").exists()


def test_a_lock_left_by_a_killed_run_is_taken_over(folder, capsys):
    study = _write(folder / "study.yaml", "routes: [r.yaml]\nsamples: 10\n")
    output = folder / "out.parquet"
    hold = (
        "import sys, time\nfrom pathlib import Path\nfrom flowsheet.study.output import holding\n"
        f"with holding(Path({str(folder / 'out.parquet.parts')!r}), 'x'):\n"
        "    print('held', flush=True)\n    time.sleep(120)\n"
    )
    with subprocess.Popen([sys.executable, "-c", hold], stdout=subprocess.PIPE, text=True) as runner:
        try:
            assert runner.stdout.readline().strip() == "held"
            assert f"(process '{runner.pid} on" in _refused(capsys, [study, "--output", output])
        finally:
            runner.kill()  # SIGKILL: no clean-up runs; the lock file stays
            runner.wait()
    assert (folder / "out.parquet.parts" / LOCK).exists()
    assert main(["study", str(study), "--output", str(output)]) == 0
    assert len(pd.read_parquet(output)) == 10
    assert not (folder / "out.parquet.parts").exists()


# -- fuzz: only a FlowsheetError escapes read_study -------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_folder(tmp_path_factory):
    """A study folder with a route file, a sub-folder, a FIFO and a link leading out."""
    base = tmp_path_factory.mktemp("fuzz")
    (base / "r.yaml").write_text("name: r\n")
    (base / "sub").mkdir()
    (base / "sub" / "s.yaml").write_text("name: s\n")
    os.mkfifo(base / "fifo.yaml")
    (base / "out.yaml").symlink_to("/etc/hostname")
    return base


PATTERNS = ["r.yaml", "*.yaml", "sub", "sub/*", "**/*.yaml", "../*", "/etc/passwd", "[", "fifo.yaml", "out.yaml", ""]
PATH_TEXT = st.text(alphabet="ab.[]_ *\n\x00·", max_size=12)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.sampled_from([0, 1, 10**9, 10**12, MAX_SEED + 1])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(PATTERNS)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)
GRIDS = st.dictionaries(PATH_TEXT | st.sampled_from(["sites.a.region", "sample", "route"]), VALUES, max_size=4) | VALUES


@st.composite
def studies(draw):
    """A study file's data: its keys (and others) with values of every kind, globs and grid shapes."""
    data = {}
    hostile = draw(st.booleans())  # half the files hostile in any key; the others mostly well formed
    patterns = st.lists(st.sampled_from(["r.yaml", "sub/*", "./r.yaml"]), min_size=1, max_size=3)
    data["routes"] = draw(
        st.lists(st.sampled_from(PATTERNS) | st.text(max_size=10), max_size=4) | VALUES if hostile else patterns
    )
    paths = st.sampled_from(["sites.a.region", "units.b.temperature", "units.c.flows[LiOH·H2O]"])
    if draw(st.booleans()):
        grid = st.dictionaries(paths, st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=30, unique=True))
        data["grid"] = draw(GRIDS if hostile else grid)
    for key in ("samples", "seed", "chunk"):
        if draw(st.booleans()):
            data[key] = draw(st.integers(-5, 10**13) | VALUES if hostile else st.integers(1, 10**7))
    if hostile:
        keys = st.sampled_from([*KEYS, "sampels", "extends", "x" * 60])
        data.update(draw(st.dictionaries(keys, VALUES, max_size=2)))
    return data


def _check_accepted(study, folder):
    """A study that reads is within every bound and names only regular files where it may read."""
    assert 1 <= study.samples <= MAX_SAMPLES
    assert 0 <= study.seed <= MAX_SEED
    assert 1 <= study.chunk <= MAX_CHUNK
    assert study.rows <= MAX_ROWS
    roots = [folder.resolve(), *allowed_folders()]
    for route in study.routes:
        assert Path(route).is_file()
        assert any(Path(route).resolve().is_relative_to(r) for r in roots)


@given(studies())
def test_any_study_file_is_read_within_bounds_or_refused_clearly(fuzz_folder, data):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", dir=fuzz_folder, delete=False, encoding="utf-8") as file:
        yaml.safe_dump(data, file, allow_unicode=True)
    try:
        study = escapes_only_flowsheet_errors(lambda: read_study(file.name))
    finally:
        os.unlink(file.name)
    if study is not None:
        _check_accepted(study, fuzz_folder)


@given(st.binary(max_size=200 if not LONG else 2000))
def test_any_bytes_as_a_study_file_are_read_or_refused_clearly(fuzz_folder, content):
    with tempfile.NamedTemporaryFile("wb", suffix=".yaml", dir=fuzz_folder, delete=False) as file:
        file.write(b"routes: [r.yaml]\n" + content)
    try:
        study = escapes_only_flowsheet_errors(lambda: read_study(file.name))
    finally:
        os.unlink(file.name)
    if study is not None:
        _check_accepted(study, fuzz_folder)


def test_the_fuzz_folder_accepts_a_good_study_and_refuses_a_bad_one(fuzz_folder):
    """The fuzz above could pass by refusing everything: here a good file reads and a bad one does not."""
    good = _write(fuzz_folder / "good.yaml", "routes: [r.yaml]\nsamples: 10\n")
    assert escapes_only_flowsheet_errors(lambda: read_study(good)).routes == (str(fuzz_folder / "r.yaml"),)
    bad = _write(fuzz_folder / "bad.yaml", "routes: [r.yaml]\nsamples: 0\n")
    with pytest.raises(StudyFileError):
        read_study(bad)
