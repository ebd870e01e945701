"""The headline figures of a solved flowsheet, each declared once.

Every KPI is one :class:`Kpi` record in :data:`KPIS`: its name, what it measures (mass, energy
or freight, hence its unit), its boundary in words, and how it is computed from the
:class:`Parts` of a solve. The README's table (:func:`markdown_table`), the JSON contract and
the sample columns are all made from these records, so adding a KPI is one edit here. The
solver evaluates them (:mod:`flowsheet.solve.figures`) for every sample at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from flowsheet.chemistry import Formula
from flowsheet.operations.ports import PRODUCT_KINDS
from flowsheet.units import co2e_unit

NONMETALS = frozenset({"H", "B", "C", "N", "O", "F", "P", "S", "Cl", "Se", "Br", "I"})
"""Elements that are not metals, for telling a product's metals from its anions."""

WASTE_CLASSES = ("bled_metal", "residue", "salts")
"""What a waste or wastewater carries besides liquid water, each species in one class (:func:`waste_class`)."""


def waste_class(formula: Formula, phase: str | None, product: Formula) -> str:
    """Which of :data:`WASTE_CLASSES` a species leaving as waste belongs to.

    ``bled_metal``: it carries a metal of the product (NiSO4 in a bleed, Li2SO4 in a raffinate,
    unleached cathode in a residue), sodium and potassium excepted: their salts are every route's
    waste salts, even where a sodium cathode is made; ``residue``: a solid without an anion-forming
    element (graphite, copper and aluminium foil, oxides); ``salts``: the rest, dissolved or
    crystallised salts and the unspent reagents of the liquor (Na2SO4, (NH4)2SO4, NaOH, NH3, H2SO4).
    """
    metals = set(product.elements) - NONMETALS - {"Na", "K"}
    elements = set(formula.elements)
    if elements & metals:
        return "bled_metal"
    if phase == "s" and not elements & (NONMETALS - {"O", "H", "C"}) and not {"C", "O"} <= elements:
        return "residue"
    return "salts"


FEEDS = "feeds"
"""Stream selector of a flow sum: the streams leaving feeds (else a tuple of product kinds)."""


@dataclass(frozen=True)
class UnitEnergy:
    """Energy of one unit per sample: duty [J], its own losses [J], energy bought [J] and its CO2e [kg].

    ``region`` is where the unit stands: the grid its electricity is bought from.
    """

    unit: str
    utility: str
    carrier: str
    duty: np.ndarray
    losses: np.ndarray
    purchased: np.ndarray
    co2e: np.ndarray
    region: str = "world"


@dataclass(frozen=True)
class Leg:
    """One transport leg (one record per mode or stage) per sample: distance [m], shipped [kg], t km, fuel [J], CO2e [kg].

    ``days`` is the whole leg's transit time (every stage and port call), ``ports`` the ports it
    calls at and ``basis`` how it was found; the leg's records repeat them. ``inland`` marks a stage
    to or from a port: the same goods again, so not counted twice in the shipped mass.
    """

    leg: str
    mode: str
    distance: np.ndarray
    shipped: np.ndarray
    tonne_km: np.ndarray
    fuel: np.ndarray
    co2e: np.ndarray
    days: np.ndarray | None = None
    ports: tuple[str, ...] = ()
    basis: str = ""
    inland: bool = False


@dataclass(frozen=True)
class CostLine:
    """One priced item per sample: what was bought, sold or paid for, its price and its cost.

    Attributes
    ----------
    item : str
        The price key (``Ni``, ``electricity``, ``freight_sea``, ``disposal_waste``, ``credit_Na2SO4``,
        or a feed priced whole by the route).
    region : str
        Where it was bought or disposed of.
    category : str
        ``metals``, ``lithium``, ``reagents``, ``utilities``, ``freight``, ``waste`` or ``credits``.
    amount : numpy.ndarray
        Per basis, in SI (kg, J or kg*m), (N,).
    price : numpy.ndarray
        USD per SI unit, (N,).
    source : str
        The price's citation and table row, or the route's entry.
    estimate : bool
        True if the price is an estimate.
    """

    item: str
    region: str
    category: str
    amount: np.ndarray
    price: np.ndarray
    source: str
    estimate: bool

    @property
    def cost(self) -> np.ndarray:
        """USD per basis, (N,); a credit is positive and subtracted by the ``cost`` KPI."""
        return self.amount * self.price


