"""Concentrated solutions: the enthalpy a solute's concentration adds to its infinite-dilution value.

Formation enthalpies of dissolved species (``NaOH(aq)``) are at infinite dilution. A reagent fed
concentrated (32 wt % caustic, 25 wt % ammonia) holds more enthalpy: its relative apparent molar
enthalpy ``L(n) = ΔsolH(n) - ΔsolH(∞)`` at ``n`` mol water per mol solute, from the integral heats
of solution in ``data/thermo/solution_enthalpy.csv``, interpolated linearly in ``1/n`` (which
reaches infinite dilution at 0). Diluting the reagent releases it where the reagent mixes in.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from flowsheet.chemistry import Formula
from flowsheet.datafiles import read_table
from flowsheet.errors import FlowsheetError
from flowsheet.units import magnitude

SOLUTIONS = "thermo/solution_enthalpy.csv"


@cache
def _tables() -> dict[tuple, tuple[np.ndarray, np.ndarray, str]]:
    """Per solute key: 1/n ascending, L(n) [J/mol] and the rows' source."""
    points: dict[tuple, list[tuple[float, float]]] = {}
    sources: dict[tuple, str] = {}
    for row in read_table(SOLUTIONS, required=("solute", "water_per_solute", "heat_of_solution", "unit", "source")):
        key = (Formula(row["solute"]).key, Formula(row["solute"]).phase)
        water = float(row["water_per_solute"])
        heat = magnitude(f"{row['heat_of_solution']} {row['unit']}", "J/mol", field=f"{row.path}:{row.line}")
        points.setdefault(key, []).append((0.0 if np.isinf(water) else 1.0 / water, heat))
        sources[key] = f"{row['source']} ({row.path})"
    found = {}
    for key, pairs in points.items():
        pairs.sort()
        if pairs[0][0] != 0.0:
            raise FlowsheetError(f"{SOLUTIONS}: {key[0]} has no infinite-dilution row (water_per_solute inf)")
        inverse = np.array([x for x, _ in pairs])
        relative = np.array([h for _, h in pairs])
        found[key] = (inverse, relative - relative[0], sources[key])
    return found


def relative_enthalpy(solute: str, water_per_solute: float) -> float | None:
    """``L(n)`` of `solute` at `water_per_solute` mol/mol, [J/mol]; None where the table has no such solute.

    Raises
    ------
    FlowsheetError
        For a solution more concentrated than the table reaches.
    """
    key = (Formula(solute).key, Formula(solute).phase)
    table = _tables().get(key)
    if table is None:
        return None
    inverse, relative, source = table
    wanted = np.inf if water_per_solute <= 0 else 1.0 / water_per_solute
    if wanted > inverse[-1] * (1 + 1e-12):
        raise FlowsheetError(
            f"{solute} at {water_per_solute:.3g} mol water per mol is more concentrated than the heats of solution "
            f"of {source} reach ({1 / inverse[-1]:g} mol/mol)"
            + "\n  hint: feed the pure reagent in its own phase, or dilute it"
        )
    return float(np.interp(wanted, inverse, relative))
