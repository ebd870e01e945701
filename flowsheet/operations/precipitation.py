"""Co-precipitation of mixed metal hydroxides from sulfate solution with NaOH and NH3."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from flowsheet.chemistry import Formula, Reaction
from flowsheet.components import Components
from flowsheet.errors import FlowsheetError, Problem, message_and_hint
from flowsheet.operations.base import (
    ALL_INLETS,
    WATER_DENSITY,
    Operation,
    Port,
    any_positive,
    as_matrix_scalar,
    as_vector_scalar,
    cathode_metals,
    metal_basis,
    parameter,
)
from flowsheet.thermo import package_data

CAUSTIC = "NaOH(aq)"
AMMONIA = "NH3(aq)"
TRIVALENT_SULFATES = {"Al": "Al2(SO4)3(aq)"}
"""Metals whose sulfate is not MSO4: the aluminium of NCA precursors."""


def steam_enthalpy() -> float:
    """Heat to raise 1 kg of saturated steam at 100 °C from water at 25 °C, [J/kg] (McBride et al. 2002 polynomials)."""
    data = package_data()
    rise = data.species("H2O(g)").enthalpy(373.15) - data.species("H2O(l)").enthalpy(298.15)
    return float(rise) / (Formula("H2O").relative_mass / 1000)


@dataclass(frozen=True, repr=False)
class CoPrecipitator(Operation):
    """Precipitate a mixed hydroxide or carbonate: Σ x_M MSO4 + 2 NaOH -> M(OH)2 + Na2SO4, or with Na2CO3 -> MCO3.

    Parameters
    ----------
    name : str
        Unique name.
    product : str
        The hydroxide, e.g. ``"Ni0.8Mn0.1Co0.1(OH)2"``, or with ``Na2CO3(aq)`` the carbonate,
        e.g. ``"Ni0.25Mn0.75CO3"``; its metals fix which sulfates (``NiSO4(aq)`` ...) react and
        in what ratio.
    precipitant : str
        What the ``"caustic"`` port doses to precipitate the metals: ``"NaOH(aq)"`` (default) for a
        hydroxide, ``"Na2CO3(aq)"`` for a carbonate; its sodium leaves as Na2SO4.
    conversion : float
        Fraction of the metal precipitated, [-], default 1.
    caustic_excess : float
        Precipitant dosed above the stoichiometric need (2 NaOH or 1 Na2CO3 per metal), [-], default 0.
        Industrial pH control runs about 1-3 % over (an unverified literature range,
        unverified); give the route's value with its source.
    ammonia_ratio : float
        NH3 per metal in the reactor, [mol/mol], default 0 (no complexing agent);
        0.5-1.2 is reported in the literature (unverified).
    ammonia_recovery : float
        Fraction of that NH3 stripped from the mother liquor and returned, [-];
        only the rest is dosed as make-up and leaves with the slurry.
    dosed_metal : str, optional
        A metal of the product whose sulfate is dosed by the ``"metal"`` port rather than
        fed, e.g. ``"Al"`` as ``Al2(SO4)3(aq)`` for NCA: to the product's ratio against the
        other metals of the feed.
    stripping_steam : str or Quantity
        Steam to strip the recovered NH3 from the mother liquor, per volume of liquor
        leaving, default ``"120 kg/m**3"`` (the design value of a steam stripper of
        ammonium-rich reject water, Water Sci. Technol. 30(6):41, 1994; 56-72 kg/m3 measured
        on digestate, Zeng et al., Water Sci. Technol. 54(8):137, 2006); bought only when NH3
        is recovered, as steam raised from water at 25 °C (see :meth:`heat_losses`).
    temperature : str or Quantity
        Reactor temperature, default 60 °C (Yang et al., J. Energy Chem. 2021, doi:10.1016/j.jechem.2020.05.049: a 50 L CSTR at 60 °C).

    Notes
    -----
    The extent is ``xi = conversion * m @ n_in`` with ``m`` the metal atoms of the
    sulfates, so ``n_slurry = (I + conversion nu m^T) n_in`` with ``nu`` per mole of
    hydroxide. A feed off the product's metal ratio gives a negative sulfate, which
    the solver reports. Doses: ``n_NaOH = s (1 + excess) m @ n_feed``, ``s`` the OH per
    metal of the hydroxide (2; 2.05 for ``Ni0.8Co0.15Al0.05(OH)2.05``, its Al from
    ``Al2(SO4)3(aq)``), and
    ``n_NH3 = ratio (1 - recovery) m @ n_feed``. NH3 takes no part in the net reaction.
    """

    formula_fields: ClassVar[tuple[str, ...]] = ("product", "precipitant")

    product: str = ""
    precipitant: str = CAUSTIC
    conversion: float = parameter("", 1.0, "fraction of the metal precipitated", low=0, high=1)
    caustic_excess: float = parameter("", 0.0, "NaOH above stoichiometric", low=0)
    ammonia_ratio: float = parameter("", 0.0, "NH3 per metal, mol/mol", low=0)
    ammonia_recovery: float = parameter("", 0.0, "fraction of NH3 recovered", low=0, high=1)
    dosed_metal: str = ""
    stripping_steam: float = parameter("kg/m**3", "120 kg/m**3", "steam per volume of mother liquor stripped", low=0)
    temperature: float = parameter("K", "60 degC", "reactor temperature", above=0)
    sets_temperature: ClassVar[bool] = True

    outlets = ("slurry",)
    declared_ports: ClassVar[tuple[Port, ...]] = (
        Port("feed", "inlet", "The metal sulfate solution."),
        Port(
            "caustic",
            "dosed",
            "The `precipitant` (NaOH solution, or Na2CO3 for a carbonate) the product needs per metal, "
            "times 1 + `caustic_excess`.",
        ),
        Port(
            "ammonia",
            "dosed",
            "NH3 make-up: `ammonia_ratio` per metal, the share `ammonia_recovery` does not return.",
            when="ammonia_ratio > 0 and ammonia_recovery < 1",
        ),
        Port(
            "metal",
            "dosed",
            "The sulfate of `dosed_metal` (Al2(SO4)3(aq) for Al), to the product's metal ratio.",
            when="dosed_metal is given",
        ),
        Port("slurry", "outlet", "The hydroxide in its mother liquor."),
    )

    def inlet_ports(self) -> tuple[str, ...]:
        return ("feed", *self.dosed_ports())

    def dosed_ports(self) -> tuple[str, ...]:
        ammonia = ("ammonia",) if any_positive(self._ammonia_dose()) else ()
        return ("caustic", *ammonia, *(("metal",) if self.dosed_metal else ()))

    def _sulfate(self, metal: str) -> str:
        return TRIVALENT_SULFATES.get(metal, f"{metal}SO4(aq)")

    def _ammonia_dose(self) -> float | np.ndarray:
        return self.ammonia_ratio * (1.0 - self.ammonia_recovery)

    def sulfates(self) -> list[str]:
        """Dissolved sulfates of the product's metals: ``MSO4(aq)``, or ``Al2(SO4)3(aq)`` for aluminium."""
        return [self._sulfate(metal) for metal in cathode_metals(self.product)]

    def reaction(self) -> Reaction:
        """The balanced net reaction, smallest integer coefficients."""
        return Reaction.balance([*self.sulfates(), self.precipitant], [self.product, "Na2SO4(aq)"])

    def problems(self) -> list[Problem]:
        found = super().problems()
        metals = cathode_metals(self.product) if not found else {}
        if self.dosed_metal and not found and (self.dosed_metal not in metals or len(metals) < 2):
            found.append(
                self.problem(
                    f"{self.dosed_metal!r} is not one of the metals of {self.product} beside others",
                    field="dosed_metal",
                    hint=f"one of {', '.join(metals)}" if len(metals) > 1 else "dose a metal of a mixed hydroxide",
                )
            )
        if not found:
            try:
                self.reaction()
            except FlowsheetError as err:
                message, _ = message_and_hint(err)
                hint = f"the precipitant is {self.precipitant}: a hydroxide takes NaOH(aq), a carbonate Na2CO3(aq)"
                found.append(self.problem(f"{self.product!r}: {message}", field="product", hint=hint))
        return found

    def species(self) -> list[str]:
        return [*self.sulfates(), self.precipitant, self.product, "Na2SO4(aq)", "H2O(l)", AMMONIA]

    def key_species(self, port: str) -> str | None:
        dosed = self._sulfate(self.dosed_metal) if self.dosed_metal else None
        return {"caustic": self.precipitant, "ammonia": AMMONIA, "metal": dosed}.get(port)

    def product_basis(self, components: Components) -> np.ndarray:
        """Row ``b`` with ``b @ n`` = moles of hydroxide the dissolved metals make, [-]."""
        per_unit = float(sum(cathode_metals(self.product).values()))
        return metal_basis(components, self.product, self.sulfates()) / per_unit

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        nu = components.reaction_vector(self.reaction(), per=self.product)
        extent = as_matrix_scalar(self.conversion) * np.outer(nu, self.product_basis(components))
        return {"slurry": {ALL_INLETS: np.eye(len(components)) + extent}}

    def heat_losses(self, solids: np.ndarray, liquid: np.ndarray) -> np.ndarray | float:
        """Steam for the NH3 stripper, [J or W]; none without recovery.

        ``s V h``: ``V`` the liquor leaving (as water, 1 kg/L), ``h`` = H(steam, 100 °C) - H(water, 25 °C),
        2.58 MJ/kg.
        """
        if not any_positive(np.asarray(self.ammonia_ratio) * np.asarray(self.ammonia_recovery)):
            return 0.0
        return liquid / WATER_DENSITY * np.asarray(self.stripping_steam) * steam_enthalpy()

    def fed_basis(self, components: Components) -> np.ndarray:
        """Row ``b`` with ``b @ n_feed`` = moles of hydroxide the feed's metals make with the dosed metal, [-]."""
        if not self.dosed_metal:
            return self.product_basis(components)
        fed = {m: n for m, n in cathode_metals(self.product).items() if m != self.dosed_metal}
        rows = [components.element_names.index(m) for m in fed]
        mask = sum(components.unit_vector(self._sulfate(m)) for m in fed)
        return components.elements[rows].sum(axis=0) * mask / float(sum(fed.values()))

    def dose_specs(self, components: Components, state: dict | None) -> dict:
        nu = components.reaction_vector(self.reaction(), per=self.product)
        basis = self.fed_basis(components)
        caustic = -nu[components.index(self.precipitant)] * (1.0 + as_vector_scalar(self.caustic_excess))
        specs = {"caustic": {"caustic": components.unit_vector(self.precipitant), "feed": -caustic * basis}}
        if "ammonia" in self.dosed_ports():
            metals_per_unit = float(sum(cathode_metals(self.product).values()))
            ammonia = -as_vector_scalar(self._ammonia_dose()) * metals_per_unit * basis
            specs["ammonia"] = {"ammonia": components.unit_vector(AMMONIA), "feed": ammonia}
        if self.dosed_metal:
            atoms = components.elements[components.element_names.index(self.dosed_metal)]
            share = float(cathode_metals(self.product)[self.dosed_metal])
            specs["metal"] = {
                "metal": atoms * components.unit_vector(self._sulfate(self.dosed_metal)),
                "feed": -share * basis,
            }
        return specs
