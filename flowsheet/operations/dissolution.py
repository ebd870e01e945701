"""Dissolving metals or salts in acid or water to a target concentration."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from flowsheet.chemistry import Formula, Reaction
from flowsheet.components import Components
from flowsheet.errors import Problem
from flowsheet.operations.base import ALL_INLETS, Operation, Port, as_vector_scalar, gases, parameter, phase_split
from flowsheet.operations.reaction import ReactionStep, as_steps, chain, consumption
from flowsheet.thermo.species import PHASE_TAG

OXYGEN = "O2(g)"


@dataclass(frozen=True, repr=False)
class Dissolver(Operation):
    """Dissolve a solid feed by reactions, with the acid and the water dosed by the unit.

    Parameters
    ----------
    name : str
        Unique name.
    reactions : list
        Dissolution reactions, each at a conversion of its limiting species (default
        its first reactant, conversion 1), e.g. ``"Ni + H2SO4(aq) -> NiSO4(aq) + H2(g)"``
        (non-oxidising: releases H2) or ``"Ni + H2SO4(aq) + 1/2 O2 -> NiSO4(aq) + H2O"``
        (oxidative: then an ``"oxygen"`` port doses the O2 the reactions consume).
    acid : str
        The acid species the ``"acid"`` port doses, e.g. ``"H2SO4(aq)"``; empty
        for a salt dissolved in water alone (then there is no acid port). A
        concentrated acid, ``"H2SO4(l)"`` (98 % with its water in the feed), is first
        diluted to the dissolved form the reactions use, releasing its heat of
        dilution (-95.3 kJ/mol for H2SO4, from the formation enthalpies of the two forms).
    excess : float
        Acid above the reactions' stoichiometric need, [-] (0.05 = 5 %), default 0.
    concentration : str or Quantity, optional
        Target total concentration of the dissolved products in the solution, e.g.
        ``"2 mol/L"``; needs `solution_density`. Give this or `molality`.
    solution_density : str or Quantity, optional
        Density of the product solution, e.g. ``"1.3 kg/L"``; no default, since it
        depends on the salt and its concentration (cite it in the route).
    molality : str or Quantity, optional
        Target dissolved products per kg of water, e.g. ``"1.7 mol/kg"``.
    oxygen_excess : float
        O2 (or air's O2) dosed above what oxidative reactions consume, [-], default 0;
        the rest leaves by the ``"gas"`` port.
    temperature : str or Quantity, optional
        Outlet temperature; default that of the inlet.

    Notes
    -----
    Solution = non-gas part, gas (H2 from non-oxidising dissolution) = gas part of
    ``Π_k (I + c_k nu_k e_k^T) n_in``. Dose specifications, with ``p`` the dissolved
    products: acid ``n_acid = (1 + excess) Σ_k c_k |nu_k[acid]| n_feed[lim_k]``;
    O2 ``= (1 + oxygen_excess)`` times what the reactions consume; water by volume ``Σ_j M_j n_j = (rho / C) Σ_p n_p`` over the solution, or by
    molality ``M_w n_w = Σ_p n_p / b``.
    """

    formula_fields: ClassVar[tuple[str, ...]] = ("acid",)

    reactions: tuple = field(default=())
    acid: str = "H2SO4(aq)"
    excess: float = parameter("", 0.0, "acid excess over stoichiometric", low=0)
    concentration: float | None = parameter(
        "mol/m**3", None, "dissolved products per volume of solution", above=0, enters="reciprocal"
    )
    solution_density: float | None = parameter("kg/m**3", None, "density of the product solution", above=0)
    molality: float | None = parameter("mol/kg", None, "dissolved products per kg water", above=0, enters="reciprocal")
    oxygen_excess: float = parameter("", 0.0, "O2 above what oxidative reactions consume", low=0)
    temperature: float | None = parameter("K", None, "outlet temperature", above=0)
    sets_temperature: ClassVar[bool] = True

    outlets = ("solution", "gas")
    declared_ports: ClassVar[tuple[Port, ...]] = (
        Port("feed", "inlet", "The solid to dissolve, e.g. metal or a hydrated salt."),
        Port(
            "acid",
            "dosed",
            "The acid named by `acid`, at the reactions' need times 1 + `excess`.",
            when="acid is given",
        ),
        Port("water", "dosed", "Water to the target `molality` or `concentration`."),
        Port(
            "oxygen",
            "dosed",
            "The O2 oxidative reactions consume, times 1 + `oxygen_excess`.",
            when="a reaction consumes O2",
        ),
        Port("solution", "outlet", "Everything but gases: the dissolved products and what did not react."),
        Port("gas", "outlet", "Gases: H2 of a non-oxidising dissolution, O2 dosed beyond the need."),
    )

    def inlet_ports(self) -> tuple[str, ...]:
        return ("feed", *self.dosed_ports())

    def dosed_ports(self) -> tuple[str, ...]:
        acid = ("acid",) if self.acid else ()
        return (*acid, "water", *(("oxygen",) if self._oxidative() else ()))

    def _oxidative(self) -> bool:
        oxygen = Formula(OXYGEN).key
        return any(f.key == oxygen for step in self.reactions for _, f in step.reaction.reactants)

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "reactions", as_steps(list(self.reactions)))

    def problems(self) -> list[Problem]:
        found = super().problems() + [
            self.problem(p, field="reactions") for step in self.reactions for p in step.problems()
        ]
        if not self.reactions:
            found.append(self.problem("no reactions given", field="reactions"))
        by_volume = self.concentration is not None
        if by_volume == (self.molality is not None):
            found.append(
                self.problem("give either concentration (with solution_density) or molality", field="molality")
            )
        if by_volume and self.solution_density is None:
            found.append(
                self.problem(
                    "concentration needs solution_density, which depends on the salt",
                    field="solution_density",
                    hint="e.g. '1.3 kg/L'",
                )
            )
        for value, label in ((self.concentration, "concentration"), (self.molality, "molality")):
            if value is not None and value <= 0:
                found.append(self.problem("must be positive", field=label))
        return found

    def dissolved_acid(self) -> str:
        """The form of the acid the reactions consume: the acid itself, or its dissolved form if it is fed concentrated."""
        if not self.acid or Formula(self.acid).phase in ("aq", None):
            return self.acid
        dissolved = Formula(PHASE_TAG.sub("", self.acid) + "(aq)")
        reactants = {f.key for step in self.reactions for _, f in step.reaction.reactants}
        return str(dissolved) if dissolved.key in reactants else self.acid

    def dilution(self) -> tuple[ReactionStep, ...]:
        """The concentrated acid's dilution to its dissolved form, first of the steps; none if fed dissolved."""
        dissolved = self.dissolved_acid()
        return (ReactionStep(Reaction(f"{self.acid} -> {dissolved}")),) if dissolved != self.acid else ()

    def reaction_steps(self) -> tuple[ReactionStep, ...]:
        return (*self.dilution(), *self.reactions)

    def species(self) -> list[str]:
        acid = [self.acid, self.dissolved_acid()] if self.acid else []
        return [*acid, "H2O(l)", *(label for step in self.reactions for label in step.species())]

    def key_species(self, port: str) -> str | None:
        return {"acid": self.acid, "water": "H2O(l)", "oxygen": OXYGEN}.get(port)

    def _dissolved(self, components: Components) -> np.ndarray:
        mask = np.zeros(len(components))
        for step in self.reactions:
            for _, formula in step.reaction.products:
                index = components.index(formula)
                if components.phases[index] == "aq":
                    mask[index] = 1.0
        return mask

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        return phase_split(components, chain(self.reaction_steps(), components), "gas", "solution")

    def dose_specs(self, components: Components, state: dict | None) -> dict:
        operator = chain(self.reactions, components)
        specs = {"water": {"solution": self._water_row(components)}}
        if self._oxidative():
            consumed = consumption(operator, components, OXYGEN)
            excess = 1.0 + as_vector_scalar(self.oxygen_excess)
            specs["oxygen"] = {"oxygen": components.unit_vector(OXYGEN), ALL_INLETS: -excess * consumed}
        if self.acid:
            consumed = consumption(operator, components, self.dissolved_acid())
            specs["acid"] = {
                "acid": components.unit_vector(self.acid),
                "feed": -(1.0 + as_vector_scalar(self.excess)) * consumed,
            }
        return specs

    def _water_row(self, components: Components) -> np.ndarray:
        dissolved = self._dissolved(components)
        if self.concentration is not None and self.solution_density is not None:
            liquid = components.molar_masses * (1.0 - gases(components))
            ratio = as_vector_scalar(self.solution_density) / as_vector_scalar(self.concentration)
            return liquid - ratio * dissolved
        assert self.molality is not None  # problems() asked for one of the two
        water = components.molar_masses * components.unit_vector("H2O(l)")
        return water - dissolved / as_vector_scalar(self.molality)
