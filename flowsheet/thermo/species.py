"""Species: a formula in a phase with its formation enthalpy and heat capacity, from ``data/thermo``.

Tables (every row with a source key of ``data/sources.toml``):

- ``formation_enthalpy.csv``: which species exist, their standard enthalpy of
  formation at 298.15 K and whether it is an estimate;
- ``nasa9.csv``: NASA Glenn polynomials (McBride et al. 2002);
- ``heat_capacity.csv``: constant heat capacities (measured or Kopp's rule).

Every species has exactly one heat-capacity model. A species asked for without
a phase tag takes the first phase known for its formula in the order s, l, g, aq
(its standard state at 298.15 K for every species shipped).
"""

from __future__ import annotations

import difflib
import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pint

from flowsheet.chemistry import Formula
from flowsheet.datafiles import Row, read_table
from flowsheet.errors import DataFileError, MissingDataError, UnknownSpeciesError
from flowsheet.thermo.heat_capacity import (
    ConstantHeatCapacity,
    HeatCapacity,
    MixtureHeatCapacity,
    Nasa9,
    Nasa9Interval,
)
from flowsheet.units import magnitude

FORMATION_TABLE = "thermo/formation_enthalpy.csv"
NASA_TABLE = "thermo/nasa9.csv"
CONSTANT_CP_TABLE = "thermo/heat_capacity.csv"
PHASE_PREFERENCE = ("s", "l", "g", "aq")
_PHASE_TAG = re.compile(r"\((s|l|g|aq|cr)\)$")


@dataclass(frozen=True)
class Species:
    """A chemical species in one phase, with its thermodynamic data.

    Parameters
    ----------
    formula : Formula
        Composition and charge, e.g. ``Formula("NiSO4·6H2O")``.
    phase : str
        ``"s"``, ``"l"``, ``"g"`` or ``"aq"``.
    name : str
        Common or mineral name, e.g. ``"retgersite"``.
    formation_enthalpy : float
        Standard enthalpy of formation at 298.15 K, [J/mol].
    heat_capacity : Nasa9 or ConstantHeatCapacity
        Heat-capacity model with its validity range.
    sources : dict of str to str
        ``{"formation_enthalpy": "<key>, <locator>", "heat_capacity": ...}``.
    estimated : tuple of str
        The fields above that are estimates rather than measurements.
    """

    formula: Formula
    phase: str
    name: str
    formation_enthalpy: float
    heat_capacity: HeatCapacity = field(repr=False)
    sources: dict[str, str] = field(repr=False, compare=False, hash=False)
    estimated: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """Formula with phase tag, e.g. ``"H2O(g)"``."""
        return f"{self.formula.text}({self.phase})"

    @property
    def molar_mass(self) -> pint.Quantity:
        """Molar mass, [g/mol]."""
        return self.formula.molar_mass

    def check_temperature(self, temperature: float | np.ndarray) -> None:
        """Raise :class:`MissingDataError` if `temperature` [K] (or any of them) is outside the data's range."""
        model = self.heat_capacity
        outside = np.asarray(temperature)[
            (np.asarray(temperature) < model.t_min - 1e-9) | (np.asarray(temperature) > model.t_max + 1e-9)
        ]
        if outside.size:
            raise MissingDataError(
                self.label,
                self.sources["heat_capacity"],
                f"heat capacity valid {model.t_min:g}-{model.t_max:g} K, asked at {float(outside.flat[0]):g} K",
            )

    def enthalpy(self, temperature: float | np.ndarray) -> float | np.ndarray:
        """Molar enthalpy ΔfH°298 + ∫Cp dT at `temperature` [K], [J/mol]; one per temperature for an array."""
        self.check_temperature(temperature)
        return self.formation_enthalpy + self.heat_capacity.enthalpy_change(temperature)

    def cp(self, temperature: float | np.ndarray) -> float | np.ndarray:
        """Molar heat capacity at `temperature` [K], [J/(mol*K)]."""
        self.check_temperature(temperature)
        return self.heat_capacity.cp(temperature)

    def __repr__(self) -> str:
        return f"species({self.label!r})"


