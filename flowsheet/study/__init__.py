"""Studies: routes x a grid of scenarios x Monte Carlo samples, in chunks that run anywhere.

A study file (YAML) names ``routes`` (files or globs, relative to the study file), a ``grid`` of
overrides by dotted path (each a list of values written as in a route file's ``set:``; every
combination is a scenario), ``samples`` per scenario, a ``seed`` and, if wanted, the ``chunk`` of
samples solved together (default 10,000)::

    routes: [nmc811_sulfate.yaml, nmc811_m2cam.yaml]
    grid:
      sites.cathode_plant.region: [CN, NO, US]
      sites.refinery.region: [ID, AU]
    samples: 100000
    seed: 1

**Random numbers.** Each block of ``BLOCK`` samples of each uncertain parameter draws from its own
stream, ``SeedSequence(seed, spawn_key=(scenario, block, parameter))`` (the child that
``SeedSequence.spawn`` would make, keyed by a digest of the scenario's and the parameter's text
rather than by position). A sample's values therefore depend on the seed, its scenario, its number
and the parameter's path, and on nothing else: not on the scheduler, the number of workers, the
chunk size, the order of the routes or of the grid, nor on the other parameters a route declares.
Scenarios draw independently. Routes draw the same values for a parameter they share within a
scenario (common random numbers), so route-to-route differences carry no sampling noise of their own.

**Where it runs.** Every route is loaded here once per scenario, overrides applied and checked; one
that does not load is reported and none of its chunks runs. Each chunk is one task, run in this
process (``sync``), on a local Dask cluster of processes (``processes``), or on a running Dask
scheduler (``tcp://host:port``). Workers need this package but not the route files: the loaded
routes travel with the tasks. A worker that dies has its tasks run again on another (Dask's own
rescheduling); a chunk that fails, say on a sample a unit refuses, is reported with its error and
costs no other chunk.

**Resuming.** Each finished chunk is kept beside the output (``results.parquet.parts/``), named by a
digest of all it depends on: the text of every file its route reads (``extends`` included), the
files of the package's data folder and of the user's species folders it loads, the scenario, the
seed, its first sample and count, and the package version. Running the study again
runs only what is missing, and never reuses a chunk of a route since edited. The table is written
under a temporary name as the chunks finish, in table order, the study file in its metadata, and
moved into place once every chunk is in it; then the parts go. If any chunk failed, no table is
written and the parts stay.

A grid path must exist in every route of the study: one without it fails with its file and field.
"""

from __future__ import annotations

import difflib
import glob
import hashlib
import itertools
import json
import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from flowsheet.datafiles import data_dir
from flowsheet.errors import FlowsheetError, RouteFileError
from flowsheet.files import write_atomically
from flowsheet.kpis import KPIS
from flowsheet.route_file import Route, load_route
from flowsheet.route_file.text import read_yaml
from flowsheet.sampling import CHUNK, columns, kpi_column, parameter_column
from flowsheet.uncertainty import Distribution
from flowsheet.units import parse_basis

if TYPE_CHECKING:
    import pyarrow as pa

BLOCK = 1_000
"""Samples of one parameter drawn from one random stream."""

ROW_GROUP = 100_000
"""Rows written together in the table: measured, Parquet writes 100,000 rows in about 70 % of the time
ten groups of 10,000 take."""

TOKEN = ".token"
"""The file in a parts folder that tells a worker it sees the folder the caller does."""

SCHEDULER = "FLOWSHEET_SCHEDULER"
"""Environment variable naming the default scheduler: ``sync``, ``processes`` or ``tcp://host:port``."""

KEYS = ("routes", "grid", "samples", "seed", "chunk")

Scenario = tuple[tuple[str, Any], ...]
"""A scenario's overrides, ``((dotted path, value as written), ...)`` in grid order."""

Progress = Callable[[int, int], None]
"""Called as chunks finish with (samples done, samples in all)."""


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
        Samples solved together: one task.
    """

    path: Path
    routes: tuple[str, ...]
    grid: dict[str, list[Any]]
    samples: int
    seed: int
    chunk: int = CHUNK

    @property
    def scenarios(self) -> list[Scenario]:
        """Every combination of the grid's values (one empty scenario for no grid)."""
        return [tuple(zip(self.grid, values, strict=True)) for values in itertools.product(*self.grid.values())]

    @property
    def chunks(self) -> list[tuple[int, int]]:
        """(first sample, samples) of each chunk of a scenario."""
        return [(start, min(self.chunk, self.samples - start)) for start in range(0, self.samples, self.chunk)]


