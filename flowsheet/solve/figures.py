"""KPIs of every sample from a plan's flat flows: the records of :mod:`flowsheet.kpis`, evaluated.

:class:`KpiCalculator` is built once per plan (which streams of the reduced layout reach which
kind of product, which species count as what) and turns flat flows (N, L) and duties (N,) per
unit into every KPI with a leading sample axis, in SI: kg (or kg/s), J (or W), t km, USD, s. Flow
sums are one matrix product of the flows with a weight column per sum; what is bought and sold is
priced by :mod:`flowsheet.solve.costs`; the lead time is the longest way through the plant's
units and legs from a feed to the product, recycles not followed.
"""

from __future__ import annotations

import functools

import numpy as np

from flowsheet.chemistry import Formula
from flowsheet.chemistry.elements import atomic_weights
from flowsheet.components import Components
from flowsheet.factors import emission_factor, modes, utility
from flowsheet.kpis import FEEDS, IMPURITIES, KPIS, WASTE_CLASSES, Leg, Parts, UnitEnergy, waste_class
from flowsheet.operations import Calciner, Feed, Operation, Product, Scrap, TransportLeg
from flowsheet.solve.costs import Pricing
from flowsheet.solve.plan import Plan
from flowsheet.solve.upstream import Upstream

SODIUM_SULFATE = ("Na2SO4", "Na2SO4·10H2O")
"""Forms counted as sodium sulfate, as anhydrous Na2SO4."""
AMMONIUM_SULFATE = ("(NH4)2SO4",)
"""Forms counted as ammonium sulfate."""


def weights(components: Components) -> dict[str, np.ndarray]:
    """Per-species weights flow sums use, by name, (species,): kg/mol of what they count."""
    masses = components.molar_masses

    def only(label: str) -> np.ndarray:
        return components.unit_vector(label) if label in components else np.zeros(len(components))

    def counted(forms: tuple[str, ...]) -> np.ndarray:
        """Moles of the first form per mole of each species that is one of `forms`, as kg of it."""
        keys = {Formula(form).key for form in forms}
        found = np.array([1.0 if s.formula.key in keys else 0.0 for s in components.species])
        return found * Formula(forms[0]).relative_mass / 1000.0

    return {
        "mass": masses,
        "water": masses * only("H2O(l)"),
        "steam": masses * only("H2O(g)"),
        "not_water": masses * (1.0 - only("H2O(l)")),
        "co2": masses * only("CO2(g)"),
        "sulfate": counted(SODIUM_SULFATE),
        "ammonium": counted(AMMONIUM_SULFATE),
        "solids": masses * components.mask("s"),
        "liquid": masses * components.mask("l", "aq"),
    }


