"""Results: a solved flowsheet as plain data, one or many samples, and the totals people argue about.

Everything here reads arrays the solver produced at construction; nothing solves, and no
flowsheet is kept. Every array has a leading sample axis (N >= 1); every method that shows one
sample takes ``sample`` (default the first). Amounts are per basis: with a mass basis
(``"1 kg"`` of product) flows are amounts per basis (mol, kg, MJ); with a rate basis
(``"50 kt/yr"``) they are rates (mol/s, kg/h, kW).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pint

from flowsheet.chemistry import Formula
from flowsheet.components import Components
from flowsheet.graph import Stream
from flowsheet.html import paragraph, table
from flowsheet.kpis import BY_NAME, KPIS, CostLine, Leg, Limit, UnitEnergy, UpstreamLine, display_unit, waste_class
from flowsheet.units import Quantity, co2e_unit, parse_unit, split_co2e

if TYPE_CHECKING:  # pandas is imported when a table is asked for, to keep the command line quick
    import pandas as pd


@dataclass(frozen=True)
class Closure:
    """How well atoms and mass close between feeds and products, per sample.

    Attributes
    ----------
    elements : dict of str to numpy.ndarray
        ``|in - out| / in`` per element (charge against the sum of absolute charges), (N,), [-].
    mass : numpy.ndarray
        ``|in - out| / in`` of total mass, (N,), [-].
    """

    elements: dict[str, np.ndarray]
    mass: np.ndarray

    @property
    def worst(self) -> float:
        """The largest relative imbalance over every sample, [-]."""
        return float(max([self.mass.max(), *(v.max() for v in self.elements.values())]))

    def __str__(self) -> str:
        worst = max((float(v.max()) for v in self.elements.values()), default=0.0)
        return f"mass closes to {float(self.mass.max()):.1e}, worst element to {worst:.1e}"


@dataclass(frozen=True)
class Layout:
    """Where each stream's species sit in a flat flow array (N, width): only those that can reach it.

    Attributes
    ----------
    species : dict of str to numpy.ndarray
        Per stream, the indices (in :class:`Components` order) of its species.
    slices : dict of str to slice
        Per stream, its columns.
    width : int
        Columns in all.
    """

    species: dict[str, np.ndarray]
    slices: dict[str, slice]
    width: int


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
        per = "/s" if self.rate else ""
        masses = {label: value * Formula(label).relative_mass / 1000.0 for label, value in self.flows.items()}
        total = sum(masses.values()) or 1.0
        rows = [
            [label, f"{value:.6g}", f"{masses[label]:.6g}", f"{masses[label] / total:.4f}"]
            for label, value in self.flows.items()
        ]
        caption = f"{self.name} at {self.temperature:.2f} K"
        return table(["species", f"mol{per}", f"kg{per}", "mass fraction"], rows, caption)


@dataclass(frozen=True, eq=False)
class Results:
    """A solved flowsheet, scaled to its basis, for N >= 1 samples of its parameters.

    Attributes
    ----------
    name : str
        The flowsheet's name.
    edges : tuple of Stream
        Its streams (which unit port joins which), the edges of its graph.
    feeds : dict of str to bool
        Its feeds, each with whether it counts as recycled.
    products : dict of str to str
        Its products, each with its kind (product, waste, wastewater, emission, byproduct).
    components : Components
        Species, in the order of `layout.species` indices.
    layout : Layout
        Where each stream's species sit in `flows`.
    flows : numpy.ndarray
        Molar flows per basis, (N, layout.width), [mol] or [mol/s]; :meth:`flow` gives one stream.
    temperatures : dict of str to numpy.ndarray
        Per stream, (N,), [K].
    duties : dict of str to numpy.ndarray
        Per unit, heat duty per basis, (N,), [J] or [W]; positive when heat is supplied.
    doses : dict of str to numpy.ndarray
        Per dosed feed, its amount per basis in multiples of its given composition, (N,).
    closure : Closure
        Mass and element closure of every sample.
    iterations : int
        Passes of the most iterated group of equations (1 when every unit is linear).
    basis : pint.Quantity
        The basis, e.g. ``1 kg`` or ``50 kt/yr`` of `product`.
    product : str
        The product species the basis refers to, e.g. ``"LiNi0.8Mn0.1Co0.1O2(s)"``.
    kpis : dict of str to numpy.ndarray
        Every KPI of :data:`~flowsheet.kpis.KPIS` per basis, (N,), in SI: kg, J, t km (per second
        for a rate basis).
    unit_energy : tuple of UnitEnergy
        Per unit: duty, utility, carrier, energy bought and its CO2e, (N,) each; heat removed is not bought.
    legs : tuple of Leg
        Per transport leg and mode: distance, shipped mass, t km, fuel and CO2e, (N,) each; the
        leg's transit days, the ports it calls at and how it was found.
    cost_lines : tuple of CostLine
        Per priced item (material bought, utility, freight, disposal, byproduct sold): amount,
        price and source, (N,) each.
    unpriced : tuple of str
        What the route buys, uses or disposes of that has no price: left out of the costs.
    upstream_lines : tuple of UpstreamLine
        Per material bought (feed, species): amount, cradle-to-gate factor, boundary and source, (N,) each.
    without_factor : tuple of str
        What the route buys that has no cradle-to-gate factor: left out of ``co2e_upstream``.
    specific_energy : float, optional
        Energy the product stores, [J/kg] (the route's specific capacity times voltage), for
        :meth:`per_kwh`; None if the route does not give it.
    specifications : tuple of Limit
        The route's upper limits on its purity KPIs (:meth:`exceeded`).
    parameters : dict of str to numpy.ndarray
        The sampled parameters by ``unit.parameter``, (N,) each, in SI; empty for a single solve.
    species_layers : tuple of str
        Where the species data came from, first to last: ``"package"``, user folders, the route file.
    overridden : tuple of str
        Species a later layer replaced, ``"LiNiO2(s) from <layer>"``.
    overrides : tuple of str
        Values accepted outside their plausibility band because marked as overrides,
        ``"LiNiO2(s) dHf_298 is ... (override at <file>:<line>)"``.
    estimated : tuple of str
        The species whose formation enthalpy or heat capacity is an estimate, ``"LiNiO2(s): heat_capacity"``.
    """

    name: str
    edges: tuple[Stream, ...]
    feeds: dict[str, bool]
    products: dict[str, str]
    components: Components
    layout: Layout
    flows: np.ndarray
    temperatures: dict[str, np.ndarray]
    duties: dict[str, np.ndarray]
    doses: dict[str, np.ndarray]
    closure: Closure
    iterations: int
    basis: pint.Quantity
    product: str
    kpis: dict[str, np.ndarray]
    unit_energy: tuple[UnitEnergy, ...]
    legs: tuple[Leg, ...]
    parameters: dict[str, np.ndarray]
    cost_lines: tuple[CostLine, ...] = ()
    unpriced: tuple[str, ...] = ()
    upstream_lines: tuple[UpstreamLine, ...] = ()
    without_factor: tuple[str, ...] = ()
    specific_energy: float | None = None
    specifications: tuple[Limit, ...] = ()
    species_layers: tuple[str, ...] = ("package",)
    overridden: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()
    estimated: tuple[str, ...] = ()

    @property
    def samples(self) -> int:
        """Number of samples N."""
        return self.flows.shape[0]

    # --- units of the numbers -------------------------------------------------------------
    @cached_property
    def is_rate(self) -> bool:
        """True for a rate basis (flows per second), False for an amount basis."""
        return bool(self.basis.check("[mass]/[time]"))

    def quantity(self, kind: str, value: float) -> pint.Quantity:
        """A solver value in the unit reports show.

        `value` is of a kind: mass [kg], co2e [kg], energy [J] or freight [t km], per second for a
        rate basis; it is shown in kg, MJ or t*km (kg/h, kW or t*km/h for a rate basis). A quantity
        of CO2e is in kg: the ``CO2e`` of its shown unit (:func:`~flowsheet.kpis.display_unit`) is not pint's.
        """
        shown, factor = display_unit(kind, self.is_rate)
        return Quantity(value * factor, parse_unit(split_co2e(shown)[0]))

    # --- streams ---------------------------------------------------------------------------
    def flow(self, stream: str, sample: int = 0) -> np.ndarray:
        """Molar flows of one stream per basis over every species, (species,), [mol] or [mol/s]."""
        if stream not in self.layout.slices:
            close = difflib.get_close_matches(stream, list(self.layout.slices), n=3)
            raise KeyError(
                f"no stream {stream!r} in {self.name!r}" + (f"; did you mean {', '.join(close)}?" if close else "")
            )
        full = np.zeros(len(self.components))
        full[self.layout.species[stream]] = self.flows[self._sample(sample), self.layout.slices[stream]]
        return full

    def _sample(self, sample: int) -> int:
        if not -self.samples <= sample < self.samples:
            raise IndexError(f"sample {sample} of {self.samples}: samples count from 0 to {self.samples - 1}")
        return sample

    def mass(self, stream: str, sample: int = 0) -> float:
        """Mass of one stream per basis, [kg] or [kg/s]."""
        return float(self.components.molar_masses @ self.flow(stream, sample))

    def streams(self, sample: int = 0) -> pd.DataFrame:
        """Mass of every species in every stream, with temperature and total, one row per stream.

        Units are in the column names: ``kg`` per basis (``kg/h`` for a rate basis), ``K``.
        """
        import pandas as pd

        shown, factor = display_unit("mass", self.is_rate)
        flows = np.stack([self.flow(s.name, sample) for s in self.edges])
        masses = flows * self.components.molar_masses * factor
        frame = pd.DataFrame(masses, columns=[f"{label} [{shown}]" for label in self.components.labels])
        frame = frame.loc[:, (np.abs(masses) > 0).any(axis=0)]
        frame.insert(0, f"total [{shown}]", masses.sum(axis=1))
        frame.insert(0, "T [K]", [float(self.temperatures[s.name][sample]) for s in self.edges])
        frame.insert(0, "to", [f"{s.target}.{s.target_port}" for s in self.edges])
        frame.insert(0, "from", [f"{s.source}.{s.source_port}" for s in self.edges])
        frame.index = pd.Index([s.name for s in self.edges], name="stream")
        return frame

    def stream(self, name: str, sample: int = 0) -> SolvedStream:
        """One stream's species flows and temperature."""
        flows = self.flow(name, sample)
        present = {label: float(flows[j]) for j, label in enumerate(self.components.labels) if flows[j] != 0.0}
        return SolvedStream(name, present, float(self.temperatures[name][sample]), self.is_rate)

    def product_streams(self, *kinds: str) -> list[Stream]:
        """Streams into products of the given kinds (default: kind 'product')."""
        wanted = kinds or ("product",)
        return [s for s in self.edges if self.products.get(s.target) in wanted]

    # --- totals ---------------------------------------------------------------------------
    def totals(self, sample: int = 0) -> dict[str, pint.Quantity]:
        """The headline figures per basis, by the names of :data:`~flowsheet.kpis.KPIS` (boundaries there)."""
        sample = self._sample(sample)
        return {kpi.name: self.quantity(kpi.kind, float(self.kpis[kpi.name][sample])) for kpi in KPIS}

    def to_frame(self, sample: int = 0) -> pd.DataFrame:
        """The headline figures of one sample: one row per KPI with its value, unit and boundary."""
        import pandas as pd

        rows = [
            (name, float(value.magnitude), display_unit(BY_NAME[name].kind, self.is_rate)[0], BY_NAME[name].boundary)
            for name, value in self.totals(sample).items()
        ]
        return pd.DataFrame(rows, columns=["kpi", "value", "unit", "boundary"]).set_index("kpi")

    def kpi_columns(self) -> dict[str, np.ndarray]:
        """Every KPI of every sample, named with its unit (``"energy_total [MJ]"``), in the units reports show."""
        columns = {}
        for kpi in KPIS:
            shown, factor = display_unit(kpi.kind, self.is_rate)
            columns[f"{kpi.name} [{shown}]"] = self.kpis[kpi.name] * factor
        return columns

    def reagents(self, sample: int = 0) -> dict[str, pint.Quantity]:
        """Mass of every feed per basis, by feed name."""
        return {
            s.source: self.quantity("mass", self.mass(s.name, sample)) for s in self.edges if s.source in self.feeds
        }

    def sodium_sulfate(self, sample: int = 0) -> pint.Quantity:
        """Na2SO4 (as anhydrous, from any phase or hydrate) leaving in waste, wastewater and by-products."""
        return self.totals(sample)["sodium_sulfate"]

    def transport(self, sample: int = 0) -> pd.DataFrame:
        """Per transport leg (a row per mode where a leg mixes modes): mode, distance, shipped, t km, fuel and CO2e.

        Units are in the column names: per basis kg, t km and MJ (per hour and kW for a rate basis); km.
        """
        import pandas as pd

        sample = self._sample(sample)

        (mass, to_mass), (freight, to_freight), (energy, to_energy) = (
            display_unit(kind, self.is_rate) for kind in ("mass", "freight", "energy")
        )
        rows = [
            (
                leg.leg,
                leg.mode,
                leg.distance[sample] / 1000.0,
                leg.shipped[sample] * to_mass,
                leg.tonne_km[sample] * to_freight,
                leg.fuel[sample] * to_energy,
                leg.co2e[sample] * to_mass,
            )
            for leg in self.legs
        ]
        columns = ["leg", "mode", "distance [km]", f"shipped [{mass}]", f"tonne-km [{freight}]"]
        columns += [f"fuel [{energy}]", f"co2e [{co2e_unit(mass)}]"]
        return pd.DataFrame(rows, columns=columns).set_index("leg")

    def per_kwh(self, sample: int = 0) -> dict[str, pint.Quantity]:
        """Every KPI that counts an amount (mass, CO2e, energy, freight, cost) per kWh the product stores.

        The KPI over the product's mass times its specific energy; empty if the route gives no
        specific capacity. Amounts in the units of :meth:`totals` per kWh (``kg/kWh``, ``USD/kWh``).
        """
        if self.specific_energy is None:
            return {}
        sample = self._sample(sample)
        stored = float(self.kpis["product"][sample]) * self.specific_energy / 3.6e6  # kWh per basis
        found = {}
        for kpi in KPIS:
            if kpi.kind in ("mass", "co2e", "energy", "freight", "cost") and kpi.name != "product":
                shown, factor = display_unit(kpi.kind, False)
                value = float(self.kpis[kpi.name][sample]) * factor / stored
                found[kpi.name] = Quantity(value, parse_unit(split_co2e(shown)[0]) / parse_unit("kWh"))
        return found

    def exceeded(self, sample: int = 0) -> list[tuple[Limit, float]]:
        """The route's specifications this sample breaks, each with the KPI's value (SI, as the limit)."""
        sample = self._sample(sample)
        found = []
        for limit in self.specifications:
            value = float(self.kpis[limit.kpi][sample])
            if value > limit.max:
                found.append((limit, value))
        return found

    def wastes(self, sample: int = 0) -> pd.DataFrame:
        """What products of kind waste and wastewater carry besides liquid water, by species, largest first.

        Columns: the class of each species (:func:`~flowsheet.kpis.waste_class`: bled metal, residue or
        salts, their sum per class the KPIs ``waste_total`` and ``salts_to_waste`` count) and its mass
        per basis (kg, or kg/h at a rate basis).
        """
        import pandas as pd

        shown, factor = display_unit("mass", self.is_rate)
        wasted = np.zeros(len(self.components))
        for stream in self.edges:
            if self.products.get(stream.target) in ("waste", "wastewater"):
                wasted += self.flow(stream.name, sample) * self.components.molar_masses * factor
        product = Formula(self.product)
        rows = [
            (label, waste_class(species.formula, species.phase, product), float(wasted[j]))
            for j, (label, species) in enumerate(zip(self.components.labels, self.components.species, strict=True))
            if wasted[j] > 0 and label != "H2O(l)"
        ]
        frame = pd.DataFrame(rows, columns=["species", "class", f"mass [{shown}]"])
        return frame.sort_values(f"mass [{shown}]", ascending=False).set_index("species")

    def cost_rows(self, sample: int = 0) -> list[tuple]:
        """:meth:`costs` as plain rows, largest cost first (what reports read without pandas).

        Each row: item, category, region, amount, unit, price [USD/unit], cost [USD], source, estimate.
        """
        sample = self._sample(sample)
        per_hour = 3600.0 if self.is_rate else 1.0
        rows = []
        for line in self.cost_lines:
            if not line.amount[sample]:
                continue  # a utility of no duty in this sample
            unit, factor = _cost_unit(line.category)
            amount = float(line.amount[sample]) * factor * per_hour
            price = float(line.price[sample]) / factor
            cost = float(line.cost[sample]) * per_hour
            rows.append((line.item, line.category, line.region, amount, unit, price, cost, line.source, line.estimate))
        return sorted(rows, key=lambda row: -abs(row[6]))

    def costs(self, sample: int = 0) -> pd.DataFrame:
        """Per priced item: category, region, amount, unit price, cost and source, largest cost first.

        Amounts are per basis in kg, MJ or t*km (per hour at a rate basis); prices in USD of 2023 per
        that unit; a byproduct credit is a positive cost the ``cost`` KPI subtracts.
        """
        import pandas as pd

        per = "/h" if self.is_rate else ""
        columns = ["item", "category", "region", "amount", "unit", "price [USD/unit]", f"cost [USD{per}]"]
        return pd.DataFrame(self.cost_rows(sample), columns=[*columns, "source", "estimate"]).set_index("item")

    def upstream_rows(self, sample: int = 0) -> list[tuple]:
        """:meth:`upstream` as plain rows, largest burden first (what reports read without pandas).

        Each row: item, feed, region, amount [kg], factor [kg CO2e/kg], CO2e [kg] (per hour at a rate
        basis), boundary, source, estimate.
        """
        sample = self._sample(sample)
        per_hour = 3600.0 if self.is_rate else 1.0
        rows = [
            (line.item, line.feed, line.region, float(line.amount[sample]) * per_hour, float(line.factor[sample]),
             float(line.co2e[sample]) * per_hour, line.boundary, line.source, line.estimate)
            for line in self.upstream_lines
            if line.amount[sample]
        ]  # fmt: skip
        return sorted(rows, key=lambda row: -row[5])

    def upstream(self, sample: int = 0) -> pd.DataFrame:
        """Per material bought: its feed, region, amount, cradle-to-gate factor and CO2e, boundary and source.

        The rows add up to the ``co2e_upstream`` KPI; :attr:`without_factor` lists what is left out.
        """
        import pandas as pd

        per = "/h" if self.is_rate else ""
        columns = ["item", "feed", "region", f"amount [kg{per}]", "factor [kg CO2e/kg]", f"co2e [kg CO2e{per}]"]
        rows = self.upstream_rows(sample)
        return pd.DataFrame(rows, columns=[*columns, "boundary", "source", "estimate"]).set_index("item")

    def energy(self, sample: int = 0) -> pd.DataFrame:
        """Per unit: duty, the unit's own losses (a kiln's), utility, carrier, energy bought and CO2e; heat removed is not bought.

        Units are in the column names: MJ and kg per basis (kW and kg/h for a rate basis).
        """
        import pandas as pd

        sample = self._sample(sample)

        (mass, to_mass), (energy, to_energy) = (display_unit(kind, self.is_rate) for kind in ("mass", "energy"))
        rows = [
            (
                u.unit,
                u.duty[sample] * to_energy,
                u.losses[sample] * to_energy,
                u.utility,
                u.carrier,
                u.purchased[sample] * to_energy,
                u.co2e[sample] * to_mass,
            )
            for u in self.unit_energy
        ]
        columns = ["unit", f"duty [{energy}]", f"losses [{energy}]", "utility", "carrier", f"purchased [{energy}]"]
        columns.append(f"co2e [{co2e_unit(mass)}]")
        return pd.DataFrame(rows, columns=columns).set_index("unit")

    # --- display --------------------------------------------------------------------------
    def _repr_html_(self) -> str:
        rows = [
            [name, f"{value.magnitude:.4g}", display_unit(BY_NAME[name].kind, self.is_rate)[0]]
            for name, value in self.totals().items()
        ]
        users = sorted(self.unit_energy, key=lambda u: -u.purchased[0])[:3]
        energy = "; ".join(
            f"{u.unit} {self.quantity('energy', float(u.purchased[0])):.3g~} of {u.carrier}"
            for u in users
            if u.purchased[0]
        )
        first = f" (first of {self.samples} samples)" if self.samples > 1 else ""
        caption = f"{self.name}, per {self.basis:~} {self.product}{first}"
        notes = paragraph(f"{self.closure}; {self.iterations} linear solve(s)")
        if energy:
            notes += paragraph(f"largest energy users: {energy}")
        return table(["kpi", "value", "unit"], rows, caption) + notes

    def __repr__(self) -> str:
        samples = f", {self.samples} samples" if self.samples > 1 else ""
        return (
            f"<Results {self.name!r} per {self.basis:~} {self.product}: {len(self.edges)} streams{samples}, "
            f"{self.closure}, {self.iterations} linear solve(s)>"
        )


def _cost_unit(category: str) -> tuple[str, float]:
    """The unit a priced item's amount is shown in, and the factor from SI: MJ of energy, t*km of freight, else kg."""
    return {"utilities": ("MJ", 1e-6), "freight": ("t*km", 1e-6)}.get(category, ("kg", 1.0))
