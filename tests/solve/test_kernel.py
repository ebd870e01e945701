"""The compiled kernel against the numpy path it replaces for large studies, and the closed forms through it."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowsheet import load_route, solve
from flowsheet.errors import SolveError
from flowsheet.solve import engine, kernel_cache
from flowsheet.solve.engine import solve_mass
from flowsheet.solve.model import parameter_unit
from flowsheet.uncertainty import convert
from tests.solve.test_mass import _crystalliser_loop, _loop
from tests.solve.test_mass import _washer_loop as washer_loop

ROUTES = Path(__file__).parents[2] / "routes"
SAMPLED = sorted(path for path in ROUTES.glob("*.yaml") if load_route(path).uncertain)
SAME = 1e-12
"""Largest difference allowed between the two paths, relative to each sample's largest flow."""


@pytest.fixture
def kernel_runs(monkeypatch):
    """Each run of the compiled kernel, by its status array, and the kernel forced for every study."""
    from flowsheet.solve import kernel

    runs = []
    compiled = kernel.evaluate

    def recorded(*arguments):
        found = compiled(*arguments)
        runs.append(found[3])
        return found

    monkeypatch.setattr(kernel, "evaluate", recorded)
    monkeypatch.setenv("FLOWSHEET_KERNEL", "compiled")
    return runs


def _both(sheet, values, samples=1):
    """The mass balance by numpy and by the kernel, for `values` ``{unit: {parameter: array}}`` in SI."""
    components = sheet.check()
    reference = solve_mass(sheet, components, values, samples, compiled=False)
    compiled = solve_mass(sheet, components, values, samples, compiled=True)
    return reference, compiled


def _assert_same(reference, compiled):
    assert compiled.flows.shape == reference.flows.shape
    scale = np.abs(reference.flows).max(axis=1, keepdims=True)
    assert np.all(np.abs(compiled.flows - reference.flows) <= SAME * scale)
    doses = np.abs(reference.doses).max(axis=1, keepdims=True) if reference.doses.size else 1.0
    assert np.all(np.abs(compiled.doses - reference.doses) <= SAME * np.maximum(doses, 1e-300))


def _drawn(route, count, seed):
    """Every uncertain parameter of the route drawn `count` times, ``{unit: {parameter: SI array}}``."""
    generator = np.random.default_rng(seed)
    values: dict[str, dict[str, np.ndarray]] = {}
    for path, distribution in route.uncertain.items():
        if not path.startswith("units."):
            continue
        drawn = distribution.draw(generator, count)
        unit, _, parameter = path.removeprefix("units.").partition(".")
        values.setdefault(unit, {})[parameter] = drawn
    return values


@pytest.mark.parametrize("path", SAMPLED, ids=lambda p: p.stem)
def test_the_kernel_equals_the_numpy_path_on_every_shipped_route(path):
    route = load_route(path)
    values = _drawn(route, 600, seed=len(path.stem))
    reference, compiled = _both(route.flowsheet, values)
    _assert_same(reference, compiled)
    assert compiled.iterations == reference.iterations


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(0.05, 0.6), min_size=1, max_size=40),
    st.lists(st.floats(0.0, 0.95), min_size=1, max_size=40),
)
def test_the_kernel_equals_the_numpy_path_on_random_washer_loops(moistures, recycles):
    # the nonlinear washer in its own loop: the kernel iterates it sample by sample
    count = max(len(moistures), len(recycles))
    moisture = np.resize(np.array(moistures), count)
    recycle = np.resize(np.array(recycles), count)
    sheet = _washer_loop()
    values = {
        "filter": {"cake_moisture": moisture},
        "split": {"fractions.recycle": recycle, "fractions.purge": 1 - recycle},
    }
    reference, compiled = _both(sheet, values)
    _assert_same(reference, compiled)


def _washer_loop():
    return washer_loop(1.0, 100.0, 1.0, 0.2, 0.5)


def test_the_washer_loop_closed_form_holds_through_the_kernel(kernel_runs):
    # as tests/solve/test_mass.py derives: m = (m0 - r L) / (1 - r), f = L / m, S = S0 / (1 - r (1 - f))
    from tests.conftest import NA, NI, H, O, S

    water = 2 * H + O
    recycle = np.array([0.0, 0.3, 0.5, 0.8])
    held = (NI + 2 * O + 2 * H) / 1000 * 0.2 / 0.8
    m0 = (100 * water + (2 * NA + S + 4 * O)) / 1000
    fraction = held / ((m0 - recycle * held) / (1 - recycle))
    salt = 1 / (1 - recycle * (1 - fraction))
    results = solve(
        _washer_loop(),
        "1 kg",
        "Ni(OH)2",
        {"units.split.fractions.recycle": recycle, "units.split.fractions.purge": 1 - recycle},
    )
    scale = results.flows[:, results.layout.slices["slurry.out->mix.in1"]][:, 0]  # Ni(OH)2 fed, 1 mol/s unscaled
    into_filter = results.flows[:, results.layout.slices["mix.product->filter.slurry"]]
    na2so4 = list(results.layout.species["mix.product->filter.slurry"]).index(results.components.index("Na2SO4(aq)"))
    assert into_filter[:, na2so4] / scale == pytest.approx(salt, rel=1e-10)
    assert 2 < results.iterations < 40
    assert len(kernel_runs) == 1
    assert not kernel_runs[0].any()  # solved by the kernel, no sample handed back


