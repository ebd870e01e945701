"""The solver: one path from a flowsheet to flows, temperatures and duties, for one sample or many.

:func:`compile` makes a :class:`Model` of a flowsheet, which builds its equations once per structure
(:mod:`flowsheet.solve.plan`) and solves them for every sample (:mod:`flowsheet.solve.pipeline`);
:func:`solve` is ``compile(sheet).solve()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pint

from flowsheet.graph import Flowsheet
from flowsheet.results import Results
from flowsheet.solve.engine import MassSolution, solve_mass
from flowsheet.solve.model import Model, compile

__all__ = ["MassSolution", "Model", "compile", "solve", "solve_mass"]


def solve(
    sheet: Flowsheet,
    basis: str | pint.Quantity = "1 kg",
    product: str | None = None,
    samples: Mapping[str, Any] | None = None,
) -> Results:
    """Solve a flowsheet's mass and energy balance, for one sample or many, and scale each to a basis.

    ``compile(sheet, vary=samples).solve(samples, basis, product)``: see :meth:`Model.solve`.

    Parameters
    ----------
    sheet : Flowsheet
        The flowsheet; it is checked first and every problem reported at once.
    basis : str or pint.Quantity
        ``"1 kg"`` (amounts per kg of product) or a rate such as ``"50 kt/yr"``.
    product : str, optional
        The species the basis counts, e.g. ``"LiNi0.8Mn0.1Co0.1O2"``; default the species of
        largest mass across the products of kind ``"product"``.
    samples : mapping of str to values, optional
        By route-file path (``"units.filter.wash_ratio"``, ``"units.split.fractions.bleed"``,
        ``"prices.Ni"``), one value per sample, each with its unit (``["3 L/kg", "10 L/kg"]`` or a
        pint Quantity); plain numbers for a dimensionless parameter. Without it, one sample of the
        flowsheet as built.

    Returns
    -------
    Results
        Flows, temperatures, duties, KPIs and closure of every sample; closure is below 1e-9
        on every sample or the solve fails.

    Raises
    ------
    FlowsheetCheckError
        If the flowsheet is not well built.
    UnitError
        If a sample names no parameter, or gives a value in the wrong unit or none.
    SolveError
        Naming the sample (and its values) whose balance fails: accumulation in a loop,
        non-convergence, negative flows, bad closure, no product.
    """
    return compile(sheet, vary=list(samples or ())).solve(samples, basis, product)
