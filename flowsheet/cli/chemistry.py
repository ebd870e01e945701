"""The chemistry and reference commands: formula, balance, species and units."""

from __future__ import annotations

import argparse
import re

from flowsheet.chemistry import Formula, Reaction
from flowsheet.errors import FlowsheetError, FormulaError, ReactionError, UnbalancedReactionError, UnitError
from flowsheet.files import shown
from flowsheet.thermo import ConstantHeatCapacity, Nasa9, default_data, heat_of_reaction
from flowsheet.units import magnitude

_ARROW = re.compile(r"\s*(?:->|→|=>|=)\s*")
_COEFFICIENT = re.compile(r"^\d+(?:\.\d+|/\d+)?\s+")


def species(arguments: argparse.Namespace) -> int:
    """``flowsheet species``: what is known of a species, and the file and line of each value."""
    data = default_data()
    for folder in arguments.data:
        data = data.with_folder(folder)
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
        print(
            f"{item.label}{f' ({item.name})' if item.name else ''}: {item.formula.relative_mass:.4f} g/mol{estimated}"
        )
        print(
            f"  formation enthalpy {item.formation_enthalpy / 1000:.3f} kJ/mol  [{item.sources['formation_enthalpy']}]"
        )
        print(f"  heat capacity {kind}, {model.t_min:g}-{model.t_max:g} K  [{item.sources['heat_capacity']}]")
    if data.overridden:
        print("replaced by a later layer: " + "; ".join(data.overridden))
    return 0


def formula(arguments: argparse.Namespace) -> None:
    """``flowsheet formula``: molar mass, element counts and mass fractions."""
    for text in arguments.formulas:
        formula = Formula(text)
        print(f"{formula.text}: {formula.relative_mass:.4f} g/mol")
        for element, count in formula.elements.items():
            print(f"  {element:<3} {str(count):>6}  {formula.mass_fraction(element):8.5f} by mass")


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
    try:
        heat = heat_of_reaction(reaction, arguments.temperature)
        print(f"heat of reaction at {arguments.temperature}: {heat.magnitude:+.2f} kJ/mol")
    except FlowsheetError as err:
        print(f"heat of reaction: not available ({err})")
    if basis is not None:
        _print_masses(reaction, *basis)


def _complete(text: str) -> Reaction:
    """Balance the species of `text`, ignoring its coefficients; add O2 to a side if that is all it takes."""
    sides = _ARROW.split(text.strip())
    left, right = ([_COEFFICIENT.sub("", term) for term in re.split(r"\s+\+\s+", side)] for side in sides)
    try:
        return Reaction.balance(left, right)
    except ReactionError as first:
        for with_oxygen in ((left + ["O2"], right), (left, right + ["O2"])):
            try:
                return Reaction.balance(*with_oxygen)
            except ReactionError:
                continue
        raise first


_BASIS = "a mass and one species of the reaction, e.g. '1 kg LiNi0.8Mn0.1Co0.1O2'"


def _basis(text: str) -> tuple[float, str]:
    """``--basis "1 kg NiSO4"`` as (mass [kg], species), or a :class:`UnitError` naming ``--basis``."""
    words = text.split()
    if len(words) != 3:
        problem = "is empty" if not words else "names no species" if len(words) < 3 else "has more than three words"
        raise UnitError("--basis", _BASIS, shown(text)[1:-1], problem, "write the number, its unit and one formula")
    amount, unit, species_text = words
    return magnitude(f"{amount} {unit}", "kg", field="--basis"), species_text


def _print_masses(reaction: Reaction, mass: float, species_text: str) -> None:
    """The mass of each species of `reaction` per `mass` [kg] of `species_text`."""
    try:
        reaction.coefficient(species_text)
    except (FormulaError, ReactionError) as err:
        raise UnitError("--basis", _BASIS, species_text, err.problem, "name a reactant or a product") from None
    print(f"per {mass:g} kg {species_text}:")
    for _, formula in reaction.reactants + reaction.products:
        side = "in " if reaction.coefficient(formula) < 0 else "out"
        print(f"  {side} {formula.text:<28} {mass * reaction.mass_ratio(formula.text, per=species_text):10.4f} kg")


def units(arguments: argparse.Namespace) -> int:
    """``flowsheet units``: the unit types, or one type's parameters, ports and model."""
    from flowsheet.reference import render_unit, schema_text, unit_reference, units_markdown
    from flowsheet.route_file.schema import unit_types

    if arguments.schema:
        print(schema_text(), end="")
        return 0
    if arguments.markdown:
        print(units_markdown(), end="")
        return 0
    if not arguments.types:
        width = max(len(kind) for kind in unit_types())
        for kind in unit_types():
            print(f"{kind.ljust(width)}  {unit_reference(kind)['summary']}")
        return 0
    for kind in arguments.types:
        try:
            print(render_unit(kind))
        except KeyError as err:
            raise FlowsheetError(str(err.args[0]) + "\n  hint: flowsheet units lists them") from None
    return 0
