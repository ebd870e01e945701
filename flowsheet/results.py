"""Results: the solved flowsheet as plain data, and the totals people argue about.

Everything here reads arrays the solver produced; nothing solves. Amounts are per
basis: with a mass basis (``"1 kg"`` of product) flows are amounts per basis
(mol, kg, MJ); with a rate basis (``"50 kt/yr"``) they are rates (mol/s, kg/h, MW).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pint

from flowsheet.chemistry import Formula, atomic_weights
from flowsheet.components import Components
from flowsheet.diagrams import Link, sankey_figure
from flowsheet.factors import modes
from flowsheet.graph import Flowsheet, Stream
from flowsheet.html import paragraph, table
from flowsheet.kpis import BY_NAME, KPIS, display_unit
from flowsheet.operations import Feed
from flowsheet.provenance import element_shares
from flowsheet.units import Quantity, parse_unit

if TYPE_CHECKING:  # pandas is imported when a table is asked for, to keep the command line quick
    import pandas as pd


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
    kpis : dict of str to float
        Every KPI of :data:`~flowsheet.kpis.KPIS` per basis, in SI: kg, J, t km (per second for a rate basis).
    unit_energy : tuple of dict
        Per unit: ``unit``, ``duty`` [J], ``utility``, ``carrier``, ``purchased`` [J], ``co2e`` [kg];
        heat removed is not bought.
    legs : tuple of dict
        Per transport leg and mode: ``leg``, ``mode``, ``distance`` [m], ``shipped`` [kg], ``tonne_km``,
        ``fuel`` [J], ``co2e`` [kg].
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
    kpis: dict[str, float]
    unit_energy: tuple[dict, ...]
    legs: tuple[dict, ...]
    _rows: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_rows", {s.name: i for i, s in enumerate(self.edges)})

    # --- units of the numbers -------------------------------------------------------------
    @cached_property
    def is_rate(self) -> bool:
        """True for a rate basis (flows per second), False for an amount basis."""
        return bool(self.basis.check("[mass]/[time]"))

    def _shown(self, kind: str, value: float) -> pint.Quantity:
        """A solver value [kg, J or t km, per second for a rate basis] in the unit reports show."""
        shown, factor = display_unit(kind, self.is_rate)
        return Quantity(value * factor, parse_unit(shown))

    def _mass(self, kilograms: float) -> pint.Quantity:
        return self._shown("mass", kilograms)

    def _energy(self, joules: float) -> pint.Quantity:
        return self._shown("energy", joules)

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

        unit, factor = display_unit("mass", self.is_rate)
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

        rows = [
            (name, float(value.magnitude), f"{value.units:~}", BY_NAME[name].boundary)
            for name, value in self.totals().items()
        ]
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
        unit, factor = display_unit("energy" if kind == "energy" else "mass", self.is_rate)
        links = []
        if kind == "energy":
            for row in self.unit_energy:
                if row["purchased"] > 0:
                    value = row["purchased"] * factor
                    links.append(
                        Link(
                            row["carrier"], row["unit"], value, f"{row['carrier']} to {row['unit']}: {value:.4g} {unit}"
                        )
                    )
            for leg in self.legs:
                value = leg["fuel"] * factor
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
        users = sorted(self.unit_energy, key=lambda r: -r["purchased"])[:3]
        energy = "; ".join(
            f"{r['unit']} {self._energy(r['purchased']):.3g~} of {r['carrier']}" for r in users if r["purchased"]
        )
        caption = f"{self.flowsheet.name}, per {self.basis:~} {self.product}"
        notes = paragraph(f"{self.closure}; {self.iterations} linear solve(s)")
        if energy:
            notes += paragraph(f"largest energy users: {energy}")
        return table(["kpi", "value", "unit"], rows, caption) + notes

    def _feeds(self) -> list[Stream]:
        return [s for s in self.edges if isinstance(self.flowsheet.operation(s.source), Feed)]

    # --- provenance -----------------------------------------------------------------------
    def _products(self) -> list[Stream]:
        from flowsheet.operations import Product

        found = []
        for stream in self.edges:
            target = self.flowsheet.operation(stream.target)
            if isinstance(target, Product) and target.kind == "product":
                found.append(stream)
        return found

    def _shares(self, element: str) -> dict[str, np.ndarray]:
        if element not in self.components.element_names[:-1]:
            raise ValueError(
                f"{element!r} is not in the flowsheet; elements: {', '.join(self.components.element_names[:-1])}"
            )
        atoms = self.flows @ self.components.elements[self.components.element_names.index(element)]
        return element_shares(self.flowsheet, self.edges, atoms)

    def provenance(self, element: str) -> pd.DataFrame:
        """Fraction of `element` in each product that came from each feed, through recycles; rows sum to 1.

        Each unit pools the element's atoms from all its inlets (see :mod:`flowsheet.provenance`):
        one sparse solve per element, not sampling. Products without the element are left out.
        """
        import pandas as pd

        shares = self._shares(element)
        rows = {
            stream.target: {feed: float(share[self._rows[stream.name]]) for feed, share in shares.items()}
            for stream in self._products()
        }
        frame = pd.DataFrame(rows).T
        frame = frame.loc[frame.sum(axis=1) > 0]
        return frame.loc[:, (frame > 1e-12).any()]

    def recycled_content(self) -> dict[str, float]:
        """Per product: the share of its mass, counting every element but O and H, from recycled feeds, [-]."""
        recycled = [op.name for op in self.flowsheet.operations if isinstance(op, Feed) and op.recycled]
        found = dict.fromkeys((stream.target for stream in self._products()), 0.0)
        totals = dict.fromkeys(found, 0.0)
        for k, element in enumerate(self.components.element_names[:-1]):
            if element in ("O", "H"):
                continue
            shares = self._shares(element) if recycled else {}
            weight = atomic_weights()[element]
            for stream in self._products():
                mass = weight * float(self.components.elements[k] @ self.flow(stream.name))
                totals[stream.target] += mass
                found[stream.target] += mass * sum(float(shares[f][self._rows[stream.name]]) for f in recycled)
        return {product: found[product] / totals[product] if totals[product] else 0.0 for product in found}

    # --- totals ---------------------------------------------------------------------------
    def reagents(self) -> dict[str, pint.Quantity]:
        """Mass of every feed per basis, by feed name."""
        return {s.source: self._mass(self.mass(s.name)) for s in self._feeds()}

    def sodium_sulfate(self) -> pint.Quantity:
        """Na2SO4 (as anhydrous, from any phase or hydrate) leaving in waste, wastewater and by-products."""
        return self.totals()["sodium_sulfate"]

    def transport(self) -> pd.DataFrame:
        """Per transport leg (a row per mode where a leg mixes modes): mode, distance, shipped, t km, fuel and CO2e.

        Units are in the column names: per basis kg, t km and MJ (per hour and MW for a rate basis); km.
        """
        import pandas as pd

        (mass, to_mass), (freight, to_freight), (energy, to_energy) = (
            display_unit(kind, self.is_rate) for kind in ("mass", "freight", "energy")
        )
        rows = [
            (
                leg["leg"],
                leg["mode"],
                leg["distance"] / 1000.0,
                leg["shipped"] * to_mass,
                leg["tonne_km"] * to_freight,
                leg["fuel"] * to_energy,
                leg["co2e"] * to_mass,
            )
            for leg in self.legs
        ]
        columns = ["leg", "mode", "distance [km]", f"shipped [{mass}]", f"tonne-km [{freight}]"]
        columns += [f"fuel [{energy}]", f"co2e [{mass}]"]
        return pd.DataFrame(rows, columns=columns).set_index("leg")

    def energy(self) -> pd.DataFrame:
        """Per unit: duty, utility, carrier, purchased energy and CO2e; heat removed is not purchased.

        Units are in the column names: MJ and kg per basis (MW and kg/h for a rate basis).
        """
        import pandas as pd

        (mass, to_mass), (energy, to_energy) = (display_unit(kind, self.is_rate) for kind in ("mass", "energy"))
        rows = [
            (
                r["unit"],
                r["duty"] * to_energy,
                r["utility"],
                r["carrier"],
                r["purchased"] * to_energy,
                r["co2e"] * to_mass,
            )
            for r in self.unit_energy
        ]
        columns = ["unit", f"duty [{energy}]", "utility", "carrier", f"purchased [{energy}]", f"co2e [{mass}]"]
        return pd.DataFrame(rows, columns=columns).set_index("unit")

    def totals(self) -> dict[str, pint.Quantity]:
        """The headline figures per basis, by the names of :data:`~flowsheet.kpis.KPIS` (boundaries there)."""
        return {kpi.name: self._shown(kpi.kind, self.kpis[kpi.name]) for kpi in KPIS}

    def __repr__(self) -> str:
        return (
            f"<Results {self.flowsheet.name!r} per {self.basis:~} {self.product}: {len(self.edges)} streams, "
            f"{self.closure}, {self.iterations} linear solve(s)>"
        )
