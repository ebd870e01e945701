"""The package's one pint UnitRegistry, and reading quantities at the boundaries.

Route files and public constructors speak pint quantities; everything inside the
solver is plain floats in SI (mol, kg, s, K, J). This module is where the two
meet: :func:`parse_quantity` reads ``"5 L/kg"`` or ``"750 degC"``, checks its
dimensionality and raises :class:`~flowsheet.errors.UnitError` with the field
name when it is wrong; :func:`magnitude` turns it into a float in a stated unit.

The registry is private to the package: pint's application registry is never
touched.
"""

from __future__ import annotations

import functools
import math
import re

import numpy as np
import pint

from flowsheet.errors import UnitError


def _registry() -> pint.UnitRegistry:
    """Pint's registry, its definitions parsed once per machine and kept in the user's cache folder."""
    try:
        return pint.UnitRegistry(cache_folder=":auto:", autoconvert_offset_to_baseunit=True, on_redefinition="ignore")
    except OSError:  # no cache folder to write: parse the definitions every time
        return pint.UnitRegistry(autoconvert_offset_to_baseunit=True, on_redefinition="ignore")


ureg: pint.UnitRegistry = _registry()
"""The package's UnitRegistry; quantities from other registries are converted by text.

``kt`` means kilotonne here (production is "50 kt/yr"), not pint's knot; write
``knot`` for speed. ``USD`` is a unit of its own dimension, ``[currency]``: prices are held in
US dollars and converted from other currencies by data (:mod:`flowsheet.prices`), never by pint.
"""
ureg.define("kilotonne = 1e6 kg = kt")
ureg.define("US_dollar = [currency] = USD")
ureg.define("MMBtu = 1e6 Btu")

Quantity = ureg.Quantity

_NUMBER_THEN_UNIT = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$", re.ASCII)

MAX_TEXT = 100
"""Longest quantity text read, [characters]."""

MAX_MAGNITUDE = 1e15
"""Largest magnitude a value may have in its SI storage unit: beyond any plant (1e15 kg/s, 1e15 m), and far
enough below float overflow that scaling, summing and squaring in a solve stay finite."""

_UNIT_TOKEN = re.compile(
    r"\s*(?:(?P<name>[A-Za-z_%°µΩ][A-Za-z_0-9°µΩ]*)|(?P<power>\*\*|\^)|(?P<op>[*/])|(?P<open>\()|(?P<close>\))|(?P<exponent>-?[1-9][0-9]?))"
)


def _unit_problem(text: str) -> str:
    """Why `text` is not a unit expression, or ``""``.

    The grammar pint is given, so that nothing is evaluated: unit names joined by ``*``, ``/``
    or a space, each optionally raised to a non-zero integer power below 100 (``m**3``,
    ``s**-1``), in at most three levels of parentheses.
    """
    if not text:
        return ""
    tokens: list[tuple[str, str]] = []
    at = 0
    while at < len(text):
        match = _UNIT_TOKEN.match(text, at)
        if match is None or match.end() == at:
            rest = text[at:].strip()
            return f"{rest[:1]!r} cannot stand in a unit" if rest else ""
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        at = match.end()
    depth, expect_factor = 0, True
    previous = ""
    for kind, value in tokens:
        if kind in ("name", "open"):
            if previous == "power":
                return "a power needs a whole-number exponent"
            if kind == "open":
                depth += 1
                if depth > 3:
                    return "parentheses nest deeper than three levels"
            expect_factor = kind == "open"
        elif kind == "close":
            if expect_factor or depth == 0:
                return "a parenthesis closes where nothing is open or nothing is inside"
            depth -= 1
        elif kind == "op":
            if expect_factor:
                return f"{value!r} follows no unit"
            expect_factor = True
        elif kind == "power":
            if previous not in ("name", "close"):
                return "a power follows no unit"
        elif kind == "exponent":
            if previous != "power":
                return "a number stands where a unit name belongs"
        previous = kind
    if depth:
        return "a parenthesis is never closed"
    if expect_factor or previous == "power":
        return "the unit ends in an operator"
    return ""