def test_the_crystalliser_loop_closed_form_holds_through_the_kernel(kernel_runs):
    # crystals / salt fed = y / (1 - r (1 - y)), as in tests/solve/test_mass.py
    y, r = 0.6, np.array([0.2, 0.5, 0.8, 0.9])
    results = solve(
        _crystalliser_loop(y, 0.8),
        "1 kg",
        "NiSO4·6H2O",
        {"units.split.fractions.recycle": r, "units.split.fractions.bleed": 1 - r},
    )
    components = results.components
    crystals = results.flows[:, results.layout.slices["cryst.crystals->crystals.in"]]
    fed = results.flows[:, results.layout.slices["feed.out->mix.in1"]]
    salt = list(results.layout.species["feed.out->mix.in1"]).index(components.index("NiSO4(aq)"))
    hydrate = list(results.layout.species["cryst.crystals->crystals.in"]).index(components.index("NiSO4·6H2O"))
    assert crystals[:, hydrate] / fed[:, salt] == pytest.approx(y / (1 - r * (1 - y)), rel=1e-12)
    assert len(kernel_runs) == 1
    assert not kernel_runs[0].any()


def test_a_sample_the_kernel_cannot_solve_is_named_by_the_numpy_path(kernel_runs):
    # a total recycle: water has no way out, the kernel's LU finds a zero pivot, numpy names the loop
    recycle = np.array([0.5, 1.0, 0.7])
    with pytest.raises(SolveError, match="accumulate"):
        solve(
            _loop(0.5, {"H2O(l)": "1 mol/s"}),
            "1 kg",
            None,
            {"units.split.fractions.recycle": recycle, "units.split.fractions.purge": 1 - recycle},
        )
    assert kernel_runs[0].tolist() == [0, 1, 0]  # the kernel marked the singular sample, and only it


def test_the_route_units_of_a_drawn_parameter_are_those_the_solver_holds():
    # the draws above are in SI because the route's distributions draw in the parameter's storage unit
    route = load_route(ROUTES / "nmc811_sulfate.yaml")
    drawn = route.uncertain["units.filter.wash_ratio"].draw(np.random.default_rng(0), 3)
    assert parameter_unit(route.flowsheet, "units.filter.wash_ratio") == "m**3/kg"
    assert np.all((convert(drawn, "m**3/kg", "L/kg") >= 3) & (convert(drawn, "m**3/kg", "L/kg") <= 10))


def test_a_command_uses_the_kernel_only_once_it_is_on_disk(monkeypatch, tmp_path):
    monkeypatch.delenv("FLOWSHEET_KERNEL", raising=False)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(kernel_cache, "KERNEL", tmp_path / "solve" / "kernel.py")
    monkeypatch.setattr(kernel_cache, "_ready", False)  # found on disk earlier in this process: looked for again
    started = []
    monkeypatch.setattr(kernel_cache, "prepare_in_background", lambda: started.append(True))
    assert not kernel_cache.ready()
    assert not engine.kernel_wanted(engine.COMPILED_FROM - 1)
    assert not started  # a small study never asks for the compiler
    assert not engine.kernel_wanted(10**6)
    assert started == [True]  # a large one goes on with numpy and has the kernel compiled aside
    folder = tmp_path / "solve" / "__pycache__"
    folder.mkdir(parents=True)
    (folder / "kernel.evaluate-27.py311.nbi").write_bytes(b"")
    (folder / "kernel.evaluate-27.py312.nbi").write_bytes(b"")
    (folder / "kernel.evaluate-27.py313.nbi").write_bytes(b"")
    assert kernel_cache.ready()
    assert engine.kernel_wanted(engine.COMPILED_FROM)
    assert not engine.kernel_wanted(engine.COMPILED_FROM - 1)  # small studies: numpy's fixed cost is lower
    monkeypatch.setenv("FLOWSHEET_KERNEL", "numpy")
    assert not engine.kernel_wanted(10**6)
    monkeypatch.setenv("FLOWSHEET_KERNEL", "compiled")
    assert engine.kernel_wanted(1)
