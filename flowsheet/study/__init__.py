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

**Safety.** The study file is read once and checked whole (:mod:`flowsheet.study.study_file`): its
numbers within stated bounds, its size (scenarios, rows, chunks) checked before anything is
allocated, its routes only where a route's ``extends`` may reach. The output is checked against
the study file, every route and every file a route extends before anything is written, and one run
at a time holds it (:mod:`flowsheet.study.output`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from flowsheet import files
from flowsheet.datafiles import data_dir
from flowsheet.errors import FlowsheetError
from flowsheet.files import write_atomically
from flowsheet.kpis import KPIS
from flowsheet.route_file import Route, load_route
from flowsheet.route_file.text import MAX_BYTES
from flowsheet.sampling import columns, kpi_column, parameter_column
from flowsheet.solve import Model, compile
from flowsheet.study.output import TOKEN, check_study_output, clear, holding, parts_folder
from flowsheet.study.study_file import (
    KEYS,
    MAX_CHUNK,
    MAX_CHUNKS,
    MAX_ROWS,
    MAX_RUNS,
    MAX_SAMPLES,
    MAX_SEED,
    Scenario,
    Study,
    StudyFileError,
    read_study,
)
from flowsheet.study.study_file import value_text as _text
from flowsheet.uncertainty import Distribution
from flowsheet.units import parse_basis

if TYPE_CHECKING:
    import pyarrow as pa

BLOCK = 1_000
"""Samples of one parameter drawn from one random stream."""

ROW_GROUP = 100_000
"""Rows written together in the table: measured, Parquet writes 100,000 rows in about 70 % of the time
ten groups of 10,000 take."""

SCHEDULER = "FLOWSHEET_SCHEDULER"
"""Environment variable naming the default scheduler: ``sync``, ``processes`` or ``tcp://host:port``."""

_ADDRESS = re.compile(r"tcp://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-]+):(\d{1,5})")
"""A Dask scheduler's address: a host name, an IPv4 address or an IPv6 one in brackets, and a port."""

Progress = Callable[[int, int], None]
"""Called as chunks finish with (samples done, samples in all)."""

__all__ = [
    "BLOCK",
    "KEYS",
    "MAX_CHUNK",
    "MAX_CHUNKS",
    "MAX_ROWS",
    "MAX_RUNS",
    "MAX_SAMPLES",
    "MAX_SEED",
    "SCHEDULER",
    "TOKEN",
    "Chunk",
    "Failure",
    "Job",
    "Scenario",
    "Study",
    "StudyFileError",
    "StudyRun",
    "columns_of",
    "draw",
    "read_study",
    "run_chunk",
    "run_study",
    "solve_part",
]


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


def run_chunk(model: Model, scenario: Scenario, start: int, count: int, seed: int) -> pa.Table:
    """Solve samples ``start`` to ``start + count`` of one route (its compiled model) in one scenario.

    Returns
    -------
    pyarrow.Table
        ``route``, one text column per grid path, ``sample`` (numbered within the scenario), the
        sampled parameters in their route-file units, every KPI with its unit, and ``closure [-]``.
    """
    import pyarrow as pa

    route = model.route
    assert route is not None  # a study compiles loaded routes
    values = draw(route.uncertain, seed, scenario, start, count)
    units = {path: distribution.unit for path, distribution in route.uncertain.items()}
    found = columns(model, values, units, closure=True)
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
    model: Model
    """The route compiled, varying its uncertain parameters: what a worker is sent and keeps."""


@dataclass(frozen=True)
class Chunk:
    """A job's samples ``start`` to ``start + count``, and the file it is kept in once solved."""

    job: Job
    start: int
    count: int
    part: str


def _route_files(route: Route) -> list[str]:
    """The files a loaded route was read from: its own and every file it extends."""
    return sorted({file for file, _ in route.origins.values() if file != "overrides" and Path(file).is_file()})


def _digest(route: Route, scenario: Scenario, seed: int, folders: dict[Path, bytes], read: dict[str, bytes]) -> str:
    """A digest of everything a route's chunks depend on but their place (see the module's notes).

    `folders` keeps the digest of each data folder already read in this run, `read` of each route file.
    """
    from flowsheet import __version__

    digest = hashlib.sha256(json.dumps([__version__, seed, BLOCK, _scenario_key(scenario)]).encode())
    for file in _route_files(route):
        if file not in read:
            read[file] = hashlib.sha256(files.read_bytes(file, MAX_BYTES, StudyFileError)).digest()
        digest.update(file.encode() + b"\0" + read[file])
    layers = [Path(layer) for layer in route.flowsheet.species_data.layers if Path(layer).is_dir()]
    for folder in [data_dir(), *layers]:
        if folder not in folders:
            found = sorted(path for path in folder.rglob("*") if path.is_file() and "_scripts" not in path.parts)
            data = b"".join(str(f.relative_to(folder)).encode() + b"\0" + f.read_bytes() for f in found)
            folders[folder] = hashlib.sha256(data).digest()
        digest.update(folders[folder])
    return digest.hexdigest()[:24]


def _jobs(study: Study) -> tuple[list[Job], list[Failure]]:
    """Every route in every scenario, loaded; what does not load, as a failure."""
    jobs, failures = [], []
    folders: dict[Path, bytes] = {}
    read: dict[str, bytes] = {}
    for file in study.routes:
        for scenario in study.scenarios:
            try:
                route = load_route(file, overrides=dict(scenario))
                _check_columns(route, scenario, study)
                digest = _digest(route, scenario, study.seed, folders, read)
                jobs.append(Job(route, scenario, digest, compile(route)))
            except FlowsheetError as err:
                failures.append(Failure(file, scenario, str(err), study.samples))
    named: dict[str, str] = {}
    for job in jobs:
        if named.setdefault(job.route.name, job.route.path) != job.route.path:
            raise StudyFileError.one(
                str(study.path),
                study.lines.get("routes", 0),
                "routes",
                f"{named[job.route.name]} and {job.route.path} are both named {files.shown(job.route.name)}",
                "give each route its own name: (its rows are told apart by it)",
            )
    return jobs, failures


def _check_columns(route: Route, scenario: Scenario, study: Study) -> None:
    """Refuse a grid path that would share its column with one of the route's own (a dimensionless parameter).

    Raises
    ------
    StudyFileError
        At the grid's line: the table could not tell the scenarios apart.
    """
    own = {name for name, _ in columns_of(route, ())}
    for path, _ in scenario:
        if path in own:
            raise StudyFileError.one(
                str(study.path),
                study.lines.get("grid", 0),
                f"grid.{files.shown(path)[1:-1]}",
                f"makes {route.path}'s parameter uncertain, and its column would hold both the scenario and the draws",
                "give the grid fixed values for it, or vary its distribution in studies of their own",
            )


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
    address = _ADDRESS.fullmatch(scheduler)
    if scheduler not in ("sync", "processes") and not (address and 0 < int(address[2]) < 2**16):
        raise FlowsheetError(
            f"unknown scheduler {files.shown(scheduler)}: give sync, processes or tcp://host:port "
            "(a port from 1 to 65535; an IPv6 host in brackets, tcp://[::1]:8786)"
        )
    inputs: list[str | Path] = [study.path, *study.routes]
    check_study_output(output, inputs)  # before the routes are loaded: a bad output is said at once
    jobs, failures = _jobs(study)
    resolved = check_study_output(output, [*inputs, *(file for job in jobs for file in _route_files(job.route))])
    parts = parts_folder(resolved)
    with holding(parts, output):
        token = secrets.token_hex(16)
        write_atomically(parts / TOKEN, token)
        every = [
            Chunk(job, start, count, str(parts / f"{job.digest}-{start}-{count}.arrow"))
            for job in jobs
            for start, count in study.chunks
        ]
        pending = [chunk for chunk in every if not Path(chunk.part).exists()]
        total = study.rows
        done = total - sum(chunk.count for chunk in pending)  # finished before, or lost to a route that did not load
        if progress is not None:
            progress(done, total)
        table = _Table(resolved, every, _schema(jobs, study))
        try:
            if not failures:
                table.advance()  # chunks finished by an earlier run go in first
            for chunk, outcome in _execute(pending, study.seed, scheduler, token):
                if isinstance(outcome, BaseException):
                    failure = Failure(chunk.job.route.path, chunk.job.scenario, _described(outcome), chunk.count)
                    failures.append(failure)
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
        clear(parts)
    return StudyRun(output, rows, ran, reused, ())


def solve_part(model: Model, scenario: Scenario, start: int, count: int, seed: int, part: str, token: str) -> Any:
    """:func:`run_chunk`, kept in `part` by whoever solves it if it can see that folder (`token` in it).

    Returns
    -------
    pyarrow.Table or None
        The table, for the caller to keep, from a worker that cannot see the parts folder; None once
        written there. A worker on the same machine or a shared file system writes its chunks itself,
        so tables do not all pass through the caller's process.
    """
    table = run_chunk(model, scenario, start, count, seed)
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
                yield chunk, solve_part(job.model, job.scenario, chunk.start, chunk.count, seed, chunk.part, token)
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
    metadata = {"flowsheet.study": study.text}
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
        self.temporary = output.with_name(f".{output.name}.{secrets.token_hex(4)}.tmp")
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