def _expected_text(expected: str) -> str:
    """Return `expected` as shown in messages: ``[volume]/[mass]`` or ``K ([temperature])``."""
    if not expected:
        return "dimensionless"
    if "[" in expected:
        return expected
    return f"{expected} ({ureg.get_dimensionality(expected)})"


def parse_quantity(
    value: str | float | int | pint.Quantity,
    expected: str | None = None,
    field: str = "value",
) -> pint.Quantity:
    """Read a quantity and check its dimensionality.

    Parameters
    ----------
    value : str, float, int or pint.Quantity
        ``"5 L/kg"``, ``"750 degC"``, ``"2 mol/L"``, a Quantity, or a bare number
        (accepted only where `expected` is dimensionless or None).
    expected : str, optional
        A unit (``"L/kg"``) or dimension expression (``"[volume]/[mass]"``) the
        value must match. None accepts any dimensionality.
    field : str
        The parameter's name, used in error messages, e.g. ``"wash_ratio"``.

    Returns
    -------
    pint.Quantity
        In this package's registry, in the units given.

    Raises
    ------
    UnitError
        If the text cannot be read, or the dimensionality is not `expected`.

    Examples
    --------
    >>> parse_quantity("5 L/kg", "[volume]/[mass]", field="wash_ratio")
    <Quantity(5.0, 'liter / kilogram')>
    >>> parse_quantity("750 degC", "K").to("K")
    <Quantity(1023.15, 'kelvin')>
    """
    wanted = _expected_text(expected) if expected is not None else "a quantity"
    quantity = _read(value, wanted, field)
    if expected is not None:
        check_dimensionality(quantity, expected, field, given=value)
    return quantity


def check_dimensionality(
    quantity: pint.Quantity,
    expected: str,
    field: str = "value",
    given: object = None,
) -> None:
    """Raise :class:`UnitError` unless `quantity` has the dimensionality of `expected`.

    Parameters
    ----------
    quantity : pint.Quantity
        The quantity to check.
    expected : str
        A unit or dimension expression, e.g. ``"L/kg"`` or ``"[volume]/[mass]"``.
    field : str
        The parameter's name, for the message.
    given : object, optional
        The value as the user wrote it, for the message; defaults to `quantity`.
    """
    wanted = ureg.get_dimensionality(expected) if expected else ureg.dimensionless.dimensionality
    if quantity.dimensionality == wanted:
        return
    shown = str(quantity) if given is None else str(given)
    if not quantity.dimensionality:
        number = given if isinstance(given, str | int | float) else quantity.magnitude
        problem, hint = "a bare number has no unit", f"give the unit, e.g. '{number} {example_unit(expected)}'"
    elif not expected or not wanted:
        problem, hint = f"has {quantity.dimensionality}", "write a plain number without a unit, e.g. 0.9"
    else:
        problem, hint = f"has {quantity.dimensionality}", f"give it in units of {example_unit(expected)}"
    raise UnitError(field, _expected_text(expected), shown, problem, hint)


def magnitude(
    value: str | float | int | pint.Quantity,
    unit: str,
    field: str = "value",
) -> float:
    """Return `value` as a float in `unit`, after checking its dimensionality.

    Parameters
    ----------
    value : str, float, int or pint.Quantity
        As for :func:`parse_quantity`.
    unit : str
        The unit of the returned number, e.g. ``"K"`` or ``"m**3/kg"``.
    field : str
        The parameter's name, for error messages.

    Returns
    -------
    float
        The magnitude in `unit`.

    Examples
    --------
    >>> magnitude("750 degC", "K", field="temperature")
    1023.15
    """
    if isinstance(value, str):  # a route file writes the same few texts many times: pint reads each once
        try:
            return _text_magnitude(value, unit)
        except UnitError:
            pass  # read again below, the error naming `field`
    if not unit and isinstance(value, float) and math.isfinite(value) and abs(value) <= MAX_MAGNITUDE:
        return value  # a plain fraction or ratio: nothing for pint to do
    return _magnitude(parse_quantity(value, unit, field), value, unit, field)


