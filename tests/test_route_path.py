"""The route search path: a route named by ``extends`` or a study is found beside the file naming it,
then in each folder of ``FLOWSHEET_ROUTE_PATH``, then in the shipped routes, in a checkout and in an
installed wheel alike (issue 22, point 2)."""

import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from flowsheet.cli import main
from flowsheet.errors import RouteFileError
from flowsheet.route_file import edits, load_route
from flowsheet.study import read_study

ROOT = Path(__file__).resolve().parents[1]
ROUTES = ROOT / "routes"

TINY = """\
name: {name}
product: H2O(l)
feeds: {{water: {{flows: {{H2O(l): 1 mol/s}}}}, more: {{flows: {{H2O(l): 1 mol/s}}}}}}
products: {{out: {{kind: product}}}}
units: {{mix: {{type: mixer}}}}
streams: ["water -> mix.in1", "more -> mix.in2", "mix -> out"]
"""
"""A route that loads in milliseconds; its name tells which copy of a file was read."""


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """A user's folder outside the checkout, with no route path set."""
    monkeypatch.delenv("FLOWSHEET_ROUTE_PATH", raising=False)
    assert not tmp_path.resolve().is_relative_to(ROOT)
    return tmp_path


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _hint(caught):
    (line, field, problem, hint), *_ = caught.value.issues
    return line, field, problem, hint


def test_the_shipped_routes_are_this_checkouts_routes_folder():
    # run from a checkout (pytest's pythonpath is the clone), the package finds routes/ beside itself
    assert edits.SHIPPED == ROUTES
    assert edits.SHIPPED in edits.search_path(Path("anywhere"))


def test_issue_22_a_shipped_route_is_extended_by_name_from_any_folder(elsewhere):
    variant = _write(
        elsewhere / "mine.yaml",
        "extends: nmc622_sulfate.yaml\nname: mine\nset:\n  units.calcine.temperature: 900 degC\n",
    )
    route = load_route(variant)
    assert route.spec.name == "mine"
    # from the shipped nmc622 (its cathode), which extends the shipped nmc811 (the calciner itself)
    assert route.flowsheet.operation("calcine").product == "LiNi0.6Mn0.2Co0.2O2"
    assert route.flowsheet.operation("calcine").temperature == pytest.approx(900 + 273.15, abs=1e-9)


def test_issue_22_a_shipped_route_is_found_with_the_route_path_set_to_other_folders(elsewhere, monkeypatch):
    library = elsewhere / "library"
    library.mkdir()
    monkeypatch.setenv("FLOWSHEET_ROUTE_PATH", os.pathsep.join([str(library), str(elsewhere / "missing")]))
    variant = _write(elsewhere / "work" / "mine.yaml", "extends: nmc622_sulfate.yaml\nname: mine\n")
    assert load_route(variant).flowsheet.operation("calcine").temperature == pytest.approx(850 + 273.15, abs=1e-9)


def test_a_name_is_found_first_beside_the_file_then_on_the_route_path_then_shipped(elsewhere, monkeypatch):
    first, second = elsewhere / "first", elsewhere / "second"
    monkeypatch.setenv("FLOWSHEET_ROUTE_PATH", os.pathsep.join([str(first), str(second)]))
    work = elsewhere / "work"
    variant = _write(work / "v.yaml", "extends: nmc622_sulfate.yaml\n")
    # shipped only: the shipped route's name
    assert load_route(variant).spec.name == "nmc622-sulfate"
    # the second folder of the route path comes before the shipped routes ...
    _write(second / "nmc622_sulfate.yaml", TINY.format(name="second"))
    assert load_route(variant).spec.name == "second"
    # ... the first before the second ...
    _write(first / "nmc622_sulfate.yaml", TINY.format(name="first"))
    assert load_route(variant).spec.name == "first"
    # ... and the variant's own folder before them all
    _write(work / "nmc622_sulfate.yaml", TINY.format(name="beside"))
    assert load_route(variant).spec.name == "beside"


def test_a_route_named_as_its_parent_extends_the_next_file_of_that_name(elsewhere):
    # a user's own nmc811_sulfate.yaml that extends nmc811_sulfate.yaml: the shipped one, not itself
    mine = _write(elsewhere / "nmc811_sulfate.yaml", "extends: nmc811_sulfate.yaml\nname: my-811\n")
    route = load_route(mine)
    assert route.spec.name == "my-811"
    assert route.flowsheet.operation("calcine").product == "LiNi0.8Mn0.1Co0.1O2"


def test_a_route_that_extends_only_itself_is_refused_at_its_extends_line(elsewhere):
    path = _write(elsewhere / "alone.yaml", "name: alone\nextends: alone.yaml\n")
    with pytest.raises(RouteFileError) as caught:
        load_route(path)
    line, field, problem, hint = _hint(caught)
    assert (line, field, problem) == (2, "extends", "extends itself: alone.yaml -> alone.yaml")
    assert f"looked in {elsewhere.resolve()} (this file's folder), {ROUTES} (shipped routes)" in hint


