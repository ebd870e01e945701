"""Many variants of a route at once: Monte Carlo samples, parameter sweeps, and which parameters matter.

Each is three steps: draw the parameter values, :func:`~flowsheet.solve.solve` the route for
all of them (vectorised over a sample axis, in chunks of ``CHUNK`` so memory stays bounded
whatever the number of samples), and tabulate: one row per sample, the parameters in the units
the route file writes them in, then every KPI with its unit. Results are written into arrays
allocated once, so a million samples take the memory of their table plus one chunk.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pint

from flowsheet.errors import FlowsheetError, SolveError, UnitError
from flowsheet.kpis import KPIS, display_unit
from flowsheet.route_file import Route, load_route
from flowsheet.solve import Model, compile
from flowsheet.solve.model import parameter_unit
from flowsheet.uncertainty import convert, written_unit
from flowsheet.units import magnitude, parse_basis

if TYPE_CHECKING:
    import pandas as pd

CHUNK = 10_000
"""Samples solved together. Measured on the NMC811 route (2 cores): 10,000 gives 300,000-360,000 samples/s;
20,000 about 230,000-300,000 and 50,000 150,000, their working arrays no longer reused by the allocator."""

Progress = Callable[[int, int], None]
"""Called after each chunk with (samples done, samples in all)."""


def evaluate(
    route: Route | Model,
    values: Mapping[str, np.ndarray],
    basis: str | None = None,
    progress: Progress | None = None,
    closure: bool = False,
) -> dict[str, np.ndarray]:
    """Every KPI for each sample of parameter values, vectorised, in chunks.

    Parameters
    ----------
    route : Route or Model
        A loaded route, or a model compiled from one that varies every path of `values` (kept
        between calls, so its equations are built once: a study's chunks use one per route).
    values : mapping of str to numpy.ndarray
        Parameter values by dotted path (``units.filter.wash_ratio``), one per sample,
        in the parameter's SI storage unit (``m**3/kg`` for a wash ratio).
    basis : str, optional
        Default the route's.
    progress : callable, optional
        Called after each chunk with (samples done, samples in all).
    closure : bool
        Also return ``closure``: each sample's worst relative imbalance of mass or of any element, [-]
        (below 1e-9, or the solve would have failed).

    Returns
    -------
    dict of str to numpy.ndarray
        KPI values per sample, in kg, MJ or t km per basis (kg/h, kW, t km/h for a rate basis;
        see :func:`flowsheet.kpis.display_unit`).
    """
    arrays = {path: np.asarray(v, dtype=float) for path, v in values.items()}
    for path, array in arrays.items():
        if array.ndim != 1 or not len(array) or not np.isfinite(array).all():
            raise UnitError(path, "one finite value per sample", f"an array of shape {array.shape}", "is not one")
    counts = {len(v) for v in arrays.values()}
    if len(counts) > 1:
        raise UnitError("values", "one value per sample for every parameter", str(sorted(counts)), "lengths differ")
    samples = counts.pop() if counts else 1
    model = _model(route, list(arrays))
    rate = parse_basis(basis or model.basis)[2]
    model.check_si(arrays)  # every sample at once: the chunks are not checked again
    ranges = {path: (float(array.min()), float(array.max())) for path, array in arrays.items()}
    found = {kpi.name: np.empty(samples) for kpi in KPIS}
    if closure:
        found["closure"] = np.empty(samples)
    for start in range(0, samples, CHUNK):
        part = {path: v[start : start + CHUNK] for path, v in arrays.items()}
        try:
            results = model.solve_si(part, basis, ranges=ranges)
        except SolveError as err:
            if start:
                err.add_note(f"sample numbers count from {start}, the first of this chunk")
            raise
        for kpi in KPIS:
            found[kpi.name][start : start + results.samples] = results.kpis[kpi.name] * display_unit(kpi.kind, rate)[1]
        if closure:
            found["closure"][start : start + results.samples] = np.max(
                [results.closure.mass, *results.closure.elements.values()], axis=0
            )
        if progress is not None:
            progress(min(start + CHUNK, samples), samples)
    return found


def _model(target: Route | Model, paths: list[str]) -> Model:
    """The model to solve `paths` with: the one given, checked to vary them, or one compiled from the route."""
    if not isinstance(target, Model):
        return compile(target, vary=paths)  # every path checked against the route
    target.check_varied(paths)
    return target


def _route(route: Route | str | Path) -> Route:
    return route if isinstance(route, Route) else load_route(route)


def columns(
    route: Route | Model,
    values: dict[str, np.ndarray],
    units: dict[str, str],
    basis: str | None = None,
    progress: Progress | None = None,
    closure: bool = False,
) -> dict[str, np.ndarray]:
    """Solve and tabulate: parameters in their route units (``path [unit]``), KPIs with theirs, then ``closure [-]``.

    `values` are in storage units by dotted path, `units` the unit each is shown in (see :func:`evaluate`).
    """
    model = _model(route, list(values))
    kpis = evaluate(model, values, basis, progress, closure)
    rate = parse_basis(basis or model.basis)[2]
    found = {}
    for path, array in values.items():
        found[parameter_column(path, units[path])] = convert(array, model.units[path], units[path])
    for kpi in KPIS:
        found[kpi_column(kpi.name, kpi.kind, rate)] = kpis[kpi.name]
    if closure:
        found["closure [-]"] = kpis["closure"]
    return found


def _table(
    route: Route,
    values: dict[str, np.ndarray],
    units: dict[str, str],
    basis: str | None,
    progress: Progress | None,
) -> pd.DataFrame:
    """:func:`columns` as a DataFrame."""
    import pandas as pd

    return pd.DataFrame(columns(route, values, units, basis, progress), copy=False)


def kpi_column(name: str, kind: str, rate: bool) -> str:
    """A KPI's column name: ``water_fresh [kg]`` per kg of product, ``water_fresh [kg/h]`` for a rate basis."""
    return f"{name} [{display_unit(kind, rate)[0]}]"


def parameter_column(path: str, unit: str) -> str:
    """A parameter's column name: ``units.filter.wash_ratio [L/kg]``, or the path for a plain number."""
    return f"{path} [{unit}]" if unit else path


def sample(
    route: Route | str | Path,
    n: int = 1000,
    seed: int = 0,
    basis: str | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Monte Carlo over the route's uncertain parameters: one row per sample, parameters then KPIs.

    Parameters
    ----------
    route : Route or path
        A route (or its file) with uncertain parameters (``{value: ..., range: [...]}`` in its file).
    n : int
        Number of samples.
    seed : int
        Seed of numpy's default generator: the same seed gives the same samples.
    basis : str, optional
        Default the route's.
    progress : callable, optional
        Called after each chunk with (samples done, samples in all).

    Returns
    -------
    pandas.DataFrame
        Parameters in the units their values are written in in the route file (``units.filter.wash_ratio
        [L/kg]``), then every KPI (``water_fresh [kg]``).
    """
    route = _route(route)
    if not route.uncertain:
        raise FlowsheetError(
            f"{route.path}: no uncertain parameters; write one as {{value: 5 L/kg, range: [3 L/kg, 10 L/kg]}}"
        )
    generator = np.random.default_rng(seed)
    values = {path: distribution.draw(generator, n) for path, distribution in route.uncertain.items()}
    units = {path: distribution.unit for path, distribution in route.uncertain.items()}
    return _table(route, values, units, basis, progress)


def sweep(
    route: Route | str | Path,
    grid: Mapping[str, Sequence[str | float | pint.Quantity]],
    basis: str | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Every combination of the given parameter values: one row per combination, parameters then KPIs.

    Parameters
    ----------
    route : Route or path
        A route, or its file.
    grid : mapping of str to sequence
        Values by dotted path, written as in a route file:
        ``{"units.calcine.temperature": ["750 degC", "800 degC"]}``; the column takes the unit of
        the first value.
    basis : str, optional
        Default the route's.
    progress : callable, optional
        Called after each chunk with (samples done, samples in all).
    """
    route = _route(route)
    converted, units = {}, {}
    for path, options in grid.items():
        storage = parameter_unit(route.flowsheet, path)
        converted[path] = [magnitude(option, storage, field=path) for option in options]
        units[path] = (written_unit(options[0]) or storage) if storage and options else ""
    combinations = list(itertools.product(*converted.values()))
    values = {path: np.array([c[i] for c in combinations]) for i, path in enumerate(converted)}
    return _table(route, values, units, basis, progress)


def sensitivity(frame: pd.DataFrame, parameters: Sequence[str], progress: Progress | None = None) -> pd.DataFrame:
    """Spearman rank correlation of every KPI column with every parameter column, [-1, 1].

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per sample, as :func:`sample` returns it.
    parameters : sequence of str
        Its parameter columns; every other column is a KPI.
    progress : callable, optional
        Called after each column is ranked with (columns done, columns in all).

    Returns
    -------
    pandas.DataFrame
        One row per parameter, one column per KPI; 0 where either column is constant.

    Notes
    -----
    Spearman's coefficient is Pearson's of the ranks, ties taking the mean of their ranks (as
    :func:`scipy.stats.spearmanr` computes it). Each column is ranked once, by one sort, and
    centred and scaled to unit length, so each coefficient is one dot product: a million samples
    of 6 parameters and 18 KPIs take 24 sorts, not the 2 x 6 x 18 of one call per pair, and
    memory beyond the frame is the parameters' ranks plus one KPI's.
    """
    import pandas as pd

    kpis = [c for c in frame.columns if c not in parameters]
    total = len(parameters) + len(kpis)
    ranked = {}
    for done, parameter in enumerate(parameters, start=1):
        ranked[parameter] = _unit_ranks(frame[parameter].to_numpy())
        if progress is not None:
            progress(done, total)
    rows: dict[str, dict[str, float]] = {parameter: {} for parameter in parameters}
    for done, kpi in enumerate(kpis, start=len(parameters) + 1):
        ranks = _unit_ranks(frame[kpi].to_numpy())
        for parameter in parameters:
            other = ranked[parameter]
            rows[parameter][kpi] = 0.0 if other is None or ranks is None else float(np.clip(other @ ranks, -1.0, 1.0))
        if progress is not None:
            progress(done, total)
    return pd.DataFrame(rows, index=kpis, columns=list(parameters), dtype=float).T


def _unit_ranks(values: np.ndarray) -> np.ndarray | None:
    """Ranks of `values` (ties share their mean rank), centred and scaled to length 1; None if all are equal.

    Ranks count from 0; a run of equal values at sorted positions ``i .. j`` takes ``(i + j) / 2``.
    Besides the result, at most three arrays of ``len(values)`` are held at once.
    """
    order = np.argsort(values)  # ties are averaged below, so the sort need not be stable
    ordered = values[order]
    new = ordered[1:] != ordered[:-1]  # True where a sorted value differs from the one before
    del ordered
    if not new.any():
        return None
    ranks = np.empty(len(values))
    if new.all():
        ranks[order] = np.arange(len(values), dtype=float)
    else:
        starts = np.flatnonzero(np.r_[True, new])  # first sorted position of each run of equal values
        ends = np.r_[starts[1:], len(values)] - 1
        run = np.cumsum(new)  # the run of each sorted position after the first (the first is in run 0)
        ranks[order[0]] = (starts[0] + ends[0]) / 2.0
        ranks[order[1:]] = ((starts + ends) / 2.0)[run]
    del order
    ranks -= (len(values) - 1) / 2.0  # the mean rank, whatever the ties
    ranks /= np.sqrt(ranks @ ranks)
    return ranks


def sobol_indices(
    function: Callable[[np.ndarray], Mapping[str, np.ndarray]], names: Sequence[str], n: int = 1024, seed: int = 0
) -> pd.DataFrame:
    """First-order and total Sobol indices of each output of `function`, with 95 % confidence intervals.

    Parameters
    ----------
    function : callable
        Maps points of the unit hypercube, shape (N, len(names)), to outputs by name, each (N,).
    names : sequence of str
        The inputs.
    n : int
        Base sample size, a power of 2; ``n (len(names) + 2)`` points are evaluated (Saltelli's
        scheme, scrambled Sobol' sequence).

    Returns
    -------
    pandas.DataFrame
        Rows (output, input); columns ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (half-widths of the 95 %
        bootstrap intervals), by SALib (Herman and Usher 2017; Saltelli et al. 2010, Jansen's total).
    """
    import pandas as pd
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as saltelli

    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    points = saltelli.sample(problem, n, calc_second_order=False, seed=seed)
    outputs = function(points)
    rows = {}
    for output, values in outputs.items():
        values = np.asarray(values, dtype=float)
        if not np.isfinite(values).all():
            bad = int(np.count_nonzero(~np.isfinite(values)))
            raise FlowsheetError(
                f"output {output!r} is not finite at {bad} of {len(values)} points: Sobol indices need finite values "
                "(a ratio whose denominator can be zero? compare by difference)"
            )
        if np.ptp(values) == 0:  # a constant output depends on nothing
            found = {"S1": np.zeros(len(names)), "S1_conf": np.zeros(len(names)), "ST": np.zeros(len(names))}
            found["ST_conf"] = np.zeros(len(names))
        else:
            found = analyze.analyze(problem, values, calc_second_order=False, seed=seed, print_to_console=False)
        for i, name in enumerate(names):
            rows[(output, name)] = {key: float(found[key][i]) for key in ("S1", "S1_conf", "ST", "ST_conf")}
    return pd.DataFrame(rows).T.rename_axis(["output", "input"])


def sobol(route: Route | str | Path, n: int = 1024, seed: int = 0, basis: str | None = None) -> pd.DataFrame:
    """Sobol indices of every KPI over the route's uncertain parameters (see :func:`sobol_indices`).

    Each parameter is sampled through its own distribution (its quantile function maps the unit
    interval onto it), so the indices are those of the route as its file declares it.
    """
    route = _route(route)
    if not route.uncertain:
        raise FlowsheetError(f"{route.path}: no uncertain parameters to apportion the variance to")
    paths = list(route.uncertain)

    def kpis(points: np.ndarray) -> dict[str, np.ndarray]:
        values = {p: route.uncertain[p].quantile(points[:, i]) for i, p in enumerate(paths)}
        return {name: v for name, v in evaluate(route, values, basis).items() if name != "product"}

    return sobol_indices(kpis, paths, n, seed)
