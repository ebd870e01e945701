"""What a unit that fires its charge in a kiln loses beyond its heat balance: the kiln's walls and saggers.

Shared by the :class:`~flowsheet.operations.Calciner` (and the one-pot reactor built on it) and a fired
:class:`~flowsheet.operations.StoichiometricReactor`, so that any firing, whichever unit states its
chemistry, bears the same kiln.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from flowsheet.chemistry import Formula
from flowsheet.errors import Problem
from flowsheet.factors import kiln, kiln_figures, kilns
from flowsheet.operations.base import Operation, parameter
from flowsheet.operations.kiln_walls import wall_flux
from flowsheet.thermo import package_data

WALL_MODELS = ("lining", "holding")
"""How a kiln loses heat through its walls (:meth:`FiredUnit.wall_losses`); the first is the default."""
HOLDING_FIGURES = ("holding_power", "holding_temperature")
"""What only ``walls: holding`` reads."""
LINING_FIGURES = (
    "shell_area",
    "rated_throughput",
    "capacity_exponent",
    "lining_thickness",
    "lining_conductivity",
    "surface_emissivity",
)
"""What ``walls: lining`` needs of the kiln, each a parameter defaulting to ``data/energy/kiln_figures.csv``."""
NO_KILN = "none"
"""The `kiln` that states a bare heat balance: no walls, no saggers."""

AMBIENT = 298.15
"""Where a kiln's saggers start and its walls lose heat to, [K]."""
SAGGER = "Al2O3(s)"


def kiln_kinds() -> tuple[str, ...]:
    """The kinds of kiln the data describe (``data/energy/kiln_figures.csv``, ``data/energy/kilns.csv``)."""
    return tuple(sorted({kind for kind, _ in kiln_figures()} | set(kilns())))


def sagger_enthalpy(temperature: float | np.ndarray) -> np.ndarray:
    """Heat to raise 1 kg of sagger from 25 °C to `temperature` [K], as corundum, [J/kg]."""
    corundum = package_data().species(SAGGER)
    mass = Formula(SAGGER).relative_mass / 1000
    return np.asarray(corundum.enthalpy(np.asarray(temperature, dtype=float)) - corundum.enthalpy(AMBIENT)) / mass


