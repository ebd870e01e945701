"""Calcination: a precursor fired with a lithium source to the cathode, in oxygen, air, nitrogen or hydrogen."""

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
    NON_METALS,
    Port,
    as_matrix_scalar,
    as_vector_scalar,
    cathode_metals,
    dried_labels,
    drying_operator,
    metal_basis,
    parameter,
    phase_split,
    reaction_operator,
)
from flowsheet.operations.firing import AMBIENT, FiredUnit
from flowsheet.operations.reaction import consumption
from flowsheet.thermo import SpeciesData, package_data

OXYGEN = "O2(g)"
HYDROGEN = "H2(g)"
CARBON = "C(s)"
ATMOSPHERES = ("oxygen", "air", "nitrogen", "hydrogen")
"""What a kiln may fire in: oxygen or air exchange O2 with the charge; hydrogen takes released oxygen up as H2O;
nitrogen takes it as O2 into the sweep gas, or a reductant does as CO2. Only oxygen and air can oxidise."""


def volatile_products(*labels: str) -> list[str]:
    """The gases a decomposition of `labels` gives off: H2O(g) for H, CO2(g) for C, NH3(g) for ammonium N, else N2(g)."""
    formulas = [Formula(label).elements for label in labels]
    elements = {e for formula in formulas for e in formula}
    ammonium = any("N" in formula and "H" in formula for formula in formulas)
    nitrogen = "NH3(g)" if ammonium else "N2(g)"
    return [gas for element, gas in (("H", "H2O(g)"), ("C", "CO2(g)"), ("N", nitrogen)) if element in elements]


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


def _is_metal(label: str) -> bool:
    """True for an element that is a metal in its elemental state (Fe, Ni), which acid protons may oxidise."""
    elements = Formula(label).elements
    return len(elements) == 1 and not set(elements) & NON_METALS


@lru_cache(maxsize=256)
def fired(reactants: tuple[str, ...], products: tuple[str, ...], atmosphere: str, reductant: str) -> Reaction:
    """The firing reaction in an atmosphere, balanced; an error with the balance it would need otherwise.

    Oxygen and air may give or take O2. Nitrogen and hydrogen cannot give O2: a firing that
    releases oxygen takes it up with hydrogen (as H2O) or with the reductant (as CO2), or gives
    it off as O2; a metal fired with an acid salt may be oxidised by its protons, giving off H2
    (``Fe + NH4H2PO4 + 1/2 Li2CO3 -> LiFePO4 + NH3 + H2 + ...``); one that needs oxygen is refused.
    """
    if atmosphere in ("oxygen", "air"):
        return _balanced(reactants, products)
    attempts = [(list(reactants), list(products))]
    if atmosphere == "hydrogen":
        attempts.append(([*reactants, HYDROGEN], list(dict.fromkeys([*products, "H2O(g)"]))))
    if reductant:
        gases = dict.fromkeys([*products, "CO2(g)", *volatile_products(reductant)])
        attempts.append(([*reactants, reductant], list(gases)))
    attempts.append((list(reactants), [*products, OXYGEN]))  # oxygen given off into the sweep gas
    if any(_is_metal(label) for label in reactants):  # a metal powder oxidised by the charge's protons
        attempts.append((list(reactants), [*products, HYDROGEN]))
    for left, right in attempts:
        try:
            return Reaction.balance(left, right)
        except FlowsheetError:
            continue
    needed = _balanced(reactants, products)
    raise FlowsheetError(
        f"the firing {needed} takes up O2, which a {atmosphere} atmosphere cannot give"
        + "\n  hint: fire in oxygen or air, where the metal is oxidised"
    )


ALKALIS = ("Li", "Na", "K")
"""Alkali metals a calciner's source may bring, in the order looked for."""


