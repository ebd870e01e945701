"""Write data/transport/sea_distances.csv: port-to-port sea distances along the shipping network.

Sources
-------
Distances: the ``searoute`` Python package (version in the ``searoute`` row of
data/sources.toml), which routes over the MARNET maritime network of Eurostat's SeaRoute; every
row carries that source key. Ports: read from data/transport/ports.csv (its
``port``, ``name``, ``longitude`` and ``latitude`` columns), each port's UN/LOCODE and harbour
position to 0.01 degree; that table's rows cite their own sources (``unlocode``: recalled, not
re-read; ``wpi``: the World Port Index). A position off by a few km moves a route by about as
much. Every pair of ports is written once, in the table's row order.

Run from the project root, with the ``data`` extra installed: ``python data/_scripts/sea_distances.py``.
tests/test_regions.py checks two rows against published port-to-port distances.
"""

import csv
import itertools
import sys
from pathlib import Path

import searoute

PORTS_CSV = Path(__file__).resolve().parent.parent / "transport" / "ports.csv"


def ports() -> list[tuple[str, str, float, float]]:
    """The ports of data/transport/ports.csv, in file order: (UN/LOCODE, name, longitude, latitude [degrees])."""
    with PORTS_CSV.open(newline="", encoding="utf-8") as file:
        return [
            (row["port"], row["name"], float(row["longitude"]), float(row["latitude"])) for row in csv.DictReader(file)
        ]


def main() -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["from", "to", "distance", "unit", "source", "locator", "estimate", "note"])
    for (a, name_a, lon_a, lat_a), (b, name_b, lon_b, lat_b) in itertools.combinations(ports(), 2):
        route = searoute.searoute([lon_a, lat_a], [lon_b, lat_b], units="km")
        length = round(float(route.properties["length"]))
        writer.writerow([a, b, length, "km", "searoute", "MARNET shortest path", "no", f"{name_a} to {name_b}"])


if __name__ == "__main__":
    main()
