"""Mixers and splitters: streams joined or divided without reaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from flowsheet.components import Components
from flowsheet.errors import Problem
from flowsheet.operations.base import (
    ALL_INLETS,
    Operation,
    Port,
    as_matrix_scalar,
    as_vector_scalar,
    diagonal,
    parameter,
)


@dataclass(frozen=True, repr=False)
class Mixer(Operation):
    """Join several streams into one.

    Parameters
    ----------
    name : str
        Unique name.
    inlet_names : tuple of str
        Names of the inlet ports, default ``("in1", "in2")``.
    temperature : str or Quantity, optional
        Outlet temperature. None (default): adiabatic mixing, the outlet
        temperature at which outlet enthalpy equals the inlets' (no duty).

    Notes
    -----
    ``n_product = Σ n_inlet``.
    """

    inlet_names: tuple[str, ...] = ("in1", "in2")
    temperature: float | None = parameter("K", None, "outlet temperature", above=0)
    sets_temperature: ClassVar[bool] = True
    declared_ports: ClassVar[tuple[Port, ...]] = (
        Port("{inlet_names}", "inlet", "One port per name in `inlet_names`, each a stream to join."),
        Port("product", "outlet", "The joined stream."),
    )

    def inlet_ports(self) -> tuple[str, ...]:
        return tuple(self.inlet_names)

    def problems(self) -> list[Problem]:
        found = super().problems()
        if len(set(self.inlet_names)) != len(self.inlet_names) or not self.inlet_names:
            found.append(self.problem(f"must be distinct and not empty, got {self.inlet_names!r}", field="inlet_names"))
        return found

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        return {"product": {ALL_INLETS: np.eye(len(components))}}


@dataclass(frozen=True, repr=False)
class Splitter(Operation):
    """Divide one stream into several of the same composition.

    Parameters
    ----------
    name : str
        Unique name.
    fractions : dict of str to float
        Share of the feed sent to each outlet port, [-], summing to 1, e.g.
        ``{"recycle": 0.9, "purge": 0.1}``.

    Notes
    -----
    ``n_outlet = fraction_outlet * n_feed``.
    """

    fractions: dict[str, float] = field(default_factory=dict)
    declared_ports: ClassVar[tuple[Port, ...]] = (
        Port("feed", "inlet", "The stream to divide."),
        Port("{fractions}", "outlet", "One port per key of `fractions`, each with its share of the feed."),
    )

    def outlet_ports(self) -> tuple[str, ...]:
        return tuple(self.fractions)

    def problems(self) -> list[Problem]:
        found = super().problems()
        found += [
            self.problem(f"must be in [0, 1], got {f}", field=f"fractions.{port}", hint="the share of the feed to it")
            for port, f in self.fractions.items()
            if not 0 <= f <= 1
        ]
        if len(self.fractions) < 2:
            found.append(self.problem("needs at least two outlets", field="fractions"))
        if abs(sum(self.fractions.values()) - 1.0) > 1e-12:
            found.append(
                self.problem(
                    f"must sum to 1, got {sum(self.fractions.values())!r}",
                    field="fractions",
                    hint="write the last fraction as 1 minus the others",
                )
            )
        return found

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        eye = np.eye(len(components))
        return {port: {ALL_INLETS: as_matrix_scalar(f) * eye} for port, f in self.fractions.items()}


@dataclass(frozen=True, repr=False)
class ComponentSplitter(Operation):
    """Send a fixed fraction of each species to the first outlet and the rest to the second.

    Parameters
    ----------
    name : str
        Unique name.
    fractions : dict of str to float
        Fraction of each species to outlet ``"selected"``, [-]; species not named go
        to ``"rest"`` unless `default` says otherwise.
    default : float
        Fraction to ``"selected"`` of species not named, [-], default 0.

    Notes
    -----
    ``n_selected = diag(s) n_feed``, ``n_rest = (I - diag(s)) n_feed``.
    """

    formula_fields: ClassVar[tuple[str, ...]] = ("fractions",)

    fractions: dict[str, float] = field(default_factory=dict)
    default: float = 0.0

    outlets = ("selected", "rest")
    declared_ports: ClassVar[tuple[Port, ...]] = (
        Port("feed", "inlet", "The stream to split."),
        Port("selected", "outlet", "Each species at its fraction in `fractions` (else `default`)."),
        Port("rest", "outlet", "The remainder of each species."),
    )

    def problems(self) -> list[Problem]:
        values = {**self.fractions, "default": self.default}
        return super().problems() + [
            self.problem(f"must be in [0, 1], got {f}", field="default" if k == "default" else f"fractions.{k}")
            for k, f in values.items()
            if not 0 <= f <= 1
        ]

    def species(self) -> list[str]:
        return list(self.fractions)

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        selected = as_vector_scalar(self.default) * np.ones(len(components))
        for label, fraction in self.fractions.items():
            unit = components.unit_vector(label)
            selected = selected * (1.0 - unit) + as_vector_scalar(fraction) * unit
        return {"selected": {ALL_INLETS: diagonal(selected)}, "rest": {ALL_INLETS: diagonal(1.0 - selected)}}


@dataclass(frozen=True, repr=False)
class Repulper(Operation):
    """Mix a solid feed with dosed water to a slurry of given solids content.

    Parameters
    ----------
    name : str
        Unique name.
    solids_fraction : float
        Solids as a mass fraction of the slurry leaving, [-], e.g. 0.3.
    temperature : str or Quantity, optional
        Outlet temperature; default that of the mixed inlets.

    Notes
    -----
    ``n_slurry = Σ n_inlet``. The ``"water"`` dose brings the liquid to
    ``m_s (1 - x) / x`` with ``m_s`` the solids' mass: liquid water, dissolved and
    liquid species of the whole slurry count as liquid.
    """

    solids_fraction: float = parameter("", None, "solids mass fraction of the slurry", enters="reciprocal")
    temperature: float | None = parameter("K", None, "outlet temperature", above=0)
    sets_temperature: ClassVar[bool] = True

    inlets = ("feed", "water")
    outlets = ("slurry",)
    dosed_inlets = ("water",)
    declared_ports: ClassVar[tuple[Port, ...]] = (
        Port("feed", "inlet", "The solid to slurry."),
        Port("water", "dosed", "Water to bring the slurry to `solids_fraction`."),
        Port("slurry", "outlet", "The slurry."),
    )

    def problems(self) -> list[Problem]:
        if self.solids_fraction is None or not 0 < self.solids_fraction <= 1:
            return [self.problem(f"must be given in (0, 1], got {self.solids_fraction}", field="solids_fraction")]
        return super().problems()

    def species(self) -> list[str]:
        return ["H2O(l)"]

    def key_species(self, port: str) -> str | None:
        return "H2O(l)" if port == "water" else None

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        return {"slurry": {ALL_INLETS: np.eye(len(components))}}

    def dose_specs(self, components: Components, state: dict | None) -> dict:
        masses = components.molar_masses
        solid = components.mask("s")
        liquid = components.mask("l", "aq")
        x = as_vector_scalar(self.solids_fraction)
        return {"water": {"slurry": masses * liquid - (1.0 - x) / x * masses * solid}}


@dataclass(frozen=True, repr=False)
class Scrap(Operation):
    """Lose a fraction of the solids passing through to scrap: off-spec, dust, spills.

    Parameters
    ----------
    name : str
        Unique name.
    fraction : float
        Fraction of every solid species sent to the ``"scrap"`` outlet, [-], default 0;
        the rest, and everything not solid, goes on by ``"product"``. Place it after the
        step that loses the solids; lead ``"scrap"`` to a waste product, or back to an
        upstream mixer to recycle it.

    Notes
    -----
    ``n_scrap = f diag(s) n_feed``, ``n_product = n_feed - n_scrap``, ``s`` the mask of solid
    species. The ``scrap`` KPI sums every scrap outlet.
    """

    fraction: float = parameter("", 0.0, "fraction of the solids lost to scrap", low=0, high=1)

    outlets = ("product", "scrap")
    declared_ports: ClassVar[tuple[Port, ...]] = (
        Port("feed", "inlet", "The stream passing through."),
        Port("product", "outlet", "Everything but the scrapped solids."),
        Port("scrap", "outlet", "The `fraction` of every solid species that is lost."),
    )

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        scrap = as_vector_scalar(self.fraction) * components.mask("s")
        return {"scrap": {ALL_INLETS: diagonal(scrap)}, "product": {ALL_INLETS: diagonal(1.0 - scrap)}}
