"""The enthalpy of a set of species as one piecewise polynomial, for streams of many samples.

Every heat-capacity model shipped (NASA 9-coefficient intervals, constant Cp) integrates to
``H(T) - H(298.15 K) = c · φ(T; T_a)`` on each of its intervals, with one basis about an anchor
temperature ``T_a``

    φ(T; T_a) = [1, 1/T - 1/T_a, ln(T/T_a), T - T_a, T² - T_a², T³ - T_a³, T⁴ - T_a⁴, T⁵ - T_a⁵]

(``c[0]`` is then H(T_a) - H(298.15 K)). Between the union of the species' interval ends
(*segments*, each with its own anchor inside it, 298.15 K where it lies inside), a stream's
sensible enthalpy ``Σ_j n_j (H_j(T) - H_j(298.15))`` is ``(n @ C[g]) · φ(T; T_a[g])``: eight
numbers per sample, whatever the number of species, so an adiabatic-mixing Newton step costs a
handful of array operations per sample instead of one polynomial per species. Anchoring inside
the segment keeps the terms small: the NASA liquid-water polynomial's terms reach 1e9 J/mol in
absolute powers of T, cancelling to 1e4; about the anchor they stay near 1e7, as in the
term-by-term integral of :meth:`~flowsheet.thermo.heat_capacity.Nasa9Interval.enthalpy_difference`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from flowsheet.thermo.heat_capacity import (
    T_REFERENCE,
    ConstantHeatCapacity,
    HeatCapacity,
    MixtureHeatCapacity,
    Nasa9,
    R,
)
from flowsheet.thermo.species import Species

BASIS_SIZE = 8


def basis(temperature: np.ndarray, anchor: np.ndarray | float) -> np.ndarray:
    """φ(T; T_a), shape (*T.shape, 8); T and its anchor T_a (broadcast alike) in [K]."""
    t, a = np.asarray(temperature, dtype=float), np.asarray(anchor, dtype=float)
    found = np.empty((*t.shape, BASIS_SIZE))
    found[..., 0] = 1.0
    found[..., 1] = 1 / t - 1 / a
    found[..., 2] = np.log(t / a)
    power, anchor_power = t, a
    for k in range(3, BASIS_SIZE):
        found[..., k] = power - anchor_power
        power, anchor_power = power * t, anchor_power * a
    return found


def slope_basis(temperature: np.ndarray) -> np.ndarray:
    """dφ/dT, shape (*T.shape, 8), so that ``c · dφ/dT`` is a heat capacity."""
    t = np.asarray(temperature, dtype=float)
    found = np.empty((*t.shape, BASIS_SIZE))
    found[..., 0] = 0.0
    found[..., 1] = -1 / (t * t)
    found[..., 2] = 1 / t
    power = np.ones_like(t)
    for k in range(3, BASIS_SIZE):
        found[..., k] = (k - 2) * power
        power = power * t
    return found


def _coefficients(model: HeatCapacity, temperature: float, anchor: float) -> np.ndarray:
    """``c`` with ``H(T) - H(298.15 K) = c · φ(T; anchor)`` on the interval `model` uses at `temperature`, [J/mol]."""
    if isinstance(model, MixtureHeatCapacity):
        return sum((share * _coefficients(part, temperature, anchor) for share, part in model.parts), np.zeros(8))
    if isinstance(model, ConstantHeatCapacity):
        return np.array([model.value * (anchor - T_REFERENCE), 0, 0, model.value, 0, 0, 0, 0])
    assert isinstance(model, Nasa9)
    index = next((i for i, iv in enumerate(model.intervals) if temperature <= iv.t_max), len(model.intervals) - 1)
    interval, (start, offset) = model.intervals[index], model._anchors()[index]
    a1, a2, a3, a4, a5, a6, a7 = interval.a
    at_anchor = offset + float(interval.enthalpy_difference(anchor, start))
    return np.array([at_anchor, *(R * np.array([-a1, a2, a3, a4 / 2, a5 / 3, a6 / 4, a7 / 5]))])


def _interval_ends(model: HeatCapacity) -> set[float]:
    """Where a model changes polynomial, [K]: the inner interval ends of NASA records, of mixtures' parts too."""
    if isinstance(model, MixtureHeatCapacity):
        return {end for _, part in model.parts for end in _interval_ends(part)}
    if isinstance(model, Nasa9):
        return {interval.t_max for interval in model.intervals[:-1]}
    return set()


