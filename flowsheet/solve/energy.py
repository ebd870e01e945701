"""Stream temperatures and unit heat duties from the solved flows.

Each unit's duty is ``Σ H(outlets) - Σ H(inlets)`` with ``H = Σ_j n_j H_j(T)`` and
``H_j(T) = ΔfH°_j + ∫Cp_j dT`` (phase changes are changes of species, e.g.
H2O(l) -> H2O(g)), so reaction, latent and sensible heat are all counted.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from scipy.optimize import brentq

from flowsheet.components import Components
from flowsheet.errors import FlowsheetError, SolveError
from flowsheet.graph import Flowsheet
from flowsheet.operations import Feed, Product
from flowsheet.operations.base import T_AMBIENT
from flowsheet.solve.mass import MassSolution

ROUND_OFF = 1e-12
"""A duty smaller than this fraction of the enthalpy flows through the unit is round-off, reported as zero."""

MAX_PASSES = 100
"""Passes over the units allowed for the temperatures of recycle loops to settle."""


def enthalpy(components: Components, flows: np.ndarray, temperature: float) -> float:
    """Enthalpy flow of a stream, [W]."""
    return float(components.enthalpies(temperature, flows) @ flows)


def mixed_temperature(components: Components, inlets: list[tuple[np.ndarray, float]]) -> float:
    """Temperature at which the summed inlets hold the inlets' total enthalpy, [K]."""
    flowing = [(flows, t) for flows, t in inlets if np.abs(flows).max(initial=0.0) > 0]
    temperatures = [t for _, t in flowing]
    if not flowing or max(temperatures) - min(temperatures) < 1e-9:
        return temperatures[0] if flowing else T_AMBIENT
    total = np.sum([flows for flows, _ in flowing], axis=0)
    target = sum(enthalpy(components, flows, t) for flows, t in flowing)
    low, high = min(temperatures), max(temperatures)
    return float(brentq(lambda t: enthalpy(components, total, t) - target, low, high, xtol=1e-9))


def solve_temperatures(sheet: Flowsheet, solution: MassSolution) -> dict[str, float]:
    """Temperature of every stream, [K]; loops are passed over until they settle."""
    components = solution.components
    flows = {s.name: f for s, f in zip(solution.streams, solution.flows, strict=True)}
    temperature = {s.name: T_AMBIENT for s in solution.streams}
    condensed = nx.condensation(sheet.graph)
    order = [unit for group in nx.topological_sort(condensed) for unit in sorted(condensed.nodes[group]["members"])]
    for _ in range(MAX_PASSES):
        change = 0.0
        for unit in order:
            operation = sheet.operation(unit)
            inlets = sheet.inlets(unit)
            for port, stream in sheet.outlets(unit).items():
                if isinstance(operation, Feed):
                    new = operation.temperature
                elif (fixed := getattr(operation, "temperature", None)) is not None:
                    new = operation.outlet_temperature(port, fixed)
                else:
                    mixed = mixed_temperature(
                        components, [(flows[s.name], temperature[s.name]) for s in inlets.values()]
                    )
                    new = operation.outlet_temperature(port, mixed)
                change = max(change, abs(new - temperature[stream.name]))
                temperature[stream.name] = new
        if change < 1e-9:
            return temperature
    raise SolveError(
        sheet.name, f"stream temperatures did not settle in {MAX_PASSES} passes", "check adiabatic mixers in loops"
    )


def duties(sheet: Flowsheet, solution: MassSolution, temperature: dict[str, float]) -> dict[str, float]:
    """Heat duty of every unit (not feeds or products), [W]; positive when heat is supplied."""
    components = solution.components
    flows = {s.name: f for s, f in zip(solution.streams, solution.flows, strict=True)}
    found = {}
    for operation in sheet.operations:
        if isinstance(operation, Feed | Product):
            continue
        total, scale = 0.0, 0.0
        for sign, streams in ((1.0, sheet.outlets(operation.name)), (-1.0, sheet.inlets(operation.name))):
            for stream in streams.values():
                try:
                    value = enthalpy(components, flows[stream.name], temperature[stream.name])
                except FlowsheetError as err:
                    err.add_note(f"while computing the enthalpy of stream {stream.name!r} of unit {operation.name!r}")
                    raise
                total += sign * value
                scale += abs(value)
        found[operation.name] = 0.0 if abs(total) <= ROUND_OFF * scale else total
    return found
