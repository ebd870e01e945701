"""Species: a formula in a phase with its formation enthalpy and heat capacity, from ``data/thermo``.

Tables (every row with a source key of ``data/sources.toml``):

- ``formation_enthalpy.csv``: which species exist, their standard enthalpy of
  formation at 298.15 K and whether it is an estimate;
- ``nasa9.csv``: NASA Glenn polynomials (McBride et al. 2002);
- ``heat_capacity.csv``: constant heat capacities (measured or Kopp's rule).

Every species has exactly one heat-capacity model. The tables are read here, from the
package's data folder or from a user's folder of the same layout; looking species up, in
layers, is :mod:`flowsheet.thermo.species_data`.
"""

from __future__ import annotations

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
from flowsheet.errors import DataFileError, MissingDataError
from flowsheet.thermo.heat_capacity import (
    ConstantHeatCapacity,
    HeatCapacity,
    Nasa9,
    Nasa9Interval,
)
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
def read_tables(folder: Path | None = None, below: SpeciesData | None = None) -> dict[tuple, Species]:
    """The species of the package's tables, or of a user's data `folder` on top of `below`.

    A user's folder holds the same tables (``thermo/formation_enthalpy.csv`` and one or both of
    ``thermo/nasa9.csv``, ``thermo/heat_capacity.csv``; or the same files directly in it). A row of
    its formation table may keep the heat capacity of the species `below` it replaces.
    """
    prefix = "thermo/" if folder is None or (folder / "thermo").is_dir() else ""
    tables = {name: f"{prefix}{name}" for name in ("formation_enthalpy.csv", "nasa9.csv", "heat_capacity.csv")}
    if folder is not None:
        if not (folder / tables["formation_enthalpy.csv"]).is_file():
            raise DataFileError.one(
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
            raise DataFileError.one(cp_source, 0, "species", f"{key} has a heat capacity but no formation enthalpy row")
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
