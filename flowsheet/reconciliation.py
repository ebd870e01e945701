"""Measured data reconciled against a route's element balances, with gross-error tests.

Errors may be correlated (two assays of one sample, a weightometer read for two streams): the
covariance ``V`` is then full, factorised ``V = F Fᵀ`` by Cholesky, and every formula below holds
with ``F`` in place of the diagonal of standard deviations.

Assays (an element's mass fraction ``a = x_e / T`` of a stream whose total is ``T = Σ x``) make the
problem bilinear in flows and grades. They are linearised about the current estimate and the
linear problem below solved again until no flow moves by :data:`CONVERGED` of the largest
(successive linearisation, Narasimhan and Jordache, chapter 5; Crowe, AIChE J. 32 (1986) 616,
for the bilinear case), starting from the route's own flows scaled to the measured ones; the tests
and the covariance are those of the last linearisation.

Variables are the element mass flows ``x`` of every stream (kg of Ni in each stream, ...). Each
unit conserves each element, ``A x = 0``; every measurement is linear in them, ``y = C x + e``
with ``e ~ N(0, V)``, ``V = diag(σ²)``: an element's flow in a stream, or a stream's total mass
(the sum over its elements). Weighted least squares subject to the balances has a closed form:
with ``N`` a basis of the null space of ``A`` (``x = N u`` balances for any ``u``),

    u = (Nᵀ Cᵀ V⁻¹ C N)⁺ Nᵀ Cᵀ V⁻¹ y,    x̂ = N u,

the linear case of Narasimhan and Jordache, Data Reconciliation and Gross Error Detection (Gulf,
2000), chapter 3. The residuals ``r = y - C x̂`` give the global test, ``rᵀ V⁻¹ r`` against
chi-square with ``m - rank(C N)`` degrees of freedom, and the measurement test, each ``r_i``
over its own standard deviation from ``cov(r) = V - C N (Nᵀ Cᵀ V⁻¹ C N)⁺ Nᵀ Cᵀ``, against the
normal quantile at the Šidák-corrected level ``1 - (1 - α)^(1/m)`` (chapter 7). Gross errors are
found by serial elimination (chapter 8): while both tests reject, the measurement with the
largest standardised residual is flagged and left out, and the rest reconciled again.

The normal equations are never formed. With ``L`` an orthonormal basis of the left null space of
``C N`` (the combinations of measurements the balances fix, ``Lᵀ C N = 0``; from the singular
value decomposition of ``C N``, which has no standard deviations in it), the same closed form
reads ``r = V L (Lᵀ V L)⁻¹ Lᵀ y`` and ``cov(r) = V L (Lᵀ V L)⁻¹ Lᵀ V``. ``Lᵀ V L`` is
factorised by QR of the standardised checks ``V^½ L P = Q R`` (``P`` a column pivoting), so that
with ``G = L P R⁻¹`` and ``p = R⁻ᵀ Pᵀ Lᵀ y``

    r = V G p,    rᵀ V⁻¹ r = ‖p‖²,    z_i = r_i / √cov(r)_ii = (G_i · p) / ‖G_i‖,

where ``σ_i² ‖G_i‖² = var(r_i) / σ_i²`` is the share of its own variance measurement ``i``'s
residual keeps: 0 for a measurement nothing else checks (it is *not redundant*), and below
:data:`TESTABLE` for one the others check far less precisely than it is measured. Either way it
cannot be tested: its ``z`` is NaN and it is never flagged. The estimate solves ``C N u = y - r``,
which the balances make consistent, without weights, so that standard deviations many orders of
magnitude apart do not blur it.

The reconciled values are linear in the kept measurements, ``x̂ = K ŷ`` with ``K = N (C N)⁺`` and
``ŷ = y - r``, so their covariance follows from ``cov(ŷ) = V - cov(r) = V - V G Gᵀ V`` (``Gᵀ V G = I``):
the variance of any reconciled quantity ``a x̂`` is ``‖a K V^½‖² - ‖a K V G‖²`` (Narasimhan and
Jordache, chapter 3: the reconciled estimate is at least as precise as the measurement it adjusts).

A stream whose dry total or water is measured has its water as a variable of its own, ``w``; its
H and O variables are then those of the rest, and water enters the H and O balances by its mass
shares, ``2 M_H / M_H2O`` and ``M_O / M_H2O``. Its wet total is ``Σ x + w``, its dry total ``Σ x``,
its moisture ``w / (Σ x + w)``, a share like an assay; and its element assays are taken to be of
the dried sample, ``x_e / Σ x``, as a laboratory assays what it dried for the moisture (AMIRA
P754, Code of Practice for Metal Accounting, 2007: wet mass, moisture, dry mass, assays).

A flow is *observable* when the kept measurements fix it: its row of ``N`` has no part in the null
space of ``C N``. Redundancy, observability and the degrees of freedom depend on the structure
only (which flows are measured), not on the standard deviations, and are found from ``C N``
itself. A flow or measurement the data do not fix is never given a number: any number would be one
of infinitely many that fit equally well (a pseudo-inverse picks the smallest, which means
nothing), so it is NaN, noted ``not observable``, while the rest of the route, which the data do
fix, is still reconciled. A reconciled flow below zero, which no flow can be, is named in
:attr:`Reconciled.negative` and noted ``negative``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy import linalg, stats

from flowsheet.chemistry import atomic_weights
from flowsheet.errors import DataFileError, FlowsheetError, UnitError
from flowsheet.files import read_csv, shown
from flowsheet.units import MAX_MAGNITUDE, magnitude

if TYPE_CHECKING:
    import pandas as pd

    from flowsheet.results import Results

TOTAL = "total"
DRY = "dry"
"""A stream's dry total: its mass less its water, as weighed and dried (needs the stream to carry water)."""
WATER = "H2O"
"""Water, measured as a flow or as moisture (an assay, the share of the stream's wet mass)."""
STOCK = "stock"
"""A unit's stock is the variable ``"<unit> stock"``: its rate of accumulation over the survey."""

COLUMNS = ("stream", "quantity", "value", "sd", "unit")
"""Columns a measurements file must have; others are ignored."""

MAX_BYTES = 1_000_000
"""Largest measurements file read, [bytes]: a thousand rows with long stream names fit ten times over."""

MAX_MEASUREMENTS = 1_000
"""Most measurements reconciled at once: a plant's whole metering plan, and each elimination of
serial elimination decomposes an m x m system, so m is kept where that takes seconds."""

MIN_SD = 1e-12
"""Smallest standard deviation accepted, [kg/s] (3.6 µg/h): below any flow meter's or assay's
resolution, and it keeps every standardised value ``y / σ`` (at most 1e15 / 1e-12) and its square finite."""

MAX_PASSES = 50
"""Linearisations of the assays allowed before giving up; from the route's flows a few settle them."""

CONVERGED = 1e-10
"""The linearisation has settled when no flow moves by more than this share of the largest, [-]."""

TESTABLE = 1e-12
"""Least share ``var(r_i) / σ_i²`` of its own variance a measurement's residual must keep to be tested.
A measurement nothing else checks has 0 (rounding leaves ~1e-30); one checked by others 10⁶ times less
precise than itself has ~1e-12, and its z would rest on the last digits of the arithmetic."""

_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?", re.ASCII)


@dataclass(frozen=True)
class Measurement:
    """One measured quantity: an element's mass flow in a stream, the stream's total or dry mass flow, or an assay.

    Attributes
    ----------
    stream : str
        The stream, ``"source.port->target.port"`` or the unit and port it leaves, ``"filter.cake"``.
    quantity : str
        An element symbol (``"Ni"``), ``"total"`` (the stream as it flows, wet), ``"dry"`` (less its
        water) or ``"H2O"`` (its water; as an assay, its moisture: water's share of the wet mass).
    value : float
        The measured value, [kg/s], finite and >= 0; for an assay the element's mass fraction, [-], in [0, 1].
    sd : float
        Its standard deviation, [kg/s] (an assay's [-]), finite and >= :data:`MIN_SD`.
    line : int
        The line of the measurements file it was read from; 0 when built in code.
    unit : str
        The unit the user wrote it in (``"kg/h"``, ``"%"``), for messages; `value` and `sd` are in kg/s or [-].
    assay : bool
        True for an element's mass fraction in the stream (a unit such as ``%``, ``ppm`` or ``g/t``).
    time : str
        ``"start"`` or ``"end"`` for a stock: the mass held in the unit `stream` names at the start or
        the end of the survey, [kg] (a mass unit such as ``kg`` or ``t``); ``""`` for a flow or assay.
    survey : str
        The survey of a campaign it belongs to (a date, a shift); ``""`` for a single survey.
    period : float, optional
        Its survey's length, [s], for stocks.
    """

    stream: str
    quantity: str
    value: float
    sd: float
    line: int = 0
    unit: str = "kg/s"
    assay: bool = False
    time: str = ""
    survey: str = ""
    period: float | None = None


