"""Stream temperatures and unit heat duties of every sample, on the plan's reduced layout.

Each unit's duty is ``Σ H(outlets) - Σ H(inlets)`` with ``H = Σ_j n_j H_j(T)`` and
``H_j(T) = ΔfH°_j + ∫Cp_j dT`` (phase changes are changes of species, e.g.
H2O(l) -> H2O(g)), so reaction, latent and sensible heat are all counted. A unit with a
temperature sets its outlets' temperature; any other passes on the adiabatic mixing
temperature of its inlets. A temperature the same for every sample is kept as shape (1,)
and its stream's enthalpy is one dot product per sample; one that varies is (N,).
Enthalpies come from each stream's :class:`~flowsheet.thermo.enthalpy_table.EnthalpyTable`,
built once per plan over only the species that can reach the stream.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from flowsheet.chemistry import Formula
from flowsheet.errors import FlowsheetError, MissingDataError, SolveError
from flowsheet.graph import Flowsheet
from flowsheet.operations import Feed, Operation, Product
from flowsheet.operations.base import T_AMBIENT
from flowsheet.solve.plan import Plan
from flowsheet.thermo.enthalpy_table import EnthalpyTable, basis, slope_basis
from flowsheet.thermo.solutions import relative_enthalpy

WATER = Formula("H2O(l)")

ROUND_OFF = 1e-12
"""A duty smaller than this fraction of the enthalpy flows through the unit is round-off, reported as zero."""

MAX_PASSES = 100
"""Passes over a recycle loop's units allowed for its temperatures to settle."""

NEWTON_STEPS = 8
"""Most Newton steps for an adiabatic mixing temperature; from the mass-weighted mean temperature, 3 already
reach round-off. Each sample stops at its own convergence (a step below ``CONVERGED`` of its temperature),
so its result never depends on the other samples solved with it."""

CONVERGED = 1e-10
"""A mixing temperature has converged when a Newton step moves it by less than this fraction (about 3e-8 K):
Newton's error then shrinks quadratically, so the next step would be below round-off."""

SAME = 1e-9
"""Inlets whose temperatures differ by less than this [K] mix at that temperature, with no Newton step."""


def enthalpy(table: EnthalpyTable, flows: np.ndarray, temperature: np.ndarray, formation: bool = True) -> np.ndarray:
    """Enthalpy flow of a stream per sample, [W]: flows (N, species of `table`), temperature (1,) or (N,) [K].

    Without `formation`, the sensible and latent part only (mixing conserves it).
    """
    if temperature.shape[0] == 1:
        molar = table.molar(float(temperature[0]))
        return flows @ (molar if formation else molar - table.formation)
    coefficients, first = table.mixture(flows, float(temperature.min()), float(temperature.max()))
    segment = table.segment(temperature)
    picked = coefficients[np.arange(len(temperature)), segment - first]
    sensible = np.einsum("nk,nk->n", picked, basis(temperature, table.anchors[segment]))
    return sensible + flows @ table.formation if formation else sensible


def add_solution_enthalpy(table: EnthalpyTable, feed: Feed) -> None:
    """Raise a feed stream's dissolved reagents from infinite dilution to the concentration fed.

    A solute with water in the feed's composition at ``n`` mol water per mol gains its relative
    apparent molar enthalpy ``L(n)`` (:func:`~flowsheet.thermo.solutions.relative_enthalpy`); one fed
    without water is taken as its label says, at infinite dilution.
    """
    water = next((float(v) for k, v in feed.flows.items() if k == "H2O(l)" or Formula(k) == WATER), 0.0)
    if water <= 0:
        return
    amounts = {(Formula(k).key, Formula(k).phase): float(v) for k, v in feed.flows.items()}
    formation = table.formation.copy()
    for j, item in enumerate(table.species):
        solute = amounts.get((item.formula.key, item.phase), 0.0)
        if item.phase != "aq" or solute <= 0:
            continue
        try:
            relative = relative_enthalpy(item.label, water / solute)
        except FlowsheetError as err:
            raise FlowsheetError(f"feed {feed.name!r}: {err}") from None
        formation[j] += relative or 0.0
    table.formation = formation


