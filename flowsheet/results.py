"""Results: the solved flowsheet as plain data, and the totals people argue about.

Everything here reads arrays the solver produced; nothing solves. Amounts are per
basis: with a mass basis (``"1 kg"`` of product) flows are amounts per basis
(mol, kg, MJ); with a rate basis (``"50 kt/yr"``) they are rates (mol/s, kg/h, MW).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pint

from flowsheet.chemistry import Formula
from flowsheet.components import Components
from flowsheet.diagrams import Link, sankey_figure
from flowsheet.factors import emission_factor, modes, utility
from flowsheet.graph import Flowsheet, Stream
from flowsheet.html import paragraph, table
from flowsheet.operations import Feed, Product, TransportLeg
from flowsheet.operations.ports import PRODUCT_KINDS
from flowsheet.units import Quantity

if TYPE_CHECKING:  # pandas is imported when a table is asked for, to keep the command line quick
    import pandas as pd

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


@dataclass(frozen=True)
class Closure:
    """How well atoms and mass close between feeds and products.

    Attributes
    ----------
    elements : dict of str to float
        ``|in - out| / in`` per element (charge against the sum of absolute charges), [-].
    mass : float
        ``|in - out| / in`` of total mass, [-].
    """

    elements: dict[str, float]
    mass: float

    @property
    def worst(self) -> float:
        """The largest relative imbalance, [-]."""
        return max([self.mass, *self.elements.values()])

    def __str__(self) -> str:
        return f"mass closes to {self.mass:.1e}, worst element to {max(self.elements.values(), default=0):.1e}"


@dataclass(frozen=True)
class SolvedStream:
    """One solved stream, per basis.

    Its ``repr`` is the :class:`~flowsheet.operations.Feed` that recreates it, so a
    stream of one flowsheet can start another; amounts per basis are written as
    rates per second (solving rescales them to the new flowsheet's basis anyway).

    Attributes
    ----------
    name : str
        The stream's name.
    flows : dict of str to float
        Molar flows of the species present, [mol] or [mol/s].
    temperature : float
        [K].
    rate : bool
        True if flows are per second.
    """

    name: str
    flows: dict[str, float]
    temperature: float
    rate: bool

    def __repr__(self) -> str:
        flows = {label: f"{value!r} mol/s" for label, value in self.flows.items()}
        name = self.name.replace("->", "_to_").replace(".", "_")  # unit names hold no dots
        return f"Feed({name!r}, flows={flows!r}, temperature='{self.temperature!r} K')"

    def _repr_html_(self) -> str:
        unit = "/s" if self.rate else ""
        masses = {label: value * Formula(label).relative_mass / 1000.0 for label, value in self.flows.items()}
        total = sum(masses.values()) or 1.0
        rows = [
            [label, f"{value:.6g}", f"{masses[label]:.6g}", f"{masses[label] / total:.4f}"]
            for label, value in self.flows.items()
        ]
        caption = f"{self.name} at {self.temperature:.2f} K"
        return table(["species", f"mol{unit}", f"kg{unit}", "mass fraction"], rows, caption)


@dataclass(frozen=True, eq=False)
class Results:
    """A solved flowsheet, scaled to its basis.

    Attributes
    ----------
    flowsheet : Flowsheet
        What was solved.
    components : Components
        Species, in column order of `flows`.
    edges : tuple of Stream
        The flowsheet's streams (its graph's edges), in row order of `flows`.
    flows : numpy.ndarray
        Molar flows per basis, shape (streams, species), [mol] or [mol/s].
    temperatures : dict of str to float
        Stream temperatures, [K].
    duties : dict of str to float
        Unit heat duties per basis, [J] or [W]; positive when heat is supplied.
    doses : dict of str to float
        Amount of each dosed feed per basis, in multiples of its given composition.
    closure : Closure
        Mass and element closure of the solve.
    iterations : int
        Linear solves done (1 when every unit is linear).
    basis : pint.Quantity
        The basis, e.g. ``1 kg`` or ``50 kt/yr`` of `product`.
    product : str
        The product species the basis refers to, e.g. ``"LiNi0.8Mn0.1Co0.1O2(s)"``.
    """

    flowsheet: Flowsheet
    components: Components
    edges: tuple[Stream, ...]
    flows: np.ndarray
    temperatures: dict[str, float]
    duties: dict[str, float]
    doses: dict[str, float]
    closure: Closure
    iterations: int
    basis: pint.Quantity
    product: str
    _rows: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_rows", {s.name: i for i, s in enumerate(self.edges)})

    # --- units of the numbers -------------------------------------------------------------
    @property
    def is_rate(self) -> bool:
        """True for a rate basis (flows per second), False for an amount basis."""
        return bool(self.basis.check("[mass]/[time]"))

    def _mass(self, kilograms: float) -> pint.Quantity:
        return Quantity(kilograms, "kg/s").to("kg/h") if self.is_rate else Quantity(kilograms, "kg")

    def _energy(self, joules: float) -> pint.Quantity:
        return Quantity(joules, "W").to("MW") if self.is_rate else Quantity(joules, "J").to("MJ")

    # --- streams ---------------------------------------------------------------------------
    def flow(self, stream: str) -> np.ndarray:
        """Molar flows of one stream per basis, [mol] or [mol/s]."""
        return self.flows[self._rows[stream]]

    def mass(self, stream: str) -> float:
        """Mass of one stream per basis, [kg] or [kg/s]."""
        return float(self.components.molar_masses @ self.flow(stream))

    def streams(self) -> pd.DataFrame:
        """Mass of every species in every stream, with temperature and total, one row per stream.

        Units are in the column names: ``kg`` per basis (``kg/h`` for a rate basis), ``K``.
        """
        import pandas as pd

        unit = "kg/h" if self.is_rate else "kg"
        factor = 3600.0 if self.is_rate else 1.0
        masses = self.flows * self.components.molar_masses * factor
        table = pd.DataFrame(masses, columns=[f"{label} [{unit}]" for label in self.components.labels])
        table = table.loc[:, (np.abs(masses) > 0).any(axis=0)]
        table.insert(0, f"total [{unit}]", masses.sum(axis=1))
        table.insert(0, "T [K]", [self.temperatures[s.name] for s in self.edges])
        table.insert(0, "to", [f"{s.target}.{s.target_port}" for s in self.edges])
        table.insert(0, "from", [f"{s.source}.{s.source_port}" for s in self.edges])
        table.index = pd.Index([s.name for s in self.edges], name="stream")
        return table

    def stream(self, name: str) -> SolvedStream:
        """One stream's species flows and temperature."""
        flows = self.flow(name)
        present = {label: float(flows[j]) for j, label in enumerate(self.components.labels) if flows[j] != 0.0}
        return SolvedStream(name, present, self.temperatures[name], self.is_rate)

    def to_frame(self) -> pd.DataFrame:
        """The headline figures: one row per KPI with its value, unit and boundary."""
        import pandas as pd

        rows = [(name, float(value.magnitude), f"{value.units:~}", KPIS[name]) for name, value in self.totals().items()]
        return pd.DataFrame(rows, columns=["kpi", "value", "unit", "boundary"]).set_index("kpi")

    def sankey(self, kind: str = "mass") -> Any:
        """A plotly Sankey of the flowsheet: ``"mass"`` or ``"water"`` flows, or ``"energy"`` bought.

        Nodes are feeds, units and products; each link is a stream, its width the
        mass per basis (all species, or H2O in any phase for ``"water"``). For
        ``"energy"`` the nodes are energy carriers and the units that buy them.
        Save it with :func:`flowsheet.diagrams.save_figure` (HTML, PNG or SVG).
        """
        if kind not in ("mass", "water", "energy"):
            raise ValueError(f"kind must be 'mass', 'water' or 'energy', got {kind!r}")
        unit = "kg/h" if self.is_rate else "kg"
        factor = 3600.0 if self.is_rate else 1.0
        links = []
        if kind == "energy":
            unit = "MW" if self.is_rate else "MJ"
            for row in self._unit_energy():
                if row["purchased"] > 0:
                    value = row["purchased"] / 1e6
                    links.append(
                        Link(
                            row["carrier"], row["unit"], value, f"{row['carrier']} to {row['unit']}: {value:.4g} {unit}"
                        )
                    )
            for leg in self._legs():
                value = leg["fuel"] / 1e6
                fuel = modes()[leg["mode"]].fuel
                links.append(Link(fuel, leg["leg"], value, f"{fuel} for {leg['leg']}: {value:.4g} {unit}"))
        else:
            water = np.array([1.0 if s.formula.key == Formula("H2O").key else 0.0 for s in self.components.species])
            weights = self.components.molar_masses * (water if kind == "water" else 1.0) * factor
            for stream in self.edges:
                value = float(weights @ self.flow(stream.name))
                if value > 0:
                    hover = f"{stream.name}: {value:.4g} {unit} at {self.temperatures[stream.name]:.1f} K"
                    links.append(Link(stream.source, stream.target, value, hover))
        title = f"{self.flowsheet.name}: {kind} per {self.basis:~} {self.product}"
        return sankey_figure(links, title, unit)

    def _repr_html_(self) -> str:
        totals = self.totals()
        rows = [[name, f"{value.magnitude:.4g}", f"{value.units:~}"] for name, value in totals.items()]
        users = sorted(self._unit_energy(), key=lambda r: -r["purchased"])[:3]
        energy = "; ".join(
            f"{r['unit']} {r['purchased'] / 1e6:.3g} MJ of {r['carrier']}" for r in users if r["purchased"]
        )
        caption = f"{self.flowsheet.name}, per {self.basis:~} {self.product}"
        notes = paragraph(f"{self.closure}; {self.iterations} linear solve(s)")
        if energy:
            notes += paragraph(f"largest energy users: {energy}")
        return table(["kpi", "value", "unit"], rows, caption) + notes

    def _streams_into(self, kinds: tuple[str, ...]) -> list[Stream]:
        found = []
        for stream in self.edges:
            target = self.flowsheet.operation(stream.target)
            if isinstance(target, Product) and target.kind in kinds:
                found.append(stream)
        return found

    def _feeds(self) -> list[Stream]:
        return [s for s in self.edges if isinstance(self.flowsheet.operation(s.source), Feed)]

    def _species_mass(self, streams: list[Stream], labels: list[str]) -> float:
        present = [label for label in labels if label in self.components]
        indices = [self.components.index(label) for label in present]
        return float(sum(self.flow(s.name)[indices] @ self.components.molar_masses[indices] for s in streams))

    # --- totals ---------------------------------------------------------------------------
    def reagents(self) -> dict[str, pint.Quantity]:
        """Mass of every feed per basis, by feed name."""
        return {s.source: self._mass(self.mass(s.name)) for s in self._feeds()}

    def sodium_sulfate(self) -> pint.Quantity:
        """Na2SO4 (as anhydrous, from any phase or hydrate) leaving in waste, wastewater and by-products."""
        keys = {Formula(form).key for form in SODIUM_SULFATE}
        columns = [j for j, item in enumerate(self.components.species) if item.formula.key in keys]
        moles = sum(float(self.flow(s.name)[columns].sum()) for s in self._streams_into((*WASTE_KINDS, "byproduct")))
        return self._mass(moles * Formula("Na2SO4").relative_mass / 1000.0)

    def _legs(self) -> list[dict]:
        """Per transport leg: name, mode, distance [m], shipped [kg], tonne-km, fuel [J], CO2e [kg]."""
        legs = []
        for operation in self.flowsheet.operations:
            if not isinstance(operation, TransportLeg):
                continue
            mass = self.mass(self.flowsheet.inlets(operation.name)["feed"].name)
            mode = modes()[operation.mode]
            fuel = mode.energy_intensity * mass * operation.distance
            legs.append(
                {
                    "leg": operation.name,
                    "mode": operation.mode,
                    "distance": operation.distance,
                    "shipped": mass,
                    "tonne_km": mass / 1000.0 * operation.distance / 1000.0,
                    "fuel": fuel,
                    "co2e": fuel * emission_factor(mode.fuel),
                }
            )
        return legs

    def _unit_energy(self) -> list[dict]:
        """Per unit: duty [J], utility, carrier, purchased energy [J], CO2e [kg]; heat removed is not bought."""
        rows = []
        for name, duty in self.duties.items():
            operation = self.flowsheet.operation(name)
            purchased, carrier, co2e = 0.0, "", 0.0
            if operation.utility:
                supply = utility(operation.utility)
                purchased, carrier = supply.purchased(duty, self._solids_out(name)), supply.carrier
                region = self.flowsheet.regions.get(operation.site, "world")
                co2e = purchased * emission_factor(carrier, region)
            rows.append(
                {
                    "unit": name,
                    "duty": duty,
                    "utility": operation.utility,
                    "carrier": carrier,
                    "purchased": purchased,
                    "co2e": co2e,
                }
            )
        return rows

    def _solids_out(self, unit: str) -> float:
        """Mass of solids leaving a unit, [kg] or [kg/s]."""
        solid = self.components.mask("s") * self.components.molar_masses
        return float(sum(solid @ self.flow(s.name) for s in self.flowsheet.outlets(unit).values()))

    def transport(self) -> pd.DataFrame:
        """Per transport leg: mode, distance [km], shipped mass, tonne-km, fuel energy [MJ] and CO2e [kg]."""
        import pandas as pd

        rows = [
            (
                leg["leg"],
                leg["mode"],
                leg["distance"] / 1000.0,
                leg["shipped"],
                leg["tonne_km"],
                leg["fuel"] / 1e6,
                leg["co2e"],
            )
            for leg in self._legs()
        ]
        columns = ["leg", "mode", "distance [km]", "shipped [kg]", "tonne-km [t*km]", "fuel [MJ]", "co2e [kg]"]
        return pd.DataFrame(rows, columns=columns).set_index("leg")

    def energy(self) -> pd.DataFrame:
        """Per unit: duty, utility, carrier, purchased energy [MJ] and CO2e [kg]; heat removed is not purchased."""
        import pandas as pd

        rows = [
            (r["unit"], r["duty"] / 1e6, r["utility"], r["carrier"], r["purchased"] / 1e6, r["co2e"])
            for r in self._unit_energy()
        ]
        columns = ["unit", "duty [MJ]", "utility", "carrier", "purchased [MJ]", "co2e [kg]"]
        return pd.DataFrame(rows, columns=columns).set_index("unit")

    def totals(self) -> dict[str, pint.Quantity]:
        """The headline figures per basis, by the names of :data:`KPIS` (their boundaries are stated there)."""
        water = ["H2O(l)"]
        waste = self._streams_into(WASTE_KINDS)
        legs, units = self._legs(), self._unit_energy()
        electric = sum(u["purchased"] for u in units if u["carrier"] == "electricity")
        thermal = sum(u["purchased"] for u in units if u["carrier"] not in ("", "electricity"))
        transport_fuel = sum(leg["fuel"] for leg in legs)
        co2e_energy = sum(u["co2e"] for u in units)
        co2e_transport = sum(leg["co2e"] for leg in legs)
        co2e_process = self._species_mass(self._streams_into(("emission",)), ["CO2(g)"])
        freight = sum(leg["tonne_km"] for leg in legs)
        return {
            "product": self._mass(self._species_mass(self._streams_into(("product",)), [self.product])),
            "water_fresh": self._mass(self._species_mass(self._feeds(), water)),
            "water_evaporated": self._mass(self._species_mass(self._streams_into(PRODUCT_KINDS), ["H2O(g)"])),
            "wastewater": self._mass(sum(self.mass(s.name) for s in self._streams_into(("wastewater",)))),
            "sodium_sulfate": self.sodium_sulfate(),
            "waste_total": self._mass(sum(self.mass(s.name) for s in waste) - self._species_mass(waste, water)),
            "shipped_mass": self._mass(sum(leg["shipped"] for leg in legs)),
            "freight": Quantity(freight, "t*km/s") if self.is_rate else Quantity(freight, "t*km"),
            "energy_electric": self._energy(electric),
            "energy_thermal": self._energy(thermal),
            "energy_transport": self._energy(transport_fuel),
            "energy_total": self._energy(electric + thermal + transport_fuel),
            "heat_unassigned": self._energy(sum(u["duty"] for u in units if u["duty"] > 0 and not u["utility"])),
            "co2e_energy": self._mass(co2e_energy),
            "co2e_transport": self._mass(co2e_transport),
            "co2e_process": self._mass(co2e_process),
            "co2e": self._mass(co2e_energy + co2e_transport + co2e_process),
        }

    def __repr__(self) -> str:
        return (
            f"<Results {self.flowsheet.name!r} per {self.basis:~} {self.product}: {len(self.edges)} streams, "
            f"{self.closure}, {self.iterations} linear solve(s)>"
        )