@cache
def _database(folder: Path | None = None, below: SpeciesData | None = None) -> dict[tuple, Species]:
    """The species of the package's tables, or of a user's data `folder` on top of `below`.

    A user's folder holds the same tables (``thermo/formation_enthalpy.csv`` and one or both of
    ``thermo/nasa9.csv``, ``thermo/heat_capacity.csv``; or the same files directly in it). A row of
    its formation table may keep the heat capacity of the species `below` it replaces.
    """
    prefix = "thermo/" if folder is None or (folder / "thermo").is_dir() else ""
    tables = {name: f"{prefix}{name}" for name in ("formation_enthalpy.csv", "nasa9.csv", "heat_capacity.csv")}
    if folder is not None:
        if not (folder / tables["formation_enthalpy.csv"]).is_file():
            raise DataFileError(
                str(folder), 0, "", "holds no formation_enthalpy.csv (nor thermo/formation_enthalpy.csv)"
            )
        tables = {name: path for name, path in tables.items() if (folder / path).is_file()}
    nasa = _nasa_models(tables.get("nasa9.csv"), folder)
    constant = _constant_models(tables.get("heat_capacity.csv"), folder)
    found: dict[tuple, Species] = {}
    required = ("species", "phase", "dHf_298", "unit", "source", "estimate")
    for row in read_table(tables["formation_enthalpy.csv"], required=required, folder=folder):
        formula = _formula(row)
        key = (formula.key, row["phase"])
        if key in found:
            raise row.error("species", f"{row['species']}({row['phase']}) appears twice")
        models: list[tuple[HeatCapacity, str, str]] = [m for m in (nasa.get(key), constant.get(key)) if m is not None]
        if not models and below is not None and key in below.entries:  # only the formation enthalpy is replaced
            kept = below.entries[key]
            flag = "yes" if "heat_capacity" in kept.estimated else "no"
            models = [(kept.heat_capacity, kept.sources["heat_capacity"], flag)]
        if len(models) != 1:
            problem = "no heat-capacity model" if not models else "heat capacity in two tables"
            raise row.error(
                "species", f"{row['species']}({row['phase']}): {problem} ({NASA_TABLE}, {CONSTANT_CP_TABLE})"
            )
        model, cp_source, cp_estimated = models[0]
        estimated = tuple(
            name
            for name, flag in (("formation_enthalpy", row["estimate"]), ("heat_capacity", cp_estimated))
            if flag == "yes"
        )
        found[key] = Species(
            formula=formula,
            phase=row["phase"],
            name=row.values.get("name", ""),
            formation_enthalpy=_joule_per_mole(row),
            heat_capacity=model,
            sources={"formation_enthalpy": _cite(row), "heat_capacity": cp_source},
            estimated=estimated,
        )
    for key, (_, cp_source, _) in {**nasa, **constant}.items():
        if key not in found:
            raise DataFileError(cp_source, 0, "species", f"{key} has a heat capacity but no formation enthalpy row")
    return found


def _formula(row: Row) -> Formula:
    if row["phase"] not in PHASE_PREFERENCE:
        raise row.error("phase", f"{row['phase']!r} is not one of {', '.join(PHASE_PREFERENCE)}")
    formula = Formula(row["species"])
    if formula.phase is not None:
        raise row.error("species", "give the phase in the phase column, not in the formula")
    return formula


def _cite(row: Row) -> str:
    return f"{row['source']}, {row.values.get('locator', '')}".rstrip(", ") + f" ({row.path}:{row.line})"


def _joule_per_mole(row: Row) -> float:
    value = f"{row['dHf_298']} {row['unit']}"
    return magnitude(value, "J/mol", field=f"{row.path}:{row.line} dHf_298")


