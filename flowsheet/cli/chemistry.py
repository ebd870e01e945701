"""The chemistry and reference commands: formula, balance, species and units."""

from __future__ import annotations

import argparse
import contextlib
import re
import textwrap

from flowsheet.chemistry import Formula, Reaction
from flowsheet.datafiles import read_table
from flowsheet.errors import FlowsheetError, FormulaError, ReactionError, UnbalancedReactionError, UnitError
from flowsheet.files import shown
from flowsheet.report.tables import terminal_width
from flowsheet.thermo import ConstantHeatCapacity, Nasa9, Species, default_data, heat_of_reaction
from flowsheet.thermo.end_members import END_MEMBERS, end_member_mixtures
from flowsheet.thermo.species_data import SpeciesData
from flowsheet.units import magnitude

_ARROW = re.compile(r"\s*(?:->|→|=>|=)\s*")
_COEFFICIENT = re.compile(r"^\d+(?:\.\d+|/\d+)?\s+")


def species(arguments: argparse.Namespace) -> int:
    """``flowsheet species``: what is known of a species, the file and line of each value, and how estimates were made."""
    data = default_data()
    for folder in arguments.data:
        data = data.with_folder(folder)
    width = max(terminal_width(), 40)
    for text in arguments.formulas:
        item = data.species(text)
        model = item.heat_capacity
        if isinstance(model, Nasa9):
            kind = "NASA 9-coefficient polynomial"
        elif isinstance(model, ConstantHeatCapacity):
            kind = f"constant {model.value:.2f} J/(mol*K)"
        else:
            kind = f"ideal mixture of its end members' models, {float(model.cp(298.15)):.2f} J/(mol*K) at 298.15 K"
        estimated = f" (estimated: {', '.join(item.estimated)})" if item.estimated else ""
        enthalpy_how, enthalpy_cite = _how_estimated(item, "formation_enthalpy", data)
        heat_how, heat_cite = _how_estimated(item, "heat_capacity", data)
        lines = [
            (
                f"{item.label}{f' ({item.name})' if item.name else ''}: {item.formula.relative_mass:.4f} g/mol{estimated}",
                0,
            ),
            (f"formation enthalpy {item.formation_enthalpy / 1000:.3f} kJ/mol  [{enthalpy_cite}]", 2),
            *((line, 4) for line in enthalpy_how),
            (f"heat capacity {kind}, {model.t_min:g}-{model.t_max:g} K  [{heat_cite}]", 2),
            *((line, 4) for line in heat_how),
        ]
        print("\n".join(_caption(line, width, indent) for line, indent in lines))
    if data.overridden:
        print(_caption("replaced by a later layer: " + "; ".join(data.overridden), width))
    return 0


def _caption(text: str, width: int, indent: int = 0) -> str:
    """`text` wrapped between words to `width` at `indent`, its later lines two further in; paths stay whole."""
    return textwrap.fill(
        text,
        width,
        initial_indent=" " * indent,
        subsequent_indent=" " * (indent + 2),
        break_long_words=False,
        break_on_hyphens=False,
    )


KOPP_TABLE = "thermo/kopp_atomic_heat_capacity.csv"
"""Atomic heat capacities of Kopp's rule, by element (``*``: every element not listed)."""

_AT = re.compile(r"\(([^()]+:\d+)\)$")
"""The ``(file:line)`` that ends a value's citation."""


def _how_estimated(item: Species, field: str, data: SpeciesData) -> tuple[list[str], str]:
    """How an estimated value of `item` was made, line by line, and the citation to show beside the value.

    Derived from the numbers, not from a note: a constant heat capacity that equals the sum of its
    atoms' heat capacities (:data:`KOPP_TABLE`) is Kopp's rule; a value that equals the mole-weighted
    values of the end members of its family (``thermo/end_members.csv``) is ideal mixing. Any other
    estimate shows its row's note. Measured values are shown with their citation alone.
    """
    cite = item.sources[field]
    if field not in item.estimated:
        return [], cite
    mixed = END_MEMBERS in cite  # estimated here, from the end members, rather than read from a row
    kopp = None if mixed or field != "heat_capacity" else _kopp(item)
    if kopp is not None:
        return [kopp], f"Kopp's rule ({_where(cite)})"
    mixture = _mixture(item, field, data)
    if mixture is not None:
        how, lines = mixture
        return [how], f"estimate ({_where(cite) if not mixed else f'{END_MEMBERS}:{lines}'})"
    return [f"estimated: {_note(cite)} ({_where(cite)})"], cite


