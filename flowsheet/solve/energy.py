"""Stream temperatures and unit heat duties from the solved flows, for one sample or many.

Each unit's duty is ``Σ H(outlets) - Σ H(inlets)`` with ``H = Σ_j n_j H_j(T)`` and
``H_j(T) = ΔfH°_j + ∫Cp_j dT`` (phase changes are changes of species, e.g.
H2O(l) -> H2O(g)), so reaction, latent and sensible heat are all counted. Arrays
carry a leading sample axis: flows (N, streams, species), temperatures (N,).
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from flowsheet.components import Components
from flowsheet.errors import FlowsheetError, SolveError
from flowsheet.graph import Flowsheet, Stream
from flowsheet.operations import Feed, Operation, Product
from flowsheet.operations.base import T_AMBIENT

ROUND_OFF = 1e-12
"""A duty smaller than this fraction of the enthalpy flows through the unit is round-off, reported as zero."""

MAX_PASSES = 100
"""Passes over the units allowed for the temperatures of recycle loops to settle."""

NEWTON_STEPS = 8
"""Newton steps for an adiabatic mixing temperature, always this many so that a sample's result never depends
on the other samples solved with it; from the mass-weighted mean temperature, 3 already reach round-off."""


def enthalpy(components: Components, flows: np.ndarray, temperature: np.ndarray, formation: bool = True) -> np.ndarray:
    """Enthalpy flow of a stream, [W], one per sample: flows (N, n), temperature (N,).

    Without `formation`, the sensible and latent part only (mixing conserves it).
    """
    t = np.asarray(temperature, dtype=float)
    if t.ndim == 1 and t.size and np.all(t == t[0]):  # one temperature for every sample: evaluate once
        used = np.any(flows != 0.0, axis=0)
        return flows @ components.enthalpies(float(t[0]), used.astype(float), formation)
    return np.einsum("...j,...j->...", components.enthalpies(t, flows, formation), flows)


def mixed_temperature(components: Components, inlets: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Temperature (N,) at which the summed inlets hold the inlets' total enthalpy, [K].

    Newton's method on ``Σ n_j H_j(T) = Σ_inlets H``, from the mass-weighted mean
    temperature, a fixed ``NEWTON_STEPS`` steps (round-off of the enthalpy polynomials,
    about 1e-9 K, is the floor); inlets at one temperature give it exactly.
    """
    samples = inlets[0][0].shape[0]
    masses = [flows @ components.molar_masses for flows, _ in inlets]
    total_mass = np.sum(masses, axis=0)
    flowing = [(f, t) for (f, t), m in zip(inlets, masses, strict=True) if np.any(m > 0)]
    if not flowing:
        return np.full(samples, T_AMBIENT)
    low = np.min([np.where(m > 0, t, np.inf) for (_, t), m in zip(inlets, masses, strict=True)], axis=0)
    high = np.max([np.where(m > 0, t, -np.inf) for (_, t), m in zip(inlets, masses, strict=True)], axis=0)
    weighted = np.sum([m * t for (_, t), m in zip(inlets, masses, strict=True)], axis=0)
    start = np.divide(weighted, total_mass, out=np.full(samples, T_AMBIENT), where=total_mass > 0)
    same = ~(high - low > 1e-9)
    if same.all():
        return np.where(np.isfinite(low), low, T_AMBIENT)
    total = np.sum([f for f, _ in flowing], axis=0)
    target = np.sum([enthalpy(components, f, t, formation=False) for f, t in flowing], axis=0)
    temperature = np.clip(start, low, high)
    for _ in range(NEWTON_STEPS):
        residual = enthalpy(components, total, temperature, formation=False) - target
        slope = np.einsum("...j,...j->...", components.heat_capacities(temperature, total), total)
        step = np.divide(residual, slope, out=np.zeros(samples), where=(slope != 0) & ~same)
        temperature = np.clip(temperature - step, low, high)
    if np.any(np.abs(step) > 1e-6):
        raise SolveError(
            "mixing", f"an adiabatic mixing temperature did not converge (last step {np.abs(step).max():.2g} K)"
        )
    return np.where(same, np.where(np.isfinite(low), low, T_AMBIENT), temperature)


def _unit_order(sheet: Flowsheet) -> list[str]:
    condensed = nx.condensation(sheet.graph)
    return [unit for group in nx.topological_sort(condensed) for unit in sorted(condensed.nodes[group]["members"])]


def solve_temperatures(
    sheet: Flowsheet,
    streams: tuple[Stream, ...],
    flows: np.ndarray,
    operations: dict[str, Operation] | None = None,
) -> dict[str, np.ndarray]:
    """Temperature of every stream, (N,) each, [K]; loops are passed over until they settle."""
    components = sheet.check()
    samples = flows.shape[0]
    operations = operations or {}
    by_name = {s.name: flows[:, i] for i, s in enumerate(streams)}
    temperature = {s.name: np.full(samples, T_AMBIENT) for s in streams}
    mixed_before: dict[str, tuple[list[np.ndarray], np.ndarray]] = {}  # unit -> (inlet temperatures, result)
    order = _unit_order(sheet)
    for _ in range(MAX_PASSES):
        change = 0.0
        for unit in order:
            operation = operations.get(unit, sheet.operation(unit))
            inlets = sheet.inlets(unit)
            fixed = getattr(operation, "temperature", None)
            for port, stream in sheet.outlets(unit).items():
                if fixed is not None:  # feeds have a temperature too
                    new = np.zeros(samples) + np.asarray(fixed, dtype=np.float64)
                else:
                    seen = [temperature[s.name] for s in inlets.values()]
                    cached = mixed_before.get(unit)
                    if cached is not None and all(np.array_equal(a, b) for a, b in zip(cached[0], seen, strict=True)):
                        mixed = cached[1]  # nothing upstream moved since the last pass
                    else:
                        mixed = mixed_temperature(
                            components, [(by_name[s.name], t) for s, t in zip(inlets.values(), seen, strict=True)]
                        )
                        mixed_before[unit] = (seen, mixed)
                    new = np.zeros(samples) + operation.outlet_temperature(port, mixed)  # type: ignore[arg-type]
                change = max(change, float(np.abs(new - temperature[stream.name]).max(initial=0.0)))
                temperature[stream.name] = new
        if change < 1e-9:
            return temperature
    raise SolveError(
        sheet.name, f"stream temperatures did not settle in {MAX_PASSES} passes", "check adiabatic mixers in loops"
    )


def duties(
    sheet: Flowsheet, streams: tuple[Stream, ...], flows: np.ndarray, temperature: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Heat duty of every unit (not feeds or products), (N,) each, [W]; positive when heat is supplied."""
    components = sheet.check()
    by_name = {s.name: flows[:, i] for i, s in enumerate(streams)}
    found = {}
    for operation in sheet.operations:
        if isinstance(operation, Feed | Product):
            continue
        total = np.zeros(flows.shape[0])
        scale = np.zeros(flows.shape[0])
        for sign, ports in ((1.0, sheet.outlets(operation.name)), (-1.0, sheet.inlets(operation.name))):
            for stream in ports.values():
                try:
                    value = enthalpy(components, by_name[stream.name], temperature[stream.name])
                except FlowsheetError as err:
                    err.add_note(f"while computing the enthalpy of stream {stream.name!r} of unit {operation.name!r}")
                    raise
                total += sign * value
                scale += np.abs(value)
        found[operation.name] = np.where(np.abs(total) <= ROUND_OFF * scale, 0.0, total)
    return found