class KpiCalculator:
    """Headline figures from a plan's flat flows, for a flowsheet whose structure is fixed.

    Parameters
    ----------
    plan : Plan
        The mass-balance plan: streams, reduced layout, products by kind.
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        sheet, components = plan.sheet, plan.components
        per_species = weights(components)
        columns: dict[str, np.ndarray] = {}
        for kpi in KPIS:
            if kpi.weight:
                streams = plan.feeds() if kpi.streams == FEEDS else plan.products(*kpi.streams)
                columns[kpi.name] = plan.weights(streams, per_species[kpi.weight])
        self.legs_of = [op.name for op in sheet.operations if isinstance(op, TransportLeg)]
        for leg in self.legs_of:
            columns[f"leg:{leg}"] = plan.weights([sheet.inlets(leg)["feed"]], components.molar_masses)
        self.units = [op.name for op in sheet.operations if not isinstance(op, Feed | Product)]
        for op in sheet.operations:
            if isinstance(op, Scrap):
                columns[f"scrap:{op.name}"] = plan.weights([sheet.outlets(op.name)["scrap"]], components.molar_masses)
        for unit in self.units:
            for kind in ("solids", "liquid"):
                columns[f"{kind}:{unit}"] = plan.weights(list(sheet.outlets(unit).values()), per_species[kind])
        self.pricing = Pricing(plan, self.units)
        columns.update(self.pricing.columns)
        self.upstream = Upstream(plan)
        columns.update(self.upstream.columns)
        self.order, self.before = _forward(plan)
        self.ends = [op.name for op in sheet.operations if isinstance(op, Product) and op.kind == "product"]
        self.product_columns: dict[str, tuple[list[str], np.ndarray]] = {}
        self.names = list(columns)
        self.matrix = np.stack(list(columns.values()), axis=1) if columns else np.zeros((plan.width, 0))

    def product_mass(self, flows: np.ndarray, label: str) -> np.ndarray:
        """Mass of one species in products of kind 'product', per sample, [kg]."""
        plan = self.plan
        per_species = plan.components.molar_masses * plan.components.unit_vector(label)
        return flows @ plan.weights(plan.products("product"), per_species)

    def parts(
        self,
        flows: np.ndarray,
        duties: dict[str, np.ndarray],
        operations: dict[str, Operation],
        product: str,
        prices: dict[str, np.ndarray] | None = None,
        factors: dict[str, np.ndarray] | None = None,
    ) -> Parts:
        """Flow sums, unit energies, legs, costs, upstream burdens and lead time of flat flows (N, L) and duties (N,).

        `prices` are sampled prices by key, USD per SI unit, (N,) each, in place of the book's;
        `factors` sampled cradle-to-gate factors by key, [kg CO2e per kg], (N,) each, in place of the data's.
        """
        summed = flows @ self.matrix
        sums = {name: summed[:, k] for k, name in enumerate(self.names)}
        names, columns = self._product_columns(product)
        sums |= dict(zip(names, (flows @ columns).T, strict=True))
        units = []
        for unit in self.units:
            operation, duty = operations[unit], duties[unit]
            losses = np.zeros_like(duty) + operation.heat_losses(sums[f"solids:{unit}"], sums[f"liquid:{unit}"])
            purchased, co2e, carrier = np.zeros_like(duty), np.zeros_like(duty), ""
            region = self.plan.sheet.regions.get(operation.site, "world")
            if operation.utility:
                supply = utility(operation.utility)
                purchased = supply.purchased(duty + losses)
                carrier = supply.carrier
                co2e = purchased * emission_factor(carrier, region)
            units.append(UnitEnergy(unit, operation.utility, carrier, duty, losses, purchased, co2e, region))
        legs = []
        zero = np.zeros(flows.shape[0])
        inventory = zero
        for name in self.legs_of:
            operation = operations[name]
            assert isinstance(operation, TransportLeg)
            transit = zero + operation.transit_time()
            inventory = inventory + sums[f"leg:{name}"] * transit
            main = len(operation.parts()) - len(operation.inland)
            ports, basis = operation.ports, operation.basis
            for k, (mode_name, share, length) in enumerate(operation.parts()):
                mode = modes()[mode_name]
                shipped = share * sums[f"leg:{name}"]
                distance = zero + np.asarray(length, dtype=np.float64)
                fuel = mode.energy_intensity * shipped * distance
                co2e = fuel * emission_factor(mode.fuel)
                tonne_km, days = shipped * distance / 1e6, transit / 86400.0
                legs.append(
                    Leg(name, mode_name, distance, shipped, tonne_km, fuel, co2e, days, ports, basis, k >= main)
                )
        costs = self.pricing.lines(sums, units, legs, prices or {})
        product_mass = self.product_mass(flows, product)
        upstream = self.upstream.lines(sums, factors or {})
        return Parts(sums, product_mass, units, legs, costs, self._lead_time(operations, zero), inventory, upstream)

    def _lead_time(self, operations: dict[str, Operation], zero: np.ndarray) -> np.ndarray:
        """The longest time from a feed to a product of kind 'product', per sample, [s]."""
        times = {node: _time(operations[node]) for node in self.order}
        if all(time.ndim == 0 for time in times.values()):  # one value for every sample: plain floats are quicker
            reached: dict[str, float] = {}
            for node in self.order:
                reached[node] = max((reached[p] + float(times[p]) for p in self.before[node]), default=0.0)
            return zero + max((reached[end] + float(times[end]) for end in self.ends if end in reached), default=0.0)
        arrival: dict[str, np.ndarray] = {}
        for node in self.order:
            arrival[node] = functools.reduce(np.maximum, (arrival[p] + times[p] for p in self.before[node]), zero)
        return functools.reduce(np.maximum, (arrival[end] + times[end] for end in self.ends if end in arrival), zero)

    def _product_columns(self, product: str) -> tuple[list[str], np.ndarray]:
        """Named columns (L, k) of the sums that depend on which species is the product, built once per product.

        ``waste:<class>``: what waste and wastewater carry besides liquid water, by :data:`WASTE_CLASSES`.
        ``product:mass``, ``product:S`` ... and ``precursor:...``: the mass of the product streams and of
        what calciners fire (their ``feed`` inlets), and of each impurity element in them. An element
        counts in every species but the product itself, so a sodium cathode's own sodium is not an impurity.
        """
        if product not in self.product_columns:
            plan, components = self.plan, self.plan.components
            masses = components.molar_masses
            water = components.unit_vector("H2O(l)") if "H2O(l)" in components else np.zeros(len(components))
            classes = [waste_class(s.formula, s.phase, Formula(product)) for s in components.species]
            wasted = plan.products("waste", "wastewater")
            columns = {
                f"waste:{name}": plan.weights(wasted, masses * (1.0 - water) * np.array([c == name for c in classes]))
                for name in WASTE_CLASSES
            }
            key = Formula(product).key
            own = np.array([s.formula.key == key for s in components.species])
            fired = [plan.sheet.inlets(op.name)["feed"] for op in plan.sheet.operations if isinstance(op, Calciner)]
            for streams, chosen in (("product", plan.products("product")), ("precursor", fired)):
                columns[f"{streams}:mass"] = plan.weights(chosen, masses)
                for element in IMPURITIES:
                    atoms = np.array([float(s.formula.elements.get(element, 0)) for s in components.species])
                    per_species = np.where(own, 0.0, atoms) * atomic_weights()[element] / 1000.0
                    columns[f"{streams}:{element}"] = plan.weights(chosen, per_species)
            self.product_columns[product] = (list(columns), np.stack(list(columns.values()), axis=1))
        return self.product_columns[product]

    def compute(self, parts: Parts) -> dict[str, np.ndarray]:
        """Every KPI of :data:`KPIS`, per sample, [kg], [J] or [t km] per the flows' basis."""
        found: dict[str, np.ndarray] = {}
        for kpi in KPIS:
            found[kpi.name] = parts.sums[kpi.name] if kpi.weight else kpi.compute(parts, found)  # type: ignore[misc]
        return found


