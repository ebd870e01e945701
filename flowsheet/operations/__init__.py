"""Unit operations: one module per family; each a frozen dataclass with a linear balance."""

from flowsheet.operations.base import Operation
from flowsheet.operations.calcination import Calciner
from flowsheet.operations.coating import OnePotReactor
from flowsheet.operations.crystallization import EvaporativeCrystallizer
from flowsheet.operations.dissolution import Dissolver
from flowsheet.operations.drying import Dryer
from flowsheet.operations.hydrometallurgy import Leach, SolventExtraction
from flowsheet.operations.mixing import ComponentSplitter, Mixer, Repulper, Scrap, Splitter
from flowsheet.operations.ports import Feed, Product
from flowsheet.operations.precipitation import CoPrecipitator
from flowsheet.operations.reaction import ReactionStep, StoichiometricReactor
from flowsheet.operations.separation import Washer
from flowsheet.operations.transport import TransportLeg

__all__ = [
    "Calciner",
    "ComponentSplitter",
    "CoPrecipitator",
    "Dissolver",
    "Dryer",
    "EvaporativeCrystallizer",
    "Feed",
    "Leach",
    "Mixer",
    "OnePotReactor",
    "Operation",
    "Product",
    "ReactionStep",
    "Repulper",
    "Scrap",
    "SolventExtraction",
    "Splitter",
    "StoichiometricReactor",
    "TransportLeg",
    "Washer",
]
