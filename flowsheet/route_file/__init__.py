"""Route files: YAML text to a checked Flowsheet, with file and line in every error.

A route file is a YAML mapping (loaded with a safe composer: no tags run code, and
aliases are refused, so an alias bomb cannot expand)::

    name: nmc811-sulfate
    description: NMC811 by sulfate co-precipitation
    product: LiNi0.8Mn0.1Co0.1O2      # the basis species
    basis: 1 kg
    sources: [{key: dai2019, cite: "Dai et al. 2019 ..."}]
    assumptions: ["..."]
    sites: {refinery: {region: ID}}
    feeds: {metals: {flows: {Ni: 0.8 mol/s}}, acid: {flows: {H2SO4(aq): 1 mol}, dosed: true}}
    products: {cam: {kind: product}}
    units: {dissolve: {type: dissolver, site: refinery, utility: steam_gas_boiler, molality: 1.7 mol/kg, ...}}
    streams: ["metals -> dissolve.feed", ...]

Every dimensional value carries its unit; a bare number there is an error. A file
may ``extends: other.yaml`` and then change it: top-level keys replace the parent's,
entries of ``sites``/``feeds``/``products``/``units`` replace the parent's entry of
the same name, ``streams`` are added, ``sources`` are added (one with a parent's key
replaces it: a variant's figures still rest on its parent's sources), ``set`` overrides values by dotted path
(``units.calcine.temperature: 850 degC``; a key with dots goes in brackets,
``feeds.lithium.flows[LiOH·H2O]``), ``remove`` deletes entries by dotted path and
``disconnect`` deletes streams.

The steps, one module each: ``text`` reads YAML with the line of every key, ``edits``
resolves ``extends``, ``schema`` validates, ``build`` makes the Flowsheet; this module
ties them together in :func:`load_route`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowsheet.errors import FlowsheetError, InputFileError, RouteFileError, UnitError, message_and_hint
from flowsheet.graph import Flowsheet
from flowsheet.route_file.build import build_flowsheet, problem_path
from flowsheet.route_file.edits import apply_edits, load_document
from flowsheet.route_file.schema import FeedSpec, ProductSpec, RouteSpec, Site, Source, unit_types, validate
from flowsheet.route_file.text import Origins, dotted, read_yaml
from flowsheet.thermo import default_data
from flowsheet.uncertainty import Distribution
from flowsheet.units import parse_basis
from flowsheet.upstream import TABLE as UPSTREAM_TABLE
from flowsheet.upstream import UpstreamBook, package_upstream, read_upstream

__all__ = [
    "FeedSpec",
    "ProductSpec",
    "Route",
    "RouteSpec",
    "Site",
    "Source",
    "load_document",
    "load_route",
    "read_yaml",
    "unit_types",
]


@dataclass(frozen=True)
class Route:
    """A loaded route: its spec and the flowsheet it describes.

    Attributes
    ----------
    path : str
        The route file.
    spec : RouteSpec
        The validated content, ``extends`` resolved.
    flowsheet : Flowsheet
        Built and checked.
    """

    path: str
    spec: RouteSpec
    flowsheet: Flowsheet
    origins: Origins = dataclasses.field(repr=False, compare=False)
    uncertain: dict[str, Distribution] = dataclasses.field(default_factory=dict, compare=False)
    """Distributions of the uncertain parameters, by dotted path (``units.filter.wash_ratio``)."""

    @property
    def name(self) -> str:
        """The route's name."""
        return self.spec.name

    def locate(self, *path: Any) -> tuple[str, int]:
        """(file, line) of the longest known prefix of a dotted path in the route."""
        return _locate(self.origins, path, self.path)


