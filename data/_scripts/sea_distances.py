"""Write data/transport/sea_distances.csv: port-to-port sea distances along the shipping network.

Sources
-------
Distances: the ``searoute`` Python package (version in the ``searoute`` row of
data/sources.toml), which routes over the MARNET maritime network of Eurostat's SeaRoute; every
row carries that source key. Port positions: each port's UN/LOCODE and coordinates to 0.01
degree, taken as the harbour's position (key ``unlocode`` in data/sources.toml; recalled, not
re-read: a position off by a few km moves a route by about as much).

Run from the project root, with the ``data`` extra installed: ``python data/_scripts/sea_distances.py``.
tests/test_regions.py checks two rows against published port-to-port distances.
"""

import csv
import itertools
import sys

import searoute

# UN/LOCODE, name, longitude, latitude [degrees]
PORTS = [
    ("IDWED", "Weda Bay (Halmahera, nickel)", 127.95, 0.45),
    ("IDMOR", "Morowali (Sulawesi, nickel)", 122.17, -2.83),
    ("CNNGB", "Ningbo", 121.85, 29.93),
    ("CNSHA", "Shanghai", 121.47, 31.23),
    ("KRPUS", "Busan", 129.04, 35.10),
    ("JPYOK", "Yokohama", 139.64, 35.45),
    ("USLAX", "Los Angeles", -118.27, 33.74),
    ("USSAV", "Savannah", -81.10, 32.08),
    ("NLRTM", "Rotterdam", 4.00, 51.95),
    ("DEHAM", "Hamburg", 9.97, 53.54),
    ("SEGOT", "Gothenburg", 11.85, 57.69),
    ("NOMQN", "Mo i Rana", 14.13, 66.31),
    ("FIKOK", "Kokkola", 23.04, 63.87),
    ("SGSIN", "Singapore", 103.84, 1.26),
    ("AUPHE", "Port Hedland", 118.58, -20.31),
    ("CLANF", "Antofagasta", -70.40, -23.65),
    ("ZADUR", "Durban", 31.03, -29.87),
    ("MAPTM", "Tanger Med", -5.50, 35.88),
    ("CAVAN", "Vancouver", -123.10, 49.29),
]


def main() -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["from", "to", "distance", "unit", "source", "locator", "estimate", "note"])
    for (a, name_a, lon_a, lat_a), (b, name_b, lon_b, lat_b) in itertools.combinations(PORTS, 2):
        route = searoute.searoute([lon_a, lat_a], [lon_b, lat_b], units="km")
        length = round(float(route.properties["length"]))
        writer.writerow([a, b, length, "km", "searoute", "MARNET shortest path", "no", f"{name_a} to {name_b}"])


if __name__ == "__main__":
    main()
