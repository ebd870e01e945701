"""Heat-capacity models: NASA 9-coefficient polynomials and constant Cp.

Every model gives ``cp(T)`` [J/(mol*K)] and ``enthalpy_change(T)`` =
H(T) - H(298.15 K) [J/mol] inside its validity range ``t_min..t_max`` [K],
phase transitions between the records of one species included.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

R = 8.314510
"""Gas constant used by the NASA Glenn coefficients, [J/(mol*K)] (McBride et al. 2002, eq. 2)."""

T_REFERENCE = 298.15
"""Reference temperature of formation enthalpies, [K]."""


@dataclass(frozen=True)
class Nasa9Interval:
    """One temperature interval of a NASA Glenn 9-coefficient polynomial.

    Parameters
    ----------
    t_min, t_max : float
        Validity range, [K].
    a : tuple of float
        Seven coefficients a1..a7 of Cp/R = a1 T^-2 + a2 T^-1 + a3 + a4 T + a5 T^2 + a6 T^3 + a7 T^4.
    b1 : float
        Enthalpy integration constant, [K].

    References
    ----------
    .. [1] B. J. McBride, M. J. Zehe, S. Gordon, NASA/TP-2002-211556 (2002), eqs. 2-3.
    """

    t_min: float
    t_max: float
    a: tuple[float, float, float, float, float, float, float]
    b1: float

    def cp(self, temperature: float | np.ndarray) -> float | np.ndarray:
        """Heat capacity at `temperature` [K], [J/(mol*K)]."""
        t = temperature
        a1, a2, a3, a4, a5, a6, a7 = self.a
        return R * (a1 / t**2 + a2 / t + a3 + a4 * t + a5 * t**2 + a6 * t**3 + a7 * t**4)

    def enthalpy(self, temperature: float | np.ndarray) -> float | np.ndarray:
        """Absolute NASA enthalpy (H(298.15) = formation enthalpy) at `temperature` [K], [J/mol]."""
        t = temperature
        a1, a2, a3, a4, a5, a6, a7 = self.a
        h_over_rt = (
            -a1 / t**2 + a2 * np.log(t) / t + a3 + a4 * t / 2 + a5 * t**2 / 3 + a6 * t**3 / 4 + a7 * t**4 / 5
        ) + self.b1 / t
        return R * t * h_over_rt

    def enthalpy_difference(self, temperature: float | np.ndarray, start: float) -> float | np.ndarray:
        """H(T) - H(start) within this interval, [J/mol], integrated term by term.

        The same as ``enthalpy(T) - enthalpy(start)`` but without subtracting two
        large absolute enthalpies, so it keeps full precision when T is near `start`.
        """
        t, t0 = temperature, start
        a1, a2, a3, a4, a5, a6, a7 = self.a
        return R * (
            -a1 * (1 / t - 1 / t0)
            + a2 * np.log(t / t0)
            + a3 * (t - t0)
            + a4 * (t**2 - t0**2) / 2
            + a5 * (t**3 - t0**3) / 3
            + a6 * (t**4 - t0**4) / 4
            + a7 * (t**5 - t0**5) / 5
        )


@dataclass(frozen=True)
class Nasa9:
    """NASA Glenn polynomials over contiguous intervals (several records for polymorphs).

    Parameters
    ----------
    intervals : tuple of Nasa9Interval
        Sorted by temperature, each starting where the previous one ends.
    """

    intervals: tuple[Nasa9Interval, ...]

    @property
    def t_min(self) -> float:
        """Lowest valid temperature, [K]."""
        return self.intervals[0].t_min

    @property
    def t_max(self) -> float:
        """Highest valid temperature, [K]."""
        return self.intervals[-1].t_max

    def _interval(self, temperature: float) -> Nasa9Interval:
        for interval in self.intervals:
            if temperature <= interval.t_max:
                return interval
        return self.intervals[-1]

    def _select(self, temperature: float | np.ndarray, values: list) -> float | np.ndarray:
        """Per temperature, the value of the first interval whose upper end is not below it."""
        if np.ndim(temperature) == 0 or len(values) == 1:
            return values[next((i for i, iv in enumerate(self.intervals) if np.all(temperature <= iv.t_max)), -1)]
        conditions = [np.asarray(temperature) <= interval.t_max for interval in self.intervals[:-1]]
        return np.select(conditions, values[:-1], default=values[-1])

    def cp(self, temperature: float | np.ndarray) -> float | np.ndarray:
        """Heat capacity, [J/(mol*K)]; one per temperature for an array."""
        return self._select(temperature, [interval.cp(temperature) for interval in self.intervals])

    def enthalpy_change(self, temperature: float | np.ndarray) -> float | np.ndarray:
        """H(T) - H(298.15 K), [J/mol], transition enthalpies between records included.

        Within the interval of T: its term-by-term integral from an anchor (298.15 K,
        or the interval's lower end) plus the anchor's fixed offset from 298.15 K.
        """
        values = [
            interval.enthalpy_difference(temperature, anchor) + offset
            for interval, (anchor, offset) in zip(self.intervals, self._anchors(), strict=True)
        ]
        return self._select(temperature, values)

    def _anchors(self) -> list[tuple[float, float]]:
        """Per interval: the temperature its integral starts from and H(start) - H(298.15 K)."""
        reference = float(self._interval(T_REFERENCE).enthalpy(T_REFERENCE))
        anchors = []
        for interval in self.intervals:
            if interval.t_min <= T_REFERENCE <= interval.t_max:
                anchors.append((T_REFERENCE, 0.0))
            else:
                anchors.append((interval.t_min, float(interval.enthalpy(interval.t_min)) - reference))
        return anchors


@dataclass(frozen=True)
class ConstantHeatCapacity:
    """A heat capacity independent of temperature.

    Parameters
    ----------
    value : float
        Heat capacity, [J/(mol*K)].
    t_min, t_max : float
        Range in which the species exists and the value is used, [K].
    """

    value: float
    t_min: float
    t_max: float

    def cp(self, temperature: float | np.ndarray) -> float | np.ndarray:
        """Heat capacity, [J/(mol*K)]."""
        return self.value + 0.0 * np.asarray(temperature)

    def enthalpy_change(self, temperature: float | np.ndarray) -> float | np.ndarray:
        """H(T) - H(298.15 K) = Cp (T - 298.15), [J/mol]."""
        return self.value * (temperature - T_REFERENCE)


@dataclass(frozen=True)
class MixtureHeatCapacity:
    """The heat capacity of an ideal mixture of end members: ``Σ share_i model_i`` (an estimate).

    Parameters
    ----------
    parts : tuple of (float, model)
        Each end member's share (mol per mol of the mixture) and its heat-capacity model.
    """

    parts: tuple[tuple[float, Nasa9 | ConstantHeatCapacity], ...]

    @property
    def t_min(self) -> float:
        """Lowest temperature every end member's data cover, [K]."""
        return max(model.t_min for _, model in self.parts)

    @property
    def t_max(self) -> float:
        """Highest temperature every end member's data cover, [K]."""
        return min(model.t_max for _, model in self.parts)

    def cp(self, temperature: float | np.ndarray) -> float | np.ndarray:
        """Heat capacity, [J/(mol*K)]."""
        return sum(share * model.cp(temperature) for share, model in self.parts)  # type: ignore[return-value]

    def enthalpy_change(self, temperature: float | np.ndarray) -> float | np.ndarray:
        """H(T) - H(298.15 K), [J/mol]."""
        return sum(share * model.enthalpy_change(temperature) for share, model in self.parts)  # type: ignore[return-value]


HeatCapacity = Nasa9 | ConstantHeatCapacity | MixtureHeatCapacity