@dataclass(frozen=True, repr=False)
class Calciner(FiredUnit):
    """Fire a precursor with a lithium source to a lithium metal oxide.

    Parameters
    ----------
    name : str
        Unique name.
    product : str
        The cathode, e.g. ``"LiNi0.8Mn0.1Co0.1O2"``.
    precursor : str
        The fed precursor, e.g. ``"Ni0.8Mn0.1Co0.1(OH)2"``.
    co_precursors : tuple of str, optional
        Other species fed with it that the firing takes up, in the ratio the product
        asks, e.g. ``("FePO4", "NH4H2PO4")`` beside ``MnCO3`` for LiMn0.6Fe0.4PO4.
    lithium_source : str
        The alkali source, dosed by the ``"lithium"`` port: ``"LiOH·H2O"``, ``"LiOH"``,
        ``"Li2CO3"``, or any salt of the product's alkali metal (Li, Na or K: ``"Na2CO3"`` for a
        sodium layered oxide, a nitrate, an acetate) whose anion leaves as gas.
    lithium_ratio : float
        Li dosed per Li of the product, [mol/mol], default 1 (stoichiometric); for a
        cathode with one metal per Li this is the industry's Li/M, 1.03-1.05 usual in
        industry and lab recipes (unverified).
    oxygen_excess : float
        Gas dosed above the reactions' need, [-], default 0: O2 in oxygen or air (the
        ``"gas"`` port's feed: pure O2, or air whose N2 passes through), H2 in hydrogen.
    atmosphere : str
        ``"oxygen"`` (default), ``"air"``, ``"nitrogen"`` or ``"hydrogen"`` (see
        :data:`ATMOSPHERES`). In nitrogen the ``"gas"`` port is not dosed: feed it the
        sweep gas at a fixed rate.
    reductant : str, optional
        A reductant dosed by the ``"reductant"`` port, e.g. ``"C"`` or ``"C6H12O6"``: what
        the firing needs to reduce the metal (to CO2), plus what leaves `carbon_residue`.
    carbon_residue : float
        Carbon left in the product from the reductant, [kg per kg of product], default 0;
        a carbon-coated LiFePO4 keeps about 0.02. A reductant other than carbon is
        pyrolysed to carbon, its H and O leaving as H2O (and CO2).
    conversion : float
        Fraction of the precursor converted, [-], default 1.
    temperature : str or Quantity
        Firing temperature; product and off-gas leave at it (no heat recovery).
    refire_temperature : str or Quantity, optional
        A second firing of the product, cooled between (two-stage firing of high-nickel
        cathodes): it is reheated to this temperature in a second pass through a kiln like the
        first, whose walls and saggers it also bears.

    The kiln's parameters (`kiln`, `walls`, `throughput`, `sagger_ratio` ...) are those of
    :class:`~flowsheet.operations.firing.FiredUnit`.

    Notes
    -----
    The firing reaction is balanced from the species, e.g.
    ``M(OH)2 + LiOH·H2O + 1/4 O2 -> LiMO2 + 5/2 H2O(g)`` or, with Li2CO3,
    ``M(OH)2 + 1/2 Li2CO3 + 1/4 O2 -> LiMO2 + H2O(g) + 1/2 CO2(g)``. Lithium dosed
    beyond it decomposes to Li2O, which stays in the product as residual lithium,
    its H2O or CO2 going to the off-gas. Whatever else arrives takes its form at the
    firing temperature: moisture and NH3 to the off-gas, dissolved salts dried into
    the product as impurities (Na2SO4), solids past their melting point molten. The extent is
    ``conversion * m @ n_in / z`` with ``m`` the metal atoms of the precursor and ``z``
    the product's metals per formula unit (:func:`cathode_metals`: 1 for LiMO2 and
    LiFePO4, 2 for LiNi0.5Mn1.5O4). Doses: Li atoms ``= ratio * Li * m @ n_feed / z``;
    O2 ``= (1 + excess) *`` the O2 the reactions consume.
    """

    formula_fields: ClassVar[tuple[str, ...]] = ("product", "precursor", "co_precursors", "lithium_source", "reductant")

    product: str = ""
    precursor: str = ""
    co_precursors: tuple[str, ...] = ()
    lithium_source: str = "LiOH·H2O"
    lithium_ratio: float = parameter("", 1.0, "Li per metal, mol/mol")
    oxygen_excess: float = parameter("", 0.0, "O2 above the reactions' need", low=0)
    conversion: float = parameter("", 1.0, "fraction of precursor converted", above=0, high=1)
    temperature: float = parameter("K", None, "firing temperature", above=0)
    sets_temperature: ClassVar[bool] = True
    atmosphere: str = "oxygen"
    reductant: str = ""
    carbon_residue: float = parameter("", 0.0, "carbon left in the product, kg per kg of product", low=0, high=0.5)
    refire_temperature: float | None = parameter("K", None, "temperature of a second firing", above=298.15)

    inlets = ("feed", "lithium", "gas")
    outlets = ("product", "offgas")
    dosed_inlets = ("lithium", "gas")
    declared_ports: ClassVar[tuple[Port, ...]] = (
        Port("feed", "inlet", "The precursor and any co-precursors, e.g. the dried hydroxide."),
        Port(
            "lithium",
            "dosed",
            "The lithium source named by `lithium_source`, at `lithium_ratio` Li per Li of the product.",
        ),
        Port(
            "gas",
            "dosed",
            "O2 (in oxygen or air) or H2 (in hydrogen) at the firing's need times 1 + `oxygen_excess`; "
            "in nitrogen it is not dosed: feed it the sweep gas at a fixed rate.",
        ),
        Port(
            "reductant",
            "dosed",
            "The reductant named by `reductant`: what reduces the metal plus the carbon left as `carbon_residue`.",
            when="reductant is given",
        ),
        Port("product", "outlet", "The fired cathode, with excess lithium as Li2O and dried salts as impurities."),
        Port(
            "offgas",
            "outlet",
            "Gases at the firing temperature: water vapour, CO2, gas dosed beyond the need, N2 of air.",
        ),
    )

    def inlet_ports(self) -> tuple[str, ...]:
        return (*self.inlets, *(("reductant",) if self.reductant else ()))

    def dosed_ports(self) -> tuple[str, ...]:
        gas = ("gas",) if self.gas_key() else ()
        return ("lithium", *gas, *(("reductant",) if self.reductant else ()))

    def gas_key(self) -> str | None:
        """The gas the ``"gas"`` port doses: O2 in oxygen or air, H2 in hydrogen, none in nitrogen."""
        return {"oxygen": OXYGEN, "air": OXYGEN, "hydrogen": HYDROGEN}.get(self.atmosphere)

    def pyrolysis(self) -> Reaction | None:
        """What the reductant left over becomes: carbon, its H and O leaving as H2O (and CO2); None for carbon."""
        if not self.reductant or Formula(self.reductant).key == Formula("C").key:
            return None
        for products in ([CARBON, "H2O(g)"], [CARBON, "H2O(g)", "CO2(g)"], [CARBON, "CO2(g)"]):
            try:
                return Reaction.balance([self.reductant], products)
            except FlowsheetError:
                continue
        return Reaction.balance([self.reductant], [CARBON, *volatile_products(self.reductant)])  # raises

    def precursors(self) -> list[str]:
        """The fed species the firing takes up; their metal atoms set the extent."""
        return [self.precursor, *self.co_precursors]

    def reaction(self) -> Reaction:
        """The firing reaction in the unit's atmosphere, balanced (see :func:`fired`)."""
        gases = volatile_products(*self.precursors(), self.lithium_source)
        reactants = (*self.precursors(), self.lithium_source)
        return fired(reactants, (self.product, *gases), self.atmosphere, self.reductant)

    def alkali(self) -> str:
        """The alkali metal the source brings: Li, Na or K (Li if it names none)."""
        elements = Formula(self.lithium_source).elements
        return next((element for element in ALKALIS if element in elements), "Li")

    def alkali_oxide(self) -> str:
        """What alkali dosed beyond the firing becomes: Li2O, Na2O or K2O."""
        return f"{self.alkali()}2O"

    def excess_lithium_reaction(self) -> Reaction:
        """Decomposition of the alkali dosed beyond the firing reaction to its oxide (Li2O, Na2O, K2O)."""
        return balanced([self.lithium_source], [self.alkali_oxide(), *volatile_products(self.lithium_source)])

    def problems(self) -> list[Problem]:
        found = super().problems()
        if self.temperature is None:
            found.append(self.problem("must be given", field="temperature", hint="e.g. '800 degC'"))
        if self.atmosphere not in ATMOSPHERES:
            found.append(
                self.problem(f"must be one of {', '.join(ATMOSPHERES)}, got {self.atmosphere!r}", field="atmosphere")
            )
        elif not any(p.field in self.formula_fields for p in found):  # a formula that cannot be read is said once
            alkali = [e for e in ALKALIS if e in Formula(self.lithium_source).elements]
            if not alkali or alkali[0] not in Formula(self.product).elements:
                brings = f"brings {alkali[0]}" if alkali else "brings no alkali metal (Li, Na or K)"
                hint = f"a salt of the product's alkali metal, e.g. {'Na2CO3' if 'Na' in Formula(self.product).elements else 'LiOH·H2O'}"
                found.append(
                    self.problem(
                        f"{self.lithium_source} {brings}, which {self.product} does not hold",
                        field="lithium_source",
                        hint=hint,
                    )
                )
                return found
            try:
                self.reaction()
                self.excess_lithium_reaction()
                self.pyrolysis()
            except FlowsheetError as err:
                message, hint = message_and_hint(err)
                field = "atmosphere" if "atmosphere cannot give" in message else "product"
                found.append(self.problem(message, field=field, hint=hint))
        found += self.kiln_problems()
        if self.carbon_residue and not self.reductant:
            found.append(
                self.problem("needs a reductant to come from", field="carbon_residue", hint="e.g. reductant: C6H12O6")
            )
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
        pyrolysis = self.pyrolysis()
        if pyrolysis is not None:
            labels += [str(f) for _, f in pyrolysis.reactants + pyrolysis.products]
        reduction = [self.reductant, CARBON] if self.reductant else []
        oxide = self.alkali_oxide()
        return [*labels, OXYGEN, oxide, *reduction, *((HYDROGEN,) if self.atmosphere == "hydrogen" else ())]

    def key_species(self, port: str) -> str | None:
        return {"lithium": self.lithium_source, "gas": self.gas_key(), "reductant": self.reductant or None}.get(port)

    def derived_species(self, labels: list[str], data: SpeciesData) -> list[str]:
        return dried_labels(labels, self.temperature, data)

    def firing(self, components: Components) -> np.ndarray:
        """Linear map of the firing reaction alone, its extent set by the metal atoms fed."""
        nu = components.reaction_vector(self.reaction(), per=self.product)
        return np.eye(len(components)) + as_matrix_scalar(self.conversion) * np.outer(
            nu, self.product_basis(components)
        )

    def product_basis(self, components: Components) -> np.ndarray:
        """Row ``b`` with ``b @ n`` = moles of product the metal atoms of the precursors make, [-]."""
        per_unit = float(sum(cathode_metals(self.product).values()))
        return metal_basis(components, self.product, self.precursors()) / per_unit

    def operator(self, components: Components) -> np.ndarray:
        """Linear map of the firing, then excess lithium to Li2O, leftover reductant to carbon, drying or melting."""
        excess = components.reaction_vector(self.excess_lithium_reaction(), per=self.lithium_source)
        lithium = components.index(self.lithium_source)
        operator = reaction_operator(components, excess, lithium, 1.0) @ self.firing(components)
        pyrolysis = self.pyrolysis()
        if pyrolysis is not None:
            nu = components.reaction_vector(pyrolysis, per=self.reductant)
            operator = reaction_operator(components, nu, components.index(self.reductant), 1.0) @ operator
        return drying_operator(components, False, self.temperature) @ operator

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        return phase_split(components, self.operator(components), "offgas", "product")

    def dose_specs(self, components: Components, state: dict | None) -> dict:
        alkali = self.alkali()
        lithium_atoms = components.elements[components.element_names.index(alkali)]
        basis = self.product_basis(components)
        lithium = -as_vector_scalar(self.lithium_ratio) * float(Formula(self.product).elements[alkali]) * basis
        specs = {"lithium": {"lithium": lithium_atoms, "feed": lithium}}
        gas = self.gas_key()
        if gas is not None:
            consumed = consumption(self.operator(components), components, gas)
            excess = -(1.0 + as_vector_scalar(self.oxygen_excess)) * consumed
            specs["gas"] = {"gas": components.unit_vector(gas), ALL_INLETS: excess}
        if self.reductant:
            need = consumption(self.firing(components), components, self.reductant)
            specs["reductant"] = {
                "reductant": components.unit_vector(self.reductant),
                ALL_INLETS: -need,
                "feed": -self._residue_per_product() * basis,
            }
        return specs

    def heat_losses(self, solids: np.ndarray, liquid: np.ndarray | float = 0.0) -> np.ndarray | float:
        """The kiln's walls and saggers, [J or W] for `solids` fired [kg or kg/s], and a second firing's.

        A second firing at ``T2`` (`refire_temperature`) reheats the product from 25 °C, ``Δh_p(T2)``
        per kg, in a second pass through the kiln whose walls and saggers it bears; that heat leaves
        as the product cools between and after the firings.
        """
        losses = super().heat_losses(solids, liquid)
        if self.refire_temperature is None:
            return losses
        return losses + solids * (
            self.pass_losses(self.refire_temperature) + self.product_enthalpy(self.refire_temperature)
        )

    def product_enthalpy(self, temperature: float | np.ndarray) -> np.ndarray:
        """Heat to raise 1 kg of the product from 25 °C to `temperature` [K], [J/kg]."""
        product = package_data().species(f"{self.product}(s)")
        per_kg = 1000.0 / Formula(self.product).relative_mass
        hot = np.asarray(temperature, dtype=np.float64)
        return np.asarray(product.enthalpy(hot) - product.enthalpy(AMBIENT)) * per_kg

    def _residue_per_product(self) -> float | np.ndarray:
        """Reductant dosed per mole of product to leave `carbon_residue` kg of carbon per kg of it, [mol/mol]."""
        carbon = float(Formula(self.product).relative_mass / Formula("C").relative_mass)  # mol C per mol per (kg/kg)
        pyrolysis = self.pyrolysis()
        per_reductant = (
            1.0 if pyrolysis is None else float(pyrolysis.coefficient("C") / -pyrolysis.coefficient(self.reductant))
        )
        return as_vector_scalar(self.carbon_residue) * carbon / per_reductant