def _time(operation: Operation) -> np.ndarray:
    """Time spent in a unit, [s]: its residence time, and a leg's transit time."""
    own = np.asarray(operation.residence_time, dtype=np.float64)
    return own + operation.transit_time() if isinstance(operation, TransportLeg) else own


def _forward(plan: Plan) -> tuple[list[str], dict[str, list[str]]]:
    """Units in the order goods reach them from the feeds, and each unit's forward predecessors.

    A depth-first walk from every feed, in the flowsheet's order, drops the streams that close a
    loop (recycles), so the rest is acyclic: what is left is the way forward through the plant.
    """
    after: dict[str, list[str]] = {}
    for stream in plan.streams:
        after.setdefault(stream.source, []).append(stream.target)
    before: dict[str, list[str]] = {}
    state: dict[str, int] = {}  # 1: on the walk's stack, 2: done
    finished: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        for target in after.get(node, []):
            if state.get(target) == 1:
                continue  # a recycle
            before.setdefault(target, []).append(node)
            if target not in state:
                visit(target)
        state[node] = 2
        finished.append(node)

    for op in plan.sheet.operations:
        if isinstance(op, Feed) and op.name not in state:
            visit(op.name)
    order = finished[::-1]
    return order, {node: list(dict.fromkeys(before.get(node, []))) for node in order}


def calculator_of(plan: Plan) -> KpiCalculator:
    """The plan's :class:`KpiCalculator`, built on first use and kept with the plan."""
    if plan.calculator is None:
        plan.calculator = KpiCalculator(plan)
    return plan.calculator
