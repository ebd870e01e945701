"""The headline figures of a solved flowsheet, for one sample or many, from its flow arrays.

:class:`KpiCalculator` is built once per flowsheet structure (which streams reach
which kind of product, which species count as what) and then turns flows of shape
(N, streams, species) and duties (N,) per unit into every KPI with a leading sample
axis, in SI: kg (or kg/s), J (or W), t km. :class:`~flowsheet.results.Results` uses
it for one solve and :mod:`flowsheet.sampling` for thousands, so both count alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowsheet.chemistry import Formula
from flowsheet.components import Components
from flowsheet.factors import emission_factor, modes, utility
from flowsheet.graph import Flowsheet, Stream
from flowsheet.operations import Feed, Operation, Product, TransportLeg
from flowsheet.operations.ports import PRODUCT_KINDS

SODIUM_SULFATE = ("Na2SO4", "Na2SO4·10H2O")
"""Forms counted as sodium sulfate, as anhydrous Na2SO4."""

WASTE_KINDS = ("waste", "wastewater")
"""Product kinds counted as waste."""

KPIS = {
    "product": "mass of the basis species in products of kind 'product' (the basis itself)",
    "water_fresh": "liquid water in every feed, reagent solutions included (32 % caustic brings 2.1 kg water per kg "
    "NaOH); water of crystallisation in solid feeds is not counted; no recycle of process water is assumed "
    "unless the route draws one",
    "water_evaporated": "water leaving as vapour in any product: evaporators and crystallisers, dryers, and water "
    "released on firing",
    "wastewater": "total mass (water and dissolved salts) of streams into products of kind 'wastewater'",
    "sodium_sulfate": "Na2SO4, as anhydrous, in any form (dissolved, thenardite, Glauber's salt) leaving in "
    "products of kind waste, wastewater or byproduct",
    "waste_total": "everything but liquid water leaving in products of kind waste or wastewater: salts, bled "
    "metal, residues",
    "shipped_mass": "mass carried by every transport leg, summed over legs",
    "freight": "tonne-kilometres: shipped mass times distance, summed over legs",
    "energy_electric": "electricity bought for unit duties: (duty + standing loss of kilns) / utility efficiency "
    "(or COP); heat removal is not counted",
    "energy_thermal": "fuel bought for unit duties (natural gas for steam, gas kilns and dryers), as for electricity",
    "energy_transport": "fuel burnt by transport legs: tonne-km times the mode's energy intensity",
    "energy_total": "energy_electric + energy_thermal + energy_transport (final energy, not primary)",
    "heat_unassigned": "positive duties of units given no utility: heat the route needs but does not buy",
    "co2e_energy": "CO2e of bought energy: electricity by the grid region of each unit's site, fuels by IPCC "
    "combustion factors",
    "co2e_transport": "CO2e of transport fuel",
    "co2e_process": "CO2 released by the chemistry (Li2CO3, burnt reagents) into products of kind 'emission'",
    "co2e": "co2e_energy + co2e_transport + co2e_process; upstream (mining, refining of inputs) not included",
}
"""Every headline figure and its boundary, per basis."""

KIND = {
    "product": "mass", "water_fresh": "mass", "water_evaporated": "mass", "wastewater": "mass",
    "sodium_sulfate": "mass", "waste_total": "mass", "shipped_mass": "mass", "freight": "freight",
    "energy_electric": "energy", "energy_thermal": "energy", "energy_transport": "energy", "energy_total": "energy",
    "heat_unassigned": "energy", "co2e_energy": "mass", "co2e_transport": "mass", "co2e_process": "mass",
    "co2e": "mass",
}  # fmt: skip
"""What each KPI measures: mass [kg], energy [J] or freight [t km], per basis."""


def display_unit(kind: str, rate: bool) -> tuple[str, float]:
    """The unit figures of a kind are shown in, and the factor from the solver's SI value.

    Per basis amount: kg, MJ and t km; per rate basis (solved per second): kg/h, MW and t km/h.
    """
    if kind == "energy":
        return ("MW" if rate else "MJ"), 1e-6
    unit = {"mass": "kg", "freight": "t*km"}[kind]
    return (f"{unit}/h", 3600.0) if rate else (unit, 1.0)


@dataclass(frozen=True)
class UnitEnergy:
    """Energy of one unit per sample: duty [J], energy bought [J] and its CO2e [kg]."""

    unit: str
    utility: str
    carrier: str
    duty: np.ndarray
    purchased: np.ndarray
    co2e: np.ndarray


@dataclass(frozen=True)
class Leg:
    """One transport leg per sample: distance [m], shipped [kg], t km, fuel [J], CO2e [kg]."""

    leg: str
    mode: str
    distance: np.ndarray
    shipped: np.ndarray
    tonne_km: np.ndarray
    fuel: np.ndarray
    co2e: np.ndarray


class KpiCalculator:
    """Headline figures from flow arrays, for a flowsheet whose structure is fixed.

    Parameters
    ----------
    sheet : Flowsheet
        The flowsheet.
    components : Components
        Its species, in the column order of the flows.
    edges : tuple of Stream
        Its streams, in the row order of the flows.
    operations : dict of str to Operation, optional
        Units replaced by sampled copies (transport distances that vary, ...).
    """

    def __init__(
        self,
        sheet: Flowsheet,
        components: Components,
        edges: tuple[Stream, ...],
        operations: dict[str, Operation] | None = None,
    ) -> None:
        self.sheet, self.components, self.edges = sheet, components, edges
        self.operations = {op.name: (operations or {}).get(op.name, op) for op in sheet.operations}
        self.row = {s.name: i for i, s in enumerate(edges)}
        masses = components.molar_masses
        water = components.unit_vector("H2O(l)") if "H2O(l)" in components else np.zeros(len(components))
        steam = components.unit_vector("H2O(g)") if "H2O(g)" in components else np.zeros(len(components))
        carbon_dioxide = components.unit_vector("CO2(g)") if "CO2(g)" in components else np.zeros(len(components))
        sulfate_keys = {Formula(form).key for form in SODIUM_SULFATE}
        sulfate = np.array([1.0 if s.formula.key in sulfate_keys else 0.0 for s in components.species])
        self.weights = {
            "mass": masses,
            "water": masses * water,
            "steam": masses * steam,
            "not_water": masses * (1.0 - water),
            "co2": masses * carbon_dioxide,
            "sulfate": sulfate * Formula("Na2SO4").relative_mass / 1000.0,
            "solids": masses * components.mask("s"),
        }
        self.feeds = self._rows(lambda s: isinstance(self.operations[s.source], Feed))
        self.into = {kind: self._rows(lambda s, k=kind: self._into(s, (k,))) for kind in PRODUCT_KINDS}

    def _into(self, stream: Stream, kinds: tuple[str, ...]) -> bool:
        target = self.operations[stream.target]
        return isinstance(target, Product) and target.kind in kinds

    def _rows(self, keep) -> np.ndarray:  # noqa: ANN001 - a predicate on streams
        return np.array([i for i, s in enumerate(self.edges) if keep(s)], dtype=int)

    def _sum(self, flows: np.ndarray, rows: np.ndarray, weight: str) -> np.ndarray:
        """Σ over the given streams of weight · flows, per sample."""
        if rows.size == 0:
            return np.zeros(flows.shape[0])
        return np.einsum("nsj,j->n", flows[:, rows], self.weights[weight])

    def product_mass(self, flows: np.ndarray, label: str) -> np.ndarray:
        """Mass of one species in products of kind 'product', per sample, [kg]."""
        column = self.components.index(label)
        rows = self.into["product"]
        return flows[:, rows, column].sum(axis=1) * self.components.molar_masses[column]

    def legs(self, flows: np.ndarray) -> list[Leg]:
        """Every transport leg per sample; a leg over a mix of modes gives one record per mode."""
        found = []
        for name, operation in self.operations.items():
            if not isinstance(operation, TransportLeg):
                continue
            carried = flows[:, self.row[self.sheet.inlets(name)["feed"].name]] @ self.components.molar_masses
            for mode_name, share, length in operation.parts():
                mode = modes()[mode_name]
                shipped = share * carried
                distance = np.zeros(flows.shape[0]) + np.asarray(length, dtype=np.float64)
                fuel = mode.energy_intensity * shipped * distance
                co2e = fuel * emission_factor(mode.fuel)
                found.append(Leg(name, mode_name, distance, shipped, shipped * distance / 1e6, fuel, co2e))
        return found

    def unit_energy(self, flows: np.ndarray, duties: dict[str, np.ndarray]) -> list[UnitEnergy]:
        """Every unit's duty, energy bought and CO2e, per sample."""
        found = []
        for name, duty in duties.items():
            operation = self.operations[name]
            purchased, co2e, carrier = np.zeros_like(duty), np.zeros_like(duty), ""
            if operation.utility:
                supply = utility(operation.utility)
                rows = np.array([self.row[s.name] for s in self.sheet.outlets(name).values()], dtype=int)
                purchased = supply.purchased(duty, self._sum(flows, rows, "solids"))
                carrier = supply.carrier
                co2e = purchased * emission_factor(carrier, self.sheet.regions.get(operation.site, "world"))
            found.append(UnitEnergy(name, operation.utility, carrier, duty, purchased, co2e))
        return found

    def compute(self, flows: np.ndarray, duties: dict[str, np.ndarray], product: str) -> dict[str, np.ndarray]:
        """Every KPI of :data:`KPIS`, per sample, [kg], [J] or [t km] per the flows' basis."""
        legs, units = self.legs(flows), self.unit_energy(flows, duties)
        zero = np.zeros(flows.shape[0])
        electric = sum((u.purchased for u in units if u.carrier == "electricity"), zero)
        thermal = sum((u.purchased for u in units if u.carrier not in ("", "electricity")), zero)
        transport = sum((leg.fuel for leg in legs), zero)
        co2e_energy = sum((u.co2e for u in units), zero)
        co2e_transport = sum((leg.co2e for leg in legs), zero)
        co2e_process = self._sum(flows, self.into["emission"], "co2")
        waste = np.concatenate([self.into["waste"], self.into["wastewater"]])
        sulfate = np.concatenate([waste, self.into["byproduct"]])
        every_product = np.concatenate([self.into[kind] for kind in PRODUCT_KINDS])
        return {
            "product": self.product_mass(flows, product),
            "water_fresh": self._sum(flows, self.feeds, "water"),
            "water_evaporated": self._sum(flows, every_product, "steam"),
            "wastewater": self._sum(flows, self.into["wastewater"], "mass"),
            "sodium_sulfate": self._sum(flows, sulfate, "sulfate"),
            "waste_total": self._sum(flows, waste, "not_water"),
            "shipped_mass": sum((leg.shipped for leg in legs), zero),
            "freight": sum((leg.tonne_km for leg in legs), zero),
            "energy_electric": electric,
            "energy_thermal": thermal,
            "energy_transport": transport,
            "energy_total": electric + thermal + transport,
            "heat_unassigned": sum((np.maximum(u.duty, 0.0) for u in units if not u.utility), zero),
            "co2e_energy": co2e_energy,
            "co2e_transport": co2e_transport,
            "co2e_process": co2e_process,
            "co2e": co2e_energy + co2e_transport + co2e_process,
        }