@dataclass(frozen=True, repr=False)
class FiredUnit(Operation):
    """A unit whose charge is fired in a kiln: the kiln's walls and saggers are heat it buys.

    Parameters
    ----------
    kiln : str
        The kind of kiln: ``roller_hearth``, ``pusher``, ``rotary`` or ``box``, whose figures are rows of
        ``data/energy/kiln_figures.csv`` (``walls: lining``) or ``data/energy/kilns.csv``
        (``walls: holding``); ``none`` for a bare heat balance.
    walls : str
        How the kiln's wall losses are found: ``lining`` (the default) from the kiln's size and
        temperature (:mod:`flowsheet.operations.kiln_walls`): conduction through the lining to the
        shell, radiation and convection from it, over a shell area scaled from the reference kiln to
        `throughput`; ``holding`` from a measured `holding_power` at `holding_temperature`. The
        figures default to the mean of the sources for `kiln`; give those the data lack.
    throughput : str or Quantity, optional
        Solids the kiln fires, as they leave it, e.g. ``"36.75 kg/h"``; default the reference kiln's.
    shell_area : str or Quantity, optional
        With ``walls: lining``, the outer shell area of the reference kiln.
    rated_throughput : str or Quantity, optional
        With ``walls: lining``, the throughput the reference kiln is built for.
    capacity_exponent : float, optional
        With ``walls: lining``, ``n`` in ``A = A_ref (throughput / rated_throughput)^n``, [-]: 1 for a
        kiln lengthened or repeated, 2/3 for one enlarged in all directions.
    lining_thickness : str or Quantity, optional
        With ``walls: lining``, the thickness of refractory and insulation.
    lining_conductivity : str or Quantity, optional
        With ``walls: lining``, the lining's mean thermal conductivity.
    surface_emissivity : float, optional
        With ``walls: lining``, of the outer shell, [-].
    holding_power : str or Quantity, optional
        With ``walls: holding``, the power the kiln draws to stay hot at `holding_temperature`
        (walls, rollers), e.g. ``"220 kW"``; at another firing temperature it scales with the rise
        over 25 °C.
    holding_temperature : str or Quantity, optional
        With ``walls: holding``, the temperature that `holding_power` keeps.
    sagger_ratio : float, optional
        Sagger mass heated per mass of solids fired, [kg/kg]; 0 for a kiln without saggers.
    sagger_heat_recovery : float, optional
        Share of the saggers' heat returned to the firing, [-]; default none.
    """

    kiln: str = "roller_hearth"
    walls: str = "lining"
    throughput: float | None = parameter("kg/s", None, "solids the kiln fires", above=0)
    shell_area: float | None = parameter("m**2", None, "outer shell area of the reference kiln", above=0)
    rated_throughput: float | None = parameter("kg/s", None, "throughput the reference kiln is built for", above=0)
    capacity_exponent: float | None = parameter("", None, "exponent of shell area with throughput", low=0, high=1)
    lining_thickness: float | None = parameter("m", None, "thickness of the kiln's lining", above=0)
    lining_conductivity: float | None = parameter("W/(m*K)", None, "thermal conductivity of the lining", above=0)
    surface_emissivity: float | None = parameter("", None, "emissivity of the kiln's outer shell", above=0, high=1)
    holding_power: float | None = parameter("W", None, "power the kiln draws to stay hot", low=0)
    holding_temperature: float | None = parameter("K", None, "temperature the holding power keeps", above=298.15)
    sagger_ratio: float | None = parameter("", None, "saggers heated per kg fired, kg/kg", low=0)
    sagger_heat_recovery: float | None = parameter("", None, "share of the saggers' heat returned", low=0, high=1)

    firing_temperature_field: ClassVar[str] = "temperature"

    def fires(self) -> bool:
        """True when the unit fires its charge in a kiln with walls and saggers."""
        return bool(self.kiln) and self.kiln != NO_KILN

    def kiln_problems(self) -> list[Problem]:
        """Every reason the kiln's figures cannot be found: an unknown model or kiln, a figure no row gives.

        A holding power given to a lined kiln is refused (it would be ignored); the lining's figures
        stay allowed with ``walls: holding``, so that a route can be switched to a measured kiln.
        """
        if not self.fires():
            return []
        if self.walls not in WALL_MODELS:
            return [self.problem(f"must be one of {', '.join(WALL_MODELS)}, got {self.walls!r}", field="walls")]
        found = []
        if self.walls == "lining":
            known = sorted({kind for kind, _ in kiln_figures()})
            if self.kiln not in known:  # the lining model knows the kinds of kiln_figures.csv
                hint = f"one of {', '.join(known)}, or {NO_KILN!r} for a bare heat balance"
                return [self.problem(f"unknown kiln {self.kiln!r}", field="kiln", hint=hint)]
            for name in (*LINING_FIGURES, "sagger_ratio"):
                if getattr(self, name) is None and (self.kiln, name) not in kiln_figures():
                    hint = f"give {name} in the route, or add it to data/energy/kiln_figures.csv with its source"
                    problem = f"no {name} for kiln {self.kiln!r} in data/energy/kiln_figures.csv"
                    found.append(self.problem(problem, field=name, hint=hint))
            for name in HOLDING_FIGURES:
                if getattr(self, name) is not None:
                    found.append(self.problem("is read only with walls: holding", field=name, hint="walls: holding"))
        elif self.kiln not in kilns():
            hint = f"one of {', '.join(kilns())} (data/energy/kilns.csv), or walls: lining"
            found.append(self.problem(f"no holding power for kiln {self.kiln!r}", field="kiln", hint=hint))
        return found

    def kiln_figures(self) -> dict[str, float | np.ndarray]:
        """The kiln's figures: each parameter given, else its data; empty without a kiln.

        With ``walls: lining`` the mean over the sources of ``data/energy/kiln_figures.csv``, the
        throughput defaulting to the reference kiln's; with ``walls: holding`` the kiln's row of
        ``data/energy/kilns.csv``. No sagger heat is recovered unless stated.
        """
        if not self.fires():
            return {}
        if self.walls == "lining":
            figures = kiln_figures()
            found = {}
            for name in (*LINING_FIGURES, "sagger_ratio"):
                given = getattr(self, name)
                found[name] = figures[(self.kiln, name)].value if given is None else given
            found["throughput"] = found["rated_throughput"] if self.throughput is None else self.throughput
            found["sagger_heat_recovery"] = self.sagger_heat_recovery or 0.0
            return found
        row = kiln(self.kiln)
        names = ("holding_power", "holding_temperature", "throughput", "sagger_ratio", "sagger_heat_recovery")
        return {name: getattr(row, name) if getattr(self, name) is None else getattr(self, name) for name in names}

    def firing_temperature(self) -> float | np.ndarray | None:
        """The temperature the charge is fired at, [K]."""
        return getattr(self, self.firing_temperature_field)

    def wall_losses(self, temperature: float | np.ndarray | None = None) -> np.ndarray:
        """The kiln's wall losses per kg fired at `temperature` (default the firing's), [J/kg].

        ``walls: lining``: ``q(T) A_ref (m / m_ref)^n / m``, the flux ``q`` through the lining at
        the hot-face temperature ``T`` (:func:`~flowsheet.operations.kiln_walls.wall_flux`).
        ``walls: holding``: ``P (T - T0) / ((T_h - T0) m)``, the holding power ``P`` at ``T_h``
        scaled to ``T`` (conduction through the lining, ``T0`` = 25 °C).
        """
        figures = self.kiln_figures()
        hot = np.asarray(self.firing_temperature() if temperature is None else temperature, dtype=np.float64)
        throughput = np.asarray(figures["throughput"], dtype=np.float64)
        if self.walls == "lining":
            resistance = np.asarray(figures["lining_thickness"]) / np.asarray(figures["lining_conductivity"])
            flux, _ = wall_flux(hot, resistance, figures["surface_emissivity"])
            scale = (throughput / np.asarray(figures["rated_throughput"])) ** np.asarray(figures["capacity_exponent"])
            return flux * np.asarray(figures["shell_area"]) * scale / throughput
        rise = (hot - AMBIENT) / (np.asarray(figures["holding_temperature"]) - AMBIENT)
        return np.asarray(figures["holding_power"]) * rise / throughput

    def pass_losses(self, temperature: float | np.ndarray | None = None) -> np.ndarray | float:
        """One pass through the kiln at `temperature`: its walls and saggers per kg fired, [J/kg].

        Saggers ``r (1 - f) Δh(T)``: ``r`` kg of sagger heated from 25 °C to ``T`` per kg fired, ``f``
        returned, ``Δh`` corundum's (McBride et al. 2002) standing in for the alumina-silica body.
        """
        figures = self.kiln_figures()
        hot = self.firing_temperature() if temperature is None else temperature
        if not figures or hot is None:
            return 0.0
        saggers = np.asarray(figures["sagger_ratio"]) * (1.0 - np.asarray(figures["sagger_heat_recovery"]))
        return self.wall_losses(hot) + saggers * sagger_enthalpy(hot)

    def heat_losses(self, solids: np.ndarray, liquid: np.ndarray | float = 0.0) -> np.ndarray | float:
        """The kiln's walls and saggers, [J or W] for `solids` fired [kg or kg/s] (:meth:`pass_losses`)."""
        return solids * self.pass_losses()