@dataclass(frozen=True)
class UpstreamLine:
    """One purchased material per sample: how much was bought, its cradle-to-gate factor and their CO2e.

    Attributes
    ----------
    item : str
        The material by formula (``Ni``, ``LiOH·H2O``).
    region : str
        Where it was bought (the region of its feed's site).
    feed : str
        The feed that brings it.
    amount : numpy.ndarray
        Per basis, [kg], (N,).
    factor : numpy.ndarray
        [kg CO2e per kg], (N,): the data's (:mod:`flowsheet.upstream`) or a sampled one.
    boundary : str
        What the factor covers; ``cut-off`` for a recycled feed, which enters free of burden.
    source : str
        The factor's citation and row, or the route's entry.
    estimate : bool
        True if the factor is an estimate.
    """

    item: str
    region: str
    feed: str
    amount: np.ndarray
    factor: np.ndarray
    boundary: str
    source: str
    estimate: bool

    @property
    def co2e(self) -> np.ndarray:
        """[kg CO2e] per basis, (N,)."""
        return self.amount * self.factor


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
    costs : list of CostLine
        Every priced item.
    lead_time : numpy.ndarray
        The longest time from a feed to the product, (N,), [s].
    inventory : numpy.ndarray
        Mass in transit times transit time, summed over legs, (N,), [kg*s].
    upstream : list of UpstreamLine
        Every purchased material with its cradle-to-gate factor.
    """

    sums: dict[str, np.ndarray]
    product: np.ndarray
    units: list[UnitEnergy]
    legs: list[Leg]
    costs: list[CostLine]
    lead_time: np.ndarray
    inventory: np.ndarray
    upstream: list[UpstreamLine] = field(default_factory=list)

    def total(self, values: list[np.ndarray]) -> np.ndarray:
        """Sum of per-sample arrays, zero for none, (N,)."""
        return sum(values, np.zeros(len(self.product)))


@dataclass(frozen=True)
class Limit:
    """A route's upper limit on one KPI: its name, the limit in the KPI's SI unit, and where it comes from."""

    kpi: str
    max: float
    source: str


@dataclass(frozen=True)
class Kpi:
    """One headline figure, per basis.

    Attributes
    ----------
    name : str
        Its key in results, JSON and sample columns.
    kind : str
        ``"mass"`` [kg], ``"co2e"`` (a mass of CO2 equivalent) [kg], ``"energy"`` [J], ``"freight"``
        [t km], ``"time"`` [s], ``"stock"`` [kg s], ``"cost"`` [USD] or ``"purity"`` (a mass
        fraction) [kg/kg] (see :func:`display_unit`).
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


def _cost(category: str) -> Callable[[Parts, dict[str, np.ndarray]], np.ndarray]:
    return lambda parts, _: parts.total([line.cost for line in parts.costs if line.category == category])


def _bought(carrier: Callable[[str], bool]) -> Callable[[Parts, dict[str, np.ndarray]], np.ndarray]:
    return lambda parts, _: parts.total([u.purchased for u in parts.units if u.carrier and carrier(u.carrier)])


def _share(parts: Parts, streams: str, element: str) -> np.ndarray:
    """Mass fraction of an impurity `element` in the `streams` (``product`` or ``precursor``), 0 where none flow."""
    mass, found = parts.sums[f"{streams}:mass"], parts.sums[f"{streams}:{element}"]
    return np.divide(found, mass, out=np.zeros_like(found), where=mass > 0)


IMPURITIES = ("S", "Na")
"""Elements counted as impurities of the product and of the precursor (``impurity_<element>``)."""

