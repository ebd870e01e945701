import pint
import pytest

from flowsheet import parse_quantity, ureg
from flowsheet.errors import FlowsheetError, UnitError
from flowsheet.units import magnitude


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
