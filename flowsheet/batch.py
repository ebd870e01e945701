"""Many route files at once: each one loaded, solved and summarised, each failure reported on its own."""

from __future__ import annotations

import contextlib
import glob
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from flowsheet.errors import FlowsheetError, RouteFileError, SolveError, message_and_hint
from flowsheet.report import summarize
from flowsheet.results import Results
from flowsheet.route_file import Route, load_route
from flowsheet.solve import compile

SUFFIXES = (".yaml", ".yml")


@contextlib.contextmanager
def time_limit(seconds: float | None, path: str) -> Iterator[None]:
    """Give up on one file after `seconds` (only in the main thread, where signals arrive; None: no limit)."""
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(number: int, frame: object) -> None:
        hint = "look for a very large flowsheet or sample count; give more time with --time-limit SECONDS"
        raise RouteFileError.one(path, 0, "", f"did not finish within {seconds:g} s", hint)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass(frozen=True)
class Outcome:
    """What became of one route file: a summary, or the error that stopped it."""

    path: str
    summary: dict | None = None
    error: Exception | None = None
    scenario: str = ""
    """The regional scenario, e.g. ``"refinery=CA"``; empty for the route as written."""


def expand(arguments: Iterable[str]) -> list[Path]:
    """Route files named by files, directories (their ``*.yaml``/``*.yml``) and glob patterns, in order, once each."""
    found: list[Path] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file())
        elif any(char in argument for char in "*?[") and not path.exists():
            found += sorted(Path(p) for p in glob.glob(argument, recursive=True) if Path(p).suffix in SUFFIXES)
        else:
            found.append(path)
    unique: dict[str, Path] = {}
    for path in found:
        unique.setdefault(str(path), path)
    return list(unique.values())


def solve_loaded(route: Route, basis: str | None = None) -> Results:
    """Solve a loaded route; a solve error is located in the route file (unit and line)."""
    try:
        return compile(route, vary=()).solve(basis=basis)
    except FlowsheetError as err:
        raise in_route(route, err) from err


def in_route(route: Route, err: FlowsheetError) -> RouteFileError:
    """An error of solving a route, located in its file: the unit's (or feed's, product's) line."""
    if isinstance(err, SolveError):
        section = next((s for s in ("units", "feeds", "products") if err.unit in getattr(route.spec, s)), "")
        where = (section, err.unit) if err.unit and section else ()
        file, line = route.locate(*where) if where else (route.path, 0)
        changed = _changed_here(route, (err.unit, *err.units))
        if changed and file != route.path:  # the unit is the parent's, the value that broke it is set here
            where, (file, line) = changed, route.origins[changed]
        return _in_route(route, file, line, where, err.problem, err.hint)
    return _in_route(route, route.path, 0, (), *message_and_hint(err))


def solve_route(route: Route, basis: str | None = None, label: str | None = None) -> dict:
    """Solve a loaded route and return its summary (named ``label``, default the route's name)."""
    results = solve_loaded(route, basis)
    return summarize(results, label or route.name, route.path, route.spec.product)


def _changed_here(route: Route, units: tuple[str, ...]) -> tuple:
    """The first value of these units the route file itself sets (a variant's ``set:``), or ``()``."""
    for unit in units:
        for key, (file, _) in route.origins.items():
            if key[:2] == ("units", unit) and len(key) > 2 and file == route.path:
                return key
    return ()


def _in_route(route: Route, file: str, line: int, where: tuple, problem: str, hint: str) -> RouteFileError:
    field = ".".join(str(part) for part in where)
    if file != route.path:
        problem, line = f"{problem} (in {file}:{line})", 0
    return RouteFileError(route.path, [(line, field, problem, hint)])


def evaluate(
    paths: list[Path],
    basis: str | None = None,
    solve_routes: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
    scenarios: Sequence[dict[str, str]] = (),
    seconds: float | None = None,
    data_folders: Sequence[str | Path] = (),
) -> list[Outcome]:
    """Load (and solve) every route, in every regional scenario; one bad file does not stop the others.

    Parameters
    ----------
    scenarios : sequence of dict, optional
        Each maps site names to regions, e.g. ``{"refinery": "CA"}``; every route is
        evaluated once per scenario and its summary named ``"route@refinery=CA"``.
    seconds : float, optional
        Time limit per file and scenario, [s], default none; one that takes longer is reported and
        the batch goes on (the command line gives each 120 s unless told otherwise).
    data_folders : sequence of str or Path, optional
        Folders of species data every route loads on top of the package's (see :func:`load_route`).
    """
    runs = [(path, scenario) for path in paths for scenario in (scenarios or [{}])]
    outcomes = []
    for index, (path, scenario) in enumerate(runs):
        if progress is not None:
            progress(index, len(runs), str(path))
        named = ",".join(f"{site}={region}" for site, region in scenario.items())
        try:
            with time_limit(seconds, str(path)):
                overrides = {f"sites.{site}.region": region for site, region in scenario.items()}
                route = load_route(path, overrides=overrides, data_folders=data_folders)
                label = f"{route.name}@{named}" if named else None
                summary = solve_route(route, basis, label) if solve_routes else None
            outcomes.append(Outcome(str(path), summary=summary, scenario=named))
        except FlowsheetError as err:
            outcomes.append(Outcome(str(path), error=err, scenario=named))
        except Exception as err:  # noqa: BLE001 - a bug on one file must not stop the batch; it is reported
            problem = f"internal error ({type(err).__name__}: {err}); please report it with this route file"
            outcomes.append(Outcome(str(path), error=RouteFileError.one(str(path), 0, "", problem), scenario=named))
    if progress is not None:
        progress(len(runs), len(runs), "")
    return outcomes


def terminal_progress(index: int, total: int, label: str) -> None:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal and the batch is long."""
    if total < 3 or not sys.stderr.isatty():
        return
    width = 30
    done = int(width * index / total)
    end = "\n" if index == total else ""
    sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] {index}/{total} {label[-40:]:<40}{end}")
    sys.stderr.flush()