@dataclass(frozen=True)
class Reconciled:
    """What reconciliation found.

    Attributes
    ----------
    measurements : pandas.DataFrame
        Per measurement: measured, sd, reconciled, its standard deviation ``reconciled sd``, adjustment
        [kg/s] (an assay's [-]); its standardised residual ``z`` (NaN where not testable); ``flagged`` where the measurement test set it aside,
        ``testable``, and a ``note``: ``gross error?``, ``not testable``, ``not observable``
        (reconciled is then NaN) or ``negative``.
    flows : pandas.DataFrame
        Reconciled element flows of every stream [kg/s]: 0 where it cannot carry the element, NaN where not observable.
    chi_square, degrees_of_freedom, critical : float
        The global test: the weighted sum of squared residuals against its chi-square critical value.
    confidence : float
        The level both tests use.
    negative : tuple of str
        Reconciled flows and measurements below zero (``"stream element"`` or a measurement's label):
        the balances pull them negative, which no flow can be; check the measurements around them.
    flow_sd : pandas.DataFrame
        The standard deviations of `flows`, [kg/s], alike: from the covariance of the estimate (the module's notes).
    unobservable : tuple of str
        The element flows the data do not fix (``"stream element"``): measure one of them, or a flow
        that closes a balance around them, to know them.
    """

    measurements: pd.DataFrame
    flows: pd.DataFrame
    chi_square: float
    degrees_of_freedom: int
    critical: float
    confidence: float
    negative: tuple[str, ...] = ()
    flow_sd: pd.DataFrame | None = None
    unobservable: tuple[str, ...] = ()
    estimate: _Estimate | None = field(default=None, repr=False, compare=False)
    """The reconciled flows with what their covariance is made of, and where each stream starts and ends."""

    def splits(self) -> pd.DataFrame:
        """Per unit, outlet and element: the share of what came into the unit that left by that outlet, and its sd.

        Only where the data fix what came in; each share's sd is its first-order expansion from the
        covariance of the estimate, as the recovery's in :meth:`accountability`.
        """
        import pandas as pd

        if self.estimate is None:
            raise FlowsheetError("these results carry no estimate to account with; reconcile again")
        rows = self.estimate.splits()
        columns = ["unit", "outlet", "element", "share", "share sd"]
        return pd.DataFrame(rows, columns=columns).set_index(["unit", "outlet", "element"])

    def accountability(self) -> pd.DataFrame:
        """Per element: what came in, went to product, left otherwise and stayed in stock, and the recovery, [kg/s].

        In is what feeds bring; product what reaches products of kind ``"product"``; other what
        reaches any other product (waste, wastewater, emissions); stock the units' accumulation.
        The recovery is product over in, the loss other over in (scrap, residues, effluents). Each with
        its standard deviation from the covariance of the estimate (the recovery's and the loss's by
        the ratio's first-order expansion); NaN where the data do not fix it.
        """
        import pandas as pd

        if self.estimate is None:
            raise FlowsheetError("these results carry no estimate to account with; reconcile again")
        return pd.DataFrame(self.estimate.accounts()).set_index("element")

    @property
    def gross_error(self) -> bool:
        """True where the global test rejects what is left after serial elimination: data and balances disagree beyond their noise."""
        return self.chi_square > self.critical

    def __str__(self) -> str:
        flagged = self.measurements.index[self.measurements["flagged"]].tolist()
        aside = f"gross error suspected in {', '.join(flagged)} (set aside); on the rest, " if flagged else ""
        verdict = "rejects" if self.gross_error else "accepts"
        text = (
            f"{aside}the global test {verdict} at {self.confidence:.0%}: chi-square {self.chi_square:.3g}, "
            f"{self.degrees_of_freedom} degrees of freedom, critical {self.critical:.3g}"
        )
        if self.negative:
            text += f"; NEGATIVE reconciled flows: {', '.join(self.negative)}"
        return text


def balances(
    results: Results, stocks: Iterable[str] = (), wet: Iterable[str] = ()
) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """``A`` (units x elements, variables) and the variables: (stream, element) for each element a stream can carry.

    An element no species reaching a stream holds (Ni in a dryer's vapour) is a structural zero of the
    route, not a variable: that is what makes measurements around such units redundant. A unit in
    `stocks` holds a stock that changes over the survey: its balances read in - out = accumulation,
    with a variable ``("<unit> stock", element)`` per element its inlets carry, [kg/s]. A stream in
    `wet` that carries water has its water as a variable of its own, ``(stream, "H2O")``: its H and
    O are then what the rest of the stream holds, and water enters the H and O balances by its
    shares of them (:func:`water_shares`), so that its dry mass and moisture can be measured.
    """
    components = results.components
    elements = [e for e in components.element_names if e != "charge"]
    water = _water(results)
    shares = water_shares()
    variables = []
    for stream in results.edges:
        present = np.any(components.elements[:, results.layout.species[stream.name]] != 0, axis=1).tolist()
        variables += [(stream.name, e) for k, e in enumerate(elements) if present[k]]
        if stream.name in wet and water[results.layout.species[stream.name]].any():
            variables.append((stream.name, WATER))
    for unit in dict.fromkeys(stocks):
        held = {e for s in results.edges if s.target == unit for v, e in variables if v == s.name}
        variables += [(f"{unit} {STOCK}", e) for e in elements if e in held]
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
                if sign and element in shares and (stream.name, WATER) in column:
                    row[column[(stream.name, WATER)]] += sign * shares[element]
            if (f"{unit} {STOCK}", element) in column:
                row[column[(f"{unit} {STOCK}", element)]] = -1.0  # in - out - accumulation = 0
            if row.any():
                rows.append(row)
    return np.array(rows).reshape(len(rows), len(variables)), variables


def water_shares() -> dict[str, float]:
    """The mass shares of H and O in water, [-]: 2 M_H / M_H2O and M_O / M_H2O (IUPAC 2021 standard atomic weights)."""
    weights = atomic_weights()
    molar = 2 * weights["H"] + weights["O"]
    return {"H": 2 * weights["H"] / molar, "O": weights["O"] / molar}


def _water(results: Results) -> np.ndarray:
    """Per species of the route, whether it is water: two H and one O, nothing else, in any phase."""
    components = results.components
    rows = {e: k for k, e in enumerate(components.element_names)}
    counts = components.elements
    expected = np.zeros(len(rows))
    if "H" in rows and "O" in rows:
        expected[rows["H"]], expected[rows["O"]] = 2.0, 1.0
    return np.all(counts == expected[:, None], axis=0) & bool(expected.any())


def _wet(results: Results, measurements: list[Measurement]) -> set[str]:
    """The streams whose dry total or water is measured: their water becomes a variable of its own."""
    names = _stream_names(results)
    return {names[m.stream] for m in measurements if m.quantity in (DRY, WATER) and m.stream in names}


def _stream_names(results: Results) -> dict[str, str]:
    """Every way a stream may be named (``a->b``, ``unit.port``, ``unit`` if it has one outlet) to its name."""
    names = {s.name: s.name for s in results.edges}
    names |= {f"{s.source}.{s.source_port}": s.name for s in results.edges}
    sources = [s.source for s in results.edges]
    names |= {s.source: s.name for s in results.edges if sources.count(s.source) == 1}
    return names