COST_PARTS = ("metals", "lithium", "reagents", "utilities", "freight", "waste")
"""The cost KPIs ``cost`` adds up, as ``cost_<part>``; byproduct credits are subtracted."""

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
    Kpi("ammonium_sulfate", "mass", "(NH4)2SO4 in any form (dissolved or crystallised) leaving in products of kind "
        "waste, wastewater or byproduct", streams=("waste", "wastewater", "byproduct"), weight="ammonium"),
    Kpi("waste_total", "mass", "everything but liquid water leaving in products of kind waste or wastewater: salts, "
        "bled metal, residues", streams=("waste", "wastewater"), weight="not_water"),
    Kpi("salts_to_waste", "mass", "waste_total less bled metal (species carrying a metal of the product) and solid "
        "residues (graphite, foils, oxides): dissolved or crystallised salts and the unspent reagents of the liquor; "
        "Results.wastes() lists them by species", compute=lambda parts, _: parts.sums["waste:salts"]),
    Kpi("scrap", "mass", "solids lost to scrap by scrap units (off-spec, dust, spills), whether wasted or recycled",
        compute=lambda parts, _: parts.total([v for k, v in parts.sums.items() if k.startswith("scrap:")])),
    Kpi("shipped_mass", "mass", "mass carried by every transport leg, summed over legs (a leg's inland stages "
        "carry the same goods: counted once)",
        compute=lambda parts, _: parts.total([leg.shipped for leg in parts.legs if not leg.inland])),
    Kpi("freight", "freight", "tonne-kilometres: shipped mass times distance, summed over legs and their inland "
        "stages",
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
    Kpi("co2e", "co2e", "gate to gate: co2e_energy + co2e_transport + co2e_process; the making of what is bought "
        "is in co2e_upstream", compute=lambda _, k: k["co2e_energy"] + k["co2e_transport"] + k["co2e_process"]),
    Kpi("co2e_upstream", "co2e", "cradle to gate of what is bought: each feed's species times its factor "
        "(data/upstream/materials.csv, for the region of the feed's site, else the world; a route's upstream: on top); "
        "a recycled feed enters free of burden (cut-off); inputs without a factor are listed in the results",
        compute=lambda parts, _: parts.total([line.co2e for line in parts.upstream])),
    Kpi("co2e_cradle_to_gate", "co2e", "cradle to gate: co2e + co2e_upstream, from the mines and wells to the plant's "
        "gate", compute=lambda _, k: k["co2e"] + k["co2e_upstream"]),
    Kpi("impurity_S", "purity", "sulfur in products of kind 'product' outside the product species itself (Na2SO4, "
        "NiSO4 ... carried from the washed cake), per mass of those products",
        compute=lambda parts, _: _share(parts, "product", "S")),
    Kpi("impurity_Na", "purity", "sodium in products of kind 'product' outside the product species itself (a sodium "
        "cathode's own sodium is not counted), per mass of those products",
        compute=lambda parts, _: _share(parts, "product", "Na")),
    Kpi("impurity_S_precursor", "purity", "sulfur in what the calciners fire (their 'feed' streams: the dried "
        "precursor), per mass of it; 0 without a calciner", compute=lambda parts, _: _share(parts, "precursor", "S")),
    Kpi("impurity_Na_precursor", "purity", "sodium in what the calciners fire, as impurity_S_precursor",
        compute=lambda parts, _: _share(parts, "precursor", "Na")),
    Kpi("lead_time", "time", "longest time from a feed to the product: each unit's residence time and each leg's "
        "transit (distance over the mode's speed, plus port dwell) along the way; no storage between steps; a "
        "recycle adds its units once", compute=lambda parts, _: parts.lead_time),
    Kpi("inventory_in_transit", "stock", "goods on the way: mass shipped times transit time, summed over legs "
        "(per kg of product: kg*d/kg)", compute=lambda parts, _: parts.inventory),
    Kpi("cost_metals", "cost", "metals bought (Ni, Co, Mn, Fe, Al, Cu; black mass) at the prices of data/prices/ "
        "or the route's, in the feed's region", compute=_cost("metals")),
    Kpi("cost_lithium", "cost", "lithium salts bought (Li2CO3, LiOH·H2O)", compute=_cost("lithium")),
    Kpi("cost_reagents", "cost", "reagents and process water bought (acid, caustic, ammonia, gases, peroxide, "
        "phosphates, glucose ...), each on a 100 % basis", compute=_cost("reagents")),
    Kpi("cost_utilities", "cost", "electricity and fuel bought for unit duties (energy_electric, energy_thermal) at "
        "industrial prices of each unit's region; transport fuel is in cost_freight", compute=_cost("utilities")),
    Kpi("cost_freight", "cost", "tonne-km of each mode times its freight rate (fuel, vessel and handling included)",
        compute=_cost("freight")),
    Kpi("cost_waste", "cost", "disposal of products of kind waste (landfill, per kg) and wastewater (treatment, per "
        "kg)", compute=_cost("waste")),
    Kpi("credit_byproducts", "cost", "sales of products of kind byproduct at their market prices (e.g. (NH4)2SO4)",
        compute=_cost("credits")),
    Kpi("cost", "cost", "operating cost: cost_metals + cost_lithium + cost_reagents + cost_utilities + cost_freight "
        "+ cost_waste - credit_byproducts, in USD of 2023; no labour, maintenance, capital or overheads; "
        "unpriced inputs are listed in the results",
        compute=lambda _, k: sum(k[f"cost_{c}"] for c in COST_PARTS) - k["credit_byproducts"]),
)  # fmt: skip
"""Every headline figure, in report order."""

BY_NAME = {kpi.name: kpi for kpi in KPIS}


def display_unit(kind: str, rate: bool) -> tuple[str, float]:
    """The unit figures of a kind are shown in, and the factor from the solver's SI value.

    Per basis amount: kg, kg CO2e, MJ, t*km and USD; per rate basis (solved per second): kg/h,
    kg CO2e/h, kW, t*km/h and USD/h. A time (``lead_time``) is in days on either basis; goods in
    transit in kg*d per basis amount, and in kg (the mass on the way) at a rate basis. The ``CO2e`` of a greenhouse-gas mass is part of its unit wherever it is shown
    or written; :func:`flowsheet.units.split_co2e` gives the part pint reads.
    """
    if kind == "energy":
        return ("kW", 1e-3) if rate else ("MJ", 1e-6)
    if kind == "time":
        return "d", 1 / 86400.0
    if kind == "purity":  # a mass fraction, whatever the basis
        return "ppm", 1e6
    if kind == "stock":  # kg*s per basis amount; at a rate basis, kg/s times s: the mass on the way
        return ("kg", 1.0) if rate else ("kg*d", 1 / 86400.0)
    if kind == "co2e":
        unit, factor = display_unit("mass", rate)
        return co2e_unit(unit), factor
    unit = {"mass": "kg", "freight": "t*km", "cost": "USD"}[kind]
    return (f"{unit}/h", 3600.0) if rate else (unit, 1.0)


def markdown_table() -> str:
    """The README's table of KPIs: name, unit per kg of product, boundary."""
    rows = ["| KPI | unit | boundary |", "|---|---|---|"]
    rows += [f"| `{kpi.name}` | {display_unit(kpi.kind, False)[0]} | {kpi.boundary} |" for kpi in KPIS]
    return "\n".join(rows)
