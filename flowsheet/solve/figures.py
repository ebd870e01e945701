"""KPIs of every sample from a plan's flat flows: the records of :mod:`flowsheet.kpis`, evaluated.

:class:`KpiCalculator` is built once per plan (which streams of the reduced layout reach which
kind of product, which species count as what) and turns flat flows (N, L) and duties (N,) per
unit into every KPI with a leading sample axis, in SI: kg (or kg/s), J (or W), t km. Flow sums
are one matrix product of the flows with a weight column per sum.
"""

from __future__ import annotations

import functools

import numpy as np

from flowsheet.chemistry import Formula
from flowsheet.components import Components
from flowsheet.factors import emission_factor, modes, utility
from flowsheet.kpis import FEEDS, KPIS, CostLine, Leg, Parts, UnitEnergy
from flowsheet.operations import Feed, Operation, Product, Scrap, TransportLeg
from flowsheet.prices import Price, material_key, package_prices
from flowsheet.solve.plan import Plan

SODIUM_SULFATE = ("Na2SO4", "Na2SO4·10H2O")
"""Forms counted as sodium sulfate, as anhydrous Na2SO4."""


def weights(components: Components) -> dict[str, np.ndarray]:
    """Per-species weights flow sums use, by name, (species,): kg/mol of what they count."""
    masses = components.molar_masses

    def only(label: str) -> np.ndarray:
        return components.unit_vector(label) if label in components else np.zeros(len(components))

    sulfate_keys = {Formula(form).key for form in SODIUM_SULFATE}
    sulfate = np.array([1.0 if s.formula.key in sulfate_keys else 0.0 for s in components.species])
    return {
        "mass": masses,
        "water": masses * only("H2O(l)"),
        "steam": masses * only("H2O(g)"),
        "not_water": masses * (1.0 - only("H2O(l)")),
        "co2": masses * only("CO2(g)"),
        "sulfate": sulfate * Formula("Na2SO4").relative_mass / 1000.0,
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
        self.book = sheet.prices or package_prices()
        self.unpriced: list[str] = []
        self.priced: dict[str, Price] = {}
        for name, column in self._priced_columns(plan).items():
            columns[name] = columns.get(name, 0.0) + column
        self._price_energy_and_freight(plan)
        self.order, self.before = _forward(plan)
        self.ends = [op.name for op in sheet.operations if isinstance(op, Product) and op.kind == "product"]
        self.names = list(columns)
        self.matrix = np.stack(list(columns.values()), axis=1) if columns else np.zeros((plan.width, 0))

    def _price_energy_and_freight(self, plan: Plan) -> None:
        """The price of each unit's utility in its region and of each leg's modes in its origin's region, looked up once."""
        sheet, book = plan.sheet, self.book
        self.utility_prices: dict[str, tuple[str, str, Price]] = {}
        self.freight_prices: dict[tuple[str, str], tuple[str, str, Price]] = {}
        for op in sheet.operations:
            region = sheet.regions.get(op.site, "world")
            if op.name in self.units and op.utility:
                carrier = utility(op.utility).carrier
                price = book.find(carrier, region)
                if price is None:
                    self.unpriced.append(f"{carrier} (utilities of {op.name}, {region})")
                else:
                    self.utility_prices[op.name] = (carrier, region, price)
            if isinstance(op, TransportLeg):
                region = sheet.regions.get(op.origin or op.site, "world")
                for mode, _, _ in op.parts():
                    price = book.find(f"freight_{mode}", region)
                    if price is None:
                        self.unpriced.append(f"freight_{mode} (leg {op.name}, {region})")
                    else:
                        self.freight_prices[(op.name, mode)] = (f"freight_{mode}", region, price)

    def _priced_columns(self, plan: Plan) -> dict[str, np.ndarray]:
        """Mass columns of what is bought (``buy:``), disposed of (``dispose:``) and sold (``sell:``), by price and region.

        Each column's price is kept in :attr:`priced`; what has no price is listed in :attr:`unpriced`.
        """
        sheet, components, book = plan.sheet, plan.components, self.book
        masses = components.molar_masses
        columns: dict[str, np.ndarray] = {}

        def add(name: str, price: Price, streams: list, per_species: np.ndarray) -> None:
            columns[name] = columns.get(name, 0.0) + plan.weights(streams, per_species)
            self.priced[name] = price

        for op in sheet.operations:
            region = _region(plan, op)
            if isinstance(op, Feed):
                streams = list(sheet.outlets(op.name).values())
                whole = book.own.get(op.name)
                if whole is not None:
                    add(f"buy:{op.name}@{region}", whole, streams, masses)
                    continue
                for j in sorted({int(j) for s in streams for j in plan.species[s.name]}):
                    key = material_key(components.labels[j])
                    price = book.find(key, region)
                    if price is None:
                        self.unpriced.append(f"{key} (feed {op.name}, {region})")
                        continue
                    add(f"buy:{key}@{region}", price, streams, masses * components.unit_vector(components.labels[j]))
            elif isinstance(op, Product) and op.kind in ("waste", "wastewater", "byproduct"):
                streams = list(sheet.inlets(op.name).values())
                if op.kind != "byproduct":
                    price = book.find(f"disposal_{op.kind}", region)
                    if price is None:
                        self.unpriced.append(f"disposal_{op.kind} (product {op.name}, {region})")
                    else:
                        add(f"dispose:{op.kind}@{region}", price, streams, masses)
                    continue
                for j in sorted({int(j) for s in streams for j in plan.species[s.name]}):
                    key = "credit_" + material_key(components.labels[j])
                    if key == "credit_H2O":
                        continue  # the water a byproduct carries is neither sold nor priced
                    price = book.find(key, region)
                    if price is None:
                        self.unpriced.append(f"{key} (byproduct {op.name}, {region})")
                        continue
                    add(f"sell:{key}@{region}", price, streams, masses * components.unit_vector(components.labels[j]))
        return columns

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
    ) -> Parts:
        """Flow sums, unit energies, legs, costs and lead time of flat flows (N, L) per basis and duties (N,) per unit.

        `prices` are sampled prices by key, USD per SI unit, (N,) each, in place of the book's.
        """
        summed = flows @ self.matrix
        sums = {name: summed[:, k] for k, name in enumerate(self.names)}
        units = []
        for unit in self.units:
            operation, duty = operations[unit], duties[unit]
            losses = np.zeros_like(duty) + operation.heat_losses(sums[f"solids:{unit}"], sums[f"liquid:{unit}"])
            purchased, co2e, carrier = np.zeros_like(duty), np.zeros_like(duty), ""
            if operation.utility:
                supply = utility(operation.utility)
                purchased = supply.purchased(duty + losses)
                carrier = supply.carrier
                region = self.plan.sheet.regions.get(operation.site, "world")
                co2e = purchased * emission_factor(carrier, region)
            units.append(UnitEnergy(unit, operation.utility, carrier, duty, losses, purchased, co2e))
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
        costs = self._costs(sums, units, legs, prices or {})
        product_mass = self.product_mass(flows, product)
        return Parts(sums, product_mass, units, legs, costs, self._lead_time(operations, zero), inventory)

    def _costs(
        self, sums: dict[str, np.ndarray], units: list[UnitEnergy], legs: list[Leg], sampled: dict[str, np.ndarray]
    ) -> list[CostLine]:
        """Every priced item: bought materials, utilities, freight, disposal and byproduct credits."""
        categories = {"buy": "", "dispose": "waste", "sell": "credits"}
        amounts: dict[tuple[str, str, str], np.ndarray] = {}
        found: dict[tuple[str, str, str], Price] = {}
        for name, price in self.priced.items():
            kind, _, rest = name.partition(":")
            key = (categories[kind] or price.category, price.key, rest.rpartition("@")[2])
            amounts[key], found[key] = sums[name], price
        for unit in units:
            if unit.unit in self.utility_prices:
                carrier, region, price = self.utility_prices[unit.unit]
                key = ("utilities", carrier, region)
                amounts[key], found[key] = amounts.get(key, 0.0) + unit.purchased, price
        for leg in legs:
            if (leg.leg, leg.mode) in self.freight_prices:
                item, region, price = self.freight_prices[(leg.leg, leg.mode)]
                key = ("freight", item, region)
                amounts[key], found[key] = amounts.get(key, 0.0) + leg.shipped * leg.distance, price
        lines = []
        for (category, item, region), amount in amounts.items():
            price = found[(category, item, region)]
            value = sampled.get(price.key, price.value)
            lines.append(
                CostLine(item, region, category, amount, np.zeros_like(amount) + value, price.source, price.estimate)
            )
        return lines

    def _lead_time(self, operations: dict[str, Operation], zero: np.ndarray) -> np.ndarray:
        """The longest time from a feed to a product of kind 'product', per sample, [s]."""
        times = {node: _time(operations[node]) for node in self.order}
        arrival: dict[str, np.ndarray] = {}
        for node in self.order:
            arrival[node] = functools.reduce(np.maximum, (arrival[p] + times[p] for p in self.before[node]), zero)
        return functools.reduce(np.maximum, (arrival[end] + times[end] for end in self.ends if end in arrival), zero)

    def compute(self, parts: Parts) -> dict[str, np.ndarray]:
        """Every KPI of :data:`KPIS`, per sample, [kg], [J] or [t km] per the flows' basis."""
        found: dict[str, np.ndarray] = {}
        for kpi in KPIS:
            found[kpi.name] = parts.sums[kpi.name] if kpi.weight else kpi.compute(parts, found)  # type: ignore[misc]
        return found


def _region(plan: Plan, op: Operation) -> str:
    """Where a feed is bought or a product disposed of: its site's region, else that of the unit it feeds or leaves."""
    sheet = plan.sheet
    if op.site:
        return sheet.regions.get(op.site, "world")
    streams = list(sheet.outlets(op.name).values()) + list(sheet.inlets(op.name).values())
    neighbours = [sheet.operation(s.target if s.source == op.name else s.source) for s in streams]
    return next((sheet.regions.get(n.site, "world") for n in neighbours if n.site), "world")


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
    if "kpis" not in plan.derived:
        plan.derived["kpis"] = KpiCalculator(plan)
    return plan.derived["kpis"]  # type: ignore[return-value]