def _in_unit(value: float, unit: str, assay: bool = False) -> str:
    """`value` [kg/s], or an assay's [-], as written in the user's `unit`."""
    try:
        return f"{magnitude(f'{value!r}' if assay else f'{value!r} kg/s', unit):.6g} {unit}"
    except FlowsheetError:
        return f"{value:.6g}" if assay else f"{value:.6g} kg/s"


def _design(
    results: Results, measurements: list[Measurement], variables: list[tuple[str, str]]
) -> tuple[np.ndarray, list[tuple[int, str, str, str]]]:
    """``C`` (measurements x variables) and every problem of the measurements against the route, located.

    An element's flow in a stream whose water is a variable of its own is the rest's plus water's
    share; an assay's row is left to :func:`_linearised`.
    """
    elements = [e for e in dict.fromkeys(e for _, e in variables) if e != WATER]
    column = {v: i for i, v in enumerate(variables)}
    shares = water_shares()
    names = _stream_names(results) | {s: s for s, _ in variables if s.endswith(f" {STOCK}")}
    c = np.zeros((len(measurements), len(variables)))
    issues: list[tuple[int, str, str, str]] = []
    for i, m in enumerate(measurements):
        where = m.line or i + 1
        stream = names.get(m.stream)
        if stream is None:
            near = difflib.get_close_matches(m.stream, list(names), n=3)
            hint = f"did you mean {', '.join(near)}?" if near else "name it 'unit.port' or 'unit.port->unit.port'"
            issues.append((where, "stream", f"no stream {shown(m.stream)} in {results.name!r}", hint))
        if m.assay and m.quantity in (TOTAL, DRY):
            hint = "an assay is the mass fraction of one element, or water's (moisture): name it, e.g. Ni or H2O"
            total = "total" if m.quantity == TOTAL else "dry total"
            issues.append((where, "quantity", f"a stream's {total} has no assay", hint))
        elif m.quantity in (TOTAL, DRY):
            for k, (name, element) in enumerate(variables):
                if name == stream and (m.quantity == TOTAL or element != WATER):
                    c[i, k] = 1.0
        elif m.quantity == WATER:
            if stream is not None and (stream, WATER) in column:
                c[i, column[(stream, WATER)]] = 0.0 if m.assay else 1.0
            elif stream is not None:
                hint = "its moisture is zero by the route: weigh its total"
                issues.append((where, "quantity", f"no water reaches {m.stream}", hint))
        elif m.quantity in elements:
            if stream is not None:
                if (stream, m.quantity) in column:
                    c[i, column[(stream, m.quantity)]] = 0.0 if m.assay else 1.0  # an assay's row: linearised
                    if not m.assay and m.quantity in shares and (stream, WATER) in column:
                        c[i, column[(stream, WATER)]] = shares[m.quantity]
                else:
                    hint = "its flow is zero by the route: measure an element it carries"
                    issues.append((where, "quantity", f"no species reaching {m.stream} holds {m.quantity}", hint))
        else:
            hint = f"write 'total', 'dry', 'H2O' or one of the route's elements: {', '.join(elements)}"
            issues.append(
                (where, "quantity", f"{shown(m.quantity)} is neither a total nor an element of the route", hint)
            )
        if m.assay and not (math.isfinite(m.value) and 0 <= m.value <= 1):
            problem = f"{_in_unit(m.value, m.unit, True)} is not a mass fraction (0 to 100 %)"
            issues.append((where, "value", problem, "an assay is the element's share of the stream's mass"))
        elif m.stream.endswith(f" {STOCK}") and not (math.isfinite(m.value) and abs(m.value) <= MAX_MAGNITUDE):
            issues.append((where, "value", f"{_in_unit(m.value, m.unit)} is not a finite change", ""))
        elif not m.stream.endswith(f" {STOCK}") and not (math.isfinite(m.value) and 0 <= m.value <= MAX_MAGNITUDE):
            problem = f"{_in_unit(m.value, m.unit)} is not a flow (finite, >= 0)"
            issues.append((where, "value", problem, "a measured mass flow is zero or positive"))
        if not (math.isfinite(m.sd) and MIN_SD <= m.sd <= MAX_MAGNITUDE):
            low = _in_unit(MIN_SD, m.unit, m.assay)
            problem = f"standard deviation {_in_unit(m.sd, m.unit, m.assay)} is not positive and at least {low}"
            issues.append((where, "sd", problem, "give the instrument's real standard deviation, in the row's unit"))
    return c, issues


