"""Thermochemistry: formation enthalpies, heat capacities, species and heats of reaction."""

from flowsheet.thermo.heat_capacity import ConstantHeatCapacity, Nasa9
from flowsheet.thermo.reaction_heat import Reaction, heat_of_reaction, reaction_enthalpy
from flowsheet.thermo.species import Species, all_species, find_species, species

__all__ = [
    "ConstantHeatCapacity",
    "Nasa9",
    "Reaction",
    "Species",
    "all_species",
    "find_species",
    "heat_of_reaction",
    "reaction_enthalpy",
    "species",
]
