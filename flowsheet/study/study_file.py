"""Study files: read once, typed and bounded, their routes found along the route search path.

A study file names ``routes`` (files or globs, relative to the study file), a ``grid`` of overrides
by dotted path, ``samples`` per scenario, a ``seed`` and the ``chunk`` of samples solved together
(see :mod:`flowsheet.study`). Every problem is reported at once, each at its line with its field and
a hint, and the size of the study (scenarios, rows, chunks) is checked before anything is allocated.

A route is looked up as a route's ``extends`` is (:func:`flowsheet.route_file.edits.search_path`):
in the study file's folder (and below), then the folders of ``FLOWSHEET_ROUTE_PATH``, then the
shipped routes; the first folder where a name or glob matches gives its files. A file outside those
folders is refused before it is opened, and its name, if a glob found it, is not repeated.
"""

from __future__ import annotations

import difflib
import glob
import itertools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowsheet import files
from flowsheet.errors import RouteFileError
from flowsheet.route_file.edits import ROUTE_PATH, looked_in, search_path
from flowsheet.route_file.text import MAX_BYTES, Origins, parse_yaml
from flowsheet.sampling import CHUNK

KEYS = ("routes", "grid", "samples", "seed", "chunk")

MAX_SAMPLES = 10**9
"""Most samples per route and scenario."""

MAX_CHUNK = 1_000_000
"""Most samples solved together: measured, a 1,000,000-sample solve of the NMC811 route peaks at
293 MB (``benchmarks/README.md``)."""

MAX_SEED = 2**64 - 1
"""Largest seed: a 64-bit whole number."""

MAX_RUNS = 10_000
"""Most routes x scenarios: each is loaded and checked here, about 50 ms each (NMC811 route)."""

MAX_ROUTES = 1_000
"""Most route files a study names, globs expanded; a glob stops being followed past this."""

MAX_ROWS = 10**9
"""Most rows of a study's table: about 165 GB of Parquet at the NMC811 route's 165 bytes a row
(``benchmarks/README.md``: 10,000,000 rows, 1.65 GB)."""

MAX_CHUNKS = 100_000
"""Most chunks (tasks) in a study: ``MAX_ROWS`` at the default chunk of 10,000 samples."""

MAX_GRID = 100
"""Most dotted paths in a grid."""

MAX_TEXT = 200
"""Longest grid path, and longest grid value as the table writes it, [characters]: each is a
column name or a cell repeated on every row of its scenario."""

MAX_PATTERN = 4_096
"""Longest route file or glob, [characters]: the longest path most systems take."""

RESERVED = ("route", "sample")
"""Columns of the table that no grid path may name."""

Scenario = tuple[tuple[str, Any], ...]
"""A scenario's overrides, ``((dotted path, value as written), ...)`` in grid order."""

_NUMBERS = {  # key: (default, least, most, what the most is)
    "samples": (1000, 1, MAX_SAMPLES, "samples per route and scenario"),
    "seed": (0, 0, MAX_SEED, "a 64-bit seed"),
    "chunk": (CHUNK, 1, MAX_CHUNK, "samples solved together"),
}

_PATH = re.compile(r"(?:[^.\[\]]+|\[[^\[\]]+\])(?:\.[^.\[\]]+|\[[^\[\]]+\])*")
"""A dotted path as a route file's ``set:`` writes it: ``units.calcine.temperature``, ``flows[LiOH·H2O]``."""


class StudyFileError(RouteFileError):
    """A study file is malformed: an unknown key, a value of the wrong kind, a route that is not there."""


@dataclass(frozen=True)
class Study:
    """A study file, read and checked.

    Attributes
    ----------
    path : Path
        The study file.
    routes : tuple of str
        Route files, globs expanded, in the order given.
    grid : dict of str to list
        Values by dotted path; every combination is a scenario.
    samples : int
        Samples per route and scenario.
    seed : int
        Entropy of every random stream.
    chunk : int
        Samples solved together: one task. A chunk larger than `samples` solves the samples in one.
    text : str
        The study file as read, kept in the table's metadata.
    lines : dict of str to int
        The line of each key of the file.
    """

    path: Path
    routes: tuple[str, ...]
    grid: dict[str, list[Any]]
    samples: int
    seed: int
    chunk: int = CHUNK
    text: str = ""
    lines: dict[str, int] = field(default_factory=dict)

    @property
    def scenarios(self) -> list[Scenario]:
        """Every combination of the grid's values (one empty scenario for no grid)."""
        return [tuple(zip(self.grid, values, strict=True)) for values in itertools.product(*self.grid.values())]

    @property
    def chunks(self) -> list[tuple[int, int]]:
        """(first sample, samples) of each chunk of a scenario."""
        return [(start, min(self.chunk, self.samples - start)) for start in range(0, self.samples, self.chunk)]

    @property
    def rows(self) -> int:
        """Rows of the table: samples of every route in every scenario."""
        return len(self.routes) * math.prod(len(values) for values in self.grid.values()) * self.samples