def _magnitude(quantity: pint.Quantity, value: object, unit: str, field: str) -> float:
    """A checked quantity's magnitude in `unit`, refused beyond :data:`MAX_MAGNITUDE`."""
    try:
        found = float(quantity.to(unit).magnitude)
    except OverflowError:
        found = math.inf
    if not math.isfinite(found) or abs(found) > MAX_MAGNITUDE:
        raise UnitError(
            field,
            _expected_text(unit),
            str(value),
            f"is {found:.3g} {unit or '(dimensionless)'}, beyond the {MAX_MAGNITUDE:g} any plant stays within",
            "check the number and the unit's prefix",
        )
    return found


@functools.lru_cache(maxsize=4096)
def _text_magnitude(text: str, unit: str) -> float:
    """:func:`magnitude` of a text, kept: an error is raised again by the caller, with its field."""
    return _magnitude(parse_quantity(text, unit), text, unit, "value")


def _read(value: str | float | int | pint.Quantity, wanted: str, field: str) -> pint.Quantity:
    if isinstance(value, pint.Quantity):
        quantity = value if value._REGISTRY is ureg else _read(f"{value.magnitude!r} {value.units}", wanted, field)
        _check_finite(float(np.max(np.abs(quantity.magnitude))), wanted, str(value), field)
        return quantity
    if isinstance(value, bool):
        raise UnitError(field, wanted, str(value), "is a boolean, not a quantity")
    if isinstance(value, int | float):
        number = _finite_number(value, wanted, field)
        return Quantity(number, ureg.dimensionless)
    if not isinstance(value, str):
        hint = f"write a number then its unit, e.g. '{_example(wanted)}'; an uncertain value as {{value: ..., range: [..., ...]}}"
        raise UnitError(field, wanted, repr(value), f"is a {type(value).__name__}, not a quantity", hint)
    if len(value) > MAX_TEXT:
        raise UnitError(
            field, wanted, value[:40] + "...", f"is longer than {MAX_TEXT} characters", "write a number then its unit"
        )
    match = _NUMBER_THEN_UNIT.match(value)
    if match is None:
        raise UnitError(
            field,
            wanted,
            value,
            "does not start with a number",
            f"write a number then a unit, e.g. '{_example(wanted)}'",
        )
    number_text, unit_text = match.groups()
    problem = _unit_problem(unit_text)
    if problem:
        hint = "units are names joined by *, / and **integer, e.g. 'J/(mol*K)' or 'm**3/kg'"
        raise UnitError(field, wanted, value, f"unit {unit_text!r} is not understood: {problem}", hint)
    try:
        units = ureg.parse_units(unit_text) if unit_text else ureg.dimensionless
    except (pint.PintError, AssertionError, SyntaxError, TypeError, ValueError, KeyError, AttributeError) as err:
        detail = f" ({err})" if str(err) else ""
        hint = "check the spelling; pint's unit names are used, e.g. 'kg', 'L', 'degC', 'kWh', 'km'"
        raise UnitError(field, wanted, value, f"unit {unit_text!r} is not understood{detail}", hint) from err
    return Quantity(_finite_number(float(number_text), wanted, field, shown=value), units)


def _finite_number(value: float, wanted: str, field: str, shown: str | None = None) -> float:
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    _check_finite(number, wanted, shown if shown is not None else repr(value), field)
    return number


def _check_finite(number: float, wanted: str, shown: str, field: str) -> None:
    if not math.isfinite(number):
        raise UnitError(
            field, wanted, shown, "is not a finite number", f"give a finite value, e.g. '{_example(wanted)}'"
        )


def _example(wanted: str) -> str:
    """A value to show in a hint, for `wanted` as messages show it (:func:`_expected_text`).

    ``'5 L/kg'`` for ``[volume]/[mass]``, ``'5 K'`` for ``K ([temperature])``, ``'0.9'`` where no unit is expected.
    """
    if wanted == "dimensionless":
        return "0.9"
    if wanted == "a quantity":
        return "5 L/kg"
    unit = wanted.split(" (")[0]
    return f"5 {unit}" if "[" not in unit else f"5 {example_unit(unit)}"


