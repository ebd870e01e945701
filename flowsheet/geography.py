"""Where sites are and how goods travel between them: ports, sea distances, inland legs, transit times.

A site stands in a region and ships through a port (UN/LOCODE): the one it names, else its
region's default port (``data/transport/ports.csv``), reached over an inland leg by road or rail.
The way between two sites (:func:`passage`) is the origin's inland leg, the sea distance between
their ports (``data/transport/sea_distances.csv``, generated over the MARNET shipping network)
and the destination's inland leg, with a port call at each end. A region with no default port
falls back to the trade-weighted lane of ``data/transport/lanes.csv``, and says so.

Transit time is distance over each mode's effective speed (``data/transport/speeds.csv``)
plus the dwell of each port call (``data/transport/port_times.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flowsheet.datafiles import read_table
from flowsheet.errors import MissingDataError
from flowsheet.factors import lane, modes
from flowsheet.units import magnitude

PORTS = "transport/ports.csv"
SEA_DISTANCES = "transport/sea_distances.csv"
SPEEDS = "transport/speeds.csv"
PORT_TIMES = "transport/port_times.csv"
INLAND_MODES = ("road", "rail", "barge")
"""Modes an inland leg may take."""


@dataclass(frozen=True)
class Port:
    """A seaport.

    Attributes
    ----------
    code : str
        UN/LOCODE, e.g. ``"NOMQN"`` (Mo i Rana).
    name : str
        E.g. ``"Mo i Rana"``.
    region : str
        The region it serves.
    default : bool
        True for the port a site of its region ships through unless it names another.
    inland_mode, inland_distance : str, float
        For a default port: the usual inland leg from the region's plants to it, [m].
    source : str
        Citation key and the table row.
    """

    code: str
    name: str
    region: str
    default: bool
    inland_mode: str
    inland_distance: float
    source: str


@cache
def ports() -> dict[str, Port]:
    """Every port by UN/LOCODE (``data/transport/ports.csv``); each region has at most one default."""
    found: dict[str, Port] = {}
    defaults: dict[str, int] = {}
    for row in read_table(PORTS, required=("port", "name", "region", "default", "source")):
        code, default = row["port"], row["default"] == "yes"
        if code in found:
            raise row.error("port", f"{code} is listed twice")
        if row["default"] not in ("yes", "no"):
            raise row.error("default", f"must be yes or no, got {row['default']!r}")
        mode, distance = row.values.get("inland_mode", ""), 0.0
        if default:
            if row["region"] in defaults:
                raise row.error(
                    "default", f"region {row['region']} already has a default port (line {defaults[row['region']]})"
                )
            defaults[row["region"]] = row.line
            if mode not in INLAND_MODES:
                raise row.error(
                    "inland_mode", f"a default port needs its inland mode, one of {', '.join(INLAND_MODES)}"
                )
            field = f"{row.path}:{row.line} inland_distance"
            text = f"{row.values.get('inland_distance', '')} {row.values.get('unit', '')}"
            distance = magnitude(text, "m", field=field)
        source = f"{row['source']} ({row.path}:{row.line})"
        found[code] = Port(code, row["name"], row["region"], default, mode, distance, source)
    return found


def port(code: str) -> Port:
    """Return a port, or raise :class:`MissingDataError` listing the known ones."""
    try:
        return ports()[code]
    except KeyError:
        known = ", ".join(sorted(ports()))
        raise MissingDataError(code, PORTS, f"unknown port (UN/LOCODE); known: {known}") from None


def default_port(region: str) -> Port | None:
    """The port a site of `region` ships through unless it names one; None if the region has none."""
    return next((p for p in ports().values() if p.default and p.region == region), None)


@cache
def sea_distances() -> dict[frozenset[str], tuple[float, str]]:
    """Sea distance [m] and its source by the pair of ports, either way round."""
    found = {}
    for row in read_table(SEA_DISTANCES, required=("from", "to", "distance", "unit", "source")):
        value = magnitude(f"{row['distance']} {row['unit']}", "m", field=f"{row.path}:{row.line} distance")
        found[frozenset((row["from"], row["to"]))] = (value, f"{row['source']} ({row.path}:{row.line})")
    return found


def sea_distance(a: str, b: str) -> tuple[float, str]:
    """Sea distance between two ports [m] and its source; 0 between a port and itself.

    Raises
    ------
    MissingDataError
        If the pair is not in ``data/transport/sea_distances.csv``.
    """
    if a == b:
        return 0.0, "the same port"
    try:
        return sea_distances()[frozenset((a, b))]
    except KeyError:
        hint = "add the ports to data/transport/ports.csv and regenerate the table (data/_scripts/sea_distances.py)"
        raise MissingDataError(f"{a} -> {b}", SEA_DISTANCES, f"no sea distance between {a} and {b}; {hint}") from None


@cache
def speeds() -> dict[str, float]:
    """Effective speed of cargo on each mode, stops included, [m/s] (``data/transport/speeds.csv``)."""
    found = {}
    for row in read_table(SPEEDS, required=("mode", "speed", "unit", "source")):
        if row["mode"] not in modes():
            raise row.error("mode", f"{row['mode']!r} has no row in data/transport/modes.csv")
        speed = magnitude(f"{row['speed']} {row['unit']}", "m/s", field=f"{row.path}:{row.line} speed")
        if not speed > 0:
            raise row.error("speed", "must be positive")
        found[row["mode"]] = speed
    return found


def speed(mode: str) -> float:
    """A mode's effective speed, [m/s]."""
    try:
        return speeds()[mode]
    except KeyError:
        raise MissingDataError(
            mode, SPEEDS, f"no speed for mode {mode!r}; modes with one: {', '.join(speeds())}"
        ) from None


