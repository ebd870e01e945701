"""Evaporative crystallisation of a salt or its hydrate from solution."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from flowsheet.chemistry import Formula
from flowsheet.components import Components
from flowsheet.errors import Problem
from flowsheet.operations.base import (
    ALL_INLETS,
    Operation,
    Port,
    as_matrix_scalar,
    as_vector_scalar,
    diagonal,
    outer,
    parameter,
)

_WATER_TERM = re.compile(r"^(.*?)[·*.](\d*)H2O$")


def hydrate_parts(hydrate: str) -> tuple[str, int]:
    """Split ``"NiSO4·6H2O"`` into ``("NiSO4", 6)``; an anhydrous salt gives ``(salt, 0)``."""
    text = re.sub(r"\((s|cr)\)$", "", hydrate.strip())
    match = _WATER_TERM.match(text)
    if match is None:
        return text, 0
    return match.group(1), int(match.group(2) or 1)


@dataclass(frozen=True, repr=False)
class EvaporativeCrystallizer(Operation):
    """Crystallise salts from solution by evaporating water, leaving a mother liquor.

    Parameters
    ----------
    name : str
        Unique name.
    products : dict of str to float
        Crystal product and its yield per pass: the fraction of its dissolved salt
        that crystallises, [-], e.g. ``{"NiSO4·6H2O": 0.9}``. The dissolved salt is
        the hydrate without its water, in solution (``NiSO4(aq)``); an anhydrous
        product (``"Na2SO4"``) crystallises without water. An empty dict makes
        an evaporator.
    molality : str or Quantity
        Dissolved species (everything aqueous) per kg of water in the mother
        liquor, e.g. ``"2.5 mol/kg"``: the water evaporated follows from it.
    temperature : str or Quantity
        Operating temperature of crystals, mother liquor and vapour.

    Notes
    -----
    Per pass, with salt flows ``s_p``, yields ``y_p``, waters of crystallisation
    ``k_p`` and mother-liquor molality ``b``:
    crystals ``y_p s_p``; mother liquor keeps all other dissolved species,
    ``(1 - y_p) s_p`` and water ``W = Σ_aq n_aq / b / M_w``; vapour
    ``n_w - Σ_p k_p y_p s_p - W``. Recycle or bleed of the mother liquor is drawn
    in the flowsheet (a Splitter and a Mixer).
    """

    formula_fields: ClassVar[tuple[str, ...]] = ("products",)

    products: dict[str, float] = field(default_factory=dict)
    molality: float = parameter(
        "mol/kg", None, "dissolved species per kg water in the mother liquor", above=0, enters="reciprocal"
    )
    temperature: float = parameter("K", None, "operating temperature", above=0)
    sets_temperature: ClassVar[bool] = True

    outlets = ("crystals", "mother_liquor", "vapor")
    declared_ports: ClassVar[tuple[Port, ...]] = (
        Port("feed", "inlet", "The solution to crystallise."),
        Port("crystals", "outlet", "The crystals of `products`, each at its yield per pass."),
        Port("mother_liquor", "outlet", "The solution left, at `molality`."),
        Port("vapor", "outlet", "The water evaporated."),
    )

    def problems(self) -> list[Problem]:
        found = super().problems()
        found += [
            self.problem(f"yield must be in [0, 1], got {y}", field=f"products.{p}")
            for p, y in self.products.items()
            if not 0 <= y <= 1
        ]
        if self.molality is None or self.molality <= 0:
            found.append(
                self.problem(
                    "the mother liquor's molality must be given and positive",
                    field="molality",
                    hint="e.g. '2.5 mol/kg'",
                )
            )
        if self.temperature is None:
            found.append(self.problem("must be given", field="temperature", hint="e.g. '60 degC'"))
        return found

    def salts(self) -> dict[str, tuple[str, int]]:
        """Crystal product -> (dissolved salt with phase, waters of crystallisation)."""
        found = {}
        for product in self.products:
            salt, waters = hydrate_parts(product)
            found[f"{Formula(product).text.removesuffix('(s)')}(s)"] = (f"{salt}(aq)", waters)
        return found

    def species(self) -> list[str]:
        labels = ["H2O(l)", "H2O(g)"]
        for product, (salt, _) in self.salts().items():
            labels += [product, salt]
        return labels

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        water, steam = components.unit_vector("H2O(l)"), components.unit_vector("H2O(g)")
        solid, gas = components.mask("s"), components.mask("g")
        dissolved = components.mask("aq") + components.mask("l") - water
        crystals: np.ndarray = diagonal(solid)
        liquor: np.ndarray = diagonal(dissolved)
        crystallised_water: np.ndarray = np.zeros(len(components))
        for (product, (salt, waters)), crystal_yield in zip(self.salts().items(), self.products.values(), strict=True):
            y = as_matrix_scalar(crystal_yield)
            p, s = components.unit_vector(product), components.unit_vector(salt)
            crystals = crystals + y * np.outer(p, s)
            liquor = liquor - y * np.outer(s, s)
            crystallised_water = crystallised_water + waters * as_vector_scalar(crystal_yield) * s
        molar_mass_water = components.molar_masses[components.index("H2O(l)")]
        liquor_water = components.mask("aq") @ liquor / (as_vector_scalar(self.molality) * molar_mass_water)
        liquor = liquor + outer(water, liquor_water)
        vapor = diagonal(gas) + outer(steam, water - crystallised_water - liquor_water)
        return {
            "crystals": {ALL_INLETS: crystals},
            "mother_liquor": {ALL_INLETS: liquor},
            "vapor": {ALL_INLETS: vapor},
        }
