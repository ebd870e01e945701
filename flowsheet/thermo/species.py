"""Species: a formula in a phase with its formation enthalpy and heat capacity, from ``data/thermo``.

Tables (every row with a source key of ``data/sources.toml``):

- ``formation_enthalpy.csv``: which species exist, their standard enthalpy of
  formation at 298.15 K and whether it is an estimate;
- ``nasa9.csv``: NASA Glenn polynomials (McBride et al. 2002);
- ``heat_capacity.csv``: constant heat capacities (measured or Kopp's rule).

Every species has exactly one heat-capacity model. The tables are read here, from the
package's data folder or from a user's folder of the same layout; looking species up, in
layers, is :mod:`flowsheet.thermo.species_data`.

Every row is checked for physical sense (:mod:`flowsheet.thermo.plausibility`): numbers finite,
``0 < t_min < t_max``, heat capacity positive (except in water) and within its band per mole of
atoms over the whole range, formation enthalpy within its band. A value outside its band on
purpose is accepted where its row's optional ``override`` column says ``yes``; the species then
lists it in :attr:`Species.overrides`, and every report of a run shows it. Every problem of a
table is reported at once, each at its file and line.
"""

from __future__ import annotations

import math
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pint

from flowsheet.chemistry import Formula
from flowsheet.datafiles import Row, read_table
from flowsheet.errors import DataFileError, FormulaError, MissingDataError, UnitError
from flowsheet.files import shown
from flowsheet.thermo.heat_capacity import (
    ConstantHeatCapacity,
    HeatCapacity,
    Nasa9,
    Nasa9Interval,
)
from flowsheet.thermo.plausibility import Finding, check_formation_enthalpy, check_heat_capacity, check_range, settle
from flowsheet.units import magnitude

if TYPE_CHECKING:
    from flowsheet.thermo.species_data import SpeciesData

FORMATION_TABLE = "thermo/formation_enthalpy.csv"
NASA_TABLE = "thermo/nasa9.csv"
CONSTANT_CP_TABLE = "thermo/heat_capacity.csv"
PHASE_PREFERENCE = ("s", "l", "g", "aq")
PHASE_TAG = re.compile(r"\((s|l|g|aq|cr)\)$")


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
    overrides : tuple of (str, str)
        ``(field, note)`` for each value accepted outside its plausibility band because its row
        or entry is marked as an override; `field` is ``"formation_enthalpy"`` or
        ``"heat_capacity"``, `note` says what, and where it was marked.
    """

    formula: Formula
    phase: str
    name: str
    formation_enthalpy: float
    heat_capacity: HeatCapacity = field(repr=False)
    sources: dict[str, str] = field(repr=False, compare=False, hash=False)
    estimated: tuple[str, ...] = ()
    overrides: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)

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


OVERRIDE = "override"
"""Optional column of each table: ``yes`` accepts the row's values outside their plausibility band (empty: no)."""

OVERRIDE_HOW = "add a column 'override' and write yes in this row"
"""How a table row is marked as an override, for the hints."""

DUPLICATE_HINT = "keep one row per species and phase"

MAX_NAME = 200
"""Longest common name of a species, [characters]."""

TABLE_NAMES = ("formation_enthalpy.csv", "nasa9.csv", "heat_capacity.csv")
NASA_NUMBERS = ("t_min", "t_max", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "b1")
NASA_FIELD = "a1..a7"
"""The field named when a NASA row's heat capacity is out of sense: its seven coefficients."""


@dataclass(frozen=True)
class _Model:
    """A heat-capacity model as read: its citation, whether estimated, its overrides, and its first row."""

    model: HeatCapacity
    cite: str
    estimated: bool
    overrides: tuple[tuple[str, str], ...]
    path: str
    line: int


