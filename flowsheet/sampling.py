"""Many variants of a route at once: Monte Carlo samples, parameter sweeps, and which parameters matter.

Every evaluation is vectorised over samples: the units whose parameters vary get
one value per sample (:meth:`~flowsheet.operations.Operation.sampled`), the mass
balance, temperatures, duties and KPIs are computed for all samples together,
and samples are processed in chunks so memory stays bounded.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pint

from flowsheet.errors import FlowsheetError, SolveError, UnitError
from flowsheet.kpis import BY_NAME, display_unit
from flowsheet.route_file import Route, load_route
from flowsheet.solve import solve
from flowsheet.units import magnitude, parse_basis

if TYPE_CHECKING:
    import pandas as pd

CHUNK = 20_000
"""Samples solved together; larger batches only cost memory."""


def _target(route: Route, path: str) -> tuple[str, str]:
    """``units.filter.wash_ratio`` -> (``filter``, ``wash_ratio``); a mapping entry keeps its key."""
    parts = path.split(".", 3)
    if len(parts) < 3 or parts[0] != "units" or parts[1] not in route.spec.units:
        raise UnitError(path, "units.<unit>.<parameter>", path, "names no unit parameter of the route")
    return parts[1], ".".join(parts[2:])


def evaluate(route: Route, values: Mapping[str, np.ndarray], basis: str | None = None) -> dict[str, np.ndarray]:
    """Every KPI for each sample of parameter values, vectorised.

    Parameters
    ----------
    route : Route
        A loaded route.
    values : mapping of str to numpy.ndarray
        Parameter values by dotted path (``units.filter.wash_ratio``), one per sample,
        in the parameter's SI storage unit (``m**3/kg`` for a wash ratio).
    basis : str, optional
        Default the route's.

    Returns
    -------
    dict of str to numpy.ndarray
        KPI values per sample, in kg, MJ or t km per basis (kg/h, MW, t km/h for a rate basis;
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
    chunks = []
    for start in range(0, samples, CHUNK):
        part = {path: v[start : start + CHUNK] for path, v in arrays.items()}
        chunks.append(_evaluate_chunk(route, part, basis, min(CHUNK, samples - start), start))
    return {name: np.concatenate([chunk[name] for chunk in chunks]) for name in chunks[0]}


def _evaluate_chunk(
    route: Route, values: Mapping[str, np.ndarray], basis: str | None, samples: int, first: int
) -> dict[str, np.ndarray]:
    paths = {path: ".".join(_target(route, path)) for path in values}
    try:
        results = solve(
            route.flowsheet,
            basis or route.spec.basis,
            route.spec.product,
            {paths[path]: value for path, value in values.items()},
            describe=values,
        )
    except SolveError as err:
        if first:
            err.add_note(f"sample numbers count from {first}, the first of this chunk")
        raise
    rate = parse_basis(basis or route.spec.basis)[2]
    return {name: value * display_unit(BY_NAME[name].kind, rate)[1] for name, value in results.kpis.items()}


def _columns(route: Route, kpis: Mapping[str, np.ndarray], basis: str | None) -> dict[str, np.ndarray]:
    """KPI columns named with their units: kg, MJ, t*km per basis (kg/h, MW, t*km/h for a rate basis)."""
    rate = parse_basis(basis or route.spec.basis)[2]
    return {f"{name} [{display_unit(BY_NAME[name].kind, rate)[0]}]": value for name, value in kpis.items()}


def _route(route: Route | str | Path) -> Route:
    return route if isinstance(route, Route) else load_route(route)


def sample(route: Route | str | Path, n: int = 1000, seed: int = 0, basis: str | None = None) -> pd.DataFrame:
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
    """
    import pandas as pd

    route = _route(route)
    if not route.uncertain:
        raise FlowsheetError(
            f"{route.path}: no uncertain parameters; write one as {{value: 5 L/kg, range: [3 L/kg, 10 L/kg]}}"
        )
    generator = np.random.default_rng(seed)
    values = {path: distribution.draw(generator, n) for path, distribution in route.uncertain.items()}
    kpis = evaluate(route, values, basis)
    return pd.DataFrame({**values, **_columns(route, kpis, basis)})


def sweep(
    route: Route | str | Path, grid: Mapping[str, Sequence[str | float | pint.Quantity]], basis: str | None = None
) -> pd.DataFrame:
    """Every combination of the given parameter values: one row per combination, parameters then KPIs.

    Parameters
    ----------
    route : Route or path
        A route, or its file.
    grid : mapping of str to sequence
        Values by dotted path, written as in a route file:
        ``{"units.calcine.temperature": ["750 degC", "800 degC"]}``.
    basis : str, optional
        Default the route's.
    """
    import dataclasses

    import pandas as pd

    route = _route(route)
    converted = {}
    for path, options in grid.items():
        unit, key = _target(route, path)
        field = key.split(".")[0]
        units = {f.name: f.metadata.get("unit") for f in dataclasses.fields(route.flowsheet.operation(unit))}
        storage = units.get(field) or ""
        converted[path] = [magnitude(option, storage or "", field=path) for option in options]
    combinations = list(itertools.product(*converted.values()))
    values = {path: np.array([c[i] for c in combinations]) for i, path in enumerate(converted)}
    kpis = evaluate(route, values, basis)
    return pd.DataFrame({**values, **_columns(route, kpis, basis)})


def sensitivity(frame: pd.DataFrame, parameters: Sequence[str]) -> pd.DataFrame:
    """Spearman rank correlation of every KPI column with every parameter column, [-1, 1]."""
    import pandas as pd
    from scipy.stats import spearmanr

    kpis = [c for c in frame.columns if c not in parameters]
    rows = {}
    for parameter in parameters:
        row = {}
        for kpi in kpis:
            if np.ptp(frame[kpi].to_numpy()) == 0 or np.ptp(frame[parameter].to_numpy()) == 0:
                row[kpi] = 0.0
            else:
                row[kpi] = float(spearmanr(frame[parameter], frame[kpi]).statistic)
        rows[parameter] = row
    return pd.DataFrame(rows).T
