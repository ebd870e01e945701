import pint
import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from flowsheet import parse_quantity, ureg
from flowsheet.errors import FlowsheetError, UnitError
from flowsheet.units import magnitude
from tests.conftest import LONG


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("5 L/kg", "m**3/kg", 0.005),
        ("750 degC", "K", 1023.15),
        ("2 mol/L", "mol/m**3", 2000.0),
        ("13300 km", "m", 1.33e7),
        ("1.5e3 kg", "t", 1.5),
        ("-10 degC", "K", 263.15),
        ("61.2 kJ/mol", "J/mol", 61200.0),
    ],
)
def test_quantities_read_and_convert(text, unit, value):
    assert magnitude(text, unit) == pytest.approx(value, rel=1e-12)


def test_dimension_expressions_and_units_are_both_accepted():
    assert parse_quantity("5 L/kg", "[volume]/[mass]").units == ureg.liter / ureg.kilogram
    assert parse_quantity("5 L/kg", "m**3/t").magnitude == 5


def test_wrong_dimensionality_names_the_field():
    with pytest.raises(UnitError) as caught:
        parse_quantity("5 kg", "[volume]/[mass]", field="wash_ratio")
    assert str(caught.value).startswith("wash_ratio expects [volume]/[mass], got '5 kg': has [mass]")
    assert "L/kg" in caught.value.hint
    assert (caught.value.field, caught.value.got) == ("wash_ratio", "5 kg")


def test_bare_number_where_a_unit_is_expected():
    with pytest.raises(UnitError, match="a bare number has no unit") as caught:
        parse_quantity("5", "[volume]/[mass]", field="wash_ratio")
    assert "5 L/kg" in caught.value.hint
    with pytest.raises(UnitError, match="temperature expects K"):
        magnitude(800, "K", field="temperature")


def test_bare_number_is_fine_where_nothing_is_expected():
    assert parse_quantity("0.95", "").magnitude == 0.95
    assert parse_quantity(3).dimensionless


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("5 L/kgg", "unit 'L/kgg' is not understood"),
        ("five L/kg", "does not start with a number"),
        ("5 kg**", r"unit .kg\*\*. is not understood"),
        (True, "is a boolean"),
        ([5], "is a list"),
    ],
)
def test_unreadable_quantities(given, words):
    with pytest.raises(UnitError, match=words):
        parse_quantity(given, "L/kg", field="wash_ratio")


def test_quantities_from_another_registry_are_converted():
    other = pint.UnitRegistry()
    quantity = parse_quantity(other.Quantity(5, "L/kg"), "[volume]/[mass]")
    assert quantity._REGISTRY is ureg
    assert quantity.to("m**3/kg").magnitude == pytest.approx(0.005)


def test_unit_error_is_a_value_error():
    assert issubclass(UnitError, ValueError)
    assert issubclass(UnitError, FlowsheetError)


def test_the_application_registry_is_untouched():
    assert ureg is not pint.get_application_registry()


def test_kilotonne_not_knot():
    assert magnitude("50 kt/yr", "t/yr") == pytest.approx(50_000)
    assert magnitude("1 knot", "m/s") == pytest.approx(1852 / 3600)


@pytest.mark.parametrize(
    "text", ["5 L/kg", "5 J/(mol*K)", "5 m**3/kg", "5 s**-1", "5 t km", "5 kg/(m**3)", "5 %", "5 kWh/t", "5 MJ/(t*km)"]
)
def test_the_unit_grammar_reads_the_units_routes_use(text):
    assert parse_quantity(text).magnitude == 5.0


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("5 10**10**10 K", "a number stands where a unit name belongs"),
        ("5 1/0", "'0' cannot stand in a unit"),
        ("5 K**-0", "'-' cannot stand in a unit"),
        ("5 m**K", "a power needs a whole-number exponent"),
        ("5 kg/", "the unit ends in an operator"),
        ("5 (kg", "a parenthesis is never closed"),
        ("5 kg)", "a parenthesis closes where nothing is open"),
        ("5 ((((kg))))", "parentheses nest deeper than three levels"),
        ("5 kg; import os", "';' cannot stand in a unit"),
        ("1e400 kg", "is not a finite number"),
        ("5 " + "k" * 200, "is longer than 100 characters"),
    ],
)
def test_a_unit_the_grammar_refuses_is_named_with_a_hint(text, words):
    with pytest.raises(UnitError) as caught:
        parse_quantity(text, field="x")
    assert words in str(caught.value)
    assert caught.value.hint


# pint's year is the Julian year, 365.25 d: the most hours a plant can run in one.
HOURS_A_YEAR = 365.25 * 24  # 8766 h