def reconcile(
    results: Results,
    measurements: list[Measurement],
    confidence: float = 0.95,
    source: str = "measurements",
    period: float | None = None,
    correlations: Mapping[tuple[str, str], float] | None = None,
) -> Reconciled:
    """Reconcile `measurements` against the element balances of a solved route's flowsheet (see the module's notes).

    The solve gives the structure only (its streams, and which elements each can carry); its flows
    are not used.

    Parameters
    ----------
    results : Results
        A solved route: its streams and the elements each can carry.
    measurements : list of Measurement
        What was measured, [kg/s]; the same quantity may be measured more than once. A stock's start
        and end (``time``) are taken together as its change over `period` (:func:`stock_changes`).
    confidence : float
        The level of both tests, [-], 0 < confidence < 1.
    source : str
        The file the measurements were read from, for errors.
    period : float, optional
        The survey's length, [s]: needed when stocks are given.
    correlations : mapping, optional
        Correlation coefficients of measurement errors, by pairs of measurement labels (those of
        :attr:`Reconciled.measurements`' index, e.g. ``("dry.dry Ni", "dry.dry Co")`` for two assays of
        one sample); the covariance is ``V_ij = ρ_ij σ_i σ_j``. Others are independent.

    Raises
    ------
    DataFileError
        With every problem of the measurements at their lines (or positions, from 1, when built in
        code): an unknown stream or element, a value that is not a flow, a standard deviation that
        is not positive, more than :data:`MAX_MEASUREMENTS`.
    FlowsheetError
        For a confidence outside (0, 1), no redundancy at all (nothing to reconcile), or standard
        deviations too far apart to be solved in double precision.
    """
    import pandas as pd

    if not 0 < confidence < 1:
        raise UnitError("confidence", "a number between 0 and 1", str(confidence), "is outside (0, 1)")
    if not measurements:
        raise DataFileError.one(source, 0, "", "holds no measurements", "give one row per measured flow")
    if len(measurements) > MAX_MEASUREMENTS:
        line = measurements[MAX_MEASUREMENTS].line or MAX_MEASUREMENTS + 1
        raise DataFileError.one(source, line, "", f"more than {MAX_MEASUREMENTS:,} measurements", "split the plant")
    measurements = stock_changes(measurements, period, source)
    stocks = [m.stream.removesuffix(f" {STOCK}") for m in measurements if m.stream.endswith(f" {STOCK}")]
    a, variables = balances(results, stocks, _wet(results, measurements))
    c, issues = _design(results, measurements, variables)
    if issues:
        raise DataFileError(source, issues)
    y = np.array([m.value for m in measurements])
    sd = np.array([m.sd for m in measurements])
    labels = _labels(measurements)
    lines = np.array([m.line or i + 1 for i, m in enumerate(measurements)])
    v = _covariance(sd, labels, correlations or {}, source)
    basis = linalg.null_space(a) if a.size else np.eye(len(variables))
    level = 1.0 - confidence ** (1.0 / len(measurements))  # Šidák: the family of m tests at `confidence`
    threshold = float(stats.norm.ppf(1.0 - level / 2.0))
    assays = _assay_rows(measurements, variables, _stream_names(results))
    point = _start(results, measurements, variables, c) if assays else None
    linear = c
    for _ in range(MAX_PASSES):  # successive linearisation of the assays; one pass without them
        if point is not None:
            linear, y_now = _linearised(c, y, assays, point)
        else:
            y_now = y
        cn = linear @ basis
        if len(measurements) - _structure(cn).rank < 1:
            raise FlowsheetError(
                f"{source}: the measurements are not redundant: the balances leave nothing to reconcile"
                "\n  hint: measure more flows around the same units, or the same flow twice"
            )
        kept, z_all, suspects, fit, structure = _eliminate(cn, y_now, v, lines, threshold, confidence, source)
        estimate = basis @ fit.u
        if point is None or np.abs(estimate - point).max() <= CONVERGED * np.abs(estimate).max():
            break
        point = _damped(point, estimate, assays)
    else:
        raise FlowsheetError(
            f"{source}: the assays and flows did not settle in {MAX_PASSES} linearisations"
            "\n  hint: check the assays against the flows: a stream measured as mostly one element, or as none of it"
        )
    fixed = np.abs(cn @ structure.free).max(axis=1, initial=0.0) < 1e-9  # measured quantities the kept data fix
    reconciled = np.where(fixed, _predicted(c, assays, estimate), np.nan)
    spread = _spread(cn[kept], basis, v[np.ix_(kept, kept)], fit.rows)  # x̂'s deviation: rows' norms (S) less (T)
    measured_deviation = np.sqrt(
        np.clip(((linear @ spread[0]) ** 2).sum(axis=1) - ((linear @ spread[1]) ** 2).sum(axis=1), 0.0, None)
    )
    testable = np.isfinite(z_all) & kept
    free = basis @ structure.free  # the directions of the flows the kept data leave free
    observable = np.abs(free).max(axis=1, initial=0.0) < 1e-9
    values = np.where(observable, estimate, np.nan)
    rounding = 1e-12 * max(float(np.abs(y).max()), float(np.nanmax(np.abs(values), initial=0.0)))
    notes = []
    for i in range(len(measurements)):
        note = ["gross error?"] if not kept[i] else ([] if testable[i] else ["not testable"])
        note += [f"gross error in one of {len(suspects)} alike?"] if i in suspects else []
        below = reconciled[i] < -rounding and not measurements[i].stream.endswith(f" {STOCK}")  # a stock may fall
        note += ["not observable"] if not fixed[i] else (["negative"] if below else [])
        notes.append("; ".join(note))
    frame = pd.DataFrame(
        {
            "measured": y,
            "sd": sd,
            "reconciled": reconciled,
            "reconciled sd": np.where(fixed, measured_deviation, np.nan),
            "adjustment": reconciled - y,
            "z": z_all,
            "flagged": ~kept,
            "testable": testable,
            "note": notes,
        },
        index=pd.Index(labels, name="measurement"),
    )
    steps = {
        unit: (
            tuple(s.name for s in results.edges if s.target == unit),
            tuple(s.name for s in results.edges if s.source == unit),
        )
        for unit in dict.fromkeys(s.target for s in results.edges)
        if unit not in results.products
    }
    found = _Estimate(tuple(variables), estimate, spread, _ends(results), steps, water_shares(), free)
    streams = [s.name for s in results.edges] + list(dict.fromkeys(s for s, _ in variables if s.endswith(f" {STOCK}")))
    columns = found.elements + ([WATER] if any(e == WATER for _, e in variables) else [])
    cells = [[found.flow(s, e) for e in columns] for s in streams]
    flows, flow_sd = (
        pd.DataFrame(
            [[cell[part] for cell in row] for row in cells],
            index=pd.Index(streams, name="stream"),
            columns=[f"{e}{suffix} [kg/s]" for e in columns],
        )
        for part, suffix in ((0, ""), (1, " sd"))
    )
    negative = [
        f"{variables[k][0]} {variables[k][1]}"
        for k in np.flatnonzero(values < -rounding)
        if not variables[k][0].endswith(f" {STOCK}")
    ]
    negative += [label for label, note in zip(labels, notes, strict=True) if note.endswith("negative")]
    freedom = structure.freedom
    critical = float(stats.chi2.ppf(confidence, freedom))
    negative_flows = tuple(dict.fromkeys(negative))
    unknown = tuple(f"{variables[k][0]} {variables[k][1]}" for k in np.flatnonzero(~observable))
    return Reconciled(
        frame, flows, fit.chi_square, freedom, critical, confidence, negative_flows, flow_sd, unknown, found
    )


@dataclass(frozen=True)
class _Estimate:
    """The reconciled flows, ``cov(x̂) = S Sᵀ - T Tᵀ`` (:func:`_spread`), and each stream's ends by kind."""

    variables: tuple[tuple[str, str], ...]
    values: np.ndarray  # a least-squares estimate; only what `free` does not move is fixed by the data
    spread: tuple[np.ndarray, np.ndarray]
    ends: dict[str, str]  # stream -> "in" (from a feed), "product", "other" (into another product)
    units: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)  # unit -> inlets, outlets
    water: dict[str, float] = field(default_factory=dict)  # H and O's shares of water's mass (water_shares)
    free: np.ndarray | None = None  # orthonormal directions of the flows the data leave free; None: none

    @cached_property
    def column(self) -> dict[tuple[str, str], int]:
        return {v: k for k, v in enumerate(self.variables)}

    @cached_property
    def elements(self) -> list[str]:
        """The elements of the balances, in the route's order (water, where a variable, is not one)."""
        return [e for e in dict.fromkeys(e for _, e in self.variables) if e != WATER]

    def weights(self, stream: str, element: str) -> np.ndarray:
        """The weights of the variables whose sum is `element`'s flow in `stream`: its own, and its share of the water."""
        found = np.zeros(len(self.variables))
        if (stream, element) in self.column:
            found[self.column[(stream, element)]] = 1.0
        if element in self.water and (stream, WATER) in self.column:
            found[self.column[(stream, WATER)]] = self.water[element]
        return found

    def flow(self, stream: str, element: str) -> tuple[float, float]:
        """`element`'s flow in `stream` and its sd, [kg/s]: 0 where it cannot carry it, NaN where not fixed.

        Water's is known only where it is a variable of its own; elsewhere it is part of H and O.
        """
        weights = self.weights(stream, element)
        if weights.any():
            return self.total(weights)
        return (math.nan, math.nan) if element == WATER else (0.0, 0.0)

    def total(self, weights: np.ndarray) -> tuple[float, float]:
        """``w · x̂`` and its standard deviation, [kg/s]; NaN if the data do not fix it.

        A sum can be fixed where its terms are not: the losses to outlets measured nowhere, say,
        whose total the balance fixes as what came in less what was made.
        """
        if self.free is not None and np.abs(weights @ self.free).max(initial=0.0) > 1e-9 * max(
            float(np.abs(weights).max(initial=0.0)), 1.0
        ):
            return math.nan, math.nan
        return float(weights @ self.values), self._deviation(weights)

    def _deviation(self, weights: np.ndarray) -> float:
        s, t = weights @ self.spread[0], weights @ self.spread[1]
        return math.sqrt(max(float(s @ s - t @ t), 0.0))

    def _sum(self, streams: Iterable[str], element: str) -> np.ndarray:
        return sum((self.weights(s, element) for s in streams), np.zeros(len(self.variables)))

    def splits(self) -> list[dict[str, float | str]]:
        """The rows of :meth:`Reconciled.splits`: per unit, outlet and element, its share of what came in."""
        rows: list[dict[str, float | str]] = []
        for unit, (inlets, outlets) in self.units.items():
            for element in self.elements:
                fed = self._sum(inlets, element)
                total = self.total(fed)[0] if fed.any() else math.nan
                if not (math.isfinite(total) and total > 0):
                    continue
                for stream in outlets:
                    out = self.weights(stream, element)
                    if not out.any():
                        continue
                    share = self.total(out)[0] / total
                    deviation = self._deviation((out - share * fed) / total) if math.isfinite(share) else math.nan
                    rows.append(
                        {"unit": unit, "outlet": stream, "element": element, "share": share, "share sd": deviation}
                    )
        return rows

    def accounts(self) -> list[dict[str, float | str]]:
        """The rows of :meth:`Reconciled.accountability`."""
        rows: list[dict[str, float | str]] = []
        streams = list(dict.fromkeys(s for s, _ in self.variables))
        by_role = {role: [s for s in streams if self.ends.get(s) == role] for role in ("in", "product", "other")}
        by_role[STOCK] = [s for s in streams if s.endswith(f" {STOCK}")]
        for element in self.elements:
            weights = {role: self._sum(members, element) for role, members in by_role.items()}
            row: dict[str, float | str] = {"element": element}
            totals = {}
            for role, label in (("in", "in"), ("product", "product"), ("other", "other out"), (STOCK, "stock change")):
                totals[role] = self.total(weights[role]) if weights[role].any() else (0.0, 0.0)
                row[f"{label} [kg/s]"], row[f"{label} sd [kg/s]"] = totals[role]
            fed = totals["in"][0]
            for role, label in (("product", "recovery"), ("other", "loss")):
                part = totals[role][0]
                if fed > 0:  # R = P / F: dR = (dP - R dF) / F
                    row[f"{label} [-]"] = part / fed
                    row[f"{label} sd [-]"] = self._deviation((weights[role] - part / fed * weights["in"]) / fed)
                else:
                    row[f"{label} [-]"] = row[f"{label} sd [-]"] = math.nan
            rows.append(row)
        return rows


