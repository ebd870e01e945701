"""Stoichiometry: elements, formulas and exactly balanced reactions."""

from flowsheet.chemistry.elements import atomic_weights
from flowsheet.chemistry.formula import PHASES, Formula, molar_mass
from flowsheet.chemistry.reaction import Reaction

__all__ = ["PHASES", "Formula", "Reaction", "atomic_weights", "molar_mass"]