def read_study(path: str | Path) -> Study:
    """Read a study file (see the module's notes).

    Raises
    ------
    StudyFileError
        With every problem found, each at its line.
    """
    path = Path(path)
    shown = str(path)
    try:
        data, origins = read_yaml(path)
    except RouteFileError as err:
        raise StudyFileError(err.path, err.issues) from None
    issues: list[tuple[int, str, str, str]] = []

    def report(where: tuple[str, ...], problem: str, hint: str = "") -> None:
        line = origins.get(where, origins.get(where[:1], (shown, 0)))[1]
        issues.append((line, ".".join(where), problem, hint))

    for key in set(data) - set(KEYS):
        close = difflib.get_close_matches(key, KEYS, n=1)
        report((key,), "is not a study key", f"did you mean {close[0]!r}?" if close else f"the keys: {', '.join(KEYS)}")
    patterns = data.get("routes")
    patterns = [patterns] if isinstance(patterns, str) else patterns
    routes: list[str] = []
    if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) and p for p in patterns):
        report(("routes",), "expects route files or globs", "e.g. routes: [nmc811_sulfate.yaml, 'nmc*_m2cam.yaml']")
    else:
        for i, pattern in enumerate(patterns):
            found = sorted(glob.glob(str(path.parent / pattern)))
            if not found:
                hint = "a path relative to the study file, or absolute"
                report(("routes", str(i)), f"no route file matches {pattern!r}", hint)
            routes += [file for file in found if file not in routes]
    grid = data.get("grid", {})
    if not isinstance(grid, dict):
        report(("grid",), "expects a mapping of dotted paths to lists of values", "e.g. sites.plant.region: [CN, NO]")
        grid = {}
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            report(("grid", key), "expects a non-empty list of values", f"e.g. {key}: [a, b]; one value goes in a list")
    numbers = {"samples": (1000, 1), "seed": (0, 0), "chunk": (CHUNK, 1)}
    read = {}
    for key, (default, least) in numbers.items():
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            report((key,), f"expects a whole number >= {least}, got {value!r}")
        read[key] = value
    if issues:
        raise StudyFileError(shown, sorted(issues))
    return Study(path, tuple(routes), grid, read["samples"], read["seed"], read["chunk"])


def _text(value: Any) -> str:
    """A grid value as text: as written for text, JSON otherwise (``0.5``, ``{"recycle": 0.9}``)."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _key(text: str) -> int:
    """A 64-bit digest of `text`, for a spawn key."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def _scenario_key(scenario: Scenario) -> int:
    """The scenario's stream key: its overrides, whatever the order of the grid."""
    return _key(json.dumps(sorted((path, _text(value)) for path, value in scenario)))