def _ends(results: Results) -> dict[str, str]:
    """Each stream that crosses the plant's boundary: ``"in"`` from a feed, ``"product"`` or ``"other"`` to a product."""
    found = {}
    for stream in results.edges:
        if stream.source in results.feeds:
            found[stream.name] = "in"
        elif stream.target in results.products:
            found[stream.name] = "product" if results.products[stream.target] == "product" else "other"
    return found


@dataclass(frozen=True)
class Campaign:
    """Surveys of one route reconciled one by one.

    Attributes
    ----------
    surveys : dict of str to Reconciled
        By survey, in the order the file first names them.
    failed : dict of str to str
        The surveys that could not be reconciled, and why (no redundancy, say): the others still are.
    """

    surveys: dict[str, Reconciled]
    failed: dict[str, str]
    order: tuple[str, ...] = ()
    """Every survey, in the order the file first names it."""

    def summary(self) -> pd.DataFrame:
        """Per survey: the global test, the measurements set aside, and each element's recovery and loss with their sds.

        An element appears where some survey's data fix what the feeds bring of it: its recovery to
        product and its loss to the other outlets (scrap, residues, effluents) give the trends of
        yield and scrap over the campaign.
        """
        import pandas as pd

        rows = {}
        for survey, found in self.surveys.items():
            table = found.measurements
            row: dict[str, object] = {
                "chi-square": found.chi_square,
                "critical": found.critical,
                "global test": "rejects" if found.gross_error else "accepts",
                "set aside": ", ".join(table.index[table["flagged"]]),
            }
            accounts = found.accountability()
            for element, account in accounts[accounts["in [kg/s]"].notna()].iterrows():
                for label in ("recovery", "loss"):
                    row[f"{element} {label} [-]"] = account[f"{label} [-]"]
                    row[f"{element} {label} sd [-]"] = account[f"{label} sd [-]"]
            rows[survey] = row
        for survey, why in self.failed.items():
            rows[survey] = {"global test": f"not reconciled: {why}"}
        frame = pd.DataFrame.from_dict(rows, orient="index").reindex(list(self.order or rows))
        first = ["chi-square", "critical", "global test", "set aside"]  # there even when no survey could be reconciled
        return frame.reindex(columns=first + [c for c in frame.columns if c not in first]).rename_axis("survey")


def side_by_side(**runs: Reconciled | Campaign) -> pd.DataFrame:
    """Each unit's splits, step by step, for runs of the same route side by side: a lab batch and a pilot campaign.

    A single reconciliation gives its shares and their sds (:meth:`Reconciled.splits`); a campaign the
    mean share over its surveys and their standard deviation from survey to survey. Columns are
    ``<name> share`` and ``<name> sd`` per run, in the order given.

    Examples
    --------
    ``side_by_side(lab=reconcile(results, batch), pilot=reconcile_campaign(results, shifts))``
    """
    import pandas as pd

    columns = []
    for name, run in runs.items():
        if isinstance(run, Campaign):
            tables = [found.splits()["share"] for found in run.surveys.values()]
            shares = pd.concat(tables, axis=1) if tables else pd.DataFrame()
            columns += [shares.mean(axis=1).rename(f"{name} share"), shares.std(axis=1, ddof=1).rename(f"{name} sd")]
        else:
            splits = run.splits()
            columns += [splits["share"].rename(f"{name} share"), splits["share sd"].rename(f"{name} sd")]
    return pd.concat(columns, axis=1)


def reconcile_campaign(
    results: Results,
    measurements: list[Measurement],
    confidence: float = 0.95,
    source: str = "measurements",
    period: float | None = None,
    correlations: Mapping[tuple[str, str], float] | None = None,
) -> Campaign:
    """Reconcile each survey of a campaign on its own (:func:`reconcile`), grouped by their ``survey``.

    A survey that cannot be reconciled (its measurements not redundant, say) is reported in
    :attr:`Campaign.failed`; the others are reconciled all the same. Problems of the file itself
    (an unknown stream, a bad number) are raised at once for every survey, at their lines.
    `correlations` hold in every survey that has both measurements of a pair (the same instruments
    read shift after shift); a pair no survey has is refused.
    """
    surveys = _surveys(measurements)
    labels = {survey: set(_labels(_as_reconciled(rows)).tolist()) for survey, rows in surveys.items()}
    pairs = dict(correlations or {})
    for pair in pairs:
        if not any(set(pair) <= own for own in labels.values()):
            raise FlowsheetError(
                f"{source}: correlations: no survey measures both {pair[0]!r} and {pair[1]!r}"
                "\n  hint: pair two labels of one survey's measurements"
            )
    found, failed = {}, {}
    for survey, rows in surveys.items():
        own = {pair: rho for pair, rho in pairs.items() if set(pair) <= labels[survey]}
        try:
            found[survey] = reconcile(results, rows, confidence, source, period, own)
        except DataFileError:  # the file's own problems: for every survey, at their lines
            raise
        except FlowsheetError as err:
            failed[survey] = str(err).splitlines()[0].removeprefix(f"{source}: ")
    return Campaign(found, failed, tuple(surveys))


def _surveys(measurements: list[Measurement]) -> dict[str, list[Measurement]]:
    """The measurements by survey, in the order the surveys first appear (one, ``""``, for a single survey)."""
    surveys: dict[str, list[Measurement]] = {}
    for m in measurements:
        surveys.setdefault(m.survey, []).append(m)
    return surveys


def _as_reconciled(measurements: list[Measurement]) -> list[Measurement]:
    """One survey's measurements as :func:`reconcile` labels them: a stock's two readings as its change."""
    changes = [
        Measurement(f"{m.stream} {STOCK}", m.quantity, 0.0, 1.0, m.line) for m in measurements if m.time == "end"
    ]
    return [m for m in measurements if not m.time] + changes


def stock_changes(
    measurements: list[Measurement], period: float | None, source: str = "measurements"
) -> list[Measurement]:
    """The measurements with each stock's start and end taken together as its change over the survey.

    A unit's stock of an element (or its total) read at the start and the end of a survey of
    `period` seconds changes at ``(end - start) / period`` [kg/s], with standard deviation
    ``√(σ_start² + σ_end²) / period``: a measurement of the unit's accumulation, ``"<unit> stock"``,
    which its balance then holds: in - out = accumulation. Other measurements pass unchanged.

    Raises
    ------
    DataFileError
        At their lines: a stock read at one end only or twice at one, or stocks without a period.
    """
    stocks = [m for m in measurements if m.time]
    if not stocks:
        return measurements
    lengths: set[float | None] = {m.period for m in stocks if m.period is not None} or {period}
    period = lengths.pop() if len(lengths) == 1 else math.nan
    if period is None or not (math.isfinite(period) and period > 0):
        hint = "give the survey's length, e.g. --period '8 h' (reconcile(..., period=28800)), the same for its stocks"
        raise DataFileError.one(source, stocks[0].line, "time", "a stock's change needs the survey's period", hint)
    pairs: dict[tuple[str, str], dict[str, Measurement]] = {}
    issues = []
    for m in stocks:
        pair = pairs.setdefault((m.stream, m.quantity), {})
        if m.time in pair:
            issues.append((m.line, "time", f"the {m.time} of {m.stream}'s {m.quantity} stock is given twice", ""))
        pair[m.time] = m
    changes = []
    for (unit, quantity), pair in pairs.items():
        if len(pair) < 2:
            (present,) = pair.values()
            missing = "end" if present.time == "start" else "start"
            hint = "a stock is read at the start and at the end of the survey"
            issues.append((present.line, "time", f"{unit}'s {quantity} stock has no {missing}", hint))
            continue
        start, end = pair["start"], pair["end"]
        change = (end.value - start.value) / period
        spread = math.hypot(start.sd, end.sd) / period
        changes.append(Measurement(f"{unit} {STOCK}", quantity, change, spread, end.line, "kg/s"))
    if issues:
        raise DataFileError(source, sorted(issues, key=lambda issue: issue[0]))
    return [m for m in measurements if not m.time] + changes


