"""Reactions with exact coefficients, checked element by element, and balanced by null space.

A reaction is written ``"Ni + H2SO4 -> NiSO4 + H2"``: terms separated by ``" + "``
(spaces required, so ions such as ``"Na+ + OH-"`` stay readable), sides by
``"->"``, ``"→"``, ``"=>"`` or ``"="``. A term may start with a coefficient,
integer, decimal or fraction: ``"1/4 O2"``, ``"0.25 O2"``, ``"2NaOH"``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from fractions import Fraction
from functools import lru_cache
from typing import Any, cast

from flowsheet.chemistry.formula import Formula
from flowsheet.errors import FormulaError, ReactionError, UnbalancedReactionError
from flowsheet.html import table

_ARROW = re.compile(r"\s*(?:->|→|=>|=)\s*")
_TERM_SPLIT = re.compile(r"\s+\+\s+")
_COEFFICIENT = re.compile(r"^(\d+(?:\.\d+|/\d+)?)\s*(?=[A-Z(\[])")


class Reaction:
    """A chemical reaction whose elements and charge balance exactly.

    Parameters
    ----------
    text : str
        E.g. ``"Ni0.8Mn0.1Co0.1(OH)2 + LiOH·H2O + 1/4 O2 -> LiNi0.8Mn0.1Co0.1O2 + 5/2 H2O"``.

    Attributes
    ----------
    text : str
        The reaction as given.
    reactants, products : tuple of (Fraction, Formula)
        The terms of each side with their (positive) coefficients, as written.

    Raises
    ------
    ReactionError
        If the text cannot be read, or if it changes nothing (``"Li -> Li"``: every species
        formed as much as it is consumed).
    UnbalancedReactionError
        If any element or the charge does not balance; its ``residuals`` give
        ``products - reactants`` per element.

    Examples
    --------
    >>> rxn = Reaction("Ni + H2SO4 -> NiSO4 + H2")
    >>> rxn.coefficient("H2SO4")
    Fraction(-1, 1)
    """

    __slots__ = ("text", "reactants", "products")

    def __init__(self, text: str) -> None:
        self.text = text.strip()
        sides = _ARROW.split(self.text)
        if len(sides) != 2 or not all(sides):
            raise ReactionError(self.text, "expected one arrow between reactants and products", "write 'A + B -> C'")
        self.reactants = _terms(self.text, sides[0])
        self.products = _terms(self.text, sides[1])
        _check_balance(self.text, self.reactants, self.products)
        if not _signature(self):
            raise ReactionError(
                self.text,
                "changes nothing: its products are its reactants",
                "a reaction turns some species into others (a change of phase counts: H2O(l) -> H2O(g)); "
                "leave it out, or write the change it stands for",
            )

    @classmethod
    def from_terms(
        cls,
        reactants: Iterable[tuple[Fraction | int | str, str]],
        products: Iterable[tuple[Fraction | int | str, str]],
    ) -> Reaction:
        """Build a reaction from ``(coefficient, formula)`` pairs; checked like the text form."""
        left = " + ".join(f"{_format(Fraction(c))} {f}".strip() for c, f in reactants)
        right = " + ".join(f"{_format(Fraction(c))} {f}".strip() for c, f in products)
        return cls(f"{left} -> {right}")

    @classmethod
    def balance(cls, reactants: Iterable[str], products: Iterable[str]) -> Reaction:
        """Find the smallest whole-number coefficients that balance the given species.

        Parameters
        ----------
        reactants, products : iterable of str
            Formulas of each side, e.g. ``["Ni", "H2SO4"]`` and ``["NiSO4", "H2"]``.

        Returns
        -------
        Reaction
            With coprime positive integer coefficients.

        Raises
        ------
        ReactionError
            If no balance exists, if a species would have to take a zero or
            opposite-side coefficient, or if the balance is not unique (the
            element matrix has a null space of dimension > 1).

        Notes
        -----
        Columns of the element matrix ``E`` (elements and charge by species)
        are the species with reactants negated; the coefficients are the
        null space of ``E``, found by exact rational Gauss-Jordan elimination.

        Examples
        --------
        >>> str(Reaction.balance(["Ni", "H2SO4"], ["NiSO4", "H2"]))
        'Ni + H2SO4 -> NiSO4 + H2'
        """
        return _balanced(cast(Any, cls), tuple(reactants), tuple(products))  # classes hash; mypy cannot see it

    def coefficient(self, species: str | Formula) -> Fraction:
        """Return the net coefficient of `species`: negative if consumed, positive if formed.

        Species match by composition, charge and phase, so ``"NiSO4.6H2O"``
        finds ``"NiSO4·6H2O"``; a species without a phase tag matches any phase.

        Raises
        ------
        ReactionError
            If `species` does not take part.
        """
        wanted = species if isinstance(species, Formula) else Formula(species)
        found = [
            (sign * coefficient)
            for sign, side in ((-1, self.reactants), (1, self.products))
            for coefficient, formula in side
            if formula.key == wanted.key and (wanted.phase is None or wanted.phase == formula.phase)
        ]
        if not found:
            raise ReactionError(self.text, f"{wanted} does not take part in this reaction")
        return sum(found, Fraction(0))

    def mass_ratio(self, species: str, per: str) -> float:
        """Return the mass of `species` formed or consumed per mass of `per`, [kg/kg].

        Examples
        --------
        >>> rxn = Reaction("NiSO4 + 2 NaOH -> Ni(OH)2 + Na2SO4")
        >>> round(rxn.mass_ratio("Na2SO4", per="Ni(OH)2"), 4)
        1.5321
        """
        numerator = abs(self.coefficient(species)) * Formula(species).relative_mass
        denominator = abs(self.coefficient(per)) * Formula(per).relative_mass
        return float(numerator) / float(denominator)

    def __str__(self) -> str:
        def side(terms: tuple[tuple[Fraction, Formula], ...]) -> str:
            return " + ".join(f"{_format(c)} {f}".strip() for c, f in terms)

        return f"{side(self.reactants)} -> {side(self.products)}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Reaction):
            return NotImplemented
        return _signature(self) == _signature(other)

    def __hash__(self) -> int:
        return hash(_signature(self))

    def __reduce__(self) -> tuple[type, tuple[str]]:
        return type(self), (self.text,)

    def balance_table(self) -> list[list[str]]:
        """Rows of element, atoms in reactants, atoms in products (exact)."""
        keys = list(dict.fromkeys(e for _, f in self.reactants + self.products for e in f.elements))
        rows = []
        for key in keys:
            left = sum((c * _amount(f, key) for c, f in self.reactants), Fraction(0))
            right = sum((c * _amount(f, key) for c, f in self.products), Fraction(0))
            rows.append([key, str(left), str(right)])
        return rows

    def _repr_html_(self) -> str:
        return table(["element", "reactants", "products"], self.balance_table(), f"{self} (balanced)")


@lru_cache(maxsize=1024)
def _balanced(cls: Any, reactants: tuple[str, ...], products: tuple[str, ...]) -> Reaction:
    """Balance once per distinct species list; units ask for the same reactions on every solve."""
    left = [Formula(text) for text in reactants]
    right = [Formula(text) for text in products]
    species = left + right
    label = " + ".join(map(str, left)) + " -> " + " + ".join(map(str, right))
    if not left or not right:
        raise ReactionError(label, "needs at least one reactant and one product")
    keys = sorted({e for f in species for e in f.elements}) + ["charge"]
    signs = [-1] * len(left) + [1] * len(right)
    matrix = [[sign * _amount(f, key) for f, sign in zip(species, signs, strict=True)] for key in keys]
    basis = _null_space(matrix)
    if not basis:
        raise ReactionError(label, "no coefficients balance these species", "check for a missing species")
    if len(basis) > 1:
        raise ReactionError(
            label,
            f"the balance is not unique: {len(basis)} independent combinations exist",
            "these species hide more than one reaction; split it or give fewer species",
        )
    vector = basis[0]
    if vector[0] < 0:
        vector = [-x for x in vector]
    idle = [str(f) for f, x in zip(species, vector, strict=True) if x == 0]
    if idle:
        raise ReactionError(label, f"{', '.join(idle)} takes no part in the balance", "leave it out")
    misplaced = [str(f) for f, x in zip(species, vector, strict=True) if x < 0]
    if misplaced:
        raise ReactionError(label, f"{', '.join(misplaced)} belongs on the other side", "move it across the arrow")
    scale = math.lcm(*(x.denominator for x in vector))
    integers = [int(x * scale) for x in vector]
    divisor = math.gcd(*integers)
    coefficients = [n // divisor for n in integers]
    return cls.from_terms(
        zip(coefficients[: len(left)], map(str, left), strict=True),
        zip(coefficients[len(left) :], map(str, right), strict=True),
    )


def _signature(reaction: Reaction) -> frozenset:
    net: dict = {}
    for sign, side in ((-1, reaction.reactants), (1, reaction.products)):
        for coefficient, formula in side:
            key = (formula.key, formula.phase)
            net[key] = net.get(key, Fraction(0)) + sign * coefficient
    return frozenset((k, v) for k, v in net.items() if v)


def _terms(text: str, side: str) -> tuple[tuple[Fraction, Formula], ...]:
    terms = []
    for term in _TERM_SPLIT.split(side.strip()):
        coefficient = Fraction(1)
        if match := _COEFFICIENT.match(term):
            coefficient = Fraction(match.group(1))
            term = term[match.end() :]
        if coefficient == 0:
            raise ReactionError(text, f"coefficient of zero for {term!r}", "leave the species out")
        try:
            terms.append((coefficient, Formula(term)))
        except FormulaError as err:
            raise ReactionError(text, f"term {term!r}: {err}") from err
    return tuple(terms)


def _amount(formula: Formula, key: str) -> Fraction:
    return Fraction(formula.charge) if key == "charge" else formula.elements.get(key, Fraction(0))


def _check_balance(
    text: str,
    reactants: tuple[tuple[Fraction, Formula], ...],
    products: tuple[tuple[Fraction, Formula], ...],
) -> None:
    keys = list(dict.fromkeys(e for _, f in reactants + products for e in f.elements)) + ["charge"]
    left = {k: sum((c * _amount(f, k) for c, f in reactants), Fraction(0)) for k in keys}
    right = {k: sum((c * _amount(f, k) for c, f in products), Fraction(0)) for k in keys}
    off = [k for k in keys if left[k] != right[k]]  # each element on its own, never summed
    if off:
        oxygen = (_oxygen(reactants), _oxygen(products))  # O2 as written, for the hint
        raise UnbalancedReactionError(text, {k: left[k] for k in off}, {k: right[k] for k in off}, oxygen)


def _oxygen(terms: tuple[tuple[Fraction, Formula], ...]) -> Fraction:
    """Moles of O2, in any phase, among `terms`."""
    return sum((c for c, f in terms if f.elements == {"O": 2} and not f.charge), Fraction(0))


def _null_space(matrix: list[list[Fraction]]) -> list[list[Fraction]]:
    """Return a basis of the null space of `matrix`, exactly (rational Gauss-Jordan)."""
    rows = [list(map(Fraction, row)) for row in matrix]
    n_columns = len(rows[0]) if rows else 0
    pivots: list[int] = []
    r = 0
    for column in range(n_columns):
        pivot = next((i for i in range(r, len(rows)) if rows[i][column] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        lead = rows[r][column]
        rows[r] = [x / lead for x in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][column] != 0:
                factor = rows[i][column]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[r], strict=True)]
        pivots.append(column)
        r += 1
    basis = []
    for free in (c for c in range(n_columns) if c not in pivots):
        vector = [Fraction(0)] * n_columns
        vector[free] = Fraction(1)
        for row_index, column in enumerate(pivots):
            vector[column] = -rows[row_index][free]
        basis.append(vector)
    return basis


def _format(coefficient: Fraction) -> str:
    return "" if coefficient == 1 else str(coefficient)
