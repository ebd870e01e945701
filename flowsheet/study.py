"""Studies: routes x a grid of scenarios x Monte Carlo samples, split into chunks that run anywhere.

A study file (YAML) names routes (files or globs, relative to it), a ``grid`` of overrides by
dotted path (each a list of values: every combination is a scenario), ``samples`` per scenario
and a ``seed``. Every (route, scenario, chunk) is one task. Its random stream comes from
``numpy.random.SeedSequence(seed, spawn_key=(route, scenario, chunk))``, so a sample's values do
not depend on where or in what order the chunks run: in this process, in a local pool of
processes, or on a Dask cluster (``tcp://host:port``). A task that fails (a bad route, a sample a
unit refuses) is reported with its error and costs no other task; a worker that dies has its
task retried; finished chunks are kept beside the output, so an interrupted study resumes where it
stopped. The table is written whole, once every task has run, atomically.
"""

from __future__ import annotations

import glob
import itertools
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from flowsheet.errors import FlowsheetError
from flowsheet.route_file import load_route
from flowsheet.route_file.text import read_yaml
from flowsheet.sampling import CHUNK, _table

if TYPE_CHECKING:
    import pandas as pd

SCHEDULER = "FLOWSHEET_SCHEDULER"
"""Environment variable naming the default scheduler: ``sync`` (in-process), ``processes`` or ``tcp://host:port``."""


@dataclass(frozen=True)
class Task:
    """One chunk of one scenario of one route: what a worker needs, and nothing else."""

    route: str
    overrides: tuple[tuple[str, Any], ...]
    start: int
    samples: int
    seed: int
    key: tuple[int, int, int]
    """(route, scenario, chunk): the spawn key of its random stream and its place in the table."""

    @property
    def name(self) -> str:
        """The file name of its finished chunk: ``route-scenario-chunk``."""
        return "-".join(str(k) for k in self.key)


@dataclass(frozen=True)
class Study:
    """A study file, read: its tasks in table order."""

    path: Path
    tasks: tuple[Task, ...]
    grid: dict[str, list[Any]] = field(default_factory=dict)