def value_text(value: Any) -> str:
    """A grid value as text: as written for text, JSON otherwise (``0.5``, ``{"recycle": 0.9}``)."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def read_study(path: str | Path) -> Study:
    """Read a study file, once (see the module's notes).

    Raises
    ------
    StudyFileError
        With every problem found, each at its line: unknown keys, values of the wrong kind or out
        of bounds, routes not found or outside the folders a study may read, a study too large.
    """
    path = Path(path)
    where = str(path)
    try:
        text = files.read_text(path, MAX_BYTES, StudyFileError)
        data, origins = parse_yaml(text, where)
    except RouteFileError as err:
        raise StudyFileError(err.path, [_for_study(issue) for issue in err.issues]) from None
    issues: list[tuple[int, str, str, str]] = []

    def report(at: tuple, problem: str, hint: str = "") -> None:
        issues.append((_line(origins, at), _field(at), problem, hint))

    for key in data:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"the keys: {', '.join(KEYS)}"
            report((key,), "is not a study key", hint)
    routes = _routes(path, data.get("routes"), report)
    grid = _grid(data.get("grid", {}), report)
    numbers = {}
    for key, (default, least, most, what) in _NUMBERS.items():
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
            hint = f"at most {most:,} {what}" if isinstance(value, int) and value > most else f"e.g. {key}: {default}"
            report((key,), f"expects a whole number from {least:,} to {most:,}, got {files.shown(value)}", hint)
            value = default
        numbers[key] = value
    if not issues:
        _check_size(len(routes), grid, numbers["samples"], numbers["chunk"], report)
    if issues:
        raise StudyFileError(where, sorted(issues))
    lines = {key: origins[(key,)][1] for key in data if (key,) in origins}
    return Study(path, tuple(routes), grid, numbers["samples"], numbers["seed"], numbers["chunk"], text, lines)


def _for_study(issue: tuple[int, str, str, str]) -> tuple[int, str, str, str]:
    """An issue of the YAML reader, its route-file hint put in a study file's words."""
    line, field_, problem, hint = issue
    if problem.startswith("must be a mapping of keys"):
        return line, field_, "must be a mapping of keys (routes:, grid:, samples:, ...)", "e.g. routes: [route.yaml]"
    return line, field_, problem, hint


def _line(origins: Origins, at: tuple) -> int:
    """The line of `at`, else of the nearest key above it that has one."""
    for end in range(len(at), 0, -1):
        if at[:end] in origins:
            return origins[at[:end]][1]
    return 0


def _field(at: tuple) -> str:
    """A key path as an error names it: each key cut to a short token, list items in brackets."""
    text = ""
    for part in at:
        text += f"[{part}]" if isinstance(part, int) else (("." if text else "") + files.shown(part)[1:-1])
    return text


def _routes(study: Path, given: Any, report: Any) -> list[str]:
    """The route files `given` names, found along the route search path (see the module's notes); none is opened."""
    patterns = [given] if isinstance(given, str) else given
    example = "e.g. routes: [nmc811_sulfate.yaml, 'nmc*_m2cam.yaml']"
    if not isinstance(patterns, list) or not patterns:
        report(("routes",), "expects a list of route files or globs", example)
        return []
    folders = search_path(study.parent)
    roots = [folder.resolve() for folder in folders]
    routes: list[str] = []
    seen: set[Path] = set()
    for i, pattern in enumerate(patterns):
        if not isinstance(pattern, str) or not pattern.strip():
            report(("routes", i), "expects the path of a route file, or a glob", example)
            continue
        if len(pattern) > MAX_PATTERN or not pattern.isprintable():
            report(("routes", i), f"{files.shown(pattern)} is not a usable path", "check the path")
            continue
        outside, found = 0, 0
        try:
            for folder in folders[:1] if Path(pattern).is_absolute() else folders:
                joined = folder / pattern
                if not glob.has_magic(pattern) and not any(joined.resolve().is_relative_to(root) for root in roots):
                    outside += 1  # refused whether it is there or not: not looked at
                    continue
                outside_here, found = 0, 0
                for match in glob.iglob(str(joined)):
                    found += 1
                    if found > MAX_ROUTES:
                        hint = "name fewer route files, or split the study"
                        report(("routes", i), f"{files.shown(pattern)} matches over {MAX_ROUTES:,} files", hint)
                        break
                    resolved = Path(match).resolve()
                    if not any(resolved.is_relative_to(root) for root in roots):
                        outside_here += 1  # neither opened nor named: the study may not look there
                    elif resolved.is_dir():
                        hint = f"name its files: {pattern}/*.yaml"
                        report(("routes", i), f"{files.shown(pattern)} names a folder", hint)
                    elif not resolved.is_file():
                        report(("routes", i), f"{files.shown(pattern)} is not a regular file", "name a route file")
                    elif resolved not in seen:
                        seen.add(resolved)
                        routes.append(match)
                outside += outside_here
                if found > outside_here:  # the first folder where the pattern names something gives its routes
                    outside = outside_here
                    break
        except (OSError, RuntimeError, ValueError) as err:  # a symlink loop, a name the system refuses
            report(("routes", i), f"{files.shown(pattern)} is not a usable path ({type(err).__name__})", "check it")
            continue
        if outside:
            report(
                ("routes", i),
                f"{files.shown(pattern)} reaches outside the study's folder and the allowed folders: not read",
                f"keep route files in the study's folder or below it, or list their folder in {ROUTE_PATH}; "
                + looked_in(study.parent),
            )
        elif not found:
            hint = (
                f"{looked_in(study.parent)}; give a path relative to the study file, or list its folder in {ROUTE_PATH}"
            )
            report(("routes", i), f"no route file matches {files.shown(pattern)}", hint)
    if len(routes) > MAX_ROUTES:
        report(("routes",), f"names {len(routes):,} route files, over {MAX_ROUTES:,}", "split the study")
    return routes


def _grid(grid: Any, report: Any) -> dict[str, list[Any]]:
    """The grid's values by dotted path, each value checked; a path or value in error is left out."""
    if not isinstance(grid, dict):
        report(("grid",), "expects a mapping of dotted paths to lists of values", "e.g. sites.plant.region: [CN, NO]")
        return {}
    if len(grid) > MAX_GRID:
        report(("grid",), f"has {len(grid):,} paths, over {MAX_GRID}", "split the study")
        return {}
    found: dict[str, list[Any]] = {}
    for key, values in grid.items():
        at = ("grid", key)
        if len(key) > MAX_TEXT or not key.isprintable() or not _PATH.fullmatch(key):
            report(at, "is not a dotted path", "e.g. units.calcine.temperature or units.mix.flows[LiOH·H2O]")
            continue
        if key in RESERVED:
            report(at, f"names the table's {key!r} column, not a value of a route", "e.g. units.calcine.temperature")
            continue
        if not isinstance(values, list) or not values:
            report(at, "expects a non-empty list of values", f"e.g. {files.shown(key)[1:-1]}: [a, b]; one value too")
            continue
        texts: dict[str, int] = {}
        repeats = []
        for j, value in enumerate(values):
            problem = _value_problem(value)
            if problem:
                report((*at, j), problem, "write it as in a route file's set:, e.g. 800 degC or CN")
            elif value_text(value) in texts:
                repeats.append((j, texts[value_text(value)]))
            else:
                texts[value_text(value)] = j
        if repeats:  # said once: a list of 50,000 copies is one mistake
            (j, first), more = repeats[0], f" ({len(repeats) - 1:,} more values repeat)" if len(repeats) > 1 else ""
            report((*at, j), f"repeats value [{first}]{more}", "give each scenario once")
        elif len(texts) == len(values):
            found[key] = values
    return found


def _value_problem(value: Any) -> str:
    """What is wrong with a grid value, or ""."""
    if value is None:
        return "is empty (null); a grid sets values, it cannot remove one"
    try:
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, allow_nan=False)
    except ValueError:
        return "holds a number that is not finite"
    if len(text) > MAX_TEXT:
        return f"is over {MAX_TEXT} characters as text ({len(text):,}); a cell of each of its rows holds it"
    return ""


def _check_size(routes: int, grid: dict[str, list[Any]], samples: int, chunk: int, report: Any) -> None:
    """Refuse a study too large to run, from its counts alone: nothing is allocated."""
    scenarios = math.prod(len(values) for values in grid.values())
    split = "split it into studies of fewer routes or grid values"
    if routes * scenarios > MAX_RUNS:
        report(
            ("grid",) if grid else ("routes",),
            f"{routes:,} routes x {scenarios:,} scenarios = {routes * scenarios:,} route loads, over {MAX_RUNS:,}",
            split,
        )
        return
    rows = routes * scenarios * samples
    if rows > MAX_ROWS:
        report(
            ("samples",),
            f"{routes:,} routes x {scenarios:,} scenarios x {samples:,} samples = {rows:,} rows, over {MAX_ROWS:,}",
            f"fewer samples (at most {MAX_ROWS // (routes * scenarios):,} here), or {split}",
        )
        return
    chunks = routes * scenarios * -(-samples // chunk)
    if chunks > MAX_CHUNKS:
        least = -(-samples // (MAX_CHUNKS // (routes * scenarios)))
        report(("chunk",), f"{chunks:,} chunks in all, over {MAX_CHUNKS:,}", f"chunk: {least:,} or more, or {split}")
