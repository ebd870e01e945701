"""The transport tables of data/transport/, read with the csv module: the figures tests check the package against."""

import csv
from pathlib import Path

TRANSPORT = Path(__file__).parents[1] / "data" / "transport"


def _rows(name: str) -> list[dict[str, str]]:
    with open(TRANSPORT / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def sea_km(a: str, b: str) -> float:
    """The sea distance between two ports (UN/LOCODE), either way round, [km]."""
    for row in _rows("sea_distances.csv"):
        if {row["from"], row["to"]} == {a, b}:
            assert row["unit"] == "km"
            return float(row["distance"])
    raise KeyError(f"{a} -> {b}")


def default_port(region: str) -> tuple[str, str, float]:
    """A region's default port: its code, the inland mode and the inland distance to it, [km]."""
    found = [row for row in _rows("ports.csv") if row["region"] == region and row["default"] == "yes"]
    assert len(found) == 1, f"{region} has {len(found)} default ports"
    row = found[0]
    assert row["unit"] == "km"
    return row["port"], row["inland_mode"], float(row["inland_distance"])


def way_km(origin: str, destination: str) -> dict[str, float]:
    """Distance by mode between two sites at their regions' default ports, [km]: inland, sea, inland."""
    (a, mode_a, inland_a), (b, mode_b, inland_b) = default_port(origin), default_port(destination)
    found = {"sea": sea_km(a, b)}
    for mode, km in ((mode_a, inland_a), (mode_b, inland_b)):
        found[mode] = found.get(mode, 0.0) + km
    return found


def speed_km_per_day(mode: str) -> float:
    """A mode's effective speed from data/transport/speeds.csv, [km/d] (knots are nautical miles per hour)."""
    row = next(row for row in _rows("speeds.csv") if row["mode"] == mode)
    value, unit = float(row["speed"]), row["unit"].replace(" ", "")
    per_day = {"knot": 1.852 * 24, "km/h": 24, "km/day": 1, "km/d": 1}
    return value * per_day[unit]


def dwell_days(region: str) -> float:
    """One port call's dwell in a region (else the world's), [d]."""
    rows = {row["region"]: row for row in _rows("port_times.csv")}
    row = rows.get(region, rows["world"])
    factor = {"day": 1, "d": 1, "h": 1 / 24, "hour": 1 / 24}[row["unit"]]
    return float(row["dwell"]) * factor
