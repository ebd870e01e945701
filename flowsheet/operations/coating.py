"""One-pot synthesis: metals or salts, lithium source and coating precursor fired together."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from flowsheet.chemistry import Formula, Reaction
from flowsheet.components import Components
from flowsheet.errors import Problem
from flowsheet.operations.base import (
    ALL_INLETS,
    Port,
    any_positive,
    as_vector_scalar,
    cathode_metals,
    metal_basis,
    parameter,
    phase_split,
    reaction_operator,
)
from flowsheet.operations.calcination import OXYGEN, Calciner, balanced, volatile_products

REAGENT_FATES = ("decomposed", "waste")


@dataclass(frozen=True, repr=False)
class OnePotReactor(Calciner):
    """Form a coated cathode in one step from metals (or salts), lithium source and coating precursor.

    Its other parameters (`product`, `lithium_source`, `lithium_ratio`, `oxygen_excess`,
    `conversion`, `temperature` ...) are those of :class:`~flowsheet.operations.Calciner`.

    Parameters
    ----------
    name : str
        Unique name.
    feed_species : tuple of str
        What the ``"feed"`` port brings, e.g. ``("Ni", "Mn", "Co")`` (metal
        powders, the default: the product's metals) or salts.
    coating : str
        Coating precursor dosed by the ``"coating"`` port, e.g. ``"Al2O3"`` or
        ``"Al(OH)3"``; empty for none.
    coating_product : str
        What it becomes on the particles, e.g. ``"Al2O3"``; default the same species.
    coating_ratio : float
        Coating-metal atoms per cathode metal atom, [mol/mol], e.g. 0.005.
    reagent : str
        A reagent that activates the metals, dosed by the ``"reagent"`` port, e.g.
        ``"CH3COOH(l)"``; empty for none. The commercial chemistry is not public:
        state the assumption in the route.
    reagent_ratio : float
        Reagent in the reactor per metal atom, [mol/mol].
    reagent_recovery : float
        Fraction of the reagent recovered and reused inside the unit, [-]; only
        the rest is dosed as make-up.
    reagent_fate : str
        What becomes of the make-up: ``"decomposed"`` (burnt with O2 to CO2, H2O
        and N2 in the off-gas) or ``"waste"`` (leaves unchanged by the ``"waste"`` port).

    Notes
    -----
    Operators applied in order to the summed inlets: the firing reaction (extent
    ``conversion * m @ n``, ``m`` the metal atoms of the feed species), the coating
    conversion, the reagent's decomposition, excess lithium to Li2O. Reagent carbon
    is carried explicitly: acetate at 2 mol per mol metal, decomposed, gives about
    1.8 kg CO2 per kg NMC811 (4 mol CO2 per mol, from stoichiometry).
    """

    formula_fields: ClassVar[tuple[str, ...]] = (
        "product",
        "precursor",
        "lithium_source",
        "coating",
        "coating_product",
        "reagent",
        "feed_species",
    )

    feed_species: tuple[str, ...] = ()
    coating: str = ""
    coating_product: str = ""
    coating_ratio: float = parameter("", 0.0, "coating metal per cathode metal, mol/mol", low=0)
    reagent: str = ""
    reagent_ratio: float = parameter("", 0.0, "reagent per metal, mol/mol", low=0)
    reagent_recovery: float = parameter("", 0.0, "fraction of reagent recovered in the unit", low=0, high=1)
    reagent_fate: str = "decomposed"
    declared_ports: ClassVar[tuple[Port, ...]] = (
        Port("feed", "inlet", "The metals or salts of `feed_species`."),
        Port(
            "lithium",
            "dosed",
            "The lithium source named by `lithium_source`, at `lithium_ratio` Li per Li of the product.",
        ),
        Port(
            "coating",
            "dosed",
            "The coating precursor named by `coating`, at `coating_ratio` per cathode metal atom.",
            when="coating is given",
        ),
        Port(
            "reagent",
            "dosed",
            "Make-up of the reagent named by `reagent`: `reagent_ratio` per metal atom, the share not recovered.",
            when="reagent is given and reagent_recovery < 1",
        ),
        Port("gas", "dosed", "O2 for the firing and for burning the reagent, times 1 + `oxygen_excess`."),
        Port("product", "outlet", "The coated cathode."),
        Port("offgas", "outlet", "Gases: water vapour, CO2, N2, O2 dosed beyond the need."),
        Port("waste", "outlet", "The reagent make-up, unchanged.", when='reagent_fate is "waste"'),
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.feed_species:
            object.__setattr__(self, "feed_species", tuple(cathode_metals(self.product)))
        if self.coating and not self.coating_product:
            object.__setattr__(self, "coating_product", self.coating)

    def precursors(self) -> list[str]:
        return list(self.feed_species)

    def inlet_ports(self) -> tuple[str, ...]:
        return ("feed", *self.dosed_ports())

    def dosed_ports(self) -> tuple[str, ...]:
        ports = ["lithium"]
        if self.coating:
            ports.append("coating")
        if any_positive(self._reagent_dose()):
            ports.append("reagent")
        return (*ports, "gas")

    def outlet_ports(self) -> tuple[str, ...]:
        return (
            ("product", "offgas", "waste") if self.reagent_fate == "waste" and self.reagent else ("product", "offgas")
        )

    def _reagent_dose(self) -> float | np.ndarray:
        return self.reagent_ratio * (1.0 - self.reagent_recovery) if self.reagent else 0.0

    def coating_reaction(self) -> Reaction | None:
        """Conversion of the coating precursor, or None when it is fed as it stays."""
        if not self.coating or Formula(self.coating).key == Formula(self.coating_product).key:
            return None
        return balanced([self.coating], [self.coating_product, *volatile_products(self.coating)])

    def reagent_reaction(self) -> Reaction | None:
        """Combustion of the reagent make-up, or None when it goes to waste (or there is none)."""
        if not self.reagent or self.reagent_fate != "decomposed":
            return None
        return balanced([self.reagent, OXYGEN], volatile_products(self.reagent))

    def problems(self) -> list[Problem]:
        found = super().problems()
        if self.atmosphere not in ("oxygen", "air"):
            hint = "its reagent burns in O2: fire it in oxygen or air, or use a Calciner for other atmospheres"
            found.append(self.problem(f"must be oxygen or air, got {self.atmosphere!r}", field="atmosphere", hint=hint))
        if self.reductant:
            found.append(self.problem("is not taken by a one-pot reactor", field="reductant", hint="use a Calciner"))
        if self.reagent_fate not in REAGENT_FATES:
            found.append(
                self.problem(
                    f"must be one of {', '.join(REAGENT_FATES)}, got {self.reagent_fate!r}", field="reagent_fate"
                )
            )
        if self.coating and self.coating_ratio <= 0:
            found.append(self.problem("must be positive when a coating is given", field="coating_ratio"))
        return found

    def species(self) -> list[str]:
        labels = super().species()
        for reaction in (self.coating_reaction(), self.reagent_reaction()):
            if reaction is not None:
                labels += [str(f) for _, f in reaction.reactants + reaction.products]
        labels += [label for label in (self.coating, self.coating_product, self.reagent) if label]
        return labels

    def key_species(self, port: str) -> str | None:
        return {"coating": self.coating, "reagent": self.reagent}.get(port) or super().key_species(port)

    def operator(self, components: Components) -> np.ndarray:
        operator = super().operator(components)
        for reaction, limiting in ((self.coating_reaction(), self.coating), (self.reagent_reaction(), self.reagent)):
            if reaction is not None:
                nu = components.reaction_vector(reaction, per=limiting)
                operator = reaction_operator(components, nu, components.index(limiting), 1.0) @ operator
        return operator

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        operator = self.operator(components)
        if "waste" not in self.outlet_ports():
            return phase_split(components, operator, "offgas", "product")
        waste = np.diag(components.unit_vector(self.reagent))
        maps = phase_split(components, (np.eye(len(components)) - waste) @ operator, "offgas", "product")
        maps["waste"] = {ALL_INLETS: waste @ operator}
        return maps

    def dose_specs(self, components: Components, state: dict | None) -> dict:
        specs = super().dose_specs(components, state)
        metals = metal_basis(components, self.product, self.precursors())
        if self.coating:
            coating_metals = [e for e in Formula(self.coating).elements if e not in ("O", "H", "C", "N")]
            rows = [components.element_names.index(e) for e in coating_metals]
            atoms = components.elements[rows].sum(axis=0)
            coating = -as_vector_scalar(self.coating_ratio) * metals
            specs["coating"] = {"coating": atoms * components.unit_vector(self.coating), "feed": coating}
        if "reagent" in self.dosed_ports():
            reagent = -as_vector_scalar(self._reagent_dose()) * metals
            specs["reagent"] = {"reagent": components.unit_vector(self.reagent), "feed": reagent}
        return specs