def example_unit(expected: str) -> str:
    """Return a unit to show in a hint for `expected` (a unit or a dimension expression)."""
    if not expected:
        return "(no unit)"
    examples = {
        "[length] ** 3 / [mass]": "L/kg",
        "[temperature]": "degC",
        "[mass]": "kg",
        "[length]": "km",
        "[substance] / [length] ** 3": "mol/L",
        "[mass] * [length] ** 2 / [time] ** 2": "MJ",
        "[substance] / [mass]": "mol/kg",
        "[mass] / [length] ** 3": "kg/L",
        "[substance] / [time]": "mol/s",
        "[mass] / [time]": "kg/h",
    }
    return examples.get(str(ureg.get_dimensionality(expected)), expected)  # e.g. "m**3/kg" shows as "L/kg"


def parse_basis(basis: str | pint.Quantity) -> tuple[pint.Quantity, float, bool]:
    """Read a basis (see :func:`_parse_basis`); one written as text is read once."""
    return _parse_text_basis(basis) if isinstance(basis, str) else _parse_basis(basis)


@functools.lru_cache(maxsize=64)
def _parse_text_basis(basis: str) -> tuple[pint.Quantity, float, bool]:
    return _parse_basis(basis)


@functools.lru_cache(maxsize=64)
def parse_unit(text: str) -> pint.Unit:
    """The unit written as `text` (``"MJ"``, ``"kg/h"``), parsed once."""
    return ureg.Unit(text)


_AT = re.compile(r"(?:^|\s)at(?:\s|$)")
"""The word ``at`` between a rate and its operating hours: ``"10 kt/yr at 8000 h/yr"``."""

HOURS_A_YEAR = float(Quantity(1, "yr").to("h").magnitude)
"""Hours in pint's year, 365.25 days: 8766 h, the most a plant can run a year [h]."""

_BASIS = "a positive mass or mass rate"
_AT_EXAMPLE = "e.g. '1 kg', '50 kt/yr' or '10 kt/yr at 8000 h/yr'"
_HOURS = "operating hours per year, e.g. '8000 h/yr'"


def _parse_basis(basis: str | pint.Quantity) -> tuple[pint.Quantity, float, bool]:
    """Read a basis: a positive mass (``"1 kg"``) or mass rate (``"50 kt/yr"``).

    A rate may say the hours a year the plant runs: ``"10 kt/yr at 8000 h/yr"`` is 1.25 t/h while
    running. The hours are per year, more than 0 and at most a year's 8766 h (365.25 days).

    Returns
    -------
    tuple
        The quantity, its magnitude in kg or kg/s, and whether it is a rate.

    Raises
    ------
    UnitError
        If it is empty, not a positive, finite mass or mass rate, or its ``at`` part is not
        operating hours per year within a year.
    """
    running = 1.0
    if isinstance(basis, str):
        parts = [part.strip() for part in _AT.split(basis.strip())]
        if not basis.strip():
            raise UnitError("basis", _BASIS, basis, "is empty", _AT_EXAMPLE)
        if len(parts) > 2:
            raise UnitError(
                "basis", _BASIS, basis, "says 'at' more than once", "give the hours once: '10 kt/yr at 8000 h/yr'"
            )
        if len(parts) == 2:
            basis, hours = parts
            if not basis:
                raise UnitError("basis", _BASIS, f"at {hours}", "has no rate before 'at'", _AT_EXAMPLE)
            running = _running(hours)
    amount = parse_quantity(basis, None, field="basis")
    rate = bool(amount.check("[mass]/[time]"))
    if running < 1:
        if not rate:
            raise UnitError("basis", "a mass rate with its operating time", str(basis), "is not a rate", _AT_EXAMPLE)
        amount = (amount / running).to("t/h")  # the rate while running
    if not (rate or amount.check("[mass]")):
        raise UnitError("basis", _BASIS, str(basis), "is not one", _AT_EXAMPLE)
    target = float(amount.to("kg/s" if rate else "kg").magnitude)
    if target > MAX_MAGNITUDE:
        raise UnitError(
            "basis",
            _BASIS,
            str(basis),
            f"is beyond {MAX_MAGNITUDE:g} kg or kg/s",
            "check the number and the unit's prefix",
        )
    if not (target > 0 and math.isfinite(target)):
        raise UnitError("basis", _BASIS, str(basis), "is not positive", "e.g. '1 kg'")
    return amount, target, rate


