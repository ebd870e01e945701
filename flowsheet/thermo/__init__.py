"""Thermochemistry: formation enthalpies, heat capacities, species and heats of reaction."""

from flowsheet.thermo.heat_capacity import ConstantHeatCapacity, Nasa9
from flowsheet.thermo.reaction_heat import Reaction, heat_of_reaction, reaction_enthalpy
from flowsheet.thermo.species import Species
from flowsheet.thermo.species_data import (
    SpeciesData,
    all_species,
    default_data,
    find_species,
    package_data,
    species,
)

__all__ = [
    "ConstantHeatCapacity",
    "Nasa9",
    "Reaction",
    "Species",
    "SpeciesData",
    "all_species",
    "default_data",
    "find_species",
    "heat_of_reaction",
    "package_data",
    "reaction_enthalpy",
    "species",
]
