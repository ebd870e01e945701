"""The ordered species of one flowsheet, and the arrays the solver needs over them.

A stream is a vector ``n`` of molar flows [mol/s] over a :class:`Components`
set; ``elements @ n`` gives atom flows [mol/s] and ``molar_masses @ n`` the mass
flow [kg/s].
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

import numpy as np

from flowsheet.chemistry import Formula, Reaction
from flowsheet.errors import UnknownSpeciesError
from flowsheet.thermo import Species, SpeciesData, package_data


class Components:
    """An ordered, de-duplicated set of species with their element matrix.

    Parameters
    ----------
    labels : iterable of str
        Species as written, e.g. ``["Ni(s)", "H2SO4(aq)", "H2O"]``; a label
        without phase takes the standard-state phase.
    data : SpeciesData, optional
        Where species are looked up; default the package's own tables.

    Attributes
    ----------
    species : tuple of Species
        In first-seen order.
    labels : tuple of str
        Canonical labels with phase, e.g. ``"H2O(l)"``.
    """

    def __init__(self, labels: Iterable[str | Species], data: SpeciesData | None = None) -> None:
        self.data = data or package_data()
        found: dict[str, Species] = {}
        for label in labels:
            item = label if isinstance(label, Species) else self.data.species(label)
            found.setdefault(item.label, item)
        self.species = tuple(found.values())
        self.labels = tuple(found)
        self._position = {(s.formula.key, s.phase): i for i, s in enumerate(self.species)}

    def __len__(self) -> int:
        return len(self.species)

    def __contains__(self, label: object) -> bool:
        try:
            self.index(label)  # type: ignore[arg-type]
        except (UnknownSpeciesError, ValueError):
            return False
        return True

    def index(self, label: str | Formula | Species) -> int:
        """Return the position of a species; raise :class:`UnknownSpeciesError` if it is not in the set."""
        item = label if isinstance(label, Species) else self.data.species(label)
        try:
            return self._position[(item.formula.key, item.phase)]
        except KeyError:
            raise UnknownSpeciesError(item.label, "this flowsheet's species", self.labels[:8]) from None

    def unit_vector(self, label: str | Formula | Species) -> np.ndarray:
        """Return a vector with 1 at `label`'s position, [-]."""
        vector = np.zeros(len(self))
        vector[self.index(label)] = 1.0
        return vector

    def vector(self, flows: dict[str, float]) -> np.ndarray:
        """Return a flow vector from ``{label: mol/s}``."""
        vector = np.zeros(len(self))
        for label, value in flows.items():
            vector[self.index(label)] += value
        return vector

    def reaction_vector(self, reaction: Reaction, per: str | Formula | Species | None = None) -> np.ndarray:
        """Return the stoichiometric vector ν of `reaction` (products positive), [-].

        With `per`, ν is divided by ``|ν[per]|`` so that `per` has coefficient -1 or +1.
        """
        nu = np.zeros(len(self))
        for sign, side in ((-1.0, reaction.reactants), (1.0, reaction.products)):
            for coefficient, formula in side:
                nu[self.index(formula)] += sign * float(coefficient)
        if per is not None:
            nu /= abs(nu[self.index(per)])
        return nu

    @cached_property
    def element_names(self) -> tuple[str, ...]:
        """Elements present, then ``"charge"``."""
        names = dict.fromkeys(e for s in self.species for e in s.formula.elements)
        return (*names, "charge")

    @cached_property
    def elements(self) -> np.ndarray:
        """Element matrix: atoms (and charge) per molecule, shape (elements + 1, species), [-]."""
        matrix = np.zeros((len(self.element_names), len(self)))
        rows = {name: i for i, name in enumerate(self.element_names)}
        for j, item in enumerate(self.species):
            for element, count in item.formula.elements.items():
                matrix[rows[element], j] = float(count)
            matrix[rows["charge"], j] = item.formula.charge
        return matrix

    @cached_property
    def molar_masses(self) -> np.ndarray:
        """Molar masses, [kg/mol]."""
        return np.array([s.formula.relative_mass / 1000.0 for s in self.species])

    @cached_property
    def phases(self) -> np.ndarray:
        """Phase tag of each species (``"s"``, ``"l"``, ``"g"``, ``"aq"``)."""
        return np.array([s.phase for s in self.species])

    def mask(self, *phases: str) -> np.ndarray:
        """Return 1.0 where a species is in one of `phases`, else 0.0 (read-only, kept per set of phases)."""
        if phases not in self._masks:
            found = np.isin(self.phases, phases).astype(float)
            found.flags.writeable = False  # shared by every caller
            self._masks[phases] = found
        return self._masks[phases]

    @cached_property
    def _masks(self) -> dict[tuple[str, ...], np.ndarray]:
        return {}

    def __repr__(self) -> str:
        return f"Components({list(self.labels)!r})"