def _kopp(item: Species) -> str | None:
    """Kopp's rule, term by term, if it gives `item`'s constant heat capacity; else None."""
    model = item.heat_capacity
    if not isinstance(model, ConstantHeatCapacity):
        return None
    rows = {row["element"]: row for row in read_table(KOPP_TABLE)}
    used = [(element, count, rows.get(element, rows["*"])) for element, count in item.formula.elements.items()]
    total = sum(float(count) * float(row["cp"]) for _, count, row in used)
    if abs(total - model.value) > 5e-4:  # the rows are written to 0.001 J/(mol*K)
        return None
    terms = " + ".join(
        f"{float(row['cp']):g} {element}" if count == 1 else f"{float(count):.4g} × {float(row['cp']):g} {element}"
        for element, count, row in used
    )
    sources = "; ".join(sorted({f"{row['source']}, {row['locator']}" for _, _, row in used}))
    lines = _lines(sorted({row.line for _, _, row in used}))
    return (
        f"estimated by Kopp's rule, the sum of its atoms' heat capacities: {terms} = {total:.6g} J/(mol*K); "
        f"atomic values {sources} ({KOPP_TABLE}:{lines})"
    )


def _mixture(item: Species, field: str, data: SpeciesData) -> tuple[str, str] | None:
    """The mole-weighted end members that give `item`'s value of `field`, and the end-member table's lines; else None."""
    mixture = next(end_member_mixtures(item.formula, data), None) if item.phase == "s" else None
    if mixture is None:
        return None
    family, used = mixture
    lines = _lines(sorted(row.line for row in read_table(END_MEMBERS) if row["family"] == family))
    where = f"ideal mixing of the {family} end members ({END_MEMBERS}:{lines})"
    if field == "heat_capacity" and not isinstance(item.heat_capacity, ConstantHeatCapacity):
        terms = " + ".join(f"{share:.4g} × {member.label} ({_where(member.sources[field])})" for share, member in used)
        return f"estimated by {where}, each end member's own model: {terms}", lines
    if field == "formation_enthalpy":
        target, unit = item.formation_enthalpy / 1000, "kJ/mol"
        values = [member.formation_enthalpy / 1000 for _, member in used]
    else:
        constants = [_constant(member) for _, member in used]
        if any(value is None for value in constants):
            return None
        target, unit = float(_constant(item) or 0.0), "J/(mol*K)"
        values = [float(value or 0.0) for value in constants]
    total = sum(share * value for (share, _), value in zip(used, values, strict=True))
    if abs(total - target) > 5e-4 * max(1.0, abs(target)):  # not this mixture: rows are rounded to 0.001
        return None
    terms = " + ".join(
        f"{share:.4g} × {value:.6g} {member.label} ({_where(member.sources[field])})"
        for (share, member), value in zip(used, values, strict=True)
    )
    return f"estimated by {where}: {terms} = {target:.6g} {unit}", lines


def _note(cite: str) -> str:
    """The note of the package's data row a citation ends with (``(file:line)``), or a pointer to that row."""
    found = _AT.search(cite)
    if found:
        path, _, line = found.group(1).rpartition(":")
        with contextlib.suppress(FlowsheetError, OSError, KeyError):
            for row in read_table(path):
                if row.line == int(line) and row.values.get("note"):
                    return row.values["note"]
    return "its row says how"


def _constant(member: Species) -> float | None:
    """A species' constant heat capacity [J/(mol*K)], or None if its model is not a constant."""
    model = member.heat_capacity
    return model.value if isinstance(model, ConstantHeatCapacity) else None


def _where(cite: str) -> str:
    """The ``file:line`` at the end of a citation, or the citation itself if it names none."""
    found = _AT.search(cite)
    return found.group(1) if found else cite


def _lines(lines: list[int]) -> str:
    """Line numbers as ``2, 5, 10``."""
    return ", ".join(str(line) for line in lines)


