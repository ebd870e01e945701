"""Calcination: a precursor fired with a lithium source in oxygen or air to the cathode."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np

from flowsheet.chemistry import Formula, Reaction
from flowsheet.components import Components
from flowsheet.errors import FlowsheetError, Problem, message_and_hint
from flowsheet.operations.base import (
    ALL_INLETS,
    Operation,
    as_matrix_scalar,
    as_vector_scalar,
    dried_labels,
    drying_operator,
    metal_basis,
    parameter,
    phase_split,
    reaction_operator,
)
from flowsheet.operations.reaction import consumption
from flowsheet.thermo import SpeciesData

OXYGEN = "O2(g)"


def volatile_products(*labels: str) -> list[str]:
    """The gases a decomposition of `labels` gives off: H2O(g) for H, CO2(g) for C."""
    elements = {e for label in labels for e in Formula(label).elements}
    return [gas for element, gas in (("H", "H2O(g)"), ("C", "CO2(g)"), ("N", "N2(g)")) if element in elements]


def balanced(reactants: list[str], products: list[str]) -> Reaction:
    """Balance with the given species, adding O2 as a reactant, then as a product, if needed."""
    return _balanced(tuple(reactants), tuple(products))


@lru_cache(maxsize=256)
def _balanced(reactants: tuple[str, ...], products: tuple[str, ...]) -> Reaction:
    for extra_reactants, extra_products in (((), ()), ((OXYGEN,), ()), ((), (OXYGEN,))):
        try:
            return Reaction.balance([*reactants, *extra_reactants], [*products, *extra_products])
        except FlowsheetError:
            continue
    return Reaction.balance(list(reactants), list(products))  # raises the plain error


@dataclass(frozen=True, repr=False)
class Calciner(Operation):
    """Fire a precursor with a lithium source to a lithium metal oxide.

    Parameters
    ----------
    name : str
        Unique name.
    product : str
        The cathode, e.g. ``"LiNi0.8Mn0.1Co0.1O2"``.
    precursor : str
        The fed precursor, e.g. ``"Ni0.8Mn0.1Co0.1(OH)2"``.
    lithium_source : str
        ``"LiOH·H2O"``, ``"LiOH"`` or ``"Li2CO3"``, dosed by the ``"lithium"`` port.
    lithium_ratio : float
        Li per metal dosed, [mol/mol], default 1 (stoichiometric); 1.03-1.05 is
        usual in industry and lab recipes (unverified).
    oxygen_excess : float
        O2 dosed above the reactions' need, [-], default 0. The ``"gas"`` port's feed
        sets the atmosphere: pure O2, or air (its N2 passes through).
    conversion : float
        Fraction of the precursor converted, [-], default 1.
    temperature : str or Quantity
        Firing temperature; product and off-gas leave at it (no heat recovery).

    Notes
    -----
    The firing reaction is balanced from the species, e.g.
    ``M(OH)2 + LiOH·H2O + 1/4 O2 -> LiMO2 + 5/2 H2O(g)`` or, with Li2CO3,
    ``M(OH)2 + 1/2 Li2CO3 + 1/4 O2 -> LiMO2 + H2O(g) + 1/2 CO2(g)``. Lithium dosed
    beyond it decomposes to Li2O, which stays in the product as residual lithium,
    its H2O or CO2 going to the off-gas. Whatever else arrives takes its form at the
    firing temperature: moisture and NH3 to the off-gas, dissolved salts dried into
    the product as impurities (Na2SO4), solids past their melting point molten. The extent is
    ``conversion * m @ n_in`` with ``m`` the metal atoms of the precursor.
    Doses: Li atoms ``= ratio * m @ n_feed``; O2 ``= (1 + excess) *`` the O2 the
    reactions consume.
    """

    formula_fields: ClassVar[tuple[str, ...]] = ("product", "precursor", "lithium_source")

    product: str = ""
    precursor: str = ""
    lithium_source: str = "LiOH·H2O"
    lithium_ratio: float = parameter("", 1.0, "Li per metal, mol/mol")
    oxygen_excess: float = parameter("", 0.0, "O2 above the reactions' need", low=0)
    conversion: float = parameter("", 1.0, "fraction of precursor converted", above=0, high=1)
    temperature: float = parameter("K", None, "firing temperature", above=0)
    sets_temperature: ClassVar[bool] = True

    inlets = ("feed", "lithium", "gas")
    outlets = ("product", "offgas")
    dosed_inlets = ("lithium", "gas")

    def precursors(self) -> list[str]:
        """The fed species whose metal atoms set the extent."""
        return [self.precursor]

    def reaction(self) -> Reaction:
        """The firing reaction, balanced."""
        gases = volatile_products(*self.precursors(), self.lithium_source)
        return balanced([*self.precursors(), self.lithium_source], [self.product, *gases])

    def excess_lithium_reaction(self) -> Reaction:
        """Decomposition of lithium dosed beyond the firing reaction to Li2O."""
        return balanced([self.lithium_source], ["Li2O", *volatile_products(self.lithium_source)])

    def problems(self) -> list[Problem]:
        found = super().problems()
        if self.temperature is None:
            found.append(self.problem("must be given", field="temperature", hint="e.g. '800 degC'"))
        if not any(p.field in self.formula_fields for p in found):  # a formula that cannot be read is said once
            try:
                self.reaction()
                self.excess_lithium_reaction()
            except FlowsheetError as err:
                message, hint = message_and_hint(err)
                found.append(self.problem(message, field="product", hint=hint))
        if self.lithium_ratio < 1:
            found.append(
                self.problem(
                    f"below 1 leaves metal unlithiated; got {self.lithium_ratio}",
                    field="lithium_ratio",
                    hint="mol Li per mol metal, typically 1.01-1.05",
                )
            )
        return found

    def species(self) -> list[str]:
        labels = [s for _, f in self.reaction().reactants + self.reaction().products for s in [str(f)]]
        labels += [
            str(f) for _, f in self.excess_lithium_reaction().reactants + self.excess_lithium_reaction().products
        ]
        return [*labels, OXYGEN, "Li2O"]

    def key_species(self, port: str) -> str | None:
        return {"lithium": self.lithium_source, "gas": OXYGEN}.get(port)

    def derived_species(self, labels: list[str], data: SpeciesData) -> list[str]:
        return dried_labels(labels, self.temperature, data)

    def operator(self, components: Components) -> np.ndarray:
        """Linear map of the firing: main reaction, excess lithium to Li2O, then what is left dried or melted."""
        nu = components.reaction_vector(self.reaction(), per=self.product)
        metals = metal_basis(components, self.product, self.precursors())
        firing = np.eye(len(components)) + as_matrix_scalar(self.conversion) * np.outer(nu, metals)
        excess = components.reaction_vector(self.excess_lithium_reaction(), per=self.lithium_source)
        lithium = components.index(self.lithium_source)
        drying = drying_operator(components, False, self.temperature)
        return drying @ reaction_operator(components, excess, lithium, 1.0) @ firing

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        return phase_split(components, self.operator(components), "offgas", "product")

    def dose_specs(self, components: Components, state: dict | None) -> dict:
        lithium_atoms = components.elements[components.element_names.index("Li")]
        metals = metal_basis(components, self.product, self.precursors())
        per_metal = Formula(self.product).elements["Li"] / sum(
            n for e, n in Formula(self.product).elements.items() if e not in ("Li", "O")
        )
        oxygen = components.unit_vector(OXYGEN)
        consumed = consumption(self.operator(components), components, OXYGEN)
        lithium = -as_vector_scalar(self.lithium_ratio) * float(per_metal) * metals
        return {
            "lithium": {"lithium": lithium_atoms, "feed": lithium},
            "gas": {"gas": oxygen, ALL_INLETS: -(1.0 + as_vector_scalar(self.oxygen_excess)) * consumed},
        }