def _nasa_models(table: str | None = NASA_TABLE, folder: Path | None = None) -> dict[tuple, tuple[Nasa9, str, str]]:
    if table is None:
        return {}
    grouped: dict[tuple, list[Row]] = defaultdict(list)
    required = ("species", "phase", "t_min", "t_max", "a1", "b1", "source")
    for row in read_table(table, required=required, folder=folder):
        grouped[(_formula(row).key, row["phase"])].append(row)
    models = {}
    for key, rows in grouped.items():
        rows.sort(key=lambda r: r.number("t_min"))
        for previous, row in zip(rows, rows[1:], strict=False):
            if abs(row.number("t_min") - previous.number("t_max")) > 1e-6:
                raise row.error("t_min", f"does not continue the previous interval ending at {previous['t_max']} K")
        intervals = tuple(
            Nasa9Interval(
                t_min=row.number("t_min"),
                t_max=row.number("t_max"),
                a=tuple(row.number(f"a{i}") for i in range(1, 8)),  # type: ignore[arg-type]
                b1=row.number("b1"),
            )
            for row in rows
        )
        models[key] = (Nasa9(intervals), _cite(rows[0]), "no")
    return models


def _constant_models(
    table: str | None = CONSTANT_CP_TABLE, folder: Path | None = None
) -> dict[tuple, tuple[ConstantHeatCapacity, str, str]]:
    if table is None:
        return {}
    models = {}
    required = ("species", "phase", "cp", "unit", "t_min", "t_max", "source")
    for row in read_table(table, required=required, folder=folder):
        key = (_formula(row).key, row["phase"])
        if key in models:
            raise row.error("species", f"{row['species']}({row['phase']}) appears twice")
        value = magnitude(f"{row['cp']} {row['unit']}", "J/(mol*K)", field=f"{row.path}:{row.line} cp")
        model = ConstantHeatCapacity(value, row.number("t_min"), row.number("t_max"))
        models[key] = (model, _cite(row), row.values.get("estimate", "no"))
    return models


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
    """

    entries: dict[tuple, Species]
    layers: tuple[str, ...] = ("package",)
    overridden: tuple[str, ...] = ()
    _cache: dict[str, Species] = field(default_factory=dict, repr=False)

    def species(self, text: str | Formula) -> Species:
        """The species a formula names (see :func:`species`); raise :class:`UnknownSpeciesError` if unknown.

        A mixed-metal compound not in the data is estimated from its end members
        (:func:`estimate_from_end_members`) and flagged as estimated.
        """
        key = text if isinstance(text, str) else str(text)
        found = self._cache.get(key)
        if found is None:
            formula = Formula(text) if isinstance(text, str) else text
            try:
                found = self._lookup(formula, key)
            except UnknownSpeciesError:
                found = estimate_from_end_members(formula, self)
                if found is None:
                    raise
            self._cache[key] = found
        return found

    def find(self, text: str | Formula) -> Species | None:
        """Like :meth:`species`, but None for a species not in the data."""
        try:
            return self.species(text)
        except UnknownSpeciesError:
            return None

    def all(self) -> tuple[Species, ...]:
        """Every species, in the order first known."""
        return tuple(self.entries.values())

    def with_folder(self, folder: str | Path) -> SpeciesData:
        """These data with a user's data folder on top (the package's table layout; see :func:`_database`)."""
        path = Path(folder).resolve()
        if not path.is_dir():
            raise DataFileError(str(folder), 0, "", "is not a folder of species data")
        return self.layered(str(path), _database(path, self).values())

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
        bare = _PHASE_TAG.sub("", formula.text)
        suggestions = [f"{bare}({phase})" for phase in phases]
        if not suggestions:
            suggestions = difflib.get_close_matches(formula.text, known, n=3, cutoff=0.6)
        raise UnknownSpeciesError(str(text), FORMATION_TABLE, tuple(suggestions))


END_MEMBERS = "thermo/end_members.csv"


@cache
def end_member_families() -> dict[str, tuple[tuple[str, str], ...]]:
    """Families of end members a mixed compound may be estimated from: ``{family: ((formula, phase), ...)}``."""
    families: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in read_table(END_MEMBERS, required=("family", "end_member", "phase", "source")):
        families[row["family"]].append((row["end_member"], row["phase"]))
    return {family: tuple(members) for family, members in families.items()}


def estimate_from_end_members(formula: Formula, data: SpeciesData) -> Species | None:
    """A mixed-metal compound as the ideal mixture of the end members of its family, or None.

    The composition must be a non-negative combination ``Σ c_i`` of one family's end members
    (``LiNi0.9Mn0.05Co0.05O2`` = 0.9 LiNiO2 + 0.05 LiMnO2 + 0.05 LiCoO2); formation enthalpy
    and heat capacity are the same combination of theirs (ideal mixing, Kopp's rule for the
    heat capacity), valid where all end members are. Both are flagged as estimates, the method
    and the end members named in the sources.
    """
    phase = formula.phase or "s"
    target = dict(formula.elements)
    for family, members in end_member_families().items():
        found = [data.entries.get((Formula(m).key, p)) for m, p in members if p == phase]
        known = [item for item in found if item is not None]
        if not known or len(known) < len(found):
            continue
        elements = sorted({e for item in known for e in item.formula.elements} | set(target))
        matrix = np.array([[float(item.formula.elements.get(e, 0)) for item in known] for e in elements])
        wanted = np.array([float(target.get(e, 0)) for e in elements])
        shares, *_ = np.linalg.lstsq(matrix, wanted, rcond=None)
        if np.any(shares < -1e-12) or np.abs(matrix @ shares - wanted).max() > 1e-9 or formula.charge:
            continue
        used = [(float(share), item) for share, item in zip(shares, known, strict=True) if share > 1e-12]
        models = [item.heat_capacity for _, item in used]
        constant = [model for model in models if isinstance(model, ConstantHeatCapacity)]
        simple = [model for model in models if isinstance(model, ConstantHeatCapacity | Nasa9)]
        heat_capacity: HeatCapacity
        if len(constant) == len(models):  # Kopp's rule: the mixture's constant heat capacity
            value = sum(share * m.value for (share, _), m in zip(used, constant, strict=True))
            heat_capacity = ConstantHeatCapacity(value, max(m.t_min for m in constant), min(m.t_max for m in constant))
        elif len(simple) == len(models):
            heat_capacity = MixtureHeatCapacity(tuple((share, m) for (share, _), m in zip(used, simple, strict=True)))
        else:
            continue
        recipe = " + ".join(f"{share:.6g} {item.label}" for share, item in used)
        cited = f"estimate, {family}: {recipe} (ideal mixing; {END_MEMBERS})"
        return Species(
            formula=Formula(_PHASE_TAG.sub("", formula.text)),
            phase=phase,
            name=f"estimated {family}",
            formation_enthalpy=float(sum(share * item.formation_enthalpy for share, item in used)),
            heat_capacity=heat_capacity,
            sources={"formation_enthalpy": cited, "heat_capacity": cited},
            estimated=("formation_enthalpy", "heat_capacity"),
        )
    return None


@cache
def package_data() -> SpeciesData:
    """The species of the package's own tables (``data/thermo``)."""
    return SpeciesData(_database())


DATA_PATH = "FLOWSHEET_DATA"
"""Environment variable listing (by ``os.pathsep``) folders of species data every route loads on the package's."""


def default_data() -> SpeciesData:
    """The package's species with the folders of ``FLOWSHEET_DATA`` on top, in the order listed."""
    return _layered_folders(os.environ.get(DATA_PATH, ""))


@cache
def _layered_folders(listed: str) -> SpeciesData:
    data = package_data()
    for folder in (p for p in listed.split(os.pathsep) if p):
        data = data.with_folder(folder)
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
