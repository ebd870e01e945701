"""The ``flowsheet`` command: formulas and reactions from the shell.

Commands
--------
``flowsheet formula TEXT...``
    Molar mass, element counts and mass fractions.
``flowsheet balance REACTION [--temperature T] [--basis "1 kg SPECIES"]``
    Check a reaction, or propose coefficients when it does not balance; its heat
    of reaction, and the mass of every species per basis.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

import flowsheet
from flowsheet.chemistry import Formula, Reaction
from flowsheet.errors import FlowsheetError, ReactionError, UnbalancedReactionError
from flowsheet.thermo import heat_of_reaction
from flowsheet.units import magnitude

_ARROW = re.compile(r"\s*(?:->|→|=>|=)\s*")
_COEFFICIENT = re.compile(r"^\d+(?:\.\d+|/\d+)?\s+")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 success, 1 bad input, 2 usage)."""
    parser = _parser()
    arguments = parser.parse_args(argv)
    if arguments.command is None:
        parser.print_help()
        return 2
    try:
        arguments.run(arguments)
    except FlowsheetError as err:
        sys.stdout.flush()
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flowsheet",
        description="Mass and energy balances of lithium-ion cathode synthesis routes.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {flowsheet.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    formula = commands.add_parser("formula", help="molar mass and composition of formulas")
    formula.add_argument("formulas", nargs="+", metavar="FORMULA", help='e.g. "NiSO4·6H2O" or "NiSO4.6H2O"')
    formula.set_defaults(run=_formula)

    balance = commands.add_parser("balance", help="check or complete a reaction; its heat and masses")
    balance.add_argument("reaction", metavar="REACTION", help='e.g. "Ni + H2SO4 -> NiSO4 + H2"')
    balance.add_argument("--temperature", default="298.15 K", help="for the heat of reaction (default 298.15 K)")
    balance.add_argument("--basis", help='mass of one species, e.g. "1 kg LiNi0.8Mn0.1Co0.1O2"')
    balance.set_defaults(run=_balance)
    return parser


def _formula(arguments: argparse.Namespace) -> None:
    for text in arguments.formulas:
        formula = Formula(text)
        print(f"{formula.text}: {formula.relative_mass:.4f} g/mol")
        for element, count in formula.elements.items():
            print(f"  {element:<3} {str(count):>6}  {formula.mass_fraction(element):8.5f} by mass")


def _balance(arguments: argparse.Namespace) -> None:
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
    if arguments.basis:
        _print_masses(reaction, arguments.basis)


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


def _print_masses(reaction: Reaction, basis: str) -> None:
    amount, _, species_text = basis.strip().partition(" ")
    unit, _, species_text = species_text.strip().partition(" ")
    mass = magnitude(f"{amount} {unit}", "kg", field="--basis")
    print(f"per {mass:g} kg {species_text}:")
    for _, formula in reaction.reactants + reaction.products:
        side = "in " if reaction.coefficient(formula) < 0 else "out"
        print(f"  {side} {formula.text:<28} {mass * reaction.mass_ratio(formula.text, per=species_text):10.4f} kg")


if __name__ == "__main__":
    raise SystemExit(main())