class Energy:
    """A plan's energy balance: enthalpy tables per stream and per mixing unit, built once.

    Parameters
    ----------
    plan : Plan
        The mass-balance plan whose flows (N, L) this evaluates.
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        sheet, components = plan.sheet, plan.components
        self.tables = {
            s.name: EnthalpyTable([components.species[j] for j in plan.species[s.name]]) for s in plan.streams
        }
        for stream in plan.streams:
            source = sheet.operation(stream.source)
            if isinstance(source, Feed):
                add_solution_enthalpy(self.tables[stream.name], source)
        self.mixing: dict[str, tuple[EnthalpyTable, list[np.ndarray]]] = {}
        """Per unit: a table over the union of its inlets' species, and where each inlet's columns sit in it."""
        for operation in sheet.operations:
            inlets = list(sheet.inlets(operation.name).values())
            union = np.unique(np.concatenate([plan.species[s.name] for s in inlets] or [np.zeros(0, int)]))
            positions = [np.searchsorted(union, plan.species[s.name]) for s in inlets]
            self.mixing[operation.name] = (EnthalpyTable([components.species[j] for j in union]), positions)
        self.order = [_temperature_order(sheet, members) for members in _components_in_order(sheet)]
        """Per strongly connected group of units: its units in an order that settles temperatures, and whether
        that takes passes (a loop of units none of which sets its temperature) or one."""
        units = [op.name for op in sheet.operations if not isinstance(op, Feed | Product)]
        self.units = units
        self.incidence = np.zeros((len(plan.streams), len(units)))
        """+1 where a stream leaves a unit, -1 where it enters: duties = stream enthalpies @ incidence."""
        for u, unit in enumerate(units):
            for stream in sheet.outlets(unit).values():
                self.incidence[plan.row[stream.name], u] += 1.0
            for stream in sheet.inlets(unit).values():
                self.incidence[plan.row[stream.name], u] -= 1.0

    def flows(self, flat: np.ndarray, stream: str) -> np.ndarray:
        """One stream's flows (N, its species) from the flat layout."""
        return flat[:, self.plan.slices[stream]]

    def temperatures(self, flat: np.ndarray, operations: dict[str, Operation]) -> dict[str, np.ndarray]:
        """Temperature of every stream, (1,) when the same for every sample, else (N,), [K].

        A recycle loop's units are passed over until no temperature moves by more than 1e-9 K.
        """
        sheet = self.plan.sheet
        found: dict[str, np.ndarray] = {s.name: np.array([T_AMBIENT]) for s in self.plan.streams}
        for group, looped in self.order:
            seen: dict[str, tuple[list[np.ndarray], np.ndarray]] = {}
            for _ in range(MAX_PASSES if looped else 1):
                change = 0.0
                for unit in group:
                    if not sheet.outlets(unit):
                        continue
                    new = self._outlet_temperature(unit, flat, operations[unit], found, seen)
                    for stream in sheet.outlets(unit).values():
                        change = max(change, float(np.abs(new - found[stream.name]).max()))
                        found[stream.name] = new
                if not looped or change < 1e-9:
                    break
            else:
                raise SolveError(
                    sheet.name,
                    f"stream temperatures of the loop {' -> '.join(group)} did not settle in {MAX_PASSES} passes",
                    "check adiabatic mixers in loops",
                )
        self._check_ranges(flat, found)
        return found

    def _outlet_temperature(
        self,
        unit: str,
        flat: np.ndarray,
        operation: Operation,
        found: dict[str, np.ndarray],
        seen: dict[str, tuple[list[np.ndarray], np.ndarray]],
    ) -> np.ndarray:
        """The unit's temperature, or its inlets' mixing temperature (`seen` keeps it while they do not move)."""
        fixed = operation.fixed_temperature()
        if fixed is not None:  # feeds have a temperature too
            return np.atleast_1d(np.asarray(fixed, dtype=np.float64))
        inlets = list(self.plan.sheet.inlets(unit).values())
        temperatures = [found[s.name] for s in inlets]
        before = seen.get(unit)
        if before is not None and all(np.array_equal(a, b) for a, b in zip(before[0], temperatures, strict=True)):
            return before[1]
        mixed = self._mixed(unit, [(self.flows(flat, s.name), found[s.name], s.name) for s in inlets])
        seen[unit] = (temperatures, mixed)
        return mixed

    def _mixed(self, unit: str, inlets: list[tuple[np.ndarray, np.ndarray, str]]) -> np.ndarray:
        """Temperature at which the summed inlets hold the inlets' total enthalpy, [K], (1,) or (N,).

        Newton's method on ``Σ n_j H_j(T) = Σ_inlets H``, from the mass-weighted mean
        temperature, at most ``NEWTON_STEPS`` steps, each sample until its own step is below
        ``CONVERGED``; inlets at one temperature give it exactly.
        """
        components = self.plan.components
        masses = [flows @ components.molar_masses[self.plan.species[name]] for flows, _, name in inlets]
        flowing = [(i, t) for i, (m, (_, t, _)) in enumerate(zip(masses, inlets, strict=True)) if np.any(m > 0)]
        if not flowing:
            return np.array([T_AMBIENT])
        if all(t.shape[0] == 1 for _, t in flowing) and np.ptp([t[0] for _, t in flowing]) <= SAME:
            return flowing[0][1]
        samples = max(m.shape[0] for m in masses)
        low = np.min([np.where(masses[i] > 0, t, np.inf) for i, t in flowing], axis=0)
        high = np.max([np.where(masses[i] > 0, t, -np.inf) for i, t in flowing], axis=0)
        total_mass = np.sum([masses[i] for i, _ in flowing], axis=0)
        weighted = np.sum([masses[i] * t for i, t in flowing], axis=0)
        start = np.divide(weighted, total_mass, out=np.full(samples, T_AMBIENT), where=total_mass > 0)
        same = ~(high - low > SAME)
        table, positions = self.mixing[unit]
        total = np.zeros((samples, len(table.species)))
        target = np.zeros(samples)
        for i, _ in flowing:
            flows, temperature, name = inlets[i]
            total[:, positions[i]] += flows
            target += enthalpy(self.tables[name], flows, temperature, formation=False)
        finite = np.isfinite(low)
        bounds = (float(low[finite].min(initial=T_AMBIENT)), float(high[finite].max(initial=T_AMBIENT)))
        coefficients, first = table.mixture(total, *bounds)
        last = coefficients.shape[1] - 1
        rows = np.arange(samples)
        temperature = np.clip(start, low, high)
        done = same.copy()
        for _ in range(NEWTON_STEPS):
            if last:
                segment = np.clip(table.segment(temperature) - first, 0, last)
                picked, anchor = coefficients[rows, segment], table.anchors[segment + first]
            else:
                picked, anchor = coefficients[:, 0], table.anchors[first]
            residual = np.einsum("nk,nk->n", picked, basis(temperature, anchor)) - target
            slope = np.einsum("nk,nk->n", picked, slope_basis(temperature))
            step = np.divide(residual, slope, out=np.zeros(samples), where=(slope != 0) & ~done)
            temperature = np.clip(temperature - step, low, high)
            done |= np.abs(step) <= CONVERGED * temperature
            if done.all():
                break
        if np.any(np.abs(step) > 1e-6):
            raise SolveError(
                self.plan.sheet.name,
                f"the adiabatic mixing temperature of unit {unit!r} did not converge "
                f"(last step {np.abs(step).max():.2g} K)",
                "check the temperatures and heat-capacity data of its inlets",
                unit=unit,
            )
        return np.where(same, np.where(finite, low, T_AMBIENT), temperature)

    def _check_ranges(self, flat: np.ndarray, temperatures: dict[str, np.ndarray]) -> None:
        """Raise if a species flows at a temperature outside its heat-capacity data, naming stream and unit."""
        for stream in self.plan.streams:
            table = self.tables[stream.name]
            column = table.outside(temperatures[stream.name], self.flows(flat, stream.name))
            if column is None:
                continue
            item = table.species[column]
            used = self.flows(flat, stream.name)[:, column] != 0.0
            temperature = temperatures[stream.name]
            try:
                item.check_temperature(temperature if temperature.shape[0] == 1 else temperature[used])
            except MissingDataError as err:
                raise SolveError(
                    self.plan.sheet.name,
                    f"stream {stream.name!r} carries {err.species} at a temperature outside its data: {err.problem}",
                    f"set unit {stream.source!r} to a temperature within that range, or add heat-capacity data for "
                    f"{err.species} covering it ({err.table})",
                    unit=stream.source,
                ) from err

    def duties(self, flat: np.ndarray, temperatures: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Heat duty of every unit (not feeds or products), (N,) each, [W]; positive when heat is supplied."""
        streams = self.plan.streams
        enthalpies = np.zeros((flat.shape[0], len(streams)))
        for i, stream in enumerate(streams):
            enthalpies[:, i] = enthalpy(
                self.tables[stream.name], self.flows(flat, stream.name), temperatures[stream.name]
            )
        total = enthalpies @ self.incidence
        scale = np.abs(enthalpies) @ np.abs(self.incidence)
        found = np.where(np.abs(total) <= ROUND_OFF * scale, 0.0, total)
        return {unit: found[:, u] for u, unit in enumerate(self.units)}


def _components_in_order(sheet: Flowsheet) -> list[list[str]]:
    condensed = nx.condensation(sheet.graph)
    position = {unit: i for i, unit in enumerate(sheet.graph)}
    return [sorted(condensed.nodes[g]["members"], key=position.__getitem__) for g in nx.topological_sort(condensed)]


def _temperature_order(sheet: Flowsheet, members: list[str]) -> tuple[list[str], bool]:
    """A loop's units in the order their temperatures follow, and whether passes are needed.

    A unit that sets its temperature does not depend on its inlets' temperatures: without the
    streams into such units, a loop usually opens into a chain solved in one pass.
    """
    if len(members) == 1 and not sheet.graph.has_edge(members[0], members[0]):
        return members, False
    opened = nx.DiGraph()
    opened.add_nodes_from(members)
    opened.add_edges_from(
        (a, b) for a, b in sheet.graph.subgraph(members).edges() if sheet.operation(b).fixed_temperature() is None
    )
    if nx.is_directed_acyclic_graph(opened):
        return list(nx.lexicographical_topological_sort(opened, key=members.index)), False
    return members, True


def energy_of(plan: Plan) -> Energy:
    """The plan's :class:`Energy`, built on first use and kept with the plan."""
    if plan.energy is None:
        plan.energy = Energy(plan)
    return plan.energy