def _covariance(
    sd: np.ndarray, labels: np.ndarray, correlations: Mapping[tuple[str, str], float], source: str
) -> np.ndarray:
    """``V``: the variances on the diagonal, ``ρ σ_i σ_j`` for each correlated pair; refused if not a covariance."""
    v = np.diag(sd**2)
    where = {str(label): i for i, label in enumerate(labels)}
    for (first, second), rho in correlations.items():
        unknown = [name for name in (first, second) if name not in where]
        if unknown or first == second or not (math.isfinite(rho) and -1 < rho < 1):
            problem = (
                f"no measurement {unknown[0]!r}"
                if unknown
                else f"correlation {rho!r} of {first} with itself or outside (-1, 1)"
            )
            raise FlowsheetError(
                f"{source}: correlations: {problem}\n  hint: pair two labels of the measurements' table"
            )
        i, j = where[first], where[second]
        v[i, j] = v[j, i] = rho * sd[i] * sd[j]
    if correlations:
        try:
            np.linalg.cholesky(v)
        except np.linalg.LinAlgError:
            raise FlowsheetError(
                f"{source}: the correlations given make no covariance (it is not positive definite)"
                "\n  hint: check that the correlations of three or more measurements can hold together"
            ) from None
    return v


def _eliminate(
    cn: np.ndarray, y: np.ndarray, v: np.ndarray, lines: np.ndarray, threshold: float, confidence: float, source: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, _Fit, _Structure]:
    """Serial elimination: while both tests reject, the worst measurement is set aside and the rest reconciled again.

    Returns the measurements kept, every measurement's z, the equivalent set suspected (if the worst
    cannot be told from others), and the last fit and its structure.
    """
    kept = np.ones(len(y), bool)
    z_all = np.full(len(y), np.nan)
    suspects = np.zeros(0, int)
    while True:
        structure = _structure(cn[kept])
        fit = _fit(cn[kept], y[kept], v[np.ix_(kept, kept)], structure, source, lines[kept])
        z_all[kept] = fit.z
        if structure.freedom < 1 or not np.isfinite(fit.z).any():
            break
        worst = int(np.nanargmax(np.abs(fit.z)))
        if abs(fit.z[worst]) <= threshold or fit.chi_square <= stats.chi2.ppf(confidence, structure.freedom):
            break
        alike = _alike(fit, worst)
        if len(alike) > 1:  # the data cannot tell which of these is wrong: none is set aside
            suspects = np.flatnonzero(kept)[alike]
            break
        trial = kept.copy()
        trial[np.flatnonzero(kept)[worst]] = False
        if trial.sum() - _structure(cn[trial]).rank < 1:
            break  # without it nothing would be left to test
        kept = trial
    return kept, z_all, suspects, fit, structure


Assays = list[tuple[int, np.ndarray, np.ndarray]]
"""Per assay: its row, and the weights of the flows over which it is a share, ``a = (n · x) / (d · x)``."""


def _assay_rows(measurements: list[Measurement], variables: list[tuple[str, str]], names: dict[str, str]) -> Assays:
    """Per assay: its row and its numerator's and denominator's weights, ``a = (n · x) / (d · x)``.

    An element's assay is its share of the stream's mass; of the dried sample's where the stream's
    water is a variable of its own (its moisture or dry total measured), as a laboratory assays a
    sample after drying it for its moisture. Moisture (an assay of ``H2O``) is water's share of the wet mass.
    """
    column = {v: i for i, v in enumerate(variables)}
    found = []
    for i, m in enumerate(measurements):
        if m.assay:
            stream = names[m.stream]
            numerator, denominator = np.zeros(len(variables)), np.zeros(len(variables))
            numerator[column[(stream, m.quantity)]] = 1.0
            for k, (name, element) in enumerate(variables):
                if name == stream and (m.quantity == WATER or element != WATER):
                    denominator[k] = 1.0
            found.append((i, numerator, denominator))
    return found