def _locate(origins: Origins, path: tuple, fallback: str) -> tuple[str, int]:
    """(file, line) of a dotted path: of the longest known prefix, or where this file changed it.

    A value a file extends from its parent but changes with ``set:`` is reported at that ``set:``
    line (file `fallback`), not at the parent's line: at the first line this file sets within the
    path (``set: {units.filter.wash_ratio.value: ...}``), else within the same entry
    (``set: {units.calcine.precursor: ...}`` for a problem of ``units.calcine.product``).
    """
    found = _origin(origins, path, fallback)
    if found[0] == fallback:
        return found
    for scope in (path, path[:2] if path[:1] in _ENTRIES else None):
        if scope:
            edited = [origin for key, origin in origins.items() if key[: len(scope)] == scope and origin[0] == fallback]
            if edited:
                return min(edited, key=lambda origin: origin[1])
    return found


_ENTRIES = {("sites",), ("prices",), ("upstream",), ("feeds",), ("products",), ("units",)}
"""Sections of named entries: a variant's ``set:`` within an entry may cause a problem of its other fields."""


def _origin(origins: Origins, path: tuple, fallback: str) -> tuple[str, int]:
    """(file, line) of the longest prefix of `path` that has one; `fallback` at line 0 if none."""
    for cut in range(len(path), -1, -1):
        if path[:cut] in origins:
            return origins[path[:cut]]
    return fallback, 0


def load_route(
    path: str | Path,
    overrides: dict[str, Any] | None = None,
    check: bool = True,
    data_folders: Sequence[str | Path] = (),
) -> Route:
    """Load a route file into a checked :class:`Route`.

    Parameters
    ----------
    path : str or Path
        The route file.
    overrides : dict, optional
        Values to set by dotted path, as a file's ``set:`` would, e.g.
        ``{"units.filter.wash_ratio": "10 L/kg"}``.
    check : bool
        Check the flowsheet (ports, doses, species) as well as the file.
    data_folders : sequence of str or Path, optional
        Folders of species data (the package's ``data/thermo`` layout) or of cradle-to-gate
        factors (``upstream/materials.csv``, citing their own ``sources.toml``), or both, each on
        top of the package's tables (species also on top of the folders in ``FLOWSHEET_DATA``);
        the route's own ``species:`` and ``upstream:`` go on top of all.

    Raises
    ------
    RouteFileError
        With every problem found, each at its file and line (an override at line 0).
    """
    shown = str(path)
    data, origins, unapplied = load_document(Path(path))
    issues: list[tuple[str, int, str, str, str]] = [(shown, *issue) for issue in unapplied]
    if overrides:
        edits = {"set": dict(overrides)}
        edit_origins: Origins = {("set", key): ("overrides", 0) for key in overrides}
        for line, field, problem, hint in apply_edits(edits, edit_origins, data, origins, f"{shown} (overrides)"):
            issues.append((f"{shown} (overrides)", line, field, problem, hint))

    def report(where: tuple, problem: str, hint: str = "") -> None:
        file, line = _locate(origins, where, shown)
        value_file, value_line = _origin(origins, where, shown)
        if value_file != file and not any(k[: len(where)] == where and o == (file, line) for k, o in origins.items()):
            # located at a set: of the same entry, not of this value: say where the value itself is
            problem = f"{problem} (this file's set: changes {dotted(where[:2])}; {dotted(where)} is at {value_file}:{value_line})"
        issue = (file, line, dotted(where), _bounded(problem), hint)
        if issue not in issues:  # a value read twice (an uncertain value's nominal) is reported once
            issues.append(issue)

    spec = validate(data, report)
    if spec is None:
        raise _error(shown, issues)
    uncertain: dict[str, Distribution] = {}
    layers = default_data()
    for folder in data_folders:
        if _factors_only(folder):
            continue  # a folder of upstream factors alone: read by _upstream_of
        try:
            layers = layers.with_folder(folder)
        except InputFileError as err:  # every problem of the folder's tables, at its file and line, with its hint
            listed = [
                (0, "", f"species data {folder}: {type(err)(err.path, [(*issue[:3], '')])}", issue[3])
                for issue in err.issues
            ]
            raise RouteFileError(shown, listed) from err
        except FlowsheetError as err:
            raise RouteFileError.one(shown, 0, "", f"species data {folder}: {message_and_hint(err)[0]}") from err
    sheet = build_flowsheet(spec, report, uncertain, layers, shown, _upstream_of(data_folders, shown))
    if not issues and check:
        for problem in sheet.derived("problems", sheet.problems):  # kept: the solve checks the same
            message = f"{problem.port}: {problem.message}" if problem.port else problem.message
            report(problem_path(spec, problem), message, problem.hint)
        if not issues:
            _check_basis(spec, sheet, report)
    if issues:
        raise _error(shown, issues)
    return Route(shown, spec, sheet, origins, uncertain)