def test_a_rate_at_its_operating_hours_is_the_rate_while_running():
    from flowsheet.units import parse_basis

    _, target, rate = parse_basis("10 kt/yr at 8000 h/yr")
    assert rate
    assert target == pytest.approx(10e6 / (8000 * 3600), rel=1e-12)  # kg/s while running: 1.25 t/h
    _, all_year, _ = parse_basis(f"10 kt/yr at {HOURS_A_YEAR:g} h/yr")  # runs the whole year: the mean rate
    assert all_year == pytest.approx(10e6 / (HOURS_A_YEAR * 3600), rel=1e-12)


@pytest.mark.parametrize(
    ("basis", "field", "words", "hint"),
    [
        ("", "basis", "is empty", "'10 kt/yr at 8000 h/yr'"),
        ("   ", "basis", "is empty", "'1 kg'"),
        ("10 kt/yr at 8000 h", "basis operating time", "is a time, not a time per year", "write '8000 h/yr'"),
        ("10 kt/yr at 8000 min", "basis operating time", "is a time, not a time per year", "'8000 h/yr'"),
        ("10 kt/yr at 0.9", "basis operating time", "a bare number has no unit", "'0.9 h/yr'"),
        ("10 kt/yr at 8000 kg", "basis operating time", "has [mass]", "'8000 h/yr'"),
        ("10 kt/yr at 8000 h/yr at 7000 h/yr", "basis", "says 'at' more than once", "give the hours once"),
        ("at 8000 h/yr", "basis", "has no rate before 'at'", "'10 kt/yr at 8000 h/yr'"),
        ("10 kt/yr at", "basis operating time", "'at' is followed by nothing", "'10 kt/yr at 8000 h/yr'"),
        ("10 kt/yr at -8000 h/yr", "basis operating time", "is not positive", "'8000 h/yr'"),
        ("10 kt/yr at 0 h/yr", "basis operating time", "is not positive", "'8000 h/yr'"),
        ("10 kt/yr at 8785 h/yr", "basis operating time", "more than the 8766 h of a year", "leave out 'at"),
        ("10 kt/yr at 9000 h/yr", "basis operating time", "is not in (0, 1] of a year", "leave out 'at"),
        ("10 kt/yr at nan h/yr", "basis operating time", "does not start with a number", "'8000 h/yr'"),
        ("10 kt at 8000 h/yr", "basis", "is not a rate", "'10 kt/yr at 8000 h/yr'"),
    ],
)
def test_every_bad_form_of_a_basis_says_what_it_expects_and_how_to_write_it(basis, field, words, hint):
    from flowsheet.units import parse_basis

    with pytest.raises(UnitError) as caught:
        parse_basis(basis)
    assert caught.value.field == field
    assert words in caught.value.problem
    assert hint in caught.value.hint
    if field == "basis operating time":
        assert caught.value.expected == "operating hours per year, e.g. '8000 h/yr'"


def test_hours_just_within_a_year_are_read_and_just_beyond_refused():
    from flowsheet.units import parse_basis

    parse_basis(f"1 t/h at {HOURS_A_YEAR:g} h/yr")
    with pytest.raises(UnitError, match="more than the 8766 h of a year"):
        parse_basis(f"1 t/h at {HOURS_A_YEAR + 1:g} h/yr")


def test_a_dimensionless_value_with_a_unit_is_told_to_drop_it():
    with pytest.raises(UnitError) as caught:
        magnitude("0.9 mi", "", field="conversion")
    assert caught.value.problem == "has [length]"
    assert caught.value.hint == "write a plain number without a unit, e.g. 0.9"


@settings(max_examples=300 if LONG else 60)
@example("10 kt/yr", " at ", "8000 h/yr")
@example("1 kg", " at ", "50 %")
@given(
    st.sampled_from(["", "10 kt/yr", "1 kg", "x", "1e400 t/h", "-1 t/h"]),
    st.sampled_from([" at ", " at", "at ", " at at ", "  at  "]),
    st.one_of(
        st.text(max_size=20),
        st.builds(
            "{} {}".format,
            st.one_of(st.floats(1, HOURS_A_YEAR), st.floats(allow_nan=True, allow_infinity=True)),
            st.sampled_from(["h/yr", "h", "%", "h/d", "kg", "", "yr/yr"]),
        ),
    ),
)
def test_any_basis_with_at_is_read_or_refused_as_a_unit_error(rate, at, hours):
    from flowsheet.units import parse_basis

    try:
        _, target, _ = parse_basis(rate + at + hours)
    except UnitError:
        event("refused")
        return
    event("read")
    assert 0 < target <= 1e15


@pytest.mark.parametrize(
    ("text", "expected", "example"),
    [
        ("1e999", "", "'0.9'"),
        ("1e999", "[volume]/[mass]", "'5 L/kg'"),
        ("abc", "K", "'5 K'"),
        ("nan kg", "kg", "'5 kg'"),
    ],
)
def test_a_hint_gives_an_example_in_the_units_expected(text, expected, example):
    with pytest.raises(UnitError) as caught:
        parse_quantity(text, expected, field="value")
    assert caught.value.hint.endswith(example)  # never a wash ratio's 'L/kg' for a fraction
