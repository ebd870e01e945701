"""``flowsheet formula``: molar mass and composition, with nothing loaded but the formula reader."""

from __future__ import annotations

import argparse

from flowsheet.chemistry.formula import Formula


def formula(arguments: argparse.Namespace) -> None:
    """``flowsheet formula``: molar mass, element counts and mass fractions."""
    for text in arguments.formulas:
        found = Formula(text)
        print(f"{found.text}: {found.relative_mass:.4f} g/mol")
        for element, count in found.elements.items():
            print(f"  {element:<3} {str(count):>6}  {found.mass_fraction(element):8.5f} by mass")
