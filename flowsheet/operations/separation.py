"""Filtering and washing: solids to a cake that holds some liquor, the rest to the filtrate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from flowsheet.components import Components
from flowsheet.errors import Problem
from flowsheet.operations.base import (
    ALL_INLETS,
    WATER_DENSITY,
    Operation,
    Port,
    StateForm,
    any_positive,
    as_vector_scalar,
    diagonal,
    outer,
    parameter,
)

INITIAL_LIQUOR_FRACTION = 0.5
"""First guess of the fraction of slurry liquor the cake holds, before the first solve."""


@dataclass(frozen=True, repr=False)
class Washer(Operation):
    """Filter a slurry and wash the cake with water (a plain filter when `wash_ratio` is 0).

    Parameters
    ----------
    name : str
        Unique name.
    cake_moisture : float
        Liquid in the washed cake as a mass fraction of wet cake, [-], e.g. 0.15.
    wash_ratio : str or Quantity
        Wash water per mass of solids, e.g. ``"5 L/kg"``; default ``"0 L/kg"``.
    wash_efficiency : float
        Fraction of the dissolved species in the cake liquor that washing
        displaces, [-], default 0, whatever the wash ratio.
    displacement_efficiency : float, optional
        Instead of `wash_efficiency`, a wash model: the fraction ``E`` of the cake
        liquor's solutes each wash of one liquor volume displaces, so that
        ``(1 - E)**n`` remains after ``n = wash_ratio rho_w (1 - w) / w`` such washes
        (Choudhury and Dahlstrom, AIChE J. 3:433, 1957). ``E = 1 - 1/e = 0.632`` is a
        perfectly mixed cake liquor (``e**-n``), the slow end of the dispersion model;
        ``E`` near 1 is plug-flow displacement.
    occluded_fraction : float
        Share of the cake liquor held in the pores of the particles, out of the wash's
        reach, [-], default 0. The cake is taken as two regions: the liquor between the
        particles, which the wash displaces, and that inside them, whose solutes stay
        whatever the wash (no diffusion out during the wash is counted), so that the
        residual is ``phi + (1 - phi) r``, ``r`` the washable part's.
    temperature : str or Quantity, optional
        Outlet temperature; default that of the mixed inlets.

    Notes
    -----
    All solids go to the cake with ``L = m_s w / (1 - w)`` kg of liquor. Before
    washing the cake holds the fraction ``f = L / m_liquor`` of the slurry liquor;
    washing leaves ``r f`` of each dissolved species, ``r = 1 - eta`` or the wash
    model's residual, and water fills the rest of ``L``. Filtrate = all inlets - cake. Since ``f`` is a ratio of flows the
    unit is nonlinear: its state is ``f`` (:meth:`state_values`), computed from the slurry
    once the slurry is known, or iterated where the filtrate returns to it.
    The wash water dose is ``wash_ratio * rho_w * m_s``.
    """

    cake_moisture: float = parameter("", None, "liquid mass fraction of wet cake", enters="odds")
    wash_ratio: float = parameter("m**3/kg", "0 L/kg", "wash water per mass of solids", low=0)
    wash_efficiency: float = parameter("", 0.0, "fraction of dissolved species displaced by washing", low=0, high=1)
    displacement_efficiency: float | None = parameter(
        "", None, "fraction of solutes displaced per liquor volume of wash", above=0, high=1
    )
    occluded_fraction: float = parameter("", 0.0, "share of cake liquor out of the wash's reach", low=0, high=1)
    temperature: float | None = parameter("K", None, "outlet temperature", above=0)
    sets_temperature: ClassVar[bool] = True

    outlets = ("cake", "filtrate")
    nonlinear = True
    state_ports = ("slurry",)
    declared_ports: ClassVar[tuple[Port, ...]] = (
        Port("slurry", "inlet", "The slurry to filter."),
        Port("wash_water", "dosed", "Wash water: `wash_ratio` times the mass of solids.", when="wash_ratio > 0"),
        Port("cake", "outlet", "All solids, with `cake_moisture` of liquor, washed."),
        Port("filtrate", "outlet", "The liquor the cake does not hold, with the spent wash water."),
    )

    def inlet_ports(self) -> tuple[str, ...]:
        return ("slurry", *self.dosed_ports())

    def dosed_ports(self) -> tuple[str, ...]:
        return ("wash_water",) if any_positive(self.wash_ratio) else ()

    def problems(self) -> list[Problem]:
        found = super().problems()
        if self.cake_moisture is None or not 0 <= self.cake_moisture < 1:
            found.append(
                self.problem(
                    f"must be given in [0, 1), got {self.cake_moisture}",
                    field="cake_moisture",
                    hint="the mass fraction of liquor in the filter cake, e.g. 0.2",
                )
            )
        return found + self._model_problems()

    def species(self) -> list[str]:
        return ["H2O(l)"]

    def _model_problems(self) -> list[Problem]:
        if self.displacement_efficiency is not None and np.any(np.asarray(self.wash_efficiency) > 0):
            return [
                self.problem(
                    "give wash_efficiency or displacement_efficiency, not both",
                    field="displacement_efficiency",
                    hint="displacement_efficiency makes the residual fall with the wash ratio",
                )
            ]
        return []

    def key_species(self, port: str) -> str | None:
        return "H2O(l)" if port == "wash_water" else None

    def _masks(self, components: Components) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        solid = components.mask("s")
        dissolved = components.mask("aq", "l") - components.unit_vector("H2O(l)")
        return solid, dissolved, components.molar_masses

    def state_forms(self, components: Components) -> dict[str, StateForm]:
        """The cake's ``liquor_fraction`` and the wash's ``residual``, [-].

        ``f = w/(1-w) m_solids / m_liquor`` is the fraction of the slurry liquor (gases not counted)
        the cake holds before washing; washing leaves ``residual`` of its dissolved species.
        """
        solid, _, masses = self._masks(components)
        moisture = np.asarray(self.cake_moisture, dtype=float)
        liquor = (1.0 - solid - components.mask("g")) * masses
        return {
            "liquor_fraction": StateForm("slurry", moisture / (1.0 - moisture), solid * masses, liquor),
            "residual": StateForm("slurry", self.residual()),
        }

    def residual(self) -> np.ndarray:
        """Fraction of the cake liquor's dissolved species washing leaves, [-], per sample: ``phi + (1 - phi) r``."""
        occluded = np.asarray(self.occluded_fraction, dtype=float)
        if self.displacement_efficiency is None:
            washable = 1.0 - np.asarray(self.wash_efficiency, dtype=float)
        else:
            moisture = np.asarray(self.cake_moisture, dtype=float)
            washes = np.asarray(self.wash_ratio) * WATER_DENSITY * (1.0 - moisture) / np.maximum(moisture, 1e-300)
            washable = (1.0 - np.asarray(self.displacement_efficiency, dtype=float)) ** washes
        return occluded + (1.0 - occluded) * washable

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        solid, dissolved, masses = self._masks(components)
        fraction = INITIAL_LIQUOR_FRACTION if state is None else np.asarray(state["liquor_fraction"])
        residual = self.residual() if state is None else np.asarray(state["residual"])
        kept = as_vector_scalar(residual * fraction)
        water = components.unit_vector("H2O(l)")
        moisture = as_vector_scalar(np.asarray(self.cake_moisture) / (1.0 - np.asarray(self.cake_moisture)))
        water_row = (moisture * masses * solid - kept * masses * dissolved) / (masses @ water)
        cake = diagonal(solid + kept * dissolved) + outer(np.broadcast_to(water, water_row.shape), water_row)
        return {"cake": {"slurry": cake}, "filtrate": {ALL_INLETS: np.eye(len(components)), "slurry": -cake}}

    def dose_specs(self, components: Components, state: dict | None) -> dict:
        if not self.dosed_ports():
            return {}
        solid, _, masses = self._masks(components)
        water = components.unit_vector("H2O(l)") * masses
        wash = -as_vector_scalar(self.wash_ratio) * WATER_DENSITY * masses * solid
        return {"wash_water": {"wash_water": water, "slurry": wash}}