def _running(hours: str) -> float:
    """The share of a year a plant runs, from its operating hours per year (the text after ``at``), [-]."""
    field = "basis operating time"
    if not hours:
        raise UnitError(field, _HOURS, hours, "'at' is followed by nothing", "e.g. '10 kt/yr at 8000 h/yr'")
    try:
        quantity = parse_quantity(hours, None, field=field)
    except UnitError as err:
        raise UnitError(
            field, _HOURS, err.got, err.problem, "write the hours a year the plant runs, e.g. '8000 h/yr'"
        ) from None
    written = _NUMBER_THEN_UNIT.match(hours)
    if written is not None and not written.group(2):
        raise UnitError(field, _HOURS, hours, "a bare number has no unit", f"write the hours, e.g. '{hours} h/yr'")
    if quantity.check("[time]"):
        shown = f"{quantity.magnitude:g} h/yr" if quantity.units == ureg.hour else "8000 h/yr"
        raise UnitError(field, _HOURS, hours, "is a time, not a time per year", f"write '{shown}'")
    if quantity.dimensionality:
        raise UnitError(field, _HOURS, hours, f"has {quantity.dimensionality}", "write the hours, e.g. '8000 h/yr'")
    running = float(quantity.to("").magnitude)
    if not running > 0:
        raise UnitError(field, _HOURS, hours, "is not positive", "a plant that runs 8000 h a year: '8000 h/yr'")
    if running > 1:
        raise UnitError(
            field,
            _HOURS,
            hours,
            f"is {running * HOURS_A_YEAR:.0f} h/yr, more than the {HOURS_A_YEAR:.0f} h of a year: "
            "is not in (0, 1] of a year",
            "a plant that never stops: leave out 'at ...'",
        )
    return running


CO2E = "CO2e"
"""What a mass of greenhouse gas is counted as: its unit reads ``kg CO2e`` (``kilogram CO2e`` in JSON)."""


def co2e_unit(unit: str) -> str:
    """A mass unit said of CO2 equivalent: ``kg`` -> ``kg CO2e``, ``kg/h`` -> ``kg CO2e/h``.

    Long names take it the same way (``kilogram / hour`` -> ``kilogram CO2e / hour``); a unit that
    says ``CO2e`` already is returned unchanged.
    """
    if split_co2e(unit)[1]:
        return unit
    mass, slash, per = unit.partition("/")
    if not slash:
        return f"{unit} {CO2E}"
    return f"{mass.rstrip()} {CO2E}{' ' if mass.endswith(' ') else ''}/{per}"


def split_co2e(unit: str) -> tuple[str, bool]:
    """A unit without its ``CO2e`` (the part pint reads), and whether it had one: ``kg CO2e/h`` -> (``kg/h``, True)."""
    found = re.search(rf"\s+{CO2E}\b", unit)
    if found is None:
        return unit, False
    return unit[: found.start()] + unit[found.end() :], True


def short_unit(unit: str | pint.Unit) -> str:
    """A unit as tables show it, one spelling everywhere: ``kilometer * metric_ton`` -> ``t*km``, ``day * kilogram`` -> ``kg*d``.

    A CO2e unit keeps its ``CO2e``: ``kilogram CO2e / hour`` -> ``kg CO2e/h``.
    """
    plain, co2e = split_co2e(str(unit))
    text = f"{ureg.Unit(plain):~}" or "-"
    text = text.replace("km * t", "t*km").replace("t * km", "t*km").replace("d * kg", "kg*d").replace(" / ", "/")
    return co2e_unit(text) if co2e else text