def balance(arguments: argparse.Namespace) -> None:
    """``flowsheet balance``: check a reaction or propose its coefficients; its heat and masses."""
    magnitude(arguments.temperature, "K", field="--temperature")  # a wrong unit is an error, not 'not available'
    basis = _basis(arguments.basis) if arguments.basis is not None else None  # checked before anything is printed
    try:
        reaction = Reaction(arguments.reaction)
        print(f"balanced: {reaction}")
    except UnbalancedReactionError as err:
        print(err)
        reaction = _complete(arguments.reaction)
        print(f"proposed: {reaction}")
    heat = None
    try:
        heat = heat_of_reaction(reaction, arguments.temperature).magnitude  # [kJ per mol of reaction as written]
        print(f"heat of reaction at {arguments.temperature}: {heat:+.2f} kJ per mol of reaction as written")
    except FlowsheetError as err:
        print(f"heat of reaction: not available ({err})")
    if basis is not None:
        _print_masses(reaction, *basis, heat)


def _complete(text: str) -> Reaction:
    """Balance the species of `text`, ignoring its coefficients and its O2; add O2 to a side if that is all it takes."""
    sides = _ARROW.split(text.strip())
    left, right = (
        [term for term in (_COEFFICIENT.sub("", term) for term in re.split(r"\s+\+\s+", side)) if not _is_oxygen(term)]
        for side in sides
    )
    try:
        return Reaction.balance(left, right)
    except ReactionError as first:
        for with_oxygen in ((left + ["O2"], right), (left, right + ["O2"])):
            try:
                return Reaction.balance(*with_oxygen)
            except ReactionError:
                continue
        raise first


def _is_oxygen(term: str) -> bool:
    """Whether a term of a reaction is O2, in any phase: the one species the command places itself."""
    try:
        formula = Formula(term)
    except FormulaError:
        return False
    return formula.elements == {"O": 2} and not formula.charge


_BASIS = "a mass and one species of the reaction, e.g. '1 kg LiNi0.8Mn0.1Co0.1O2'"


def _basis(text: str) -> tuple[float, str]:
    """``--basis "1 kg NiSO4"`` as (mass [kg], species), or a :class:`UnitError` naming ``--basis``."""
    words = text.split()
    if len(words) != 3:
        problem = "is empty" if not words else "names no species" if len(words) < 3 else "has more than three words"
        raise UnitError("--basis", _BASIS, shown(text)[1:-1], problem, "write the number, its unit and one formula")
    amount, unit, species_text = words
    return magnitude(f"{amount} {unit}", "kg", field="--basis"), species_text


def _print_masses(reaction: Reaction, mass: float, species_text: str, heat: float | None = None) -> None:
    """The mass of each species of `reaction` per `mass` [kg] of `species_text`, and the heat per that basis.

    `heat` is the heat of reaction [kJ per mol of reaction as written], or None where unknown; per
    the basis it is ``heat * mass / (|ν| M)``, with ``ν`` the coefficient of `species_text` and ``M``
    its molar mass [kg/mol].
    """
    try:
        coefficient = reaction.coefficient(species_text)
    except (FormulaError, ReactionError) as err:
        raise UnitError("--basis", _BASIS, species_text, err.problem, "name a reactant or a product") from None
    print(f"per {mass:g} kg {species_text}:")
    for _, formula in reaction.reactants + reaction.products:
        side = "in " if reaction.coefficient(formula) < 0 else "out"
        print(f"  {side} {formula.text:<28} {mass * reaction.mass_ratio(formula.text, per=species_text):10.4f} kg")
    if heat is not None:
        extents = mass / (abs(float(coefficient)) * float(Formula(species_text).relative_mass) / 1000)  # [mol]
        print(f"  heat of reaction {heat * extents:+.2f} kJ ({extents:.4g} mol of reaction as written)")


def units(arguments: argparse.Namespace) -> int:
    """``flowsheet units``: the unit types, or one type's parameters, ports and model."""
    from rich.console import Console

    from flowsheet.reference import schema_text, types_table, unit_renderables, units_markdown

    if arguments.schema:
        print(schema_text(), end="")
        return 0
    if arguments.markdown:
        print(units_markdown(), end="")
        return 0
    console = Console(highlight=False, soft_wrap=False)  # plain text, fitted to the terminal's width
    if not arguments.types:
        console.print(types_table())
        return 0
    for i, kind in enumerate(arguments.types):
        try:
            shown = unit_renderables(kind)
        except KeyError as err:
            raise FlowsheetError(str(err.args[0]) + "\n  hint: flowsheet units lists them") from None
        console.print(*([""] if i else []), *shown, sep="\n")
    return 0