def _anchor(low: float, high: float) -> float:
    """The anchor of the segment ``(low, high]``, [K]."""
    if low < T_REFERENCE <= high:
        return T_REFERENCE
    if np.isinf(low):
        return float(high)
    return float(low) if np.isinf(high) else (low + high) / 2


class EnthalpyTable:
    """Sensible enthalpy coefficients of an ordered set of species, segment by segment.

    Parameters
    ----------
    species : sequence of Species
        The species, in the column order of the flows the table is applied to.

    Attributes
    ----------
    breaks : numpy.ndarray
        Interior segment ends, [K], ascending; segment ``g`` holds ``breaks[g-1] < T <= breaks[g]``.
    anchors : numpy.ndarray
        Each segment's anchor temperature, [K]: 298.15 K if inside it, else its midpoint (an open
        end segment: its finite end).
    coefficients : numpy.ndarray
        ``C``, shape (segments, species, 8), [J/mol].
    formation : numpy.ndarray
        Formation enthalpies at 298.15 K, (species,), [J/mol].
    t_min, t_max : numpy.ndarray
        Each species' validity range, (species,), [K].
    """

    def __init__(self, species: Sequence[Species]) -> None:
        self.species = tuple(species)
        ends = {end for s in species for end in _interval_ends(s.heat_capacity)}
        self.breaks = np.array(sorted(ends))
        uppers = [*self.breaks, np.inf]
        lowers = [-np.inf, *self.breaks]
        self.anchors = np.array([_anchor(low, high) for low, high in zip(lowers, uppers, strict=True)])
        self.coefficients = np.array(
            [
                [_coefficients(s.heat_capacity, upper, anchor) for s in species]
                for upper, anchor in zip(uppers, self.anchors, strict=True)
            ]
        )
        self.coefficients = self.coefficients.reshape(len(uppers), len(species), BASIS_SIZE)
        self.formation = np.array([s.formation_enthalpy for s in species])
        self.t_min = np.array([s.heat_capacity.t_min for s in species])
        self.t_max = np.array([s.heat_capacity.t_max for s in species])
        self._at: dict[float, tuple[np.ndarray, np.ndarray]] = {}
        """Molar enthalpies and out-of-range flags at temperatures asked before, a few dozen at most."""

    def segment(self, temperature: np.ndarray) -> np.ndarray:
        """Segment index of each temperature [K]."""
        return np.searchsorted(self.breaks, temperature, side="left")

    def molar(self, temperature: float) -> np.ndarray:
        """Molar enthalpy ΔfH° + H(T) - H(298.15 K) of each species at one temperature [K], (species,), [J/mol]."""
        return self._at_temperature(temperature)[0]

    def _at_temperature(self, temperature: float) -> tuple[np.ndarray, np.ndarray]:
        found = self._at.get(temperature)
        if found is None:
            g = int(self.segment(np.array(temperature)))
            molar = self.formation + self.coefficients[g] @ basis(np.array(temperature), self.anchors[g])
            out = (temperature < self.t_min - 1e-9) | (temperature > self.t_max + 1e-9)
            if len(self._at) >= 64:
                self._at.clear()
            found = self._at[temperature] = (molar, out)
        return found

    def mixture(self, flows: np.ndarray, low: float, high: float) -> tuple[np.ndarray, int]:
        """Per sample, the mixture's coefficients ``n @ C[g]`` for the segments in ``[low, high]`` [K].

        Returns the array (N, segments spanned, 8) and the index of its first segment.
        """
        first, last = int(self.segment(np.array(low))), int(self.segment(np.array(high)))
        return np.einsum("nj,gjk->ngk", flows, self.coefficients[first : last + 1]), first

    def outside(self, temperature: np.ndarray, flows: np.ndarray) -> int | None:
        """Column of the first species that flows in some sample at a temperature outside its data, or None.

        `temperature` has shape (1,) for one temperature of every sample, or (N,); `flows` (N, species).
        """
        t = np.asarray(temperature)
        out = (
            self._at_temperature(float(t[0]))[1]
            if t.shape == (1,)
            else ((t[:, None] < self.t_min - 1e-9) | (t[:, None] > self.t_max + 1e-9))
        )
        if not out.any():
            return None
        bad = (out & (flows != 0.0)).any(axis=0)
        return int(np.argmax(bad)) if bad.any() else None