def read_study(path: str | Path) -> Study:
    """Read a study file (see the module's notes); errors name the file and the key."""
    path = Path(path)
    data, _ = read_yaml(path)
    allowed = {"routes", "grid", "samples", "seed", "chunk"}
    if unknown := set(data) - allowed:
        raise FlowsheetError(f"{path}: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
    patterns = data.get("routes") or []
    if isinstance(patterns, str):
        patterns = [patterns]
    routes = []
    for pattern in patterns:
        found = sorted(glob.glob(str(path.parent / pattern))) or (
            [str(path.parent / pattern)] if "*" not in pattern else []
        )
        routes += found
    if not routes:
        raise FlowsheetError(f"{path}: routes: no route file matches {patterns!r}")
    grid = data.get("grid") or {}
    if not isinstance(grid, dict) or not all(isinstance(v, list) and v for v in grid.values()):
        raise FlowsheetError(f"{path}: grid: a mapping of dotted paths to non-empty lists of values")
    samples, seed, chunk = data.get("samples", 1000), data.get("seed", 0), data.get("chunk", CHUNK)
    for name, value in (("samples", samples), ("seed", seed), ("chunk", chunk)):
        if not isinstance(value, int) or isinstance(value, bool) or value < (0 if name == "seed" else 1):
            raise FlowsheetError(
                f"{path}: {name}: a whole number{' >= 0' if name == 'seed' else ' >= 1'}, got {value!r}"
            )
    scenarios = list(itertools.product(*grid.values()))
    tasks = []
    for r, route in enumerate(routes):
        for s, values in enumerate(scenarios):
            overrides = tuple(zip(grid, values, strict=True))
            for c, start in enumerate(range(0, samples, chunk)):
                tasks.append(Task(route, overrides, start, min(chunk, samples - start), seed, (r, s, c)))
    return Study(path, tuple(tasks), grid)


def run_task(task: Task) -> pd.DataFrame:
    """Solve one task: its samples of the route's uncertain parameters, with the scenario's overrides."""
    route = load_route(task.route, overrides=dict(task.overrides))
    generator = np.random.Generator(np.random.PCG64(np.random.SeedSequence(task.seed, spawn_key=task.key)))
    values = {p: d.draw(generator, task.samples) for p, d in route.uncertain.items()}
    units = {p: d.unit for p, d in route.uncertain.items()}
    if not values:  # a route without uncertain parameters: one solve, repeated as the samples
        frame = _table(route, {}, {}, None, None)
        frame = frame.loc[frame.index.repeat(task.samples)].reset_index(drop=True)
    else:
        frame = _table(route, values, units, None, None)
    frame.insert(0, "sample", task.start + np.arange(task.samples))  # numbered within its scenario
    for path, value in reversed(task.overrides):
        frame.insert(0, path, str(value))
    frame.insert(0, "route", route.name)
    return frame


@dataclass(frozen=True)
class Failure:
    """A task that could not run, with why."""

    task: Task
    error: str


def _parts(output: Path) -> Path:
    return output.with_name(output.name + ".parts")


def run_study(
    study: Study,
    output: str | Path,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, list[Failure]]:
    """Run every task not already finished, keep each chunk beside `output`, then write the table whole.

    Parameters
    ----------
    scheduler : str, optional
        ``"sync"`` (in this process), ``"processes"`` (a local Dask cluster of processes) or a
        Dask scheduler's address ``"tcp://host:port"``; default the ``FLOWSHEET_SCHEDULER``
        environment variable, else ``"sync"``.

    Returns
    -------
    The table, and the tasks that failed (their rows are missing; the others are all there).
    """
    import pandas as pd

    output = Path(output)
    parts = _parts(output)
    parts.mkdir(parents=True, exist_ok=True)
    pending = [t for t in study.tasks if not (parts / f"{t.name}.parquet").exists()]
    failures: list[Failure] = []
    done = len(study.tasks) - len(pending)
    for task, outcome in _execute(pending, scheduler or os.environ.get(SCHEDULER, "sync")):
        if isinstance(outcome, BaseException):
            failures.append(Failure(task, f"{type(outcome).__name__}: {outcome}"))
        else:
            temporary = parts / f".{task.name}.tmp"
            outcome.to_parquet(temporary, index=False)
            temporary.replace(parts / f"{task.name}.parquet")
        done += 1
        if progress is not None:
            progress(done, len(study.tasks))
    frames = [
        pd.read_parquet(parts / f"{t.name}.parquet") for t in study.tasks if (parts / f"{t.name}.parquet").exists()
    ]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    temporary = output.with_name(f".{output.name}.tmp")
    table.to_parquet(temporary, index=False)
    temporary.replace(output)
    if not failures:
        for part in parts.glob("*.parquet"):
            part.unlink()
        parts.rmdir()
    return table, failures


def _execute(tasks: list[Task], scheduler: str) -> Iterable[tuple[Task, Any]]:
    """Each task with its frame, or the exception it raised, in completion order."""
    if scheduler == "sync":
        for task in tasks:
            try:
                yield task, run_task(task)
            except Exception as err:  # reported with the task; the others go on  # noqa: BLE001
                yield task, err
        return
    from distributed import Client, LocalCluster, as_completed

    if scheduler == "processes":
        cluster = LocalCluster(
            n_workers=os.cpu_count() or 2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        )
        client = Client(cluster)
    elif scheduler.startswith("tcp://"):
        cluster, client = None, Client(scheduler)
    else:
        raise FlowsheetError(f"unknown scheduler {scheduler!r}: 'sync', 'processes' or 'tcp://host:port'")
    try:
        futures = {
            client.submit(run_task, task, key=f"flowsheet-{task.name}-{task.route}", retries=2, pure=False): task
            for task in tasks
        }
        for future in as_completed(futures):
            task = futures[future]
            try:
                yield task, future.result()
            except Exception as err:  # noqa: BLE001
                yield task, err
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
