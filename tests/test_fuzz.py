"""Fuzzing: whatever text or route comes in, only a FlowsheetError escapes, and what solves closes to 1e-9.

The profiles are set in ``tests/conftest.py``: a short, derandomised run for CI by default; the long run
is opt-in, ``FLOWSHEET_FUZZ=long pytest tests/test_fuzz.py`` (about a quarter of an hour on two cores).
"""

import contextlib
import copy
import io
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from flowsheet.batch import solve_route
from flowsheet.chemistry import Formula, Reaction
from flowsheet.cli import main
from flowsheet.route_file import load_route
from flowsheet.units import parse_quantity
from tests.conftest import LONG, escapes_only_flowsheet_errors
from tests.test_route_file import GOOD

ROUTES = Path(__file__).parents[1] / "routes"
FORMULA_CHARACTERS = list("HOCSNaNiMnCoLiAlFePxyz()[]0123456789./·*+- ₂₃²⁺⁻") + ["(aq)", "(s)", "(g)", "·6H2O"]
UNIT_PARTS = ["kg", "L", "mol", "s", "h", "K", "degC", "km", "t", "MJ", "kWh", "yr", "%", "*", "/", "**", "^", "(", ")"]
UNIT_PARTS += ["2", "-1", "0", "10", "1/0", "e400", " ", "foo", "K**-0", "10**10**10", "°", "µm"]
EXPECTED = [None, "", "K", "kg", "m**3/kg", "[volume]/[mass]", "mol/kg", "J/(mol*K)", "kg/s"]

formulas = st.lists(st.sampled_from(FORMULA_CHARACTERS), max_size=25).map("".join) | st.text(max_size=30)
numbers = st.sampled_from(["5", "-2", "0", "1e400", "1e-400", ".5", "1e15", "nan", "9" * 40, ""])
quantities = st.builds(
    lambda number, parts: f"{number} {''.join(parts)}", numbers, st.lists(st.sampled_from(UNIT_PARTS), max_size=8)
) | st.text(max_size=40)

HOSTILE = [
    None, True, False, 0, -1, 1.5, 1e308, math.inf, -math.inf, math.nan, 10**400, "", "x", "1e400 km", "1e200 kg",
    "10**10**10 K", "5 kg", "5", "5 L/kg", "800 degC", "-300 degC", "H₂O", "Ni²⁺", "Xx", "a" * 300, [], [None],
    [1, 2], {}, {"value": 1}, {"value": "5 L/kg", "range": ["10 L/kg", "3 L/kg"]}, {"value": 0.5, "normal": -1},
    "Ni + H2SO4(aq) -> NiSO4(aq) + H2(g)", "nowhere.yaml", "../../etc/passwd", {"a": {"b": {"c": {"d": 1}}}},
]  # fmt: skip


@given(formulas)
def test_any_formula_is_read_or_refused_clearly(text):
    formula = escapes_only_flowsheet_errors(lambda: Formula(text))
    if formula is not None:
        assert math.isfinite(formula.relative_mass)
        assert all(count > 0 for count in formula.elements.values())


@given(st.lists(formulas, min_size=1, max_size=3), st.lists(formulas, min_size=1, max_size=3))
def test_any_reaction_is_read_or_refused_clearly(left, right):
    text = " + ".join(left) + " -> " + " + ".join(right)
    reaction = escapes_only_flowsheet_errors(lambda: Reaction(text))
    if reaction is not None:  # a reaction that reads balances every element and the charge exactly
        net = {}
        for sign, side in ((-1, reaction.reactants), (1, reaction.products)):
            for coefficient, formula in side:
                for element, count in [*formula.elements.items(), ("charge", formula.charge)]:
                    net[element] = net.get(element, 0) + sign * coefficient * count
        assert all(value == 0 for value in net.values()), net


@given(quantities, st.sampled_from(EXPECTED))
def test_any_quantity_is_read_finite_or_refused_clearly(text, expected):
    quantity = escapes_only_flowsheet_errors(lambda: parse_quantity(text, expected, field="value"))
    if quantity is not None:
        assert math.isfinite(float(quantity.magnitude))


def _leaves(data, path=()):
    """Every path to a value in a nested mapping or list."""
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _leaves(value, (*path, i))


BASES = {"good": yaml.safe_load(GOOD), "sulfate": yaml.safe_load((ROUTES / "nmc811_sulfate.yaml").read_text())}
PATHS = {name: [p for p in _leaves(data) if p] for name, data in BASES.items()}


@st.composite
def mutated_routes(draw):
    base = draw(st.sampled_from(sorted(BASES)))
    data = copy.deepcopy(BASES[base])
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS[base]))
        parent = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
            if action == "delete":
                del parent[path[-1]]
            elif action == "add" and isinstance(parent, dict):
                parent[draw(st.sampled_from(["colour", "temperature", "type", "x.y", ""]))] = draw(
                    st.sampled_from(HOSTILE)
                )
            else:
                parent[path[-1]] = copy.deepcopy(draw(st.sampled_from(HOSTILE)))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed the path
    return data


@settings(max_examples=15_000 if LONG else 60)
@given(mutated_routes())
def test_any_mutated_route_is_solved_and_closes_or_refused_clearly(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "route.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        summary = escapes_only_flowsheet_errors(lambda: solve_route(load_route(path)))
    if summary is not None:
        assert summary["closure"]["mass_relative_error"] <= 1e-9
        assert max(summary["closure"]["elements"].values()) <= 1e-9
        assert all(np.isfinite(kpi["value"]) for kpi in summary["kpis"].values())


@given(st.sampled_from(["formula", "balance"]), formulas)
def test_the_command_line_never_prints_a_traceback(command, text):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main([command, text or "H2O"])
        except SystemExit as exit_:  # argparse refusing the arguments: a usage error
            status = exit_.code
    assert status in (0, 1, 2), err.getvalue()
    assert "Traceback" not in err.getvalue()
    assert "internal error" not in err.getvalue()


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_every_hostile_value_in_a_unit_parameter_is_refused_or_solved(value):
    data = copy.deepcopy(BASES["good"])
    data["units"]["dissolve"]["molality"] = value
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "route.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        summary = escapes_only_flowsheet_errors(lambda: solve_route(load_route(path)))
    assert summary is None or all(np.isfinite(kpi["value"]) for kpi in summary["kpis"].values())