def test_a_missing_parent_says_every_folder_it_looked_in_in_order(elsewhere, monkeypatch):
    library = elsewhere / "library"
    library.mkdir()
    monkeypatch.setenv("FLOWSHEET_ROUTE_PATH", os.pathsep.join([str(library), "/no/such/folder"]))
    path = _write(elsewhere / "work" / "v.yaml", "name: v\n\nextends: nmc622_sulfat.yaml\n")
    with pytest.raises(RouteFileError) as caught:
        load_route(path)
    line, field, problem, hint = _hint(caught)
    assert (line, field) == (3, "extends")
    assert (
        problem
        == "no route file 'nmc622_sulfat.yaml' in this route's folder, FLOWSHEET_ROUTE_PATH or the shipped routes"
    )
    looked = f"{(elsewhere / 'work').resolve()} (this file's folder), {library.resolve()} (FLOWSHEET_ROUTE_PATH), "
    assert hint.startswith(f"looked in {looked}{ROUTES} (shipped routes); ")
    assert "skipped FLOWSHEET_ROUTE_PATH entries that are not folders: '/no/such/folder'" in hint


def test_a_path_out_of_the_search_path_is_refused_unread_and_the_shipped_name_suggested(elsewhere):
    secret = _write(elsewhere / "private" / "nmc811_sulfate.yaml", "name: root:x:0:0\n")
    path = _write(elsewhere / "work" / "v.yaml", "extends: ../private/nmc811_sulfate.yaml\nname: v\n")
    with pytest.raises(RouteFileError) as caught:
        load_route(path)
    line, field, problem, hint = _hint(caught)
    assert (line, field) == (1, "extends")
    assert problem.startswith("names a file outside this route's folder")
    assert hint.startswith("the shipped routes hold 'nmc811_sulfate.yaml': extends: nmc811_sulfate.yaml; ")
    assert "root:x" not in str(caught.value)
    assert secret.read_text() == "name: root:x:0:0\n"


def test_issue_22_a_study_names_a_shipped_route_by_name_from_any_folder(elsewhere):
    study = _write(elsewhere / "study.yaml", "routes: [nmc622_sulfate.yaml, 'nmc*_m2cam.yaml']\nsamples: 10\n")
    found = read_study(study).routes
    # the first folder where a name or glob matches gives its files: here the shipped routes
    assert found == (str(ROUTES / "nmc622_sulfate.yaml"), str(ROUTES / "nmc811_m2cam.yaml"))


def test_a_study_prefers_a_route_beside_it_to_a_shipped_one(elsewhere):
    beside = _write(elsewhere / "nmc622_sulfate.yaml", TINY.format(name="beside"))
    study = _write(elsewhere / "study.yaml", "routes: [nmc622_sulfate.yaml]\nsamples: 10\n")
    assert read_study(study).routes == (str(beside),)


def test_a_study_naming_no_route_says_where_it_looked(elsewhere, capsys):
    study = _write(elsewhere / "study.yaml", "samples: 10\nroutes: [nowhere.yaml]\n")
    assert main(["study", str(study), "--output", str(elsewhere / "out.parquet")]) == 1
    err = capsys.readouterr().err
    assert f"{study}:2: routes[0]: no route file matches 'nowhere.yaml'" in err
    assert f"looked in {elsewhere.resolve()} (this file's folder), {ROUTES} (shipped routes)" in err


def test_every_shipped_route_checks(capsys):
    assert main(["check", str(ROUTES)]) == 0, capsys.readouterr().err


def _wheel(folder: Path) -> Path:
    """Build the package's wheel into `folder`, as ``pip install .`` does before installing it."""
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--quiet", "--wheel-dir", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = folder.glob("cathode_flowsheet-*.whl")
    return wheel


def test_issue_22_an_installed_wheel_extends_a_shipped_route_by_name(tmp_path, monkeypatch):
    monkeypatch.delenv("FLOWSHEET_ROUTE_PATH", raising=False)
    wheel = _wheel(tmp_path / "dist")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        # every shipped route, where the package looks for them (INSTALLED_ROUTES below the package)
        shipped = {f"flowsheet/{edits.INSTALLED_ROUTES}/{p.name}" for p in ROUTES.glob("*.yaml")}
        assert shipped <= names, sorted(shipped - names)
        # a pure-Python wheel is installed by unpacking it onto the path (its dependencies are this
        # environment's); run from a user's folder, away from the checkout
        archive.extractall(tmp_path / "site")
    user = _write(tmp_path / "user" / "mine.yaml", "extends: nmc622_sulfate.yaml\nname: mine\n").parent
    script = textwrap.dedent(
        """
        import flowsheet
        from flowsheet.route_file import edits, load_route
        print(flowsheet.__file__)
        print(edits.SHIPPED)
        print(load_route("mine.yaml").flowsheet.operation("calcine").product)
        """
    )
    environment = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    ran = subprocess.run(
        [sys.executable, "-c", script], cwd=user, env=environment, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    package, found, product = ran.stdout.split("\n")[:3]
    site = (tmp_path / "site").resolve()
    assert Path(package).is_relative_to(site)  # the installed copy ran, not the checkout
    assert Path(found) == site / "flowsheet" / edits.INSTALLED_ROUTES
    assert product == "LiNi0.6Mn0.2Co0.2O2"
