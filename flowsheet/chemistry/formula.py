"""Chemical formulas read into exact element counts.

Grammar (white space is not allowed inside a formula)::

    formula  := part (SEPARATOR part)* [charge] [phase]
    part     := [number] group+                  leading number multiplies the part
    group    := (element | "(" group+ ")" | "[" group+ "]") [number]
    element  := capital letter, then lower-case letters: "Ni", "O"
    number   := digits ["." digits | "/" digits]  exact: "0.8" is 4/5, "1/3" is 1/3
    SEPARATOR:= "·" | "*" | "."                  hydrates and adducts: "NiSO4·6H2O"
    charge   := ("+" | "-") [digits]             PHREEQC style: "Ni+2", "SO4-2", "Na+"
    phase    := "(s)" | "(l)" | "(g)" | "(aq)" | "(cr)"   "(cr)" is read as "(s)"

A "." between two digits is a decimal point ("Ni0.8Mn0.1"), unless what follows
it is a water term ("NiSO4.6H2O", "CoSO4.7H2O"), which is read as a hydrate.
Use "·" or "*" where this could be ambiguous.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING

from flowsheet.chemistry.elements import atomic_weights
from flowsheet.errors import FormulaError
from flowsheet.html import table

if TYPE_CHECKING:  # pint only where a quantity is made: a formula is read without it
    import pint

PHASES = ("s", "l", "g", "aq")
"""Phase tags a formula may carry: solid, liquid, gas, aqueous."""

_PHASE = re.compile(r"\((s|l|g|aq|cr)\)$")
_CHARGE = re.compile(r"([+-])(\d*)$", re.ASCII)
_NUMBER = re.compile(r"\d+(?:\.\d+|/\d+)?", re.ASCII)
_WATER_AFTER_POINT = re.compile(r"\d*H2O(?![a-z])")
_SEPARATORS = "·*."
_DIGITS = "0123456789"
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", _DIGITS)
"""Subscript digits are read as digits: "H₂O" is "H2O"."""
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻"
MAX_LENGTH = 200
"""Longest formula read, [characters]."""
MAX_DEPTH = 8
"""Deepest nesting of brackets in a formula."""
_CLOSING = {"(": ")", "[": "]"}


class Formula:
    """A chemical formula with exact element counts, charge and optional phase.

    Parameters
    ----------
    text : str
        E.g. ``"NiSO4·6H2O"``, ``"Ni0.8Mn0.1Co0.1(OH)2"``, ``"LiNi1/3Mn1/3Co1/3O2"``,
        ``"SO4-2(aq)"``. See the module docstring for the grammar.

    Attributes
    ----------
    text : str
        The formula as given, without surrounding white space.
    elements : dict of str to Fraction
        Atoms of each element per formula unit, in order of first appearance.
    charge : int
        Net charge in elementary charges.
    phase : str or None
        ``"s"``, ``"l"``, ``"g"``, ``"aq"`` or None when not given.

    Raises
    ------
    FormulaError
        Naming the offending character and its 1-based position.

    Examples
    --------
    >>> salt = Formula("NiSO4·6H2O")
    >>> salt.elements
    {'Ni': Fraction(1, 1), 'S': Fraction(1, 1), 'O': Fraction(10, 1), 'H': Fraction(12, 1)}
    >>> round(salt.mass_fraction("Ni"), 5)
    0.22331
    """

    __slots__ = ("text", "elements", "charge", "phase", "key")

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise FormulaError(repr(text), 1, f"a formula is text, got {type(text).__name__}", "e.g. 'LiOH·H2O'")
        self.text = text.strip().translate(_SUBSCRIPTS)
        elements, self.charge, self.phase = _parse_cached(self.text)
        self.elements = dict(elements)
        self.key: tuple[frozenset[tuple[str, Fraction]], int] = (frozenset(elements), self.charge)
        """Composition and charge, without phase: equal for ``NiSO4·6H2O`` and ``NiSO4.6H2O``."""

    @property
    def relative_mass(self) -> float:
        """Relative formula mass, [-]: the molar mass in g/mol as a plain float."""
        weights = atomic_weights()
        return float(sum(weights[element] * count for element, count in self.elements.items()))

    @property
    def molar_mass(self) -> pint.Quantity:
        """Molar mass, [g/mol], as a pint Quantity (electron mass of ions neglected)."""
        from flowsheet.units import Quantity

        return Quantity(self.relative_mass, "g/mol")

    def mass_fraction(self, element: str) -> float:
        """Return the mass fraction of `element`, [-]; 0.0 if the formula lacks it.

        Raises
        ------
        FormulaError
            If `element` is not an element symbol.
        """
        weights = atomic_weights()
        if element not in weights:
            raise FormulaError(element, 1, f"unknown element {element!r}")
        return float(weights[element] * self.elements.get(element, 0)) / self.relative_mass

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Formula):
            return NotImplemented
        return self.key == other.key and self.phase == other.phase

    def __hash__(self) -> int:
        return hash((self.key, self.phase))

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"

    def _repr_html_(self) -> str:
        rows = [[e, str(n), f"{self.mass_fraction(e):.5f}"] for e, n in self.elements.items()]
        caption = f"{self.text}: {self.relative_mass:.4f} g/mol" + (f", charge {self.charge:+d}" if self.charge else "")
        return table(["element", "atoms", "mass fraction"], rows, caption)

    def __str__(self) -> str:
        return self.text

    def __reduce__(self) -> tuple[type, tuple[str]]:
        return Formula, (self.text,)


def molar_mass(text: str) -> pint.Quantity:
    """Return the molar mass of a formula, [g/mol].

    Examples
    --------
    >>> molar_mass("NiSO4·6H2O")
    <Quantity(262.8394, 'gram / mole')>
    """
    return Formula(text).molar_mass


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> tuple[tuple[tuple[str, Fraction], ...], int, str | None]:
    """Parse once per distinct text; formulas recur thousands of times in a solve."""
    elements, charge, phase = _parse(text)
    return tuple(elements.items()), charge, phase


def _parse(text: str) -> tuple[dict[str, Fraction], int, str | None]:
    if not text:
        raise FormulaError(text, 1, "empty formula")
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            text[:40] + "...", 1, f"longer than {MAX_LENGTH} characters", "a formula names one species, e.g. 'LiOH·H2O'"
        )
    for position, char in enumerate(text):
        if char in _SUPERSCRIPTS:
            hint = "write a charge at the end with its sign first, e.g. 'Ni+2' or 'SO4-2'"
            raise FormulaError(text, position + 1, f"superscript {char!r} is not read", hint)
    body, phase = text, None
    if match := _PHASE.search(body):
        phase = "s" if match.group(1) == "cr" else match.group(1)
        body = body[: match.start()]
    charge = 0
    if match := _CHARGE.search(body):
        magnitude = int(match.group(2)) if match.group(2) else 1
        if magnitude == 0:
            raise FormulaError(text, match.start() + 1, "charge of zero", "leave the charge out")
        charge = magnitude if match.group(1) == "+" else -magnitude
        body = body[: match.start()]
    if not body:
        raise FormulaError(text, 1, "no elements")
    elements = _Parser(text, body).formula()
    return elements, charge, phase


class _Parser:
    """Recursive-descent reader of the formula body (no phase, no charge)."""

    def __init__(self, text: str, body: str) -> None:
        self.text, self.body, self.at, self.depth = text, body, 0, 0
        self.weights = atomic_weights()

    def fail(self, problem: str, hint: str = "", at: int | None = None) -> FormulaError:
        hint = hint or "a formula is element symbols with counts, e.g. 'Ni0.8Mn0.1Co0.1(OH)2' or 'NiSO4·6H2O'"
        return FormulaError(self.text, (self.at if at is None else at) + 1, problem, hint)

    def peek(self) -> str:
        return self.body[self.at] if self.at < len(self.body) else ""

    def formula(self) -> dict[str, Fraction]:
        total: dict[str, Fraction] = {}
        while True:
            _add(total, self.part())
            if self.at == len(self.body):
                return total
            if self.peek() not in _SEPARATORS:
                raise self.fail(f"unexpected {self.peek()!r}", _hint_for(self.peek()))
            self.at += 1
            if self.at == len(self.body):
                raise self.fail("nothing after the separator", at=self.at - 1)

    def part(self) -> dict[str, Fraction]:
        multiplier = self.number() if self.peek() in _DIGITS and self.peek() else Fraction(1)
        counts = self.groups(closing="")
        return {element: count * multiplier for element, count in counts.items()}

    def groups(self, closing: str) -> dict[str, Fraction]:
        counts: dict[str, Fraction] = {}
        start = self.at
        while self.peek() and self.peek() != closing and not self.is_separator():
            _add(counts, self.group())
        if self.at == start:
            found = self.peek()
            raise self.fail(f"expected an element, got {found!r}" if found else "expected an element")
        return counts

    def group(self) -> dict[str, Fraction]:
        char = self.peek()
        if char in _CLOSING:
            opened = self.at
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.fail(f"brackets nest deeper than {MAX_DEPTH} levels", at=opened)
            self.at += 1
            inner = self.groups(closing=_CLOSING[char])
            self.depth -= 1
            if self.peek() != _CLOSING[char]:
                raise self.fail(f"{char!r} is never closed", f"add {_CLOSING[char]!r}", at=opened)
            self.at += 1
        elif char.isupper():
            start = self.at
            self.at += 1
            while self.peek().islower():
                self.at += 1
            symbol = self.body[start : self.at]
            if symbol not in self.weights:
                raise self.fail(
                    f"unknown element {symbol!r}",
                    "an element symbol is a capital and at most one lower-case letter",
                    at=start,
                )
            inner = {symbol: Fraction(1)}
        else:
            raise self.fail(f"unexpected {char!r}", _hint_for(char))
        count = self.number() if self.peek() in _DIGITS and self.peek() else Fraction(1)
        return {element: n * count for element, n in inner.items()}

    def number(self) -> Fraction:
        start = self.at
        match = _NUMBER.match(self.body, start)
        assert match is not None  # called only on a digit
        text = match.group()
        if "." in text and _WATER_AFTER_POINT.match(self.body, start + text.index(".") + 1):
            text = text[: text.index(".")]  # "NiSO4.6H2O": the point separates a hydrate
        self.at = start + len(text)
        if "/" in text and int(text.partition("/")[2]) == 0:
            raise self.fail("a fraction with denominator 0", "write a fraction such as '1/3'", at=start)
        value = Fraction(text)
        if value == 0:
            raise self.fail("a count of zero", "leave the element out", at=start)
        return value

    def is_separator(self) -> bool:
        return self.peek() in _SEPARATORS


def _add(total: dict[str, Fraction], counts: dict[str, Fraction]) -> None:
    for element, count in counts.items():
        total[element] = total.get(element, Fraction(0)) + count


def _hint_for(char: str) -> str:
    if char.islower():
        return "element symbols start with a capital, e.g. 'Co' not 'co'"
    if char in "+-":
        return "a charge goes at the end, e.g. 'SO4-2'; separate reaction terms with ' + '"
    if char.isspace():
        return "a formula has no spaces"
    if char in ")]":
        return "a bracket closes that was never opened"
    return ""