class _Problems:
    """The problems of one table, collected row by row and raised together."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.issues: list[tuple[int, str, str, str]] = []

    def add(self, row: Row, column: str, problem: str, hint: str = "") -> None:
        self.path = row.path
        self.issues.append((row.line, column, problem, hint))

    def findings(self, row: Row, refused: list[Finding]) -> None:
        for finding in refused:
            self.add(row, finding.field, finding.problem, finding.hint)

    def raise_any(self) -> None:
        if self.issues:
            raise DataFileError(self.path, self.issues)


@cache
def read_tables(folder: Path | None = None, below: SpeciesData | None = None) -> dict[tuple, Species]:
    """The species of the package's tables, or of a user's data `folder` on top of `below`.

    A user's folder holds the same tables (``thermo/formation_enthalpy.csv`` and one or both of
    ``thermo/nasa9.csv``, ``thermo/heat_capacity.csv``; or the same files directly in it). A row of
    its formation table may keep the heat capacity of the species `below` it replaces.

    Raises
    ------
    DataFileError
        With every problem of the first table that has any, each at its line: unreadable files,
        cells that are not numbers, formulas or yes/no, a species twice, a heat capacity in no
        table or in two, and values without physical sense (:mod:`flowsheet.thermo.plausibility`).
    """
    tables = _tables(folder)
    nasa = _nasa_models(tables.get("nasa9.csv"), folder)
    constant = _constant_models(tables.get("heat_capacity.csv"), folder)
    problems = _Problems(tables["formation_enthalpy.csv"])
    found: dict[tuple, Species] = {}
    first: dict[tuple, int] = {}
    required = ("species", "phase", "dHf_298", "unit", "source", "estimate")
    for row in read_table(tables["formation_enthalpy.csv"], required=required, folder=folder):
        formula = _once(row, problems, first)
        if formula is None:
            continue
        key = (formula.key, row["phase"])
        item = _species(row, formula, nasa.get(key), constant.get(key), below, problems)
        if item is not None:
            found[key] = item
    problems.raise_any()
    for models in (nasa, constant):
        orphans = _Problems("")
        for key, model in models.items():
            if key not in found:
                hint = "add its row to formation_enthalpy.csv, or remove this one"
                orphans.issues.append(
                    (model.line, "species", "has a heat capacity but no formation enthalpy row", hint)
                )
                orphans.path = model.path
        orphans.raise_any()
    return found


def _tables(folder: Path | None) -> dict[str, str]:
    """The tables to read by name, as paths below the data folder (or the user's `folder`)."""
    if folder is None:
        return {name: f"thermo/{name}" for name in TABLE_NAMES}
    try:
        prefix = "thermo/" if (folder / "thermo").is_dir() else ""
        present = {name: f"{prefix}{name}" for name in TABLE_NAMES if os.path.lexists(folder / prefix / name)}
    except OSError as err:
        raise DataFileError.one(
            str(folder), 0, "", f"cannot be read: {err.strerror}", "check its permissions"
        ) from None
    if "formation_enthalpy.csv" not in present:
        hint = "a species folder holds thermo/formation_enthalpy.csv and thermo/heat_capacity.csv or thermo/nasa9.csv"
        raise DataFileError.one(
            str(folder), 0, "", "holds no formation_enthalpy.csv (nor thermo/formation_enthalpy.csv)", hint
        )
    return present


def _species(
    row: Row,
    formula: Formula,
    nasa: _Model | None,
    constant: _Model | None,
    below: SpeciesData | None,
    problems: _Problems,
) -> Species | None:
    """The species of one formation-enthalpy row with its heat-capacity model; None if a problem was added."""
    label = f"{formula.text}({row['phase']})"
    estimated, override = _flag(row, "estimate", problems), _flag(row, OVERRIDE, problems, optional=True)
    name = _name(row, problems)
    formation = _quantity(row, "dHf_298", "J/mol", problems)
    models = [model for model in (nasa, constant) if model is not None]
    if not models and below is not None and (formula.key, row["phase"]) in below.entries:
        kept = below.entries[(formula.key, row["phase"])]  # only the formation enthalpy is replaced
        carried = tuple(note for note in kept.overrides if note[0] == "heat_capacity")
        cp_estimated = "heat_capacity" in kept.estimated
        models = [_Model(kept.heat_capacity, kept.sources["heat_capacity"], cp_estimated, carried, "", 0)]
    if len(models) != 1:
        problem = "no heat-capacity model" if not models else "heat capacity in two tables"
        hint = f"give it one row in {CONSTANT_CP_TABLE} or rows in {NASA_TABLE}, not both"
        problems.add(row, "species", f"{label}: {problem}", hint)
        return None
    if formation is None or estimated is None or override is None or name is None:
        return None
    refused, accepted = settle(
        check_formation_enthalpy(formation, formula, row["phase"], "dHf_298"), override, OVERRIDE_HOW
    )
    if refused:
        problems.findings(row, refused)
        return None
    model = models[0]
    return Species(
        formula=formula,
        phase=row["phase"],
        name=name,
        formation_enthalpy=formation,
        heat_capacity=model.model,
        sources={"formation_enthalpy": _cite(row), "heat_capacity": model.cite},
        estimated=tuple(
            field for field, flag in (("formation_enthalpy", estimated), ("heat_capacity", model.estimated)) if flag
        ),
        overrides=(*(("formation_enthalpy", _noted(finding, row)) for finding in accepted), *model.overrides),
    )


def _once(row: Row, problems: _Problems, first: dict[tuple, int]) -> Formula | None:
    """The row's formula the first time its species and phase appear in a table (`first`: their lines); else None."""
    formula = _formula(row, problems)
    if formula is None:
        return None
    key = (formula.key, row["phase"])
    if key in first:
        label = f"{formula.text}({row['phase']})"
        problems.add(row, "species", f"{label} appears twice (first at line {first[key]})", DUPLICATE_HINT)
        return None
    first[key] = row.line
    return formula


def _formula(row: Row, problems: _Problems) -> Formula | None:
    if row["phase"] not in PHASE_PREFERENCE:
        hint = "s (solid), l (liquid), g (gas) or aq (dissolved in water)"
        problems.add(row, "phase", f"{shown(row['phase'])} is not one of {', '.join(PHASE_PREFERENCE)}", hint)
        return None
    try:
        formula = Formula(row["species"])
    except FormulaError as err:
        problems.add(row, "species", f"{shown(row['species'])}: {err.problem} at position {err.position}", err.hint)
        return None
    if formula.phase is not None:
        problems.add(row, "species", "give the phase in the phase column, not in the formula", "e.g. NiSO4,aq,...")
        return None
    return formula


def _flag(row: Row, column: str, problems: _Problems, optional: bool = False) -> bool | None:
    """A yes/no cell (empty: no, where `optional`); None if a problem was added."""
    text = row.values.get(column, "")
    if text in ("yes", "no") or (optional and not text):
        return text == "yes"
    problems.add(
        row,
        column,
        f"is {shown(text)}; write yes or no",
        "yes or no, in lower case" + (", or leave it empty" if optional else ""),
    )
    return None


def _name(row: Row, problems: _Problems) -> str | None:
    """The common name, of printable characters and at most :data:`MAX_NAME` long; None if a problem was added."""
    text = row.values.get("name", "")
    if len(text) > MAX_NAME:
        problems.add(row, "name", f"is {len(text):,} characters long, over {MAX_NAME}", "give a short common name")
        return None
    if not text.isprintable():
        problems.add(row, "name", f"{shown(text)} holds control characters", "give a plain common name")
        return None
    return text


def _number(row: Row, column: str, problems: _Problems) -> float | None:
    """A cell as a finite float; None if a problem was added."""
    text = row.values.get(column, "")
    try:
        value = float(text)
    except ValueError:
        problems.add(row, column, f"{shown(text)} is not a number", "give a plain number, e.g. -239.7")
        return None
    if not math.isfinite(value):
        problems.add(
            row,
            column,
            f"{shown(text)} is not a finite number",
            "give a number without nan, inf or an overflowing exponent",
        )
        return None
    return value


def _quantity(row: Row, column: str, unit: str, problems: _Problems) -> float | None:
    """A number cell with the row's ``unit`` cell, in `unit`; None if a problem was added (at the unit or the number)."""
    if _number(row, column, problems) is None:
        return None
    for text, at in ((f"1 {row['unit']}", "unit"), (f"{row[column]} {row['unit']}", column)):
        try:
            found = magnitude(text, unit, field=at)
        except UnitError as err:
            problems.add(row, at, f"expects {err.expected}, got {shown(err.got)}: {err.problem}", err.hint)
            return None
    return found


def _cite(row: Row) -> str:
    return f"{row['source']}, {row.values.get('locator', '')}".rstrip(", ") + f" ({row.path}:{row.line})"


def _noted(finding: Finding, row: Row) -> str:
    return f"{finding.field} {finding.problem} (override at {row.path}:{row.line})"


def _nasa_models(table: str | None = NASA_TABLE, folder: Path | None = None) -> dict[tuple, _Model]:
    if table is None:
        return {}
    problems = _Problems(table)
    grouped: dict[tuple, list[tuple[Row, Nasa9Interval, list[Finding]]]] = defaultdict(list)
    failed: set[tuple] = set()
    for row in read_table(table, required=("species", "phase", *NASA_NUMBERS, "source"), folder=folder):
        formula = _formula(row, problems)
        numbers = [_number(row, column, problems) for column in NASA_NUMBERS]
        override = _flag(row, OVERRIDE, problems, optional=True)
        if formula is None:
            continue
        key = (formula.key, row["phase"])
        if override is None or any(number is None for number in numbers):
            failed.add(key)
            continue
        t_min, t_max, *a, b1 = (float(n) for n in numbers)  # type: ignore[arg-type]
        interval = Nasa9Interval(t_min, t_max, tuple(a), b1)  # type: ignore[arg-type]
        findings = check_range(t_min, t_max, row["phase"])
        findings += check_heat_capacity(interval, formula, row["phase"], NASA_FIELD)
        refused, accepted = settle(findings, override, OVERRIDE_HOW)
        if refused:
            problems.findings(row, refused)
            failed.add(key)
            continue
        grouped[key].append((row, interval, accepted))
    models = {}
    for key, rows in grouped.items():
        if key in failed:
            continue
        rows.sort(key=lambda item: item[1].t_min)
        for (previous, before, _), (row, interval, _) in zip(rows, rows[1:], strict=False):
            if abs(interval.t_min - before.t_max) > 1e-6:
                hint = "a species' rows cover one range without gaps or overlaps"
                problems.add(
                    row,
                    "t_min",
                    f"does not continue the interval ending at {before.t_max:g} K (line {previous.line})",
                    hint,
                )
        overrides = tuple(("heat_capacity", _noted(finding, row)) for row, _, listed in rows for finding in listed)
        first = rows[0][0]
        models[key] = _Model(
            Nasa9(tuple(i for _, i, _ in rows)), _cite(first), False, overrides, first.path, first.line
        )
    problems.raise_any()
    return models


def _constant_models(table: str | None = CONSTANT_CP_TABLE, folder: Path | None = None) -> dict[tuple, _Model]:
    if table is None:
        return {}
    problems = _Problems(table)
    models: dict[tuple, _Model] = {}
    first: dict[tuple, int] = {}
    required = ("species", "phase", "cp", "unit", "t_min", "t_max", "source")
    for row in read_table(table, required=required, folder=folder):
        formula = _once(row, problems, first)
        if formula is None:
            continue
        key = (formula.key, row["phase"])
        value = _quantity(row, "cp", "J/(mol*K)", problems)
        t_min, t_max = _number(row, "t_min", problems), _number(row, "t_max", problems)
        estimated, override = (
            _flag(row, "estimate", problems, optional=True),
            _flag(row, OVERRIDE, problems, optional=True),
        )
        if value is None or t_min is None or t_max is None or estimated is None or override is None:
            continue
        model = ConstantHeatCapacity(value, t_min, t_max)
        findings = check_range(t_min, t_max, row["phase"]) + check_heat_capacity(model, formula, row["phase"], "cp")
        refused, accepted = settle(findings, override, OVERRIDE_HOW)
        if refused:
            problems.findings(row, refused)
            continue
        overrides = tuple(("heat_capacity", _noted(finding, row)) for finding in accepted)
        models[key] = _Model(model, _cite(row), estimated, overrides, row.path, row.line)
    problems.raise_any()
    return models
