"""A catalogue of bad inputs: each gives one clear error at its file and line, naming the field, with a hint.

Most cases are generated from the shipped sulfate route: every scalar unit parameter, in turn, is
given values it must refuse (a wrong unit, a bare number, a non-finite number, a unit expression
pint would evaluate, a value of the wrong type, a text that is not one of its choices). The line
and field of each are known from the edit; the test asserts both and a hint.
"""

import re
from pathlib import Path

import pytest

from flowsheet.batch import solve_route
from flowsheet.errors import FlowsheetError, RouteFileError
from flowsheet.route_file import load_route

ROUTE = Path(__file__).parents[1] / "routes" / "nmc811_sulfate.yaml"
TEXT = ROUTE.read_text(encoding="utf-8")
_PARAMETER = re.compile(r"^    (?P<key>[a-z_]+): (?P<value>[^{\[\n#][^\n#]*?)\s*$")
_UNIT = re.compile(r"^  (?P<unit>[a-z_]+):$")
CHOICES = {"type", "utility", "mode", "reagent_fate", "site"}
"""Text parameters with a closed set of values; any other text is refused."""
FORMULAS = {"product", "precursor", "lithium_source"}


def _bad_values(key: str, value: str) -> dict[str, str]:
    """Values the parameter must refuse, by what is wrong with them."""
    number, _, unit = value.partition(" ")
    bad = {"list": "[1, 2]", "mapping": "{a: 1}"}
    if unit:  # a number with its unit
        wrong = "K" if unit not in ("K", "degC") else "kg"
        bad |= {
            "wrong_unit": f"{number} {wrong}",
            "bare_number": number,
            "not_finite": f"1e400 {unit}",
            "evaluated_unit": f"{number} 10**10**10 {unit}",
            "unit_syntax": f"{number} {unit}/(",
            "too_large": f"1e200 {unit}",
        }
    elif re.fullmatch(r"[-+0-9.e]+", value):
        bad |= {"not_finite": ".inf", "nan": ".nan", "text": "lots", "overflowing": "1e400"}
    elif key in CHOICES:
        bad |= {"number": "2", "unknown": "nonesuch"}
    elif key in FORMULAS:
        bad |= {"number": "2", "bad_formula": "Xx(OH", "unicode_charge": "Ni²⁺"}
    return bad


def _cases() -> list[tuple[str, str, int, str]]:
    found = []
    unit = None
    in_units = False
    for number, line in enumerate(TEXT.splitlines(), start=1):
        if line.startswith("units:"):
            in_units = True
            continue
        if in_units and not line.startswith(" "):
            in_units = False
        if not in_units:
            continue
        if match := _UNIT.match(line):
            unit = match.group("unit")
            continue
        match = _PARAMETER.match(line)
        if match is None or match.group("key") in ("note", "acid"):
            continue
        key, value = match.group("key"), match.group("value").strip().strip('"')
        for kind, bad in _bad_values(key, value).items():
            text = "\n".join(
                f"    {key}: {bad}" if i == number else original
                for i, original in enumerate(TEXT.splitlines(), start=1)
            )
            found.append((f"{unit}.{key}.{kind}", text, number, f"units.{unit}.{key}"))
    return found


CASES = _cases()


def test_the_catalogue_holds_over_100_generated_cases():
    assert len(CASES) >= 100


@pytest.mark.parametrize(("case", "text", "line", "field"), CASES, ids=[c[0] for c in CASES])
def test_a_bad_value_is_named_at_its_line_with_a_hint(case, text, line, field, tmp_path):
    path = tmp_path / "route.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FlowsheetError) as caught:
        solve_route(load_route(path))
    assert isinstance(caught.value, RouteFileError)
    message = str(caught.value)
    first = message.splitlines()[0]
    assert first.startswith(f"{path}:{line}: {field}"), message
    assert "\n  hint: " in message, message


VARIANTS = {
    "misspelt_unit": "set:\n  units.filtr.wash_ratio: 3 L/kg\n",
    "misspelt_key": "set:\n  units.calcine.temprature: 800 degC\n",
    "unknown_product": "product: LiNi0.9Co0.1O2\n",
    "unknown_stream_unit": "streams:\n  - dissolv.gas -> hydrogen\n",
    "removed_twice": "remove:\n  - units.nonesuch\n",
    "bad_disconnect": "disconnect:\n  - ship -> nowhere\n",
    "bad_basis": "basis: 1 kelvin\n",
}


@pytest.mark.parametrize(
    ("case", "text"),
    [*((c[0], c[1]) for c in CASES[::5]), *((name, f"extends: {ROUTE}\n{body}") for name, body in VARIANTS.items())],
    ids=[*(c[0] for c in CASES[::5]), *VARIANTS],
)
def test_check_and_run_agree(case, text, tmp_path, capsys):
    from flowsheet.cli import main

    path = tmp_path / "route.yaml"
    path.write_text(text, encoding="utf-8")
    checked = main(["check", str(path)])
    check_err = capsys.readouterr().err
    ran = main(["run", str(path)])
    run_err = capsys.readouterr().err
    assert checked == ran == 1, (case, check_err, run_err)
    assert check_err.splitlines()[0] in run_err, (case, check_err, run_err)


def test_every_problem_of_a_variant_is_reported_at_once(tmp_path):
    path = tmp_path / "route.yaml"
    path.write_text(
        f"extends: {ROUTE}\nset:\n  units.calcine.temprature: 800 degC\n  units.filtr.wash_ratio: 3 L/kg\n"
        "streams:\n  - dissolv.gas -> hydrogen\n",
        encoding="utf-8",
    )
    with pytest.raises(RouteFileError) as caught:
        load_route(path)
    message = str(caught.value)
    assert f"{path}:3: units.calcine.temprature: unknown key for a calciner" in message
    assert "did you mean 'temperature'" in message
    assert f"{path}:4: set.units.filtr.wash_ratio: 'units.filtr' is not in the route" in message
    assert "did you mean 'filter'?" in message
    assert "no unit named 'dissolv'" in message
    assert "did you mean 'dissolve'" in message