def draw(
    distributions: Mapping[str, Distribution], seed: int, scenario: Scenario, start: int, count: int
) -> dict[str, np.ndarray]:
    """Samples ``start`` to ``start + count`` of each parameter [storage unit], by block (see the module's notes).

    A block is drawn whole from its start and cut, so a sample's value does not depend on where a
    chunk begins or ends.
    """
    key = _scenario_key(scenario)
    found = {}
    for path, distribution in distributions.items():
        values = np.empty(count)
        for first in range(start - start % BLOCK, start + count, BLOCK):
            stream = np.random.SeedSequence(seed, spawn_key=(key, first // BLOCK, _key(path)))
            end = min(first + BLOCK, start + count)
            drawn = distribution.draw(np.random.Generator(np.random.PCG64(stream)), end - first)
            low = max(first, start)
            values[low - start : end - start] = drawn[low - first :]
        found[path] = values
    return found


def columns_of(route: Route, scenario: Scenario) -> list[tuple[str, str]]:
    """The (name, type) of each column :func:`run_chunk` gives, known without solving."""
    rate = parse_basis(route.spec.basis)[2]
    named = [("route", "string"), *((path, "string") for path, _ in scenario), ("sample", "int64")]
    named += [(parameter_column(path, d.unit), "float64") for path, d in route.uncertain.items()]
    named += [(kpi_column(kpi.name, kpi.kind, rate), "float64") for kpi in KPIS]
    return [*named, ("closure [-]", "float64")]


def run_chunk(route: Route, scenario: Scenario, start: int, count: int, seed: int) -> pa.Table:
    """Solve samples ``start`` to ``start + count`` of one route in one scenario.

    Returns
    -------
    pyarrow.Table
        ``route``, one text column per grid path, ``sample`` (numbered within the scenario), the
        sampled parameters in their route-file units, every KPI with its unit, and ``closure [-]``.
    """
    import pyarrow as pa

    values = draw(route.uncertain, seed, scenario, start, count)
    units = {path: distribution.unit for path, distribution in route.uncertain.items()}
    found = columns(route, values, units, closure=True)
    if not values:  # nothing uncertain: one solve stands for every sample
        found = {name: np.repeat(column, count) for name, column in found.items()}
    table = {"route": pa.repeat(route.name, count)}
    table.update({path: pa.repeat(_text(value), count) for path, value in scenario})
    table["sample"] = pa.array(np.arange(start, start + count))
    table.update(found)
    return pa.table(table)


@dataclass(frozen=True)
class Failure:
    """What could not run, and why."""

    route: str
    """The route file."""
    scenario: Scenario
    error: str
    samples: int
    """Samples lost."""

    def __str__(self) -> str:
        where = ", ".join(f"{path}={_text(value)}" for path, value in self.scenario)
        return f"{self.route}{f' [{where}]' if where else ''}: {self.samples:,} samples: {self.error}"


@dataclass(frozen=True)
class StudyRun:
    """What a run of a study did.

    Attributes
    ----------
    output : Path or None
        The table, or None when a chunk failed and none was written.
    rows : int
        Rows of the table (samples in all, when complete).
    ran, reused : int
        Chunks solved in this run, and chunks found finished by an earlier one.
    failures : tuple of Failure
        Routes, scenarios or chunks that failed.
    """

    output: Path | None
    rows: int
    ran: int
    reused: int
    failures: tuple[Failure, ...]


@dataclass(frozen=True)
class Job:
    """One route in one scenario, loaded, and the digest its chunks are kept under."""

    route: Route
    scenario: Scenario
    digest: str


@dataclass(frozen=True)
class Chunk:
    """A job's samples ``start`` to ``start + count``, and the file it is kept in once solved."""

    job: Job
    start: int
    count: int
    part: str


def _digest(route: Route, scenario: Scenario, seed: int, folders: dict[Path, bytes]) -> str:
    """A digest of everything a route's chunks depend on but their place (see the module's notes).

    `folders` keeps the digest of each data folder already read in this run.
    """
    from flowsheet import __version__

    digest = hashlib.sha256(json.dumps([__version__, seed, BLOCK, _scenario_key(scenario)]).encode())
    for file in sorted({file for file, _ in route.origins.values()}):
        if Path(file).is_file():
            digest.update(file.encode() + b"\0" + Path(file).read_bytes())
    layers = [Path(layer) for layer in route.flowsheet.species_data.layers if Path(layer).is_dir()]
    for folder in [data_dir(), *layers]:
        if folder not in folders:
            files = sorted(path for path in folder.rglob("*") if path.is_file() and "_scripts" not in path.parts)
            read = hashlib.sha256(b"".join(str(f.relative_to(folder)).encode() + b"\0" + f.read_bytes() for f in files))
            folders[folder] = read.digest()
        digest.update(folders[folder])
    return digest.hexdigest()[:24]


def _jobs(study: Study) -> tuple[list[Job], list[Failure]]:
    """Every route in every scenario, loaded; what does not load, as a failure."""
    jobs, failures = [], []
    folders: dict[Path, bytes] = {}
    for file in study.routes:
        for scenario in study.scenarios:
            try:
                route = load_route(file, overrides=dict(scenario))
            except FlowsheetError as err:
                failures.append(Failure(file, scenario, str(err), study.samples))
                continue
            jobs.append(Job(route, scenario, _digest(route, scenario, study.seed, folders)))
    files: dict[str, str] = {}
    for job in jobs:
        if files.setdefault(job.route.name, job.route.path) != job.route.path:
            raise StudyFileError.one(
                str(study.path),
                0,
                "routes",
                f"{files[job.route.name]} and {job.route.path} are both named {job.route.name!r}",
                "give each route its own name: (its rows are told apart by it)",
            )
    return jobs, failures


def run_study(
    study: Study, output: str | Path, scheduler: str | None = None, progress: Progress | None = None
) -> StudyRun:
    """Run every chunk not already finished, keep each beside `output`, and write the table as they finish.

    The table is written under a temporary name and moved into place once every chunk is in it; if
    any failed, it is removed and the finished chunks stay for the next run.

    Parameters
    ----------
    study : Study
        From :func:`read_study`.
    output : str or Path
        The Parquet file to write; finished chunks wait in ``<output>.parts/``.
    scheduler : str, optional
        ``"sync"`` (this process), ``"processes"`` (a local Dask cluster, one single-threaded worker
        per core) or a Dask scheduler's address ``"tcp://host:port"``; default the
        ``FLOWSHEET_SCHEDULER`` environment variable, else ``"sync"``.
    progress : callable, optional
        Called as chunks finish with (samples done, samples in all).

    Returns
    -------
    StudyRun
        Read the table with ``pandas.read_parquet(run.output)``.
    """
    output = Path(output)
    scheduler = scheduler or os.environ.get(SCHEDULER) or "sync"
    if scheduler not in ("sync", "processes") and not scheduler.startswith("tcp://"):
        raise FlowsheetError(f"unknown scheduler {scheduler!r}: give sync, processes or tcp://host:port")
    if output.is_dir():
        raise FlowsheetError(f"{output}: is a folder; name the Parquet file to write, e.g. {output / 'study.parquet'}")
    parts = output.with_name(output.name + ".parts")
    parts.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    write_atomically(parts / TOKEN, token)
    jobs, failures = _jobs(study)
    every = [
        Chunk(job, start, count, str(parts / f"{job.digest}-{start}-{count}.arrow"))
        for job in jobs
        for start, count in study.chunks
    ]
    pending = [chunk for chunk in every if not Path(chunk.part).exists()]
    total = len(study.routes) * len(study.scenarios) * study.samples
    done = total - sum(chunk.count for chunk in pending)  # finished before, or lost to a route that did not load
    if progress is not None:
        progress(done, total)
    table = _Table(output, every, _schema(jobs, study))
    try:
        if not failures:
            table.advance()  # chunks finished by an earlier run go in first
        for chunk, outcome in _execute(pending, study.seed, scheduler, token):
            if isinstance(outcome, BaseException):
                failures.append(Failure(chunk.job.route.path, chunk.job.scenario, _described(outcome), chunk.count))
            elif outcome is not None:  # solved where the parts folder cannot be seen
                _write_part(outcome, Path(chunk.part))
            if not failures:  # a table that will not be kept is not worth writing
                table.advance()
            done += chunk.count
            if progress is not None:
                progress(done, total)
        ran, reused = len(pending), len(every) - len(pending)
        if failures:
            return StudyRun(None, 0, ran, reused, tuple(failures))
        rows = table.close()
    finally:
        table.abandon()
    for part in parts.iterdir():
        part.unlink()
    parts.rmdir()
    return StudyRun(output, rows, ran, reused, ())


def solve_part(route: Route, scenario: Scenario, start: int, count: int, seed: int, part: str, token: str) -> Any:
    """:func:`run_chunk`, kept in `part` by whoever solves it if it can see that folder (`token` in it).

    Returns
    -------
    pyarrow.Table or None
        The table, for the caller to keep, from a worker that cannot see the parts folder; None once
        written there. A worker on the same machine or a shared file system writes its chunks itself,
        so tables do not all pass through the caller's process.
    """
    table = run_chunk(route, scenario, start, count, seed)
    try:
        sees = (Path(part).parent / TOKEN).read_text() == token
    except OSError:
        sees = False
    if not sees:
        return table
    _write_part(table, Path(part))
    return None


def _described(error: BaseException) -> str:
    if isinstance(error, FlowsheetError):
        return str(error)
    return f"internal error, please report it: {type(error).__name__}: {error}"


def _write_part(table: pa.Table, path: Path) -> None:
    """Write an Arrow IPC file, whole or not at all."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    write_atomically(path, memoryview(sink.getvalue()))


def _execute(chunks: list[Chunk], seed: int, scheduler: str, token: str) -> Iterator[tuple[Chunk, Any]]:
    """Each chunk with what :func:`solve_part` returned, or the exception it raised, in the order they finish."""
    if not chunks:
        return
    if scheduler == "sync":
        for chunk in chunks:
            job = chunk.job
            try:
                yield chunk, solve_part(job.route, job.scenario, chunk.start, chunk.count, seed, chunk.part, token)
            except Exception as err:  # noqa: BLE001 - reported with its chunk; the others go on
                yield chunk, err
        return
    from flowsheet.study.dask import execute

    yield from execute(chunks, seed, scheduler, token)


def _schema(jobs: list[Job], study: Study) -> pa.Schema:
    """The table's columns, the study file in its metadata.

    The union of the jobs' columns (a value a route does not have is null), in the order route, grid
    paths, sample, parameters, KPIs, closure.
    """
    import pyarrow as pa

    named = dict(pair for job in jobs for pair in columns_of(job.route, job.scenario))
    kpis = {kpi.name for kpi in KPIS} | {"closure"}
    order = sorted(named, key=lambda name: name.split(" [")[0] in kpis)  # stable: parameters stay in order
    metadata = {"flowsheet.study": study.path.read_text("utf-8")}
    return pa.schema([(name, named[name]) for name in order], metadata=metadata)


class _Table:
    """The study's Parquet table, written under a temporary name as its chunks finish, in table order.

    A chunk goes in once every chunk before it has; the table moves into place at :meth:`close`,
    whole, or is removed by :meth:`abandon`. Writing as the chunks come, not at the end, lets a pool
    of workers share the encoding with the caller instead of waiting for it.
    """

    def __init__(self, output: Path, chunks: list[Chunk], schema: pa.Schema) -> None:
        import pyarrow.parquet as pq

        self.output, self.schema = output, schema
        self.parts = [Path(chunk.part) for chunk in chunks]
        self.temporary = output.with_name(f".{output.name}.{os.getpid()}.tmp")
        text = [field.name for field in schema if field.type == "string"]
        # dictionaries for the text columns only: on sampled floats they cost time and save nothing
        self.writer = pq.ParquetWriter(self.temporary, schema, use_dictionary=text, compression="snappy")
        self.written, self.rows = 0, 0
        self.waiting: list[pa.Table] = []

    def advance(self) -> None:
        """Write every chunk that has finished and follows the last one written."""
        import pyarrow as pa

        while self.written < len(self.parts) and self.parts[self.written].exists():
            with pa.memory_map(str(self.parts[self.written])) as source:
                part = pa.ipc.open_file(source).read_all()
            present = set(part.column_names)
            if unknown := present - set(self.schema.names):  # a bug, were it ever so: never drop a column
                raise FlowsheetError(f"{self.parts[self.written]}: columns not in the study's table: {sorted(unknown)}")
            arrays = [part[f.name] if f.name in present else pa.nulls(len(part), f.type) for f in self.schema]
            self.waiting.append(pa.Table.from_arrays(arrays, schema=self.schema))
            self.written += 1
            self.rows += len(part)
            if sum(len(t) for t in self.waiting) >= ROW_GROUP:
                self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.waiting:
            self.writer.write_table(pa.concat_tables(self.waiting), row_group_size=ROW_GROUP * 2)
            self.waiting = []

    def close(self) -> int:
        """Finish the table and move it into place; return its rows."""
        self.advance()
        if self.written != len(self.parts):
            raise FlowsheetError(f"{self.output}: {len(self.parts) - self.written} chunks are missing; not written")
        self._flush()
        self.writer.close()
        self.temporary.replace(self.output)
        return self.rows

    def abandon(self) -> None:
        """Remove the temporary table, if it is still there."""
        self.writer.close()
        self.temporary.unlink(missing_ok=True)
