"""The headline figures of a solved flowsheet, each declared once.

Every KPI is one :class:`Kpi` record in :data:`KPIS`: its name, what it measures (mass, energy
or freight, hence its unit), its boundary in words, and how it is computed from the
:class:`Parts` of a solve. The README's table (:func:`markdown_table`), the JSON contract and
the sample columns are all made from these records, so adding a KPI is one edit here. The
solver evaluates them (:mod:`flowsheet.solve.figures`) for every sample at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from flowsheet.operations.ports import PRODUCT_KINDS
from flowsheet.units import co2e_unit

FEEDS = "feeds"
"""Stream selector of a flow sum: the streams leaving feeds (else a tuple of product kinds)."""


@dataclass(frozen=True)
class UnitEnergy:
    """Energy of one unit per sample: duty [J], its own losses [J], energy bought [J] and its CO2e [kg]."""

    unit: str
    utility: str
    carrier: str
    duty: np.ndarray
    losses: np.ndarray
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


@dataclass(frozen=True)
class Parts:
    """What KPIs are computed from, per sample: flow sums, unit energies and transport legs.

    Attributes
    ----------
    sums : dict of str to numpy.ndarray
        Flow sums by name, (N,): each KPI declared as one, the mass into each transport leg
        (``"leg:<name>"``) and the solids and liquid leaving each unit (``"solids:<name>"``,
        ``"liquid:<name>"``), [kg].
    product : numpy.ndarray
        Mass of the basis species in products of kind 'product', (N,), [kg].
    units : list of UnitEnergy
        Every unit but feeds and products.
    legs : list of Leg
        Every transport leg, one record per mode of a mixed leg.
    """

    sums: dict[str, np.ndarray]
    product: np.ndarray
    units: list[UnitEnergy]
    legs: list[Leg]

    def total(self, values: list[np.ndarray]) -> np.ndarray:
        """Sum of per-sample arrays, zero for none, (N,)."""
        return sum(values, np.zeros(len(self.product)))


@dataclass(frozen=True)
class Kpi:
    """One headline figure, per basis.

    Attributes
    ----------
    name : str
        Its key in results, JSON and sample columns.
    kind : str
        ``"mass"`` [kg], ``"co2e"`` (a mass of CO2 equivalent) [kg], ``"energy"`` [J] or ``"freight"``
        [t km] (see :func:`display_unit`).
    boundary : str
        What it counts and what it leaves out, in words.
    streams : str or tuple of str, optional
        For a flow sum: :data:`FEEDS` or the product kinds whose inlet streams it sums.
    weight : str, optional
        For a flow sum: the per-species weight (:func:`flowsheet.solve.figures.weights`).
    compute : callable, optional
        Otherwise ``compute(parts, kpis so far) -> (N,)``.
    """

    name: str
    kind: str
    boundary: str
    streams: str | tuple[str, ...] = ()
    weight: str = ""
    compute: Callable[[Parts, dict[str, np.ndarray]], np.ndarray] | None = None


def _bought(carrier: Callable[[str], bool]) -> Callable[[Parts, dict[str, np.ndarray]], np.ndarray]:
    return lambda parts, _: parts.total([u.purchased for u in parts.units if u.carrier and carrier(u.carrier)])


KPIS: tuple[Kpi, ...] = (
    Kpi("product", "mass", "mass of the basis species in products of kind 'product' (the basis itself)",
        compute=lambda parts, _: parts.product),
    Kpi("water_fresh", "mass", "liquid water in every feed, reagent solutions included (32 % caustic brings 2.1 kg "
        "water per kg NaOH); water of crystallisation in solid feeds is not counted; no recycle of process water is "
        "assumed unless the route draws one", streams=FEEDS, weight="water"),
    Kpi("water_evaporated", "mass", "water leaving as vapour in any product: evaporators and crystallisers, dryers, "
        "and water released on firing", streams=PRODUCT_KINDS, weight="steam"),
    Kpi("wastewater", "mass", "total mass (water and dissolved salts) of streams into products of kind 'wastewater'",
        streams=("wastewater",), weight="mass"),
    Kpi("sodium_sulfate", "mass", "Na2SO4, as anhydrous, in any form (dissolved, thenardite, Glauber's salt) leaving "
        "in products of kind waste, wastewater or byproduct", streams=("waste", "wastewater", "byproduct"),
        weight="sulfate"),
    Kpi("waste_total", "mass", "everything but liquid water leaving in products of kind waste or wastewater: salts, "
        "bled metal, residues", streams=("waste", "wastewater"), weight="not_water"),
    Kpi("scrap", "mass", "solids lost to scrap by scrap units (off-spec, dust, spills), whether wasted or recycled",
        compute=lambda parts, _: parts.total([v for k, v in parts.sums.items() if k.startswith("scrap:")])),
    Kpi("shipped_mass", "mass", "mass carried by every transport leg, summed over legs",
        compute=lambda parts, _: parts.total([leg.shipped for leg in parts.legs])),
    Kpi("freight", "freight", "tonne-kilometres: shipped mass times distance, summed over legs",
        compute=lambda parts, _: parts.total([leg.tonne_km for leg in parts.legs])),
    Kpi("energy_electric", "energy", "electricity bought for unit duties: (duty + the unit's losses: a kiln's walls and saggers) / utility "
        "efficiency (or COP); heat removal is not counted", compute=_bought(lambda c: c == "electricity")),
    Kpi("energy_thermal", "energy", "fuel bought for unit duties (natural gas for steam, gas kilns and dryers), as "
        "for electricity", compute=_bought(lambda c: c != "electricity")),
    Kpi("energy_transport", "energy", "fuel burnt by transport legs: tonne-km times the mode's energy intensity",
        compute=lambda parts, _: parts.total([leg.fuel for leg in parts.legs])),
    Kpi("energy_total", "energy", "energy_electric + energy_thermal + energy_transport (final energy, not primary)",
        compute=lambda _, k: k["energy_electric"] + k["energy_thermal"] + k["energy_transport"]),
    Kpi("heat_unassigned", "energy", "positive duties of units given no utility: heat the route needs but does not "
        "buy", compute=lambda parts, _: parts.total([np.maximum(u.duty, 0.0) for u in parts.units if not u.utility])),
    Kpi("co2e_energy", "co2e", "CO2e of bought energy: electricity by the grid region of each unit's site, fuels by "
        "IPCC combustion factors", compute=lambda parts, _: parts.total([u.co2e for u in parts.units])),
    Kpi("co2e_transport", "co2e", "CO2e of transport fuel",
        compute=lambda parts, _: parts.total([leg.co2e for leg in parts.legs])),
    Kpi("co2e_process", "co2e", "CO2 released by the chemistry (Li2CO3, burnt reagents) into products of kind "
        "'emission'", streams=("emission",), weight="co2"),
    Kpi("co2e", "co2e", "co2e_energy + co2e_transport + co2e_process; upstream (mining, refining of inputs) not "
        "included", compute=lambda _, k: k["co2e_energy"] + k["co2e_transport"] + k["co2e_process"]),
)  # fmt: skip
"""Every headline figure, in report order."""

BY_NAME = {kpi.name: kpi for kpi in KPIS}


def display_unit(kind: str, rate: bool) -> tuple[str, float]:
    """The unit figures of a kind are shown in, and the factor from the solver's SI value.

    Per basis amount: kg, kg CO2e, MJ and t*km; per rate basis (solved per second): kg/h, kg CO2e/h,
    kW and t*km/h. The ``CO2e`` of a greenhouse-gas mass is part of its unit wherever it is shown
    or written; :func:`flowsheet.units.split_co2e` gives the part pint reads.
    """
    if kind == "energy":
        return ("kW", 1e-3) if rate else ("MJ", 1e-6)
    if kind == "co2e":
        unit, factor = display_unit("mass", rate)
        return co2e_unit(unit), factor
    unit = {"mass": "kg", "freight": "t*km"}[kind]
    return (f"{unit}/h", 3600.0) if rate else (unit, 1.0)


def markdown_table() -> str:
    """The README's table of KPIs: name, unit per kg of product, boundary."""
    rows = ["| KPI | unit | boundary |", "|---|---|---|"]
    rows += [f"| `{kpi.name}` | {display_unit(kpi.kind, False)[0]} | {kpi.boundary} |" for kpi in KPIS]
    return "\n".join(rows)