@cache
def port_times() -> dict[str, float]:
    """Time cargo spends at one port call by region, [s] (``world``: the default)."""
    found = {}
    for row in read_table(PORT_TIMES, required=("region", "dwell", "unit", "source")):
        found[row["region"]] = magnitude(f"{row['dwell']} {row['unit']}", "s", field=f"{row.path}:{row.line} dwell")
    return found


def port_time(region: str) -> float:
    """Dwell of one port call in `region` (its own figure, else the world's), [s]."""
    times = port_times()
    if region in times:
        return times[region]
    if "world" in times:
        return times["world"]
    raise MissingDataError(region, PORT_TIMES, "no dwell time for the region and no 'world' row")


@dataclass(frozen=True)
class Place:
    """A site on the map: its region, the port it ships through and the inland leg to it.

    Attributes
    ----------
    region : str
    port : str
        UN/LOCODE; empty if neither the site nor its region names one.
    inland_mode : str
    inland_distance : float
        [m].
    how : str
        Where the port came from, in words: named by the site, or the region's default.
    """

    region: str
    port: str = ""
    inland_mode: str = "road"
    inland_distance: float = 0.0
    how: str = ""


def place(region: str, port_code: str = "", inland_mode: str = "", inland_distance: float | None = None) -> Place:
    """Place a site: the port it names (inland leg as given, else none), else its region's default port.

    Raises
    ------
    MissingDataError
        If the named port is unknown.
    """
    if port_code:
        named = port(port_code)
        distance = inland_distance or 0.0
        return Place(
            region, named.code, inland_mode or "road", distance, f"{named.code} ({named.name}): named by the site"
        )
    found = default_port(region)
    if found is None:
        return Place(region, how=f"no port: region {region!r} has no default port in {PORTS}")
    mode = inland_mode or found.inland_mode
    distance = found.inland_distance if inland_distance is None else inland_distance
    return Place(region, found.code, mode, distance, f"{found.code} ({found.name}): default port of {region}")


@dataclass(frozen=True)
class Passage:
    """The way between two sites: stages travelled one after another, and the port calls between.

    Attributes
    ----------
    stages : tuple of (str, float)
        ``(mode, distance [m])`` in travel order, every stage carrying all the goods; stages of
        zero length are left out. Empty when the way is a trade-weighted lane (`lane_parts`).
    lane_parts : tuple of (str, float, float)
        For a lane fallback: ``(mode, mass share, distance [m])`` per mode.
    ports : tuple of str
        The ports called at, in order.
    dwell : float
        Time at those ports, [s].
    basis : str
        How the way was found, in words, with its sources.
    """

    stages: tuple[tuple[str, float], ...]
    lane_parts: tuple[tuple[str, float, float], ...]
    ports: tuple[str, ...]
    dwell: float
    basis: str


def passage(origin: Place, destination: Place) -> Passage:
    """The way from one site to another: through their ports if both have one, else the lane of their regions.

    Two sites shipping through one port travel inland to it and on from it, with no sea stage and
    no port call. A site with no port (its region has no default) takes the trade-weighted lane
    between the regions, a stated fallback.

    Raises
    ------
    MissingDataError
        If the ports have no sea distance between them, or the regions no lane.
    """
    if not (origin.port and destination.port):
        found = lane(origin.region, destination.region)
        portless = destination if origin.port else origin
        reason = portless.how or f"no port: the site in {portless.region} names none"
        basis = f"trade-weighted lane {found.origin} -> {found.destination} ({found.source}), as {reason}"
        return Passage((), found.parts, (), 0.0, basis)
    stages: tuple[tuple[str, float], ...]
    if origin.port == destination.port:
        stages = ((origin.inland_mode, origin.inland_distance), (destination.inland_mode, destination.inland_distance))
        basis = f"inland by way of one port, {origin.how}"
        return Passage(_kept(stages), (), (), 0.0, basis)
    sea, source = sea_distance(origin.port, destination.port)
    stages = (
        (origin.inland_mode, origin.inland_distance),
        ("sea", sea),
        (destination.inland_mode, destination.inland_distance),
    )
    dwell = port_time(port(origin.port).region) + port_time(port(destination.port).region)
    basis = f"{origin.how}; {destination.how}; sea distance: {source}"
    return Passage(_kept(stages), (), (origin.port, destination.port), dwell, basis)


def _kept(stages: tuple[tuple[str, float], ...]) -> tuple[tuple[str, float], ...]:
    return tuple((mode, distance) for mode, distance in stages if distance > 0)
