"""Drying: water evaporated from a wet solid down to a residual moisture."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from flowsheet.components import Components
from flowsheet.errors import Problem
from flowsheet.operations.base import (
    ALL_INLETS,
    Operation,
    Port,
    as_vector_scalar,
    diagonal,
    dried_labels,
    drying_operator,
    outer,
    parameter,
)
from flowsheet.thermo import SpeciesData


@dataclass(frozen=True, repr=False)
class Dryer(Operation):
    """Evaporate water from a wet feed to a residual moisture.

    Parameters
    ----------
    name : str
        Unique name.
    moisture : float
        Water left in the dried product as a mass fraction of it, [-], e.g. 0.005.
    temperature : str or Quantity
        Outlet temperature of product and vapour, e.g. ``"110 degC"`` (pCAM is
        typically dried at 100-120 °C, an unsourced industry range).

    Notes
    -----
    With ``m_d`` the mass of everything but water and gases, the product keeps
    ``m_d w / (1 - w) / M_w`` mol water; the rest leaves as H2O(g) with the gases.
    Dissolved species take their dried form first (salts crystallise in the
    product, NH3 leaves as gas; :func:`~flowsheet.operations.base.dried_form`).
    The moisture coming in is whatever the feed carries.
    """

    moisture: float = parameter("", None, "water mass fraction of dried product", enters="odds")
    temperature: float = parameter("K", None, "outlet temperature", above=0)
    sets_temperature: ClassVar[bool] = True

    inlets = ("wet",)
    outlets = ("dry", "vapor")
    declared_ports: ClassVar[tuple[Port, ...]] = (
        Port("wet", "inlet", "The wet solid, e.g. a filter cake."),
        Port("dry", "outlet", "The dried solid, holding `moisture` of water."),
        Port("vapor", "outlet", "The water evaporated, and the gases."),
    )

    def problems(self) -> list[Problem]:
        found = super().problems()
        if self.moisture is None or not 0 <= self.moisture < 1:
            found.append(
                self.problem(
                    f"must be given in [0, 1), got {self.moisture}",
                    field="moisture",
                    hint="the mass fraction of water left in the dried solids, e.g. 0.01",
                )
            )
        if self.temperature is None:
            found.append(self.problem("must be given", field="temperature", hint="e.g. '110 degC'"))
        return found

    def species(self) -> list[str]:
        return ["H2O(l)", "H2O(g)"]

    def derived_species(self, labels: list[str], data: SpeciesData) -> list[str]:
        return dried_labels(labels, self.temperature, data)

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        drying = drying_operator(components, True, self.temperature)
        water, steam = components.unit_vector("H2O(l)"), components.unit_vector("H2O(g)")
        masses, gas = components.molar_masses, components.mask("g")
        kept = 1.0 - gas - water
        moisture = as_vector_scalar(self.moisture)
        left = moisture / (1.0 - moisture) * masses * kept / (masses @ water)
        dry = diagonal(kept) + outer(np.broadcast_to(water, left.shape), left)
        vapor = diagonal(gas) + outer(np.broadcast_to(steam, left.shape), water - left)
        return {"dry": {ALL_INLETS: dry @ drying}, "vapor": {ALL_INLETS: vapor @ drying}}
