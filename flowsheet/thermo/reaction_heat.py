"""Heat of reaction from the species data: ΔrH(T) = Σ ν_i H_i(T)."""

from __future__ import annotations

import pint

from flowsheet.chemistry import Reaction as StoichiometricReaction
from flowsheet.errors import FlowsheetError
from flowsheet.html import paragraph, table
from flowsheet.thermo.heat_capacity import T_REFERENCE
from flowsheet.thermo.species_data import SpeciesData, package_data
from flowsheet.units import Quantity, magnitude


class Reaction(StoichiometricReaction):
    """A balanced reaction that also knows its heat from the species data.

    Everything of :class:`flowsheet.chemistry.Reaction`, plus :meth:`heat_of_reaction`.

    Examples
    --------
    >>> round(Reaction("LiOH·H2O -> LiOH + H2O(g)").heat_of_reaction().magnitude, 1)
    61.2
    """

    __slots__ = ()

    def heat_of_reaction(self, temperature: str | float | pint.Quantity = "298.15 K") -> pint.Quantity:
        """Heat of reaction at `temperature`, [kJ/mol of reaction as written]."""
        return heat_of_reaction(self, temperature)

    def _repr_html_(self) -> str:
        try:
            heat = f"ΔH(298.15 K) = {self.heat_of_reaction().magnitude:+.2f} kJ per mol of reaction as written"
        except FlowsheetError as err:
            heat = f"ΔH not available: {str(err).splitlines()[0]}"
        return table(["element", "reactants", "products"], self.balance_table(), f"{self} (balanced)") + paragraph(heat)


def reaction_enthalpy(
    reaction: StoichiometricReaction, temperature: float = T_REFERENCE, data: SpeciesData | None = None
) -> float:
    """Return the enthalpy of `reaction` as written at `temperature` [K], [J/mol of reaction].

    Each term is looked up in `data` (default the package's tables), so a term without a
    phase tag takes its standard-state phase (``H2O`` is liquid).
    """
    data = data or package_data()
    total = 0.0
    for sign, side in ((-1, reaction.reactants), (1, reaction.products)):
        for coefficient, formula in side:
            total += sign * float(coefficient) * float(data.species(formula).enthalpy(temperature))
    return total


def heat_of_reaction(
    reaction: str | StoichiometricReaction,
    temperature: str | float | pint.Quantity = "298.15 K",
    data: SpeciesData | None = None,
) -> pint.Quantity:
    """Return the heat (enthalpy) of reaction, [kJ/mol of reaction as written].

    Parameters
    ----------
    reaction : str or Reaction
        E.g. ``"LiOH·H2O -> LiOH + H2O(g)"``; it must balance.
    temperature : str, float or pint.Quantity
        Temperature of reactants and products, e.g. ``"800 degC"``; a bare
        number is not accepted.
    data : SpeciesData, optional
        Where the species are looked up; default the package's tables.

    Returns
    -------
    pint.Quantity
        ΔrH = Σ ν_i (ΔfH°_i + ∫Cp_i dT), positive when heat is absorbed.

    Raises
    ------
    UnknownSpeciesError, MissingDataError
        If a species is not in the data, or `temperature` is outside its range.

    Examples
    --------
    >>> round(heat_of_reaction("LiOH·H2O -> LiOH + H2O(g)").magnitude, 1)
    61.2
    """
    parsed = reaction if isinstance(reaction, StoichiometricReaction) else Reaction(reaction)
    kelvin = magnitude(temperature, "K", field="temperature")
    return Quantity(reaction_enthalpy(parsed, kelvin, data) / 1000.0, "kJ/mol")
