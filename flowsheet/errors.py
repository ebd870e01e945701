"""Errors the package raises on purpose: one base class, each also a builtin type.

Every error keeps its facts in fields, builds its message in ``__str__`` and
passes all constructor arguments to ``Exception.__init__``, so it pickles (batch
workers send errors back) and its message always says what was wrong, where,
and how to mend it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Self


class FlowsheetError(Exception):
    """Base class of every error the package raises on purpose."""


def _with_hint(text: str, hint: str) -> str:
    return f"{text}\n  hint: {hint}" if hint else text


def message_and_hint(err: Exception) -> tuple[str, str]:
    """An error as (message, hint): its message without the hint line, and its hint whole."""
    message, _, rest = str(err).partition("\n  hint: ")
    hint = getattr(err, "hint", "") or rest.strip()
    return message.strip() or type(err).__name__, hint


class FormulaError(FlowsheetError, ValueError):
    """A chemical formula cannot be read.

    Parameters
    ----------
    text : str
        The formula as written.
    position : int
        1-based position of the offending character in `text`.
    problem : str
        What is wrong there, e.g. ``"unknown element 'Xx'"``.
    hint : str
        How to mend it; may be empty.
    """

    def __init__(self, text: str, position: int, problem: str, hint: str = "") -> None:
        super().__init__(text, position, problem, hint)
        self.text, self.position, self.problem, self.hint = text, position, problem, hint

    def __str__(self) -> str:
        pointer = f"\n  {self.text}\n  {' ' * (self.position - 1)}^"
        return _with_hint(f"{self.problem} at position {self.position} in {self.text!r}{pointer}", self.hint)


class UnitError(FlowsheetError, ValueError):
    """A quantity is unreadable or has the wrong dimensionality.

    Parameters
    ----------
    field : str
        Name of the parameter, e.g. ``"wash_ratio"``.
    expected : str
        Expected dimensionality, e.g. ``"[volume] / [mass]"``.
    got : str
        The value as given, e.g. ``"5 kg"``.
    problem : str
        What is wrong, e.g. ``"has dimensionality [mass]"``.
    hint : str
        How to mend it; may be empty.
    """

    def __init__(self, field: str, expected: str, got: str, problem: str, hint: str = "") -> None:
        super().__init__(field, expected, got, problem, hint)
        self.field, self.expected, self.got = field, expected, got
        self.problem, self.hint = problem, hint

    def __str__(self) -> str:
        text = f"{self.field} expects {self.expected}, got {self.got!r}: {self.problem}"
        return _with_hint(text, self.hint)


class UnknownSpeciesError(FlowsheetError, KeyError):
    """A species is not in the species data.

    Parameters
    ----------
    species : str
        The species as asked for, e.g. ``"NiSO4(g)"``.
    table : str
        The data table searched.
    suggestions : tuple of str
        Known species with the same formula or a close name.
    """

    def __init__(self, species: str, table: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(species, table, suggestions)
        self.species, self.table, self.suggestions = species, table, tuple(suggestions)

    def __str__(self) -> str:
        text = f"unknown species {self.species!r}: not in {self.table}"
        hint = ""
        if self.suggestions:
            hint = "known species of that formula or name: " + ", ".join(self.suggestions)
        else:
            hint = f"add a row with its formation enthalpy and heat capacity to {self.table}"
        return _with_hint(text, hint)


class MissingDataError(FlowsheetError, LookupError):
    """A property needed for a species is missing or used outside its valid range.

    Parameters
    ----------
    species : str
        The species, e.g. ``"NiSO4·6H2O(s)"``.
    table : str
        The data table that should hold the value.
    problem : str
        What is missing, e.g. ``"heat capacity valid 273-373 K, asked at 1073 K"``.
    """

    def __init__(self, species: str, table: str, problem: str) -> None:
        super().__init__(species, table, problem)
        self.species, self.table, self.problem = species, table, problem

    def __str__(self) -> str:
        return f"{self.species}: {self.problem} ({self.table})"


class ReactionError(FlowsheetError, ValueError):
    """A reaction cannot be read or balanced.

    Parameters
    ----------
    reaction : str
        The reaction, or its species, as given.
    problem : str
        What is wrong.
    hint : str
        How to mend it; may be empty.
    """

    def __init__(self, reaction: str, problem: str, hint: str = "") -> None:
        super().__init__(reaction, problem, hint)
        self.reaction, self.problem, self.hint = reaction, problem, hint

    def __str__(self) -> str:
        return _with_hint(f"{self.reaction!r}: {self.problem}", self.hint)


class UnbalancedReactionError(ReactionError):
    """A reaction's elements or charge do not balance exactly.

    Parameters
    ----------
    reaction : str
        The reaction as written.
    reactants, products : dict of str to Fraction
        Atoms (and ``"charge"``) on each side, for the unbalanced entries only.
    oxygen : tuple of two Fraction, optional
        Moles of O2 written among the reactants and among the products, for the hint.

    Attributes
    ----------
    residuals : dict of str to Fraction
        ``products - reactants`` for every entry that is off; each element is
        checked on its own, never summed with another.
    """

    def __init__(
        self,
        reaction: str,
        reactants: dict[str, Fraction],
        products: dict[str, Fraction],
        oxygen: tuple[Fraction, Fraction] = (Fraction(0), Fraction(0)),
    ) -> None:
        self.reactants, self.products = dict(reactants), dict(products)
        self.residuals = {key: products[key] - reactants[key] for key in reactants}
        self.oxygen = oxygen
        hint = _balance_hint(self.residuals, oxygen)
        super().__init__(reaction, "reaction does not balance", hint)
        self.args = (reaction, self.reactants, self.products, oxygen)

    def __str__(self) -> str:
        rows = [f"  {'element':<8} {'reactants':>10} {'products':>10} {'products - reactants':>22}"]
        for key, residual in self.residuals.items():
            sign = "+" if residual > 0 else ""
            rows.append(
                f"  {key:<8} {str(self.reactants[key]):>10} {str(self.products[key]):>10} {sign + str(residual):>22}"
            )
        table = "\n".join(rows)
        return _with_hint(f"{self.reaction!r}: {self.problem}\n{table}", self.hint)


def _balance_hint(
    residuals: dict[str, Fraction], oxygen: tuple[Fraction, Fraction] = (Fraction(0), Fraction(0))
) -> str:
    """How to mend a reaction whose only unbalanced element is O: the O2 it needs, and on which side.

    `residuals` are ``products - reactants``; `oxygen` the moles of O2 written among the
    reactants and among the products. Adding ``x`` O2 to the reactants changes the O residual by
    ``-2 x``, so the O2 the reactants need, net of any among the products, is ``written + r / 2``
    with ``r`` the O residual: positive, the O2 belongs among the reactants; negative, among the
    products; zero, nowhere.
    """
    advice = "Reaction.balance(...) proposes coefficients"
    if set(residuals) != {"O"}:
        return f"check the formulas and coefficients; {advice}"
    written_left, written_right = oxygen
    residual = residuals["O"]
    needed = written_left - written_right + residual / 2  # net O2 among the reactants
    side = "reactants" if needed > 0 else "products"
    if not written_left and not written_right:  # products short of O (r < 0): O2 is a product
        return f"add {abs(residual) / 2} O2 to the {side}; {advice}"
    if needed == 0:
        return f"leave O2 out: the other species balance without it; {advice}"
    written = written_left if needed > 0 else written_right
    other = written_right if needed > 0 else written_left
    if written == abs(needed):  # right where it is: only the O2 across the arrow is wrong
        return f"take the O2 out of the {'products' if needed > 0 else 'reactants'}; {advice}"
    change = f"write {abs(needed)} O2 among the {side}" + (f" instead of {written}" if written else "")
    return change + (" and none on the other side" if other else "") + f"; {advice}"


@dataclass(frozen=True)
class Problem:
    """One reason a flowsheet cannot be solved: where it is, what is wrong, how to mend it.

    Attributes
    ----------
    unit : str
        The unit, feed or product it concerns; ``""`` for the flowsheet as a whole.
    port : str
        One of the unit's ports, or ``""``.
    field : str
        One of the unit's parameters (``"wash_ratio"``, ``"fractions.bleed"``), or ``""``.
    message : str
        What is wrong.
    hint : str
        How to mend it, or ``""``.
    """

    unit: str = ""
    port: str = ""
    field: str = ""
    message: str = ""
    hint: str = ""

    @property
    def where(self) -> str:
        """``unit.port``, ``unit.field``, ``unit`` or ``""``."""
        detail = self.port or self.field
        return f"{self.unit}.{detail}" if self.unit and detail else self.unit

    def __str__(self) -> str:
        return _with_hint(f"{self.where}: {self.message}" if self.where else self.message, self.hint)


class FlowsheetCheckError(FlowsheetError, ValueError):
    """A flowsheet cannot be solved as built; every problem found is listed at once.

    Parameters
    ----------
    flowsheet : str
        The flowsheet's name.
    problems : list of Problem
        Every problem, each naming its unit, port or field, with its hint.
    """

    def __init__(self, flowsheet: str, problems: list[Problem]) -> None:
        super().__init__(flowsheet, list(problems))
        self.flowsheet, self.problems = flowsheet, list(problems)

    def __str__(self) -> str:
        lines = "\n".join(f"  - {problem}".replace("\n", "\n  ") for problem in self.problems)
        return f"flowsheet {self.flowsheet!r} has {len(self.problems)} problem(s):\n{lines}"


class SolveError(FlowsheetError, ArithmeticError):
    """A flowsheet was built correctly but its balance has no acceptable solution.

    Raised for a recycle loop in which a species accumulates (no purge), a
    nonlinear loop that does not converge, negative flows, or mass that does not
    close.

    Parameters
    ----------
    flowsheet : str
        The flowsheet's name.
    problem : str
        What went wrong and where (loop, unit, stream, species).
    hint : str
        How to mend it.
    unit : str
        The unit most to blame (the source of a negative stream, the first unit
        of a loop), for locating the error in a route file; may be empty.
    units : tuple of str
        The other units involved (the rest of a loop), whose values may be the cause.
    """

    def __init__(
        self, flowsheet: str, problem: str, hint: str = "", unit: str = "", units: tuple[str, ...] = ()
    ) -> None:
        super().__init__(flowsheet, problem, hint, unit, units)
        self.flowsheet, self.problem, self.hint, self.unit, self.units = flowsheet, problem, hint, unit, units

    def __str__(self) -> str:
        return _with_hint(f"flowsheet {self.flowsheet!r}: {self.problem}", self.hint)


class InputFileError(FlowsheetError, ValueError):
    """An input file cannot be read or is malformed; every problem found is listed, each at its line.

    The one shape of error for every file a user hands in (route files, study files, measurements,
    species data): each problem names its line, its field and how to mend it.

    Parameters
    ----------
    path : str
        The file.
    issues : list of tuple
        ``(line, field, problem, hint)`` for every problem found, ``line`` 1-based
        (0 when unknown), ``field`` a dotted path such as ``units.filter.wash_ratio`` or a column.
    """

    def __init__(self, path: str, issues: list[tuple[int, str, str, str]]) -> None:
        listed = [(int(line), str(field), str(problem), str(hint)) for line, field, problem, hint in issues]
        super().__init__(path, listed)
        self.path, self.issues = path, listed

    @classmethod
    def one(cls, path: str, line: int, field: str, problem: str, hint: str = "") -> Self:
        """Build an error with a single issue."""
        return cls(path, [(line, field, problem, hint)])

    @property
    def line(self) -> int:
        """Line of the first issue."""
        return self.issues[0][0]

    @property
    def field(self) -> str:
        """Field of the first issue."""
        return self.issues[0][1]

    @property
    def problem(self) -> str:
        """What is wrong, in the first issue."""
        return self.issues[0][2]

    def __str__(self) -> str:
        lines = []
        for line, field, problem, hint in self.issues:
            where = f"{self.path}:{line}" if line else self.path
            lines.append(_with_hint(f"{where}: {field}: {problem}" if field else f"{where}: {problem}", hint))
        return "\n".join(lines)


class RouteFileError(InputFileError):
    """A route file is malformed or describes a flowsheet that cannot be solved."""


class DataFileError(InputFileError):
    """A shipped or user data file (species tables, their sources, measurements) is malformed."""