def _factors_only(folder: str | Path) -> bool:
    """Whether a data folder holds upstream factors and no species tables."""
    path = Path(folder)
    species = ("formation_enthalpy.csv", "thermo/formation_enthalpy.csv")
    return (path / UPSTREAM_TABLE).is_file() and not any((path / table).exists() for table in species)


def _upstream_of(folders: Sequence[str | Path], shown: str) -> UpstreamBook | None:
    """The package's upstream factors with each data folder's ``upstream/materials.csv`` on top; None if none has one."""
    book = None
    for folder in folders:
        path = Path(folder)
        if (path / UPSTREAM_TABLE).is_file():
            try:
                book = (book or package_upstream()).with_book(read_upstream(path.resolve()))
            except InputFileError as err:
                listed = [(0, "", f"upstream data {folder}: {type(err)(err.path, [(*issue[:3], '')])}", issue[3])
                          for issue in err.issues]  # fmt: skip
                raise RouteFileError(shown, listed) from err
    return book


MAX_QUOTED = 80
"""Longest quoted piece of the file a problem repeats, [characters]: a name or a value, never a line."""

_QUOTED = re.compile(f"'([^'\\n]{{{MAX_QUOTED + 1},}})'")
_WORD = re.compile(f"[^\\s'/]{{{3 * MAX_QUOTED + 1},}}")  # a name not quoted (``unit.port``); no path is cut


def _bounded(problem: str) -> str:
    """`problem` with each quoted piece of input over :data:`MAX_QUOTED` characters cut, whoever wrote the message.

    The checks of units, streams and species quote the value at fault; a value of thousands of
    characters is shown by its start, so an error never repeats more of the file than a token.
    """
    problem = _QUOTED.sub(lambda match: f"'{match.group(1)[: MAX_QUOTED - 1]}…'", problem)
    return _WORD.sub(lambda match: f"{match.group(0)[: MAX_QUOTED - 1]}…", problem)


def _check_basis(spec: RouteSpec, sheet: Flowsheet, report: Any) -> None:
    """What a run reads besides the flowsheet, checked as a run would: the basis and its product species."""
    try:
        parse_basis(spec.basis)
    except UnitError as err:
        report(("basis",), f"expects {err.expected}, got {err.got!r}: {err.problem}", err.hint)
    try:
        sheet.species_data.species(spec.product)
    except FlowsheetError as err:
        report(("product",), *message_and_hint(err))
        return
    if spec.product not in sheet.components():
        hint = f"the route's species: {', '.join(label for label in sheet.components().labels[:8])}, ..."
        report(("product",), f"{spec.product!r} is made by no unit and brought by no feed", hint)


def _error(shown: str, issues: list[tuple[str, int, str, str, str]]) -> RouteFileError:
    """One error for the file asked for; issues found in a file it extends say which file."""
    listed = []
    for file, line, field, problem, hint in issues:
        if file != shown and Path(file).resolve() != Path(shown).resolve():
            problem = f"{problem} (in {file}:{line})"
            line = 0
        listed.append((line, field, problem, hint))
    return RouteFileError(shown, listed)