def _linearised(c: np.ndarray, y: np.ndarray, assays: Assays, point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The assays linearised at `point`: rows ``∂a/∂x`` and measured values less ``a(point)``; other rows as they are.

    An assay ``a = (n · x) / T``, ``T = d · x`` the mass it is a share of, has
    ``∂a/∂x = n / T - (n · x) d / T²``; ``(∂a/∂x) · point = 0`` (an assay does not see the
    stream's size), so the linear model is ``y - a(point) = (∂a/∂x) x``.
    """
    linear, shifted = c.copy(), y.copy()
    for i, numerator, denominator in assays:
        total = max(float(denominator @ point), 1e-300)
        part = float(numerator @ point)
        linear[i] = numerator / total - part / total**2 * denominator
        shifted[i] = y[i] - part / total
    return linear, shifted


def _damped(point: np.ndarray, estimate: np.ndarray, assays: Assays) -> np.ndarray:
    """The next point of linearisation: `estimate`, or as far towards it as keeps every assayed mass positive.

    From a start far from the data (a route's concentrate as rich as its feed, say) a full step can
    overshoot a stream's total through zero, where its assays have no meaning; halving the step
    keeps it positive and leaves the fixed point, where the step vanishes, unchanged.
    """
    step = estimate - point
    for _ in range(60):
        trial = point + step
        if all(float(denominator @ trial) > 0 for _, _, denominator in assays):
            return trial
        step = step / 2
    return point


def _predicted(c: np.ndarray, assays: Assays, x: np.ndarray) -> np.ndarray:
    """What each measurement would read for the flows `x`: ``c @ x``, and an assay's mass fraction."""
    found = c @ x
    for i, numerator, denominator in assays:
        total = float(denominator @ x)
        found[i] = float(numerator @ x) / total if total > 0 else np.nan
    return found


def _start(
    results: Results, measurements: list[Measurement], variables: list[tuple[str, str]], c: np.ndarray
) -> np.ndarray:
    """Where the linearisation starts: the route's element flows, scaled by the median of measured to route flows.

    A stream's water, where it is a variable of its own, starts at the route's, and its H and O at the rest's.
    """
    streams = dict.fromkeys(s for s, _ in variables if not s.endswith(f" {STOCK}"))  # stocks start unchanged
    by_stream = {stream: element_flows(results, stream) for stream in streams}
    water, shares = _water(results), water_shares()
    masses = results.components.molar_masses  # kg/mol
    for stream in dict.fromkeys(s for s, e in variables if e == WATER):
        own = by_stream[stream]
        own[WATER] = float((results.flow(stream) * masses)[water].sum())
        for element, share in shares.items():
            own[element] -= share * own[WATER]
    route = np.array([by_stream[s][e] if s in by_stream else 0.0 for s, e in variables])
    flows = np.array([not m.assay for m in measurements])
    expected = c[flows] @ route
    measured = np.array([m.value for m in measurements])[flows]
    ratios = measured[expected > 0] / expected[expected > 0]
    return route * (float(np.median(ratios)) if len(ratios) and np.median(ratios) > 0 else 1.0)


def _labels(measurements: list[Measurement]) -> np.ndarray:
    """``"stream quantity"`` for each measurement; a quantity measured twice also names its line."""
    plain = [f"{m.stream} {m.quantity}" for m in measurements]
    labels = [
        f"{text} (line {m.line or i + 1})" if plain.count(text) > 1 else text
        for i, (text, m) in enumerate(zip(plain, measurements, strict=True))
    ]
    return np.array(labels, dtype=object)


CORRELATION_COLUMNS = ("first", "second", "correlation")
"""Columns a correlations file must have: two measurement labels and their errors' correlation coefficient."""


def read_correlations(path: str | Path, measurements: list[Measurement]) -> dict[tuple[str, str], float]:
    """Read a correlations CSV: ``first``, ``second`` (labels of the measurements' table) and ``correlation``.

    A label is ``"stream quantity"`` as :attr:`Reconciled.measurements` names the row (``"dry.dry Ni"``;
    a quantity measured twice in a survey adds its line, ``"a Ni (line 3)"``; a stock's change is
    ``"<unit> stock Ni"``). In a campaign a pair holds in every survey that has both. Every problem is
    reported at once, at its line: an unknown label, a coefficient that is not a number in (-1, 1),
    a pair given twice.
    """
    where = str(path)
    rows = read_csv(path, CORRELATION_COLUMNS, MAX_BYTES, DataFileError)
    labels = {str(label) for group in _surveys(measurements).values() for label in _labels(_as_reconciled(group))}
    found: dict[tuple[str, str], float] = {}
    issues: list[tuple[int, str, str, str]] = []
    for line, row in rows:
        pair = (row["first"], row["second"])
        for name, label in zip(("first", "second"), pair, strict=True):
            if label not in labels:
                near = difflib.get_close_matches(label, sorted(labels), n=2)
                hint = f"did you mean {', '.join(near)}?" if near else "a label of the measurements' table"
                issues.append((line, name, f"no measurement {shown(label)}", hint))
        cell = row["correlation"]
        rho = float(cell) if _NUMBER.fullmatch(cell) else math.nan
        if not -1 < rho < 1:
            issues.append((line, "correlation", f"{shown(cell)} is not a number in (-1, 1)", "e.g. 0.3"))
        if pair in found or pair[::-1] in found:
            issues.append((line, "first", f"{pair[0]} and {pair[1]} are paired twice", "give each pair once"))
        found[pair] = rho
    if issues:
        raise DataFileError(where, issues)
    return found


def read_measurements(path: str | Path, results: Results | None = None) -> list[Measurement]:
    """Read a measurements CSV: columns ``stream``, ``quantity``, ``value``, ``sd``, ``unit``.

    ``quantity`` is an element, ``total``, ``dry`` or ``H2O`` (see :class:`Measurement`).

    ``value`` and ``sd`` are plain numbers (``500``, ``1.2e3``) of a mass flow in ``unit`` (``kg/h``,
    ``t/d`` ...), stored in kg/s, or of an element's assay in a dimensionless ``unit`` (``%``, ``ppm``,
    ``g/t``), stored as a mass fraction. The file is read once through :func:`flowsheet.files.read_csv`
    (UTF-8, at most :data:`MAX_BYTES` bytes, a regular file) and may hold at most
    :data:`MAX_MEASUREMENTS` rows; other columns are ignored.

    Parameters
    ----------
    path : str or Path
        The file.
    results : Results, optional
        A solved route: given, each row's stream and quantity are also checked against it, so that
        every problem of the file is reported at once.

    Raises
    ------
    DataFileError
        With every problem found, each at its line, field, and with a hint: a value that is not a
        finite number >= 0, a standard deviation that is not > 0 (at least :data:`MIN_SD`), a unit
        that is not a mass flow, an empty stream or quantity, and (given `results`) an unknown
        stream or quantity; or a file that cannot be read, has no rows or too many.
    """
    where = str(path)
    rows = read_csv(path, COLUMNS, MAX_BYTES, DataFileError)
    if not rows:
        raise DataFileError.one(
            where, 1, "", "holds no measurements", f"add a row per measured flow under the header {','.join(COLUMNS)}"
        )
    if len(rows) > MAX_MEASUREMENTS:
        hint = "reconcile the plant in parts, each with its own route"
        raise DataFileError.one(
            where, rows[MAX_MEASUREMENTS][0], "", f"more than {MAX_MEASUREMENTS:,} measurements", hint
        )
    issues: list[tuple[int, str, str, str]] = []
    factors: dict[str, tuple[float, str] | str] = {}
    found = []
    for line, row in rows:
        unit = row["unit"]
        if unit not in factors:
            factors[unit] = _factor(unit)
        reading = factors[unit]
        time = row.get("time", "")
        kind = "" if isinstance(reading, str) else reading[1]
        factor: float | str = reading if isinstance(reading, str) else reading[0]
        if isinstance(reading, str):
            issues.append((line, "unit", reading, "a mass flow unit (kg/h, t/d, g/s) or an assay's (%, ppm, g/t)"))
        elif time and kind != "mass":
            issues.append((line, "unit", f"a stock is a mass: {shown(unit)} is not", "write it in kg or t"))
            factor = "not a mass"
        elif kind == "mass" and not time:
            hint = "a stock held in a unit: add a 'time' column saying start or end; a flow is per time, e.g. kg/h"
            issues.append((line, "unit", f"{shown(unit)} is a mass, not a flow", hint))
            factor = "a mass"
        if time and time not in ("start", "end"):
            issues.append(
                (line, "time", f"{shown(time)} is neither start nor end", "a stock is taken at the start or end")
            )
        assay = kind == "assay"
        for name in ("stream", "quantity"):
            if not row[name]:
                issues.append(
                    (line, name, "is empty", "each row names a stream and an element, 'total', 'dry' or 'H2O'")
                )
        value = _flow(row["value"], factor, line, "value", issues)
        sd = _flow(row["sd"], factor, line, "sd", issues)
        if assay and value > 1:
            hint = "an assay is the element's share of the stream's mass, at most 100 %"
            issues.append((line, "value", f"{shown(row['value'])} {unit} is more than the whole stream", hint))
        period = _period(row.get("period", ""), line, issues)
        survey = row.get("survey", "")
        found.append(Measurement(row["stream"], row["quantity"], value, sd, line, unit, assay, time, survey, period))
    if results is not None:
        units = {s.source for s in results.edges} | {s.target for s in results.edges}
        stocks = []
        for m in found:
            if m.time and m.stream not in units:
                hint = f"a stock is held in a unit: {', '.join(sorted(units)[:6])} ..."
                issues.append((m.line, "stream", f"no unit {shown(m.stream)} in {results.name!r}", hint))
            elif m.time:
                stocks.append(m.stream)
        _, variables = balances(results, stocks, _wet(results, found))
        placeholders = [  # rows whose numbers are wrong are checked against the route all the same
            Measurement(f"{m.stream} {STOCK}" if m.time else m.stream, m.quantity, 0.0, 1.0, m.line, m.unit, m.assay)
            for m in found
            if m.stream and m.quantity and (not m.time or m.stream in stocks)
        ]
        issues += _design(results, placeholders, variables)[1]
    if issues:
        raise DataFileError(where, sorted(issues, key=lambda issue: issue[0]))
    return found


def _period(cell: str, line: int, issues: list[tuple[int, str, str, str]]) -> float | None:
    """A survey's length in s, from a cell such as ``8 h``; None if empty, NaN with the problem added if not a time."""
    if not cell:
        return None
    try:
        found = magnitude(cell, "s", field="period")
    except FlowsheetError as err:
        issues.append((line, "period", f"{shown(cell)} is not a duration", getattr(err, "hint", "") or "e.g. 8 h"))
        return math.nan
    if not found > 0:
        issues.append((line, "period", f"{shown(cell)} is not a positive duration", "e.g. 8 h or 1 d"))
        return math.nan
    return found


def _factor(unit: str) -> tuple[float, str] | str:
    """The SI amount per `unit` and what it measures (``"flow"`` kg/s, ``"assay"`` [-], ``"mass"`` kg), or why none."""
    if not unit:
        return "is empty"
    problem = ""
    for kind, si in (("flow", "kg/s"), ("assay", ""), ("mass", "kg")):
        try:
            return magnitude(f"1 {unit}", si, field="unit"), kind
        except UnitError as err:
            problem = problem or err.problem
    return f"{shown(unit)} is neither a mass flow unit nor an assay's: {problem}"


def _flow(cell: str, factor: float | str, line: int, name: str, issues: list[tuple[int, str, str, str]]) -> float:
    """The cell's number in kg/s, or NaN with the problem added to `issues`."""
    if not _NUMBER.fullmatch(cell):
        issues.append((line, name, f"{shown(cell)} is not a number", "write digits, e.g. 500 or 1.2e3; no NaN or inf"))
        return math.nan
    number = float(cell)
    if not math.isfinite(number):
        issues.append((line, name, f"{shown(cell)} is not a finite number", "check the exponent"))
        return math.nan
    if isinstance(factor, str):
        return math.nan
    if name == "value" and number < 0:
        issues.append((line, name, f"{shown(cell)} is negative", "a measured mass flow or assay is zero or positive"))
    elif name == "sd" and number <= 0:
        issues.append((line, name, f"{shown(cell)} is not positive", "a standard deviation is > 0, in the row's unit"))
    elif name == "sd" and number * factor < MIN_SD:
        problem = f"{shown(cell)} is below the smallest accepted, {MIN_SD / factor:.3g} in the row's unit"
        issues.append((line, name, problem, "no instrument is that precise: give its real standard deviation"))
    elif abs(number * factor) > MAX_MAGNITUDE:
        problem = f"{shown(cell)} is beyond {MAX_MAGNITUDE / factor:.3g} in the row's unit"
        issues.append((line, name, problem, "check the number and the unit's prefix"))
    else:
        return number * factor
    return math.nan


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
class _Structure:
    """What the measured quantities ``C N`` fix, whatever their standard deviations."""

    rank: int
    freedom: int
    free: np.ndarray  # basis of the null space of C N: the directions the measurements leave free
    checks: np.ndarray  # L, basis of the left null space of C N: the combinations of measurements the balances fix
    redundant: np.ndarray  # per measurement: something else checks it (its row of L is not zero)


def _structure(cn: np.ndarray) -> _Structure:
    """Rank, free directions, checks and redundancy of ``C N`` (0/1 sums times an orthonormal basis: well scaled)."""
    m, k = cn.shape
    if k == 0:
        return _Structure(0, m, np.zeros((0, 0)), np.eye(m), np.ones(m, bool))
    try:
        u, s, vt = np.linalg.svd(cn, full_matrices=True)
    except np.linalg.LinAlgError as err:
        raise FlowsheetError(f"the measured quantities cannot be decomposed ({err})") from None
    rank = int((s > max(m, k) * np.finfo(float).eps * s.max(initial=0.0)).sum())
    checks = u[:, rank:]
    redundant = (checks**2).sum(axis=1) > 1e-9  # the share of its variance a residual keeps, all sds equal
    checks[~redundant] = 0.0  # rounding, not structure: a measurement nothing else checks has no part in any check
    return _Structure(rank, m - rank, vt[rank:].T, checks, redundant)


@dataclass(frozen=True)
class _Fit:
    u: np.ndarray  # coordinates of the estimate in the null space basis
    z: np.ndarray  # standardised residuals, NaN where not testable
    chi_square: float
    rows: np.ndarray  # V G: each measurement's part in the residual space (parallel rows: the same residuals)


def _fit(cn: np.ndarray, y: np.ndarray, v: np.ndarray, structure: _Structure, source: str, lines: np.ndarray) -> _Fit:
    """The closed form of the module's notes, by a QR factorisation of the standardised checks.

    `v` is the measurements' covariance ``V`` (diagonal unless errors are correlated), factorised
    ``V = F Fᵀ`` so that ``Lᵀ V L = (Fᵀ L)ᵀ (Fᵀ L)``.

    Raises
    ------
    DataFileError
        At the lines of the smallest and largest standard deviations, when they are so far apart
        that the checks are singular in double precision though the structure is not.
    """
    checks = structure.checks  # L, m x d
    z = np.full(len(y), np.nan)
    if checks.shape[1] == 0:
        coordinates = np.linalg.lstsq(cn, y, rcond=None)[0] if cn.size else np.zeros(cn.shape[1])
        return _Fit(coordinates, z, 0.0, checks)
    sd = np.sqrt(np.diag(v))
    weighted = _root(v).T @ checks  # Fᵀ L; Lᵀ V L = (Fᵀ L)ᵀ (Fᵀ L) = Pᵀ Rᵀ R P
    order = np.argsort(-np.abs(weighted).max(axis=1), kind="stable")  # largest rows first: Householder stays accurate
    try:
        r, pivots = linalg.qr(weighted[order], mode="r", pivoting=True)
    except (np.linalg.LinAlgError, ValueError) as err:
        raise FlowsheetError(f"the checks of the measurements cannot be factorised ({err})") from None
    r = r[: checks.shape[1]]
    diagonal = np.abs(np.diag(r))
    if not diagonal.min() > 1e-10 * diagonal.max():
        low, high = int(np.argmin(sd)), int(np.argmax(sd))
        hint = "bring the standard deviations within about 10⁸ of each other, or leave the least precise row out"
        raise DataFileError(
            source,
            [
                (int(lines[low]), "sd", f"the smallest standard deviation, {sd[low]:.3g} kg/s, and", ""),
                (
                    int(lines[high]),
                    "sd",
                    f"the largest, {sd[high]:.3g} kg/s, are too far apart to solve in double precision",
                    hint,
                ),
            ],
        )
    permuted = checks[:, pivots]  # L P
    g = linalg.solve_triangular(r, permuted.T, trans="T").T  # G = L P R⁻¹: r = V G p, cov(r) = V G Gᵀ V
    p = linalg.solve_triangular(r, permuted.T @ y, trans="T")  # p = R⁻ᵀ Pᵀ Lᵀ y, in y's own units
    vg = v @ g  # V G: r = V G p, cov(r) = (V G)(V G)ᵀ
    residual = vg @ p
    length = np.sqrt((vg**2).sum(axis=1))  # sqrt(cov(r)_ii)
    share = (length / sd) ** 2  # var(r_i) / σ_i²
    testable = structure.redundant & (share >= TESTABLE)
    z[testable] = residual[testable] / length[testable]
    reconciled = y - residual  # consistent with the balances: C N u = ŷ has an exact solution
    coordinates = np.linalg.lstsq(cn, reconciled, rcond=None)[0]
    return _Fit(coordinates, z, float(p @ p), vg)


def _spread(cn: np.ndarray, basis: np.ndarray, v: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(K F, K V G)``: ``cov(x̂) = S Sᵀ - T Tᵀ`` for the estimate ``x̂ = K ŷ`` of the kept measurements, [kg/s].

    ``F`` factorises their covariance, ``V = F Fᵀ``; `rows` is the fit's ``V G``.

    ``K = N (C N)⁺`` takes the reconciled measurements to the flows (the minimum-norm solution the
    estimate is; an observable flow is the same in every solution).
    """
    if cn.size == 0:
        return np.zeros((basis.shape[0], len(v))), np.zeros((basis.shape[0], rows.shape[1]))
    gain = basis @ np.linalg.pinv(cn)
    return gain @ _root(v), gain @ rows


def _root(v: np.ndarray) -> np.ndarray:
    """``F`` with ``F Fᵀ = V``: the standard deviations on the diagonal, or Cholesky's factor where errors correlate."""
    if np.count_nonzero(v - np.diag(np.diag(v))) == 0:
        return np.diag(np.sqrt(np.diag(v)))
    return np.linalg.cholesky(v)


def _alike(fit: _Fit, worst: int) -> np.ndarray:
    """The testable measurements whose residuals move exactly with `worst`'s (itself included).

    Their rows in the residual space are parallel, so a gross error in any of them leaves the same
    residuals and the same ``|z|``: the tests cannot say which it is (an equivalent set, Narasimhan
    and Jordache, chapter 8).
    """
    rows = fit.rows / np.sqrt((fit.rows**2).sum(axis=1, keepdims=True).clip(1e-300))
    cosine = np.abs(rows @ rows[worst])
    return np.flatnonzero(np.isfinite(fit.z) & (cosine > 1 - 1e-9))
