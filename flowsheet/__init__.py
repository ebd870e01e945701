"""cathode-flowsheet: mass and energy balances of lithium-ion cathode synthesis routes.

Layers, each importing only the ones above it (``tests/test_layers.py`` enforces it)::

    errors       FlowsheetError and its subclasses
    files        files written whole or not at all
    units        the one pint UnitRegistry; reading "5 L/kg", checking dimensionality
    html         small HTML tables for notebook display
    uncertainty  parameters with distributions, read with units and drawn reproducibly
    datafiles    finding and reading data/ tables with file and line
    factors      utility efficiencies, emission factors, transport intensities
    geography    ports, sea distances, inland legs and transit times between sites
    chemistry    elements, Formula, Reaction (exact stoichiometry)
    prices       prices of materials, energy, freight and disposal, in one currency and year
    upstream     cradle-to-gate factors of what routes buy, by material and region
    thermo       heat-capacity models, Species, heats of reaction
    components   a flowsheet's ordered species: element matrix, molar masses
    layout       a layered left-to-right layout of a graph: layers, rows, recycles, crossings
    diagrams     plotly Sankey figures and matplotlib flowsheet drawings from plain data
    operations   unit operations, each a frozen dataclass with a linear balance
    kpis         one record per headline figure: name, unit, boundary, how it is computed
    graph        Flowsheet: units and streams on a networkx graph; checks
    results      Results: flows, temperatures, duties, KPIs and closure of N samples, as plain data
    provenance   each feed's share of an element in every stream of a Results, through recycles
    yields       each element's overall yield, and step by step
    compliance   recycled content against EU minimums, shares sourced and processed by region, certified share
    solve        the one solver: units as multilinear terms, equations per structure, every sample at once
    testing      check_operation: the battery every unit operation passes, ours or a user's
    route_file   YAML route files to checked flowsheets, errors at file and line
    reconciliation  measured flows reconciled with a flowsheet's element balances; gross-error tests
    reference    the unit-type reference and the route files' JSON Schema, from the unit classes
    sampling     Monte Carlo, sweeps, rank sensitivities and Sobol indices, vectorised over samples
    study        routes x scenarios x samples in chunks, run in-process, in a local pool or on Dask
    report       headline figures as tables, JSON, CSV and Markdown; comparisons
    batch        many route files at once, each failure reported on its own
    cli          the ``flowsheet`` command

One path runs through them: a route file (``route_file``) builds a ``Flowsheet`` (``graph``);
``solve`` turns it, for one sample or many, into ``Results`` (``results``); ``report`` renders
those as tables, JSON and figures, and ``provenance`` traces their elements back to the feeds.

Quick start
-----------
>>> import flowsheet
>>> flowsheet.molar_mass("NiSO4·6H2O")
<Quantity(262.8394, 'gram / mole')>
>>> round(flowsheet.Formula("NiSO4·6H2O").mass_fraction("Ni"), 4)
0.2233
"""

import sys
import types
from typing import TYPE_CHECKING

from flowsheet.errors import FlowsheetError

if TYPE_CHECKING:  # what the names below are, for type checkers; at run time each is imported on first use
    from flowsheet.chemistry import Formula, molar_mass
    from flowsheet.graph import Flowsheet
    from flowsheet.provenance import provenance, recycled_content
    from flowsheet.report import draw, sankey
    from flowsheet.report.what_if import what_if
    from flowsheet.results import Results
    from flowsheet.route_file import load_route
    from flowsheet.sampling import sample, sweep
    from flowsheet.solve import Model, compile, solve
    from flowsheet.thermo import Reaction, Species, heat_of_reaction, species
    from flowsheet.units import Quantity, parse_quantity, ureg

_LAZY = {
    "Formula": "flowsheet.chemistry",
    "molar_mass": "flowsheet.chemistry",
    "Flowsheet": "flowsheet.graph",
    "Results": "flowsheet.results",
    "solve": "flowsheet.solve",
    "compile": "flowsheet.solve",
    "Model": "flowsheet.solve",
    "Reaction": "flowsheet.thermo",
    "Species": "flowsheet.thermo",
    "heat_of_reaction": "flowsheet.thermo",
    "species": "flowsheet.thermo",
    "Quantity": "flowsheet.units",
    "parse_quantity": "flowsheet.units",
    "ureg": "flowsheet.units",
    "sample": "flowsheet.sampling",
    "sweep": "flowsheet.sampling",
    "load_route": "flowsheet.route_file",
    "provenance": "flowsheet.provenance",
    "recycled_content": "flowsheet.provenance",
    "sankey": "flowsheet.report",
    "draw": "flowsheet.report",
    "what_if": "flowsheet.report.what_if",
}
"""Each public name and the module it lives in: imported on first use, so that ``flowsheet --help`` and
``flowsheet formula`` start without pint, numpy's users, pandas, scipy or plotly."""

_SUBMODULES = ("testing",)
"""Modules reached as attributes (``flowsheet.testing.check_operation``), imported on first use."""


def __getattr__(name: str) -> object:
    """Import each public name's module only when the name is first used (pint alone takes 0.4 s)."""
    import importlib

    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("cathode-flowsheet")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    if name in _LAZY:
        found = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = found
        return found
    if name in _SUBMODULES:
        return importlib.import_module(f"flowsheet.{name}")
    raise AttributeError(f"module 'flowsheet' has no attribute {name!r}")


class _Package(types.ModuleType):
    """The package, whose public functions ``solve`` and ``provenance`` share their names with its modules.

    Importing ``flowsheet.solve`` would bind the module to the package's name ``solve``; here the
    function is kept (loaded on first use), as an eager ``from flowsheet.solve import solve`` did.
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType):
            self.__dict__.pop(name, None)  # the next use finds the function through __getattr__
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = [
    "Flowsheet",
    "Model",
    "FlowsheetError",
    "Formula",
    "Quantity",
    "Reaction",
    "Results",
    "Species",
    "__version__",
    "compile",
    "draw",
    "heat_of_reaction",
    "load_route",
    "molar_mass",
    "parse_quantity",
    "provenance",
    "recycled_content",
    "sample",
    "sankey",
    "solve",
    "species",
    "sweep",
    "what_if",
    "testing",
    "ureg",
]
