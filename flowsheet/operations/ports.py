"""Feeds and products: the open ends of a flowsheet."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pint

from flowsheet.chemistry import Formula
from flowsheet.components import Components
from flowsheet.errors import Problem, UnitError
from flowsheet.operations.base import SI, Operation, Port, parameter
from flowsheet.units import magnitude, parse_quantity

PRODUCT_KINDS = ("product", "waste", "wastewater", "emission", "byproduct")
"""What a product stream is, for the totals: saleable product, solid waste, liquid waste, gas to air, by-product."""


@dataclass(frozen=True, repr=False)
class Feed(Operation):
    """A stream entering the flowsheet, at a fixed rate or dosed by the unit it feeds.

    Parameters
    ----------
    name : str
        E.g. ``"nickel"``, ``"caustic"``.
    flows : dict of str to str or Quantity
        Species and amounts. A fixed feed gives rates, ``{"Ni(s)": "1 mol/s"}`` or
        ``"kg/h"``; a dosed feed gives its composition in any amounts,
        ``{"NaOH(aq)": "32 kg", "H2O(l)": "68 kg"}`` (32 wt % caustic), and the
        unit it feeds sets how much.
    dosed : bool
        True if the consuming unit sets the amount (a reagent), else fixed.
    recycled : bool
        True for material recovered from used products (black mass): counted as recycled content.
    certified : bool
        True for material with a chain-of-custody certificate (e.g. responsibly mined cobalt):
        the certified share of each element in the products follows by mass balance (ISO 22095).
    origin : str
        The region where what it brings was made (``CL`` for lithium from Chilean brine), for its
        cradle-to-gate factor; default ``""``: the region of the feed's site.
    temperature : str or Quantity
        Feed temperature, default 25 °C.
    """

    formula_fields: ClassVar[tuple[str, ...]] = ("flows",)

    flows: dict = field(default_factory=dict)
    dosed: bool = False
    recycled: bool = False
    certified: bool = False
    origin: str = ""
    temperature: float = parameter("K", "25 degC", "feed temperature", above=0)
    sets_temperature: ClassVar[bool] = True

    inlets: ClassVar[tuple[str, ...]] = ()
    outlets: ClassVar[tuple[str, ...]] = ("out",)
    declared_ports: ClassVar[tuple[Port, ...]] = (
        Port("out", "outlet", "The feed's flows: its fixed rates, or what the unit it doses sets."),
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        moles = {}
        for label, amount in self.flows.items():
            moles[label] = amount if isinstance(amount, SI) else SI(_moles(amount, label, self))
        object.__setattr__(self, "flows", moles)

    def __repr__(self) -> str:
        unit = "mol" if self.dosed else "mol/s"
        flows = {label: f"{float(value)!r} {unit}" for label, value in self.flows.items()}
        extras = "".join(
            f", {k}={getattr(self, k)!r}"
            for k in ("recycled", "certified", "origin", "site", "utility")
            if getattr(self, k)
        )
        return (
            f"Feed({self.name!r}, flows={flows!r}, dosed={self.dosed!r}, "
            f"temperature='{float(self.temperature)!r} K'{extras})"
        )

    def problems(self) -> list[Problem]:
        found = super().problems()
        if not self.flows:
            found.append(self.problem("no species given", field="flows"))
        found.extend(
            self.problem("is negative", field=f"flows.{label}") for label, value in self.flows.items() if value < 0
        )
        return found

    def species(self) -> list[str]:
        return list(self.flows)

    def vector(self, components: Components) -> np.ndarray:
        """Flows [mol/s] (fixed feed) or composition [mol per unit amount] (dosed feed)."""
        return components.vector(self.flows)

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        return {}


def _moles(amount: str | float | pint.Quantity, label: str, feed: Feed) -> float:
    """Return a rate as mol/s, or (dosed feeds) an amount as mol; from moles or mass."""
    where = f"{feed.name}.flows[{label!r}]"
    quantity = parse_quantity(amount, None, field=where)
    per_mole = 1000.0 / Formula(label).relative_mass  # mol/kg
    accepted = [("[substance]/[time]", "mol/s", 1.0), ("[mass]/[time]", "kg/s", per_mole)]
    if feed.dosed:
        accepted += [("[substance]", "mol", 1.0), ("[mass]", "kg", per_mole)]
    for dimension, unit, scale in accepted:
        if quantity.check(dimension):
            return magnitude(amount if isinstance(amount, str) else quantity, unit, field=where) * scale
    expected = "an amount or rate (mol, kg, mol/s, kg/h)" if feed.dosed else "a rate (mol/s, kg/h)"
    problem = "a bare number has no unit" if quantity.dimensionless else f"has {quantity.dimensionality}"
    raise UnitError(where, expected, str(amount), problem, "e.g. '1 mol/s' or '100 kg/h'")


@dataclass(frozen=True, repr=False)
class Product(Operation):
    """A stream leaving the flowsheet.

    Parameters
    ----------
    name : str
        E.g. ``"cam"``, ``"sodium_sulfate"``.
    kind : str
        One of ``product``, ``waste``, ``wastewater``, ``emission``, ``byproduct``;
        decides which totals the stream counts in.
    """

    kind: str = "product"

    inlets: ClassVar[tuple[str, ...]] = ("in",)
    outlets: ClassVar[tuple[str, ...]] = ()
    declared_ports: ClassVar[tuple[Port, ...]] = (Port("in", "inlet", "The stream leaving the flowsheet."),)

    def problems(self) -> list[Problem]:
        if self.kind not in PRODUCT_KINDS:
            return [self.problem(f"must be one of {', '.join(PRODUCT_KINDS)}, got {self.kind!r}", field="kind")]
        return []

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        return {}
