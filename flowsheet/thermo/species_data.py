"""The species a flowsheet may use, in layers: the package's tables, users' folders, a route's own.

:class:`SpeciesData` looks a formula up (its standard-state phase when none is given) and
estimates a mixed-metal compound it does not hold from its end members
(:mod:`flowsheet.thermo.end_members`). :func:`species`, :func:`find_species` and
:func:`all_species` read the package's own tables; :func:`default_data` adds the folders of
``FLOWSHEET_DATA``.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from flowsheet.chemistry import Formula
from flowsheet.errors import DataFileError, UnknownSpeciesError
from flowsheet.files import shown
from flowsheet.thermo.end_members import estimate_from_end_members
from flowsheet.thermo.species import FORMATION_TABLE, PHASE_PREFERENCE, PHASE_TAG, Species, read_tables


@dataclass(frozen=True, eq=False)
class SpeciesData:
    """The species a flowsheet may use, in layers: the package's tables, then user folders, then a route's own.

    A later layer's species replaces an earlier one's of the same formula and phase; what was
    replaced is listed in `overridden`. Objects of this class are built once and shared: they
    hold no state that changes.

    Attributes
    ----------
    entries : dict
        Species by (formula key, phase), in the order they were first known.
    layers : tuple of str
        Where the layers came from, first to last: ``"package"``, a folder, a route file.
    overridden : tuple of str
        ``"LiNiO2(s) from <layer>"`` for every species a later layer replaced.
    overrides : tuple of str
        ``"LiNiO2(s) <note>"`` for every value accepted outside its plausibility band (a property).
    """

    entries: dict[tuple, Species]
    layers: tuple[str, ...] = ("package",)
    overridden: tuple[str, ...] = ()
    _cache: dict[str, Species] = field(default_factory=dict, repr=False)
    _unknown: dict[str, tuple] = field(default_factory=dict, repr=False)
    """The arguments of the error for a species asked for and not found (not the error: it would keep its frames)."""

    def species(self, text: str | Formula) -> Species:
        """The species a formula names (see :func:`species`); raise :class:`UnknownSpeciesError` if unknown.

        A mixed-metal compound not in the data is estimated from its end members
        (:func:`estimate_from_end_members`) and flagged as estimated.
        """
        key = text if isinstance(text, str) else str(text)
        if key in self._unknown:  # asked before and not found: the same error, without a new search
            raise UnknownSpeciesError(*self._unknown[key])
        found = self._cache.get(key)
        if found is None:
            formula = Formula(text) if isinstance(text, str) else text
            try:
                found = self._lookup(formula, key)
            except UnknownSpeciesError as err:
                found = estimate_from_end_members(formula, self)
                if found is None:
                    self._unknown[key] = err.args
                    raise
            self._cache[key] = found
        return found

    def find(self, text: str | Formula) -> Species | None:
        """Like :meth:`species`, but None for a species not in the data."""
        try:
            return self.species(text)
        except UnknownSpeciesError:
            return None

    @property
    def overrides(self) -> tuple[str, ...]:
        """``"<label> <note>"`` for every value of these species accepted outside its plausibility band.

        Only the species in use count: one a later layer replaced takes its overrides with it.
        """
        return tuple(f"{item.label} {note}" for item in self.entries.values() for _, note in item.overrides)

    def all(self) -> tuple[Species, ...]:
        """Every species, in the order first known."""
        return tuple(self.entries.values())

    def with_folder(self, folder: str | Path) -> SpeciesData:
        """These data with a user's data folder on top (the package's table layout; see :func:`read_tables`).

        Raises
        ------
        DataFileError
            For a path that is not a folder, and for every problem of its tables, at file and line.
        """
        where = str(folder) if str(folder).isprintable() else shown(folder)
        try:
            path = Path(folder).resolve()
            is_folder = path.is_dir()
        except (OSError, RuntimeError, ValueError) as err:  # a symbolic-link loop, a NUL in the name
            raise DataFileError.one(where, 0, "", f"is not a usable path: {err}", "name a folder") from None
        if not is_folder:
            hint = "name a folder holding thermo/formation_enthalpy.csv"
            raise DataFileError.one(where, 0, "", "is not a folder of species data", hint)
        return self.layered(str(path), read_tables(path, self).values())

    def layered(self, name: str, added: Iterable[Species]) -> SpeciesData:
        """These data with one more layer on top: `added` replaces species of the same formula and phase."""
        entries = dict(self.entries)
        overridden = list(self.overridden)
        for item in added:
            key = (item.formula.key, item.phase)
            if key in entries:
                overridden.append(f"{item.label} from {name}")
            entries[key] = item
        return SpeciesData(entries, (*self.layers, name), tuple(overridden))

    def _lookup(self, formula: Formula, text: str) -> Species:
        phases = [phase for phase in PHASE_PREFERENCE if (formula.key, phase) in self.entries]
        if formula.phase is not None and formula.phase in phases:
            return self.entries[(formula.key, formula.phase)]
        if formula.phase is None and phases:
            return self.entries[(formula.key, phases[0])]
        known = [s.label for s in self.entries.values()]
        bare = PHASE_TAG.sub("", formula.text)
        suggestions = [f"{bare}({phase})" for phase in phases]
        if not suggestions:
            suggestions = difflib.get_close_matches(formula.text, known, n=3, cutoff=0.6)
        raise UnknownSpeciesError(str(text), FORMATION_TABLE, tuple(suggestions))


@cache
def package_data() -> SpeciesData:
    """The species of the package's own tables (``data/thermo``)."""
    return SpeciesData(read_tables())


DATA_PATH = "FLOWSHEET_DATA"
"""Environment variable listing (by ``os.pathsep``) folders of species data every route loads on the package's."""


def default_data() -> SpeciesData:
    """The package's species with the folders of ``FLOWSHEET_DATA`` on top, in the order listed."""
    return _layered_folders(os.environ.get(DATA_PATH, ""))


@cache
def _layered_folders(listed: str) -> SpeciesData:
    data = package_data()
    for folder in (p for p in listed.split(os.pathsep) if p):
        try:
            data = data.with_folder(folder)
        except DataFileError as err:  # say where the folder was named: not on the command line
            listed_in = [
                (line, field, f"{problem} (a folder listed in {DATA_PATH})", hint)
                for line, field, problem, hint in err.issues
            ]
            raise DataFileError(err.path, listed_in) from None
    return data


def species(text: str | Formula) -> Species:
    """Return a species from the shipped data.

    Parameters
    ----------
    text : str or Formula
        A formula with or without phase tag: ``"H2O(g)"``, ``"NiSO4·6H2O"``,
        ``"SO4-2(aq)"``. Without a tag, the first known phase in the order
        s, l, g, aq is taken.

    Raises
    ------
    UnknownSpeciesError
        If the formula (or the formula in that phase) is not in the data,
        with the known phases or close names as suggestions.

    Examples
    --------
    >>> species("H2O(g)").formation_enthalpy
    -241826.0
    """
    return package_data().species(text)


def find_species(text: str) -> Species | None:
    """Like :func:`species`, but None instead of an error for a species not in the data."""
    return package_data().find(text)


def all_species() -> tuple[Species, ...]:
    """Return every species in the shipped data, in table order."""
    return package_data().all()
