"""Measured data reconciled against a route's element balances, with gross-error tests.

Variables are the element mass flows ``x`` of every stream (kg of Ni in each stream, ...). Each
unit conserves each element, ``A x = 0``; every measurement is linear in them, ``y = C x + e``
with ``e ~ N(0, V)``, ``V`` diagonal: an element's flow in a stream, or a stream's total mass
(the sum over its elements). Weighted least squares subject to the balances has a closed form:
with ``N`` a basis of the null space of ``A`` (``x = N z`` balances for any ``z``),

    z = (Nᵀ Cᵀ V⁻¹ C N)⁺ Nᵀ Cᵀ V⁻¹ y,    x̂ = N z,

the linear case of Narasimhan and Jordache, Data Reconciliation and Gross Error Detection (Gulf,
2000), chapter 3. The residuals ``r = y - C x̂`` give the global test, ``rᵀ V⁻¹ r`` against
chi-square with ``m - rank(C N)`` degrees of freedom, and the measurement test, each ``r_i``
over its own standard deviation from ``cov(r) = V - C N (Nᵀ Cᵀ V⁻¹ C N)⁺ Nᵀ Cᵀ``, against the
normal quantile at the Šidák-corrected level ``1 - (1 - α)^(1/m)`` (chapter 7). Gross errors are
found by serial elimination (chapter 8): while both tests reject, the measurement with the
largest standardised residual is flagged and left out, and the rest reconciled again. A flow is
observable when the measurements fix it: its row of ``N`` has no part in the null space of
``C N``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy import linalg, stats

from flowsheet.chemistry import atomic_weights
from flowsheet.errors import FlowsheetError
from flowsheet.units import magnitude

if TYPE_CHECKING:
    import pandas as pd

    from flowsheet.results import Results

TOTAL = "total"


@dataclass(frozen=True)
class Measurement:
    """One measured quantity: the mass flow of an element in a stream, or the stream's total mass flow.

    Attributes
    ----------
    stream : str
        The stream, ``"source.port->target.port"`` or the unit and port it leaves, ``"filter.cake"``.
    quantity : str
        An element symbol (``"Ni"``) or ``"total"``.
    value, sd : float
        The measured value and its standard deviation, [kg/s] (any mass flow unit when read from a file).
    """

    stream: str
    quantity: str
    value: float
    sd: float


@dataclass(frozen=True)
class Reconciled:
    """What reconciliation found.

    Attributes
    ----------
    measurements : pandas.DataFrame
        Per measurement: measured, sd, reconciled, adjustment, its standardised residual and whether the
        measurement test flags it.
    flows : pandas.DataFrame
        Reconciled element flows of every stream [kg/s]: 0 where it cannot carry the element, NaN where not observable.
    chi_square, degrees_of_freedom, critical : float
        The global test: the weighted sum of squared residuals against its chi-square critical value.
    confidence : float
        The level both tests use.
    """

    measurements: pd.DataFrame
    flows: pd.DataFrame
    chi_square: float
    degrees_of_freedom: int
    critical: float
    confidence: float

    @property
    def gross_error(self) -> bool:
        """True where the global test rejects what is left after serial elimination: data and balances disagree beyond their noise."""
        return self.chi_square > self.critical

    def __str__(self) -> str:
        flagged = self.measurements.index[self.measurements["flagged"]].tolist()
        aside = f"gross error suspected in {', '.join(flagged)} (set aside); on the rest, " if flagged else ""
        verdict = "rejects" if self.gross_error else "accepts"
        return (
            f"{aside}the global test {verdict} at {self.confidence:.0%}: chi-square {self.chi_square:.3g} on "
            f"{self.degrees_of_freedom} degrees of freedom (critical {self.critical:.3g})"
        )


def balances(results: Results) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """``A`` (units x elements, variables) and the variables: (stream, element) for each element a stream can carry.

    An element no species reaching a stream holds (Ni in a dryer's vapour) is a structural zero of the
    route, not a variable: that is what makes measurements around such units redundant.
    """
    components = results.components
    elements = [e for e in components.element_names if e != "charge"]
    variables = []
    for stream in results.edges:
        present = np.any(components.elements[:, results.layout.species[stream.name]] != 0, axis=1).tolist()
        variables += [(stream.name, e) for k, e in enumerate(elements) if present[k]]
    column = {v: i for i, v in enumerate(variables)}
    boundary = set(results.feeds) | set(results.products)
    units = dict.fromkeys(end for s in results.edges for end in (s.source, s.target) if end not in boundary)
    rows = []
    for unit in units:
        for element in elements:
            row = np.zeros(len(variables))
            for stream in results.edges:
                sign = (stream.target == unit) - (stream.source == unit)
                if sign and (stream.name, element) in column:
                    row[column[(stream.name, element)]] += sign
            if row.any():
                rows.append(row)
    return np.array(rows).reshape(len(rows), len(variables)), variables


def _stream_named(results: Results, text: str) -> str:
    names = {s.name: s.name for s in results.edges}
    names |= {f"{s.source}.{s.source_port}": s.name for s in results.edges}
    sources = [s.source for s in results.edges]
    names |= {s.source: s.name for s in results.edges if sources.count(s.source) == 1}
    if text not in names:
        raise FlowsheetError(
            f"no stream {text!r} in {results.name!r}" + "\n  hint: 'unit.port' or 'unit.port->unit.port'"
        )
    return names[text]


def reconcile(results: Results, measurements: list[Measurement], confidence: float = 0.95) -> Reconciled:
    """Reconcile `measurements` against the element balances of a solved route's flowsheet (see the module's notes).

    The solve gives the structure only (its streams, and which elements each can carry); its flows
    are not used.

    Raises
    ------
    FlowsheetError
        For an unknown stream or element, a standard deviation that is not positive, or no
        redundancy at all (nothing to reconcile).
    """
    import pandas as pd

    a, variables = balances(results)
    elements = list(dict.fromkeys(e for _, e in variables))
    column = {v: i for i, v in enumerate(variables)}
    c = np.zeros((len(measurements), len(variables)))
    labels = []
    for i, m in enumerate(measurements):
        stream = _stream_named(results, m.stream)
        if m.quantity == TOTAL:
            for element in elements:
                if (stream, element) in column:
                    c[i, column[(stream, element)]] = 1.0
        elif m.quantity in elements:
            if (stream, m.quantity) not in column:
                raise FlowsheetError(f"{m.stream}: no species that can reach it holds {m.quantity}")
            c[i, column[(stream, m.quantity)]] = 1.0
        else:
            raise FlowsheetError(f"{m.quantity!r} is neither 'total' nor an element of {results.name!r}: {elements}")
        if not m.sd > 0:
            raise FlowsheetError(f"{m.stream} {m.quantity}: standard deviation must be positive, got {m.sd}")
        labels.append(f"{m.stream} {m.quantity}")
    y = np.array([m.value for m in measurements])
    weights = 1.0 / np.array([m.sd for m in measurements]) ** 2
    basis = linalg.null_space(a) if a.size else np.eye(len(variables))
    if len(measurements) - int(np.linalg.matrix_rank(c @ basis)) < 1:
        raise FlowsheetError("the measurements are not redundant: the balances leave nothing to reconcile")
    level = 1.0 - confidence ** (1.0 / len(measurements))  # Šidák: the family of m tests at `confidence`
    threshold = float(stats.norm.ppf(1.0 - level / 2.0))
    kept = np.ones(len(measurements), bool)
    while True:  # serial elimination: drop the worst measurement the test flags, and reconcile again
        fit = _fit(c[kept], y[kept], weights[kept], basis)
        worst = int(np.argmax(np.abs(fit.z)))
        if (
            fit.freedom < 1
            or abs(fit.z[worst]) <= threshold
            or fit.chi_square <= stats.chi2.ppf(confidence, fit.freedom)
        ):
            break
        trial = kept.copy()
        trial[np.flatnonzero(kept)[worst]] = False
        if len(y[trial]) - int(np.linalg.matrix_rank(c[trial] @ basis)) < 1:
            break  # without it nothing would be left to test
        kept = trial
    estimate = basis @ fit.z_basis
    z_all = np.zeros(len(measurements))
    z_all[kept] = fit.z
    frame = pd.DataFrame(
        {
            "measured": y,
            "sd": 1.0 / np.sqrt(weights),
            "reconciled": c @ estimate,
            "adjustment": c @ estimate - y,
            "z": z_all,
            "flagged": ~kept,
        },
        index=pd.Index(labels, name="measurement"),
    )
    cn, rank, freedom, chi_square = c[kept] @ basis, fit.rank, fit.freedom, fit.chi_square
    free = linalg.null_space(cn) if rank < cn.shape[1] else np.zeros((cn.shape[1], 0))
    observable = np.abs(basis @ free).max(axis=1, initial=0.0) < 1e-9
    values = np.where(observable, estimate, np.nan)
    streams = [s.name for s in results.edges]
    flows = pd.DataFrame(
        [[values[column[(s, e)]] if (s, e) in column else 0.0 for e in elements] for s in streams],
        index=pd.Index(streams, name="stream"),
        columns=[f"{e} [kg/s]" for e in elements],
    )
    return Reconciled(frame, flows, chi_square, freedom, float(stats.chi2.ppf(confidence, freedom)), confidence)


def read_measurements(path: str | Path) -> list[Measurement]:
    """Read a measurements CSV: columns ``stream``, ``quantity`` (an element or ``total``), ``value``, ``sd``, ``unit``.

    ``value`` and ``sd`` are mass flows in ``unit`` (``kg/h``, ``t/d`` ...), stored in kg/s; errors name the line.
    """
    path = Path(path)
    found = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"stream", "quantity", "value", "sd", "unit"} - set(reader.fieldnames or ())
        if missing:
            raise FlowsheetError(f"{path}:1: missing columns {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            where = f"{path}:{line}"
            value = magnitude(f"{row['value']} {row['unit']}", "kg/s", field=f"{where} value")
            sd = magnitude(f"{row['sd']} {row['unit']}", "kg/s", field=f"{where} sd")
            found.append(Measurement(row["stream"].strip(), row["quantity"].strip(), value, sd))
    return found


def element_flows(results: Results, stream: str, sample: int = 0) -> dict[str, float]:
    """Element mass flows of a solved stream, [kg/s per basis]: what a perfect assay would measure."""
    components = results.components
    flows = results.flow(stream, sample)
    weights = atomic_weights()
    return {
        e: float(components.elements[k] @ flows) * weights[e] / 1000
        for k, e in enumerate(components.element_names)
        if e != "charge"
    }


@dataclass(frozen=True)
class _Fit:
    z_basis: np.ndarray
    z: np.ndarray
    rank: int
    freedom: int
    chi_square: float


def _fit(c: np.ndarray, y: np.ndarray, weights: np.ndarray, basis: np.ndarray) -> _Fit:
    """The closed form of the module's notes for the measurements `c`, `y`, `weights`."""
    cn = c @ basis
    inverse = np.linalg.pinv(cn.T @ (weights[:, None] * cn), rcond=1e-12)
    z_basis = inverse @ cn.T @ (weights * y)
    residual = y - cn @ z_basis
    spread = np.sqrt(np.clip(np.diag(np.diag(1.0 / weights) - cn @ inverse @ cn.T), 0.0, None))
    z = np.divide(residual, spread, out=np.zeros_like(residual), where=spread > 1e-12 * (1 + np.abs(y)))
    rank = int(np.linalg.matrix_rank(cn))
    return _Fit(z_basis, z, rank, len(y) - rank, float(residual @ (weights * residual)))
