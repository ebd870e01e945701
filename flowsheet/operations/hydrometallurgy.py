"""Recycling hydrometallurgy: reductive leaching of black mass and solvent extraction of metals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from flowsheet.chemistry import Formula
from flowsheet.components import Components
from flowsheet.errors import Problem
from flowsheet.operations.base import ALL_INLETS, Operation, Port, as_vector_scalar, diagonal, outer, parameter
from flowsheet.operations.dissolution import Dissolver
from flowsheet.operations.reaction import chain, consumption

CAUSTIC, ACID, WATER = "NaOH(aq)", "H2SO4(aq)", "H2O(l)"
NEUTRALISATION = {"NaOH(aq)": -2.0, "H2SO4(aq)": -1.0, "Na2SO4(aq)": 1.0, "H2O(l)": 2.0}
"""Net reaction per sulfate moved (one M2+): 2 NaOH + H2SO4 -> Na2SO4 + 2 H2O (extractant recycled)."""


@dataclass(frozen=True, repr=False)
class Leach(Dissolver):
    """Leach black mass in sulfuric acid with a reductant; what does not dissolve leaves as residue.

    Its other parameters (`acid`, `excess`, `molality` ...) are those of
    :class:`~flowsheet.operations.Dissolver`.

    Parameters
    ----------
    name : str
        Unique name.
    reactions : list
        Leaching reactions, each at the leaching efficiency of its limiting species as
        its conversion, e.g.
        ``("2 LiNi0.8Mn0.1Co0.1O2 + 3 H2SO4(aq) + H2O2(aq) -> 1.6 NiSO4(aq) + 0.2 MnSO4(aq)
        + 0.2 CoSO4(aq) + Li2SO4(aq) + 4 H2O + O2(g)", "LiNi0.8Mn0.1Co0.1O2", 0.98)``.
    reductant : str
        Dosed by the ``"reductant"`` port, e.g. ``"H2O2(aq)"``: Ni3+, Co3+ and Mn4+ of the
        cathode must be reduced to dissolve as M2+.
    reductant_excess : float
        Reductant above what the reactions consume, [-], default 0.

    Notes
    -----
    As the Dissolver, with outlets split three ways: gases (O2, H2) to ``"gas"``, solids
    (graphite, unleached cathode, foil left) to ``"residue"``, the rest to ``"solution"``.
    """

    formula_fields: ClassVar[tuple[str, ...]] = ("acid", "reductant")

    reductant: str = "H2O2(aq)"
    reductant_excess: float = parameter("", 0.0, "reductant above what the reactions consume", low=0)
    declared_ports: ClassVar[tuple[Port, ...]] = (
        Port("feed", "inlet", "Black mass, or the solid to leach."),
        *(port for port in Dissolver.declared_ports if port.side == "dosed"),  # acid, water, oxygen
        Port(
            "reductant",
            "dosed",
            "The reductant named by `reductant`, at what the reactions consume times 1 + `reductant_excess`.",
        ),
        Port("solution", "outlet", "The pregnant leach solution: everything neither gas nor solid."),
        Port("residue", "outlet", "Solids not leached: graphite, unleached cathode, foil."),
        Port("gas", "outlet", "Gases released, O2 and H2."),
    )

    def outlet_ports(self) -> tuple[str, ...]:
        return ("solution", "residue", "gas")

    def dosed_ports(self) -> tuple[str, ...]:
        return (*super().dosed_ports(), "reductant")

    def species(self) -> list[str]:
        return [*super().species(), self.reductant]

    def key_species(self, port: str) -> str | None:
        return self.reductant if port == "reductant" else super().key_species(port)

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        operator = chain(self.reactions, components)
        gas, solid = np.diag(components.mask("g")), np.diag(components.mask("s"))
        liquid = np.eye(len(components)) - gas - solid
        return {
            "gas": {ALL_INLETS: gas @ operator},
            "residue": {ALL_INLETS: solid @ operator},
            "solution": {ALL_INLETS: liquid @ operator},
        }

    def dose_specs(self, components: Components, state: dict | None) -> dict:
        specs = super().dose_specs(components, state)
        consumed = consumption(chain(self.reactions, components), components, self.reductant)
        need = -(1.0 + as_vector_scalar(self.reductant_excess)) * consumed
        specs["reductant"] = {"reductant": components.unit_vector(self.reductant), "feed": need}
        return specs


@dataclass(frozen=True, repr=False)
class SolventExtraction(Operation):
    """Extract metal sulfates into an organic phase and strip them into a pure sulfate solution.

    The extraction, scrub and strip stages are one separation: each named sulfate
    moves to the strip liquor at its extraction fraction, the rest (lithium, sodium,
    what is not extracted) stays in the raffinate. The extractant is recycled.

    Parameters
    ----------
    name : str
        Unique name.
    extracted : dict of str to float
        Fraction of each dissolved sulfate sent to the strip liquor, [-], e.g.
        ``{"NiSO4(aq)": 0.995, "CoSO4(aq)": 0.995, "MnSO4(aq)": 0.995}``.
    caustic_excess : float
        NaOH above the 2 mol per mol metal transferred that holds the pH, [-], default 0.
    acid_excess : float
        Strip H2SO4 above the 1 mol per mol metal, [-], default 0; it stays in the strip liquor.
    molality : str or Quantity
        Metal sulfate per kg water in the strip liquor, e.g. ``"1.7 mol/kg"``: sets the strip water.
    temperature : str or Quantity, optional
        Outlet temperature; default that of the inlets.

    Notes
    -----
    A cation exchanger takes up M2+ for 2 H+, which NaOH neutralises; stripping with
    H2SO4 gives the extractant its H+ back. With T moles of metal transferred the net
    change is ``2T NaOH + T H2SO4 -> T Na2SO4 + 2T H2O`` in the raffinate (Na2SO4 counts
    as sodium sulfate waste), and the strip liquor carries the transferred sulfates,
    the strip water and the acid's excess.
    """

    formula_fields: ClassVar[tuple[str, ...]] = ("extracted",)

    extracted: dict[str, float] = field(default_factory=dict)
    caustic_excess: float = parameter("", 0.0, "NaOH above 2 mol per mol metal", low=0)
    acid_excess: float = parameter("", 0.0, "strip acid above 1 mol per mol metal", low=0)
    molality: float = parameter("mol/kg", None, "metal sulfate per kg water in the strip liquor", enters="reciprocal")
    temperature: float | None = parameter("K", None, "outlet temperature", above=0)
    sets_temperature: ClassVar[bool] = True

    inlets = ("feed", "caustic", "acid", "water")
    outlets = ("product", "raffinate")
    dosed_inlets = ("caustic", "acid", "water")
    declared_ports: ClassVar[tuple[Port, ...]] = (
        Port("feed", "inlet", "The leach solution."),
        Port(
            "caustic", "dosed", "NaOH that holds the pH: 2 mol per mol metal transferred, times 1 + `caustic_excess`."
        ),
        Port("acid", "dosed", "Strip H2SO4: 1 mol per mol metal transferred, times 1 + `acid_excess`."),
        Port("water", "dosed", "Strip water, to `molality` in the strip liquor."),
        Port("product", "outlet", "The strip liquor: the extracted sulfates, their water and the acid's excess."),
        Port("raffinate", "outlet", "What is not extracted, with the Na2SO4 of the neutralisation."),
    )

    def problems(self) -> list[Problem]:
        found = super().problems()
        found += [
            self.problem(f"must be in [0, 1], got {v}", field=f"extracted.{k}")
            for k, v in self.extracted.items()
            if not 0 <= v <= 1
        ]
        if not self.extracted:
            found.append(self.problem("no extracted sulfates given", field="extracted"))
        for label in self.extracted:
            elements = Formula(label).elements
            if "S" not in elements or elements.get("O", 0) < 4 * elements["S"] or {"H", "Na"} & set(elements):
                found.append(
                    self.problem(
                        f"{label} is not a metal sulfate (the acid and Na2SO4 are not extracted)", field="extracted"
                    )
                )
        if self.molality is None or self.molality <= 0:
            found.append(self.problem("the strip liquor's molality must be given and positive", field="molality"))
        return found

    def species(self) -> list[str]:
        return [*self.extracted, *NEUTRALISATION]

    def key_species(self, port: str) -> str | None:
        return {"caustic": CAUSTIC, "acid": ACID, "water": WATER}.get(port)

    def _fractions(self, components: Components) -> tuple[np.ndarray, np.ndarray]:
        """Per species fed: the fraction extracted, and the SO4 groups that moves, (n,) or (N, n).

        The net reaction is per sulfate moved: Al2(SO4)3 takes 6 NaOH and 3 H2SO4 per mole.
        """
        fractions: np.ndarray = np.zeros(len(components))
        for label, fraction in self.extracted.items():
            fractions = fractions + as_vector_scalar(fraction) * components.unit_vector(label)
        return fractions, fractions * components.elements[components.element_names.index("S")]

    def outlet_maps(self, components: Components, state: dict | None) -> dict:
        fractions, moved = self._fractions(components)
        nu = np.sum([v * components.unit_vector(k) for k, v in NEUTRALISATION.items()], axis=0)
        extracted = diagonal(fractions)
        acid_used = outer(components.unit_vector(ACID), moved)
        eye = np.eye(len(components))
        return {
            "product": {"feed": extracted - acid_used, "acid": eye, "water": eye},
            "raffinate": {
                ALL_INLETS: eye + outer(nu, moved),
                "feed": acid_used - extracted,
                "acid": -eye,
                "water": -eye,
            },
        }

    def dose_specs(self, components: Components, state: dict | None) -> dict:
        _, moved = self._fractions(components)
        sulfates = sum(components.unit_vector(label) for label in self.extracted)
        masses = components.molar_masses
        water = masses * components.unit_vector(WATER) - sulfates / as_vector_scalar(self.molality)
        return {
            "caustic": {
                "caustic": components.unit_vector(CAUSTIC),
                "feed": -2.0 * (1.0 + as_vector_scalar(self.caustic_excess)) * moved,
            },
            "acid": {
                "acid": components.unit_vector(ACID),
                "feed": -(1.0 + as_vector_scalar(self.acid_excess)) * moved,
            },
            "water": {"product": water},
        }
