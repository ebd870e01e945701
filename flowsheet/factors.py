"""Utility efficiencies, emission factors and transport intensities from ``data/``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from flowsheet.datafiles import read_table
from flowsheet.errors import MissingDataError
from flowsheet.units import magnitude

UTILITIES = "energy/utilities.csv"
KILNS = "energy/kilns.csv"
EMISSIONS = "energy/emission_factors.csv"
MODES = "transport/modes.csv"


@dataclass(frozen=True)
class Utility:
    """What meets a heat duty: an energy carrier and the delivered heat per unit bought.

    Attributes
    ----------
    name : str
        E.g. ``"electric_kiln"``.
    carrier : str
        ``"electricity"``, ``"natural_gas"`` ...
    efficiency : float
        Duty met per energy bought, [-] (a coefficient of performance may exceed 1).
    source : str
        Citation key and locator.

    Notes
    -----
    Energy bought = max(0, duty + losses) / efficiency, the losses being the unit's own
    (a kiln's walls and saggers, :class:`Kiln`); heat removed is not bought.
    """

    name: str
    carrier: str
    efficiency: float
    source: str

    def purchased(self, duty: np.ndarray) -> np.ndarray:
        """Energy bought for a duty [J or W] (losses included), per sample."""
        return np.maximum(0.0, duty) / self.efficiency


@cache
def utilities() -> dict[str, Utility]:
    """All utilities by name."""
    found = {}
    for row in read_table(UTILITIES, required=("utility", "carrier", "efficiency", "source")):
        efficiency = row.number("efficiency")
        if efficiency <= 0:
            raise row.error("efficiency", "must be positive")
        source = f"{row['source']} ({row.path}:{row.line})"
        found[row["utility"]] = Utility(row["utility"], row["carrier"], efficiency, source)
    return found


@dataclass(frozen=True)
class Kiln:
    """A kiln's losses beyond the heat its charge takes up: the walls it holds hot, the saggers it heats.

    Attributes
    ----------
    name : str
        E.g. ``"roller_hearth"``.
    holding_power : float
        Power the kiln draws to stay at `holding_temperature` (walls, rollers, element
        ends), [W].
    holding_temperature : float
        The temperature that power holds, [K]; at another firing temperature it scales
        with the rise over 25 °C (conduction through the lining).
    throughput : float
        Solids fired, as they leave the kiln, [kg/s].
    sagger_ratio : float
        Sagger mass heated per mass of solids fired, [kg/kg].
    sagger_heat_recovery : float
        Fraction of the saggers' heat returned to the firing, [-].
    source : str
        Citation key and locator.
    """

    name: str
    holding_power: float
    holding_temperature: float
    throughput: float
    sagger_ratio: float
    sagger_heat_recovery: float
    source: str


@cache
def kilns() -> dict[str, Kiln]:
    """All kilns by name (``data/energy/kilns.csv``)."""
    found = {}
    required = ("kiln", "holding_power", "holding_temperature", "throughput", "sagger_ratio", "source")
    for row in read_table(KILNS, required=required):
        where = f"{row.path}:{row.line}"
        found[row["kiln"]] = Kiln(
            row["kiln"],
            magnitude(row["holding_power"], "W", field=f"{where} holding_power"),
            magnitude(row["holding_temperature"], "K", field=f"{where} holding_temperature"),
            magnitude(row["throughput"], "kg/s", field=f"{where} throughput"),
            row.number("sagger_ratio"),
            row.number("sagger_heat_recovery"),
            f"{row['source']} ({where})",
        )
    return found


KILN_FIGURES = "energy/kiln_figures.csv"
FIGURE_UNITS = {
    "rated_throughput": "kg/s",
    "shell_area": "m**2",
    "heated_length": "m",
    "inner_width": "m",
    "inner_height": "m",
    "lining_thickness": "m",
    "lining_conductivity": "W/(m*K)",
    "wall_heat_flux": "W/m**2",
    "surface_emissivity": "",
    "sagger_ratio": "",
    "capacity_exponent": "",
    "specific_energy": "J/kg",
    "rated_power": "W",
    "gas_flow": "m**3/kg",
    "exhaust_temperature": "K",
    "thermal_efficiency": "",
}
"""The figures ``data/energy/kiln_figures.csv`` may give, and the SI unit each is held in."""


@dataclass(frozen=True)
class KilnFigure:
    """One figure of a kind of kiln over its sources: the mean is the default, the span the range to sweep.

    Attributes
    ----------
    value, low, high : float
        Mean, least and greatest of the sources' values, in the SI unit of :data:`FIGURE_UNITS`.
    sources : tuple of str
        Citation key and table row of each value.
    """

    value: float
    low: float
    high: float
    sources: tuple[str, ...]


@cache
def kiln_figures() -> dict[tuple[str, str], KilnFigure]:
    """Each (kind of kiln, figure) of ``data/energy/kiln_figures.csv``, over its sources.

    Rows of kiln ``any`` (published energy figures of whole kilns) are checked, not returned: they are
    for comparison (notebook ``03_validation_against_greet``), never for the model.
    """
    values: dict[tuple[str, str], list[tuple[float, str]]] = {}
    for row in read_table(KILN_FIGURES, required=("kiln", "figure", "value", "unit", "source")):
        figure = row["figure"]
        if figure not in FIGURE_UNITS:
            raise row.error("figure", f"unknown figure {figure!r}; known: {', '.join(FIGURE_UNITS)}")
        unit = "" if row["unit"] == "dimensionless" else row["unit"]
        value = magnitude(f"{row['value']} {unit}".strip(), FIGURE_UNITS[figure], field=f"{row.path}:{row.line} value")
        if row["kiln"] == "any":
            continue  # published figures for whole kilns, kept to compare with, not to model by
        values.setdefault((row["kiln"], figure), []).append((value, f"{row['source']} ({row.path}:{row.line})"))
    return {
        key: KilnFigure(float(np.mean([v for v, _ in found])), min(v for v, _ in found), max(v for v, _ in found),
                        tuple(source for _, source in found))
        for key, found in values.items()
    }  # fmt: skip


def kiln(name: str) -> Kiln:
    """Return a kiln, or raise :class:`MissingDataError` listing the known ones."""
    try:
        return kilns()[name]
    except KeyError:
        raise MissingDataError(name, KILNS, f"unknown kiln; known: {', '.join(kilns())}") from None


def utility(name: str) -> Utility:
    """Return a utility, or raise :class:`MissingDataError` listing the known ones."""
    try:
        return utilities()[name]
    except KeyError:
        raise MissingDataError(name, UTILITIES, f"unknown utility; known: {', '.join(utilities())}") from None


@cache
def emission_factors() -> dict[tuple[str, str], float]:
    """CO2e per energy by (carrier, region), [kg/J]."""
    found = {}
    for row in read_table(EMISSIONS, required=("carrier", "region", "co2e", "unit", "source")):
        value = magnitude(f"{row['co2e']} {row['unit']}", "kg/J", field=f"{row.path}:{row.line} co2e")
        found[(row["carrier"], row["region"])] = value
    return found


def emission_factor(carrier: str, region: str = "world") -> float:
    """CO2e of a carrier in a region, [kg/J]; a region without its own figure takes the world figure."""
    factors = emission_factors()
    for key in ((carrier, region), (carrier, "world")):
        if key in factors:
            return factors[key]
    raise MissingDataError(carrier, EMISSIONS, f"no emission factor for region {region!r} or 'world'")


@dataclass(frozen=True)
class Mode:
    """A transport mode: energy per tonne-km and the fuel burnt.

    Attributes
    ----------
    name : str
        ``"sea"``, ``"rail"``, ``"road"``, ``"barge"``.
    energy_intensity : float
        Fuel energy per tonne-km, [J/(kg*m)].
    fuel : str
        The carrier, for its emission factor.
    """

    name: str
    energy_intensity: float
    fuel: str


@cache
def modes() -> dict[str, Mode]:
    """All transport modes by name."""
    found = {}
    for row in read_table(MODES, required=("mode", "energy_intensity", "unit", "fuel", "source")):
        value = f"{row['energy_intensity']} {row['unit']}"
        intensity = magnitude(value, "J/(kg*m)", field=f"{row.path}:{row.line} energy_intensity")
        found[row["mode"]] = Mode(row["mode"], intensity, row["fuel"])
    return found


LANES = "transport/lanes.csv"


@dataclass(frozen=True)
class Lane:
    """The default way goods travel from one region to another.

    Attributes
    ----------
    origin, destination : str
        Regions; a destination of ``"*"`` is the origin's export average to anywhere.
    parts : tuple of (str, float, float)
        ``(mode, mass share, distance [m])`` per mode, largest share first, the shares
        scaled to sum to 1 over the modes the source gives a distance for.
    source : str
        Citation key and the table rows.
    """

    origin: str
    destination: str
    parts: tuple[tuple[str, float, float], ...]
    source: str

    @property
    def mode(self) -> str:
        """The mode carrying the largest share."""
        return self.parts[0][0]

    @property
    def distance(self) -> float:
        """That mode's distance, [m]."""
        return self.parts[0][2]


@cache
def lanes() -> dict[tuple[str, str], Lane]:
    """All lanes by (origin, destination); a lane's rows are one per mode."""
    rows: dict[tuple[str, str], list] = {}
    required = ("origin", "destination", "mode", "share", "distance", "unit", "source")
    for row in read_table(LANES, required=required):
        if row["mode"] not in modes():
            raise row.error("mode", f"{row['mode']!r} has no row in {MODES}")
        share = row.number("share")
        if not 0 < share <= 1:
            raise row.error("share", "must be in (0, 1]")
        distance = magnitude(f"{row['distance']} {row['unit']}", "m", field=f"{row.path}:{row.line} distance")
        rows.setdefault((row["origin"], row["destination"]), []).append((row, share, distance))
    found = {}
    for key, parts in rows.items():
        total = sum(share for _, share, _ in parts)
        ordered = sorted(parts, key=lambda part: -part[1])
        lines = ",".join(str(row.line) for row, _, _ in ordered)
        source = f"{ordered[0][0]['source']} ({LANES}:{lines})"
        found[key] = Lane(*key, tuple((row["mode"], share / total, d) for row, share, d in ordered), source)
    return found


def lane(origin: str, destination: str) -> Lane:
    """The lane between two regions: their own row, else the origin's export average.

    An export average does not stand in for a leg within one region: that needs its own row.

    Raises
    ------
    MissingDataError
        If there is no such lane in ``data/transport/lanes.csv``.
    """
    keys = [(origin, destination)] + ([(origin, "*")] if origin != destination else [])
    for key in keys:
        if key in lanes():
            return lanes()[key]
    if origin == destination:
        problem = f"no lane within region {origin!r}; an export average does not describe a domestic leg"
    else:
        origins = sorted({o for o, _ in lanes()})
        problem = f"no lane from region {origin!r}; regions with lanes: {', '.join(origins)}"
    raise MissingDataError(f"{origin} -> {destination}", LANES, problem)


def regions() -> tuple[str, ...]:
    """Every region with a grid emission factor or a lane, and ``world``."""
    named = {region for _, region in emission_factors()} | {o for o, _ in lanes()} | {"world"}
    return tuple(sorted(named - {"*"}))
