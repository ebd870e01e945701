"""cathode-flowsheet: mass and energy balances of lithium-ion cathode synthesis routes.

Layers, each importing only the ones above it (``tests/test_layers.py`` enforces it)::

    errors       FlowsheetError and its subclasses
    units        the one pint UnitRegistry; reading "5 L/kg", checking dimensionality
    datafiles    finding and reading data/ tables with file and line
    chemistry    elements, Formula, Reaction (exact stoichiometry)
    thermo       heat-capacity models, Species, heats of reaction
    cli          the ``flowsheet`` command

Quick start
-----------
>>> import flowsheet
>>> flowsheet.molar_mass("NiSO4·6H2O")
<Quantity(262.8394, 'gram / mole')>
>>> round(flowsheet.Formula("NiSO4·6H2O").mass_fraction("Ni"), 4)
0.2233
"""

from importlib.metadata import PackageNotFoundError, version

from flowsheet.chemistry import Formula, Reaction, molar_mass
from flowsheet.errors import FlowsheetError
from flowsheet.thermo import Species, heat_of_reaction, species
from flowsheet.units import Quantity, parse_quantity, ureg

try:
    __version__ = version("cathode-flowsheet")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "FlowsheetError",
    "Formula",
    "Quantity",
    "Reaction",
    "Species",
    "__version__",
    "heat_of_reaction",
    "molar_mass",
    "parse_quantity",
    "species",
    "ureg",
]
