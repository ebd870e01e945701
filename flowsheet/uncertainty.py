"""Uncertain parameters: a nominal value and a distribution, read with units, drawn reproducibly.

In a route file any numeric parameter may be written as a mapping::

    wash_ratio: {value: 5 L/kg, range: [3 L/kg, 10 L/kg]}           # uniform
    wash_ratio: {value: 5 L/kg, triangular: [3 L/kg, 5 L/kg, 10 L/kg]}  # low, mode, high
    wash_ratio: {value: 5 L/kg, normal: 1 L/kg}                      # standard deviation
    wash_ratio: {value: 5 L/kg, lognormal: 0.3}                      # sigma of ln, median = value

Bounds carry units like the value, checked against the parameter's dimensionality.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pint

from flowsheet.errors import UnitError
from flowsheet.units import Quantity, magnitude, parse_quantity

KINDS = ("range", "triangular", "normal", "lognormal")


@dataclass(frozen=True)
class Distribution:
    """A parameter's uncertainty, in the parameter's storage unit.

    Attributes
    ----------
    kind : str
        ``range`` (uniform), ``triangular``, ``normal`` or ``lognormal``.
    nominal : float
        The value used by single solves.
    parameters : tuple of float
        (low, high), (low, mode, high), (standard deviation,) or (sigma of ln,).
    storage : str
        The parameter's storage unit (SI, ``""`` when dimensionless).
    unit : str
        The unit its value is written in, in the route file (``"L/kg"``, ``"km"``; ``""`` for a
        plain number): samples are reported in it.
    """

    kind: str
    nominal: float
    parameters: tuple[float, ...]
    storage: str = ""
    unit: str = ""

    def shown(self, values: np.ndarray | float) -> np.ndarray:
        """Values [storage unit] in the route file's unit (offsets such as degC included)."""
        return convert(values, self.storage, self.unit)

    def described(self) -> dict:
        """Kind, nominal value and parameters in the route file's unit, for reports."""
        nominal = float(self.shown(self.nominal))
        if self.kind == "normal":  # a standard deviation is a difference: scale it without the unit's offset
            step = float(self.shown(self.nominal + 1.0)) - nominal
            parameters = [p * step for p in self.parameters]
        elif self.kind == "lognormal":
            parameters = list(self.parameters)
        else:
            parameters = [float(v) for v in self.shown(np.array(self.parameters))]
        return {"kind": self.kind, "unit": self.unit, "nominal": nominal, "parameters": parameters}

    def quantile(self, share: np.ndarray) -> np.ndarray:
        """The value below which `share` of draws fall, [storage unit]: maps the unit interval onto the distribution."""
        from scipy import stats

        share = np.asarray(share, dtype=float)
        if self.kind == "range":
            return self.parameters[0] + share * (self.parameters[1] - self.parameters[0])
        if self.kind == "triangular":
            low, mode, high = self.parameters
            return stats.triang.ppf(share, (mode - low) / (high - low), loc=low, scale=high - low)
        if self.kind == "normal":
            return stats.norm.ppf(share, loc=self.nominal, scale=self.parameters[0])
        return self.nominal * np.exp(stats.norm.ppf(share, scale=self.parameters[0]))

    def draw(self, generator: np.random.Generator, count: int) -> np.ndarray:
        """Draw `count` values."""
        if self.kind == "range":
            return generator.uniform(self.parameters[0], self.parameters[1], count)
        if self.kind == "triangular":
            low, mode, high = self.parameters
            return generator.triangular(low, mode, high, count)
        if self.kind == "normal":
            return generator.normal(self.nominal, self.parameters[0], count)
        return self.nominal * np.exp(generator.normal(0.0, self.parameters[0], count))


def is_uncertain(value: Any) -> bool:
    """True for a mapping with a ``value`` and one distribution key."""
    return isinstance(value, dict) and "value" in value and any(kind in value for kind in KINDS)


def read_distribution(spec: dict, unit: str | None, field: str) -> Distribution:
    """Read ``{value: ..., range: [...]}`` for a parameter stored in `unit` ("" dimensionless, None free).

    Raises
    ------
    UnitError
        On wrong units, unknown keys, or bounds that do not bracket the value.
    """
    kinds = [kind for kind in KINDS if kind in spec]
    unknown = set(spec) - {"value", *KINDS}
    if len(kinds) != 1 or unknown:
        problem = f"unknown keys {sorted(unknown)}" if unknown else f"give exactly one of {', '.join(KINDS)}"
        raise UnitError(
            field,
            "{value: ..., range|triangular|normal|lognormal: ...}",
            str(spec),
            problem,
            "e.g. {value: 5 L/kg, range: [3 L/kg, 10 L/kg]} or {value: 0.2, normal: 0.02}",
        )
    kind = kinds[0]

    def read(value: Any, part: str) -> float:
        if unit is None:
            return float(value)
        return magnitude(value, unit, field=f"{field}.{part}")

    nominal = read(spec["value"], "value")
    written = (written_unit(spec["value"]) or unit) if unit else ""
    raw = spec[kind]
    if kind in ("range", "triangular"):
        items = list(raw) if isinstance(raw, list | tuple) else [raw]
        expected = 2 if kind == "range" else 3
        if len(items) != expected:
            raise UnitError(
                f"{field}.{kind}",
                f"{expected} values",
                str(raw),
                f"has {len(items)}",
                "e.g. {value: 5 L/kg, range: [3 L/kg, 10 L/kg]} or {value: 0.2, normal: 0.02}",
            )
        bounds = tuple(read(item, kind) for item in items)
        if list(bounds) != sorted(bounds) or bounds[0] == bounds[-1]:
            raise UnitError(
                f"{field}.{kind}",
                "ordered bounds, low < high",
                str(raw),
                "they are not",
                "e.g. {value: 5 L/kg, range: [3 L/kg, 10 L/kg]}",
            )
        if not bounds[0] <= nominal <= bounds[-1]:
            raise UnitError(
                f"{field}.value",
                f"a value within its {kind}",
                str(spec["value"]),
                f"lies outside {raw}",
                "the value single runs use must lie between the bounds",
            )
        return Distribution(kind, nominal, bounds, unit or "", written)
    if kind == "normal":
        spread = read(raw, kind)
    else:
        spread = magnitude(raw, "", field=f"{field}.{kind}")
    if spread <= 0:
        raise UnitError(
            f"{field}.{kind}",
            "a positive spread",
            str(raw),
            "is not positive",
            "e.g. {value: 5 L/kg, range: [3 L/kg, 10 L/kg]} or {value: 0.2, normal: 0.02}",
        )
    return Distribution(kind, nominal, (spread,), unit or "", written)


def convert(values: np.ndarray | float, storage: str, unit: str) -> np.ndarray:
    """Values stored in `storage` (SI) expressed in `unit` (offsets such as degC included)."""
    if unit == storage:
        return np.asarray(values, dtype=float)
    return np.asarray(Quantity(np.asarray(values, dtype=float), storage).to(unit).magnitude)


def written_unit(value: Any) -> str:
    """The unit a value is written in: ``"5 L/kg"`` -> ``"L/kg"`` (pint's short form if not spaced); ``""`` for a number."""
    if isinstance(value, pint.Quantity):
        return f"{value.units:~}"
    if not isinstance(value, str):
        return ""
    parts = value.strip().split(maxsplit=1)
    return parts[1] if len(parts) == 2 else f"{parse_quantity(value, None, field='value').units:~}"
