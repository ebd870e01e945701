"""What a route buys, sells and pays for, priced: materials by feed, utilities by unit, freight by leg, disposal.

:class:`Pricing` is built once per plan: it finds the price of everything the flowsheet buys or
disposes of in the region where that happens (the package's prices with the route's own on top),
makes a mass column per priced item for the KPI matrix, and lists what has no price. Each solve then
turns the summed columns, the units' purchased energy and the legs' tonne-km into
:class:`~flowsheet.kpis.CostLine` records, with sampled prices in place of the book's where given.
"""

from __future__ import annotations

import numpy as np

from flowsheet.factors import utility
from flowsheet.kpis import CostLine, Leg, UnitEnergy
from flowsheet.operations import Feed, Operation, Product, TransportLeg
from flowsheet.prices import Price, material_key, package_prices
from flowsheet.solve.plan import Plan


class Pricing:
    """The prices of one flowsheet's purchases, utilities, freight, disposal and byproducts.

    Parameters
    ----------
    plan : Plan
        The mass-balance plan.
    units : list of str
        The units whose utilities are bought (every unit but feeds and products).

    Attributes
    ----------
    columns : dict of str to numpy.ndarray
        Mass columns of the flat layout by name (``buy:``, ``dispose:``, ``sell:`` + key and region).
    unpriced : list of str
        What has no price, in words: left out of the costs.
    """

    def __init__(self, plan: Plan, units: list[str]) -> None:
        self.book = plan.sheet.prices or package_prices()
        self.units = units
        self.unpriced: list[str] = []
        self.priced: dict[str, Price] = {}
        self.columns = self._priced_columns(plan)
        categories = {"buy": "", "dispose": "waste", "sell": "credits"}
        self.material_lines: list[tuple[str, tuple[str, str, str], Price]] = []
        """Per priced column: its name, (category, key, region) and price."""
        for name, price in self.priced.items():
            kind, _, rest = name.partition(":")
            line = (categories[kind] or price.category, price.key, rest.rpartition("@")[2])
            self.material_lines.append((name, line, price))
        self._price_energy_and_freight(plan)

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
            region = site_region(plan, op)
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

    def lines(
        self, sums: dict[str, np.ndarray], units: list[UnitEnergy], legs: list[Leg], sampled: dict[str, np.ndarray]
    ) -> list[CostLine]:
        """Every priced item: bought materials, utilities, freight, disposal and byproduct credits."""
        amounts: dict[tuple[str, str, str], np.ndarray] = {}
        found: dict[tuple[str, str, str], Price] = {}
        for name, key, price in self.material_lines:
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


def site_region(plan: Plan, op: Operation) -> str:
    """Where a feed is bought or a product disposed of: its site's region, else that of the unit it feeds or leaves."""
    sheet = plan.sheet
    if op.site:
        return sheet.regions.get(op.site, "world")
    streams = list(sheet.outlets(op.name).values()) + list(sheet.inlets(op.name).values())
    neighbours = [sheet.operation(s.target if s.source == op.name else s.source) for s in streams]
    return next((sheet.regions.get(n.site, "world") for n in neighbours if n.site), "world")
