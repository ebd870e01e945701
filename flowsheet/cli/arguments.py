"""The command line's arguments: what each command takes, checked as it is read, before anything heavy is imported."""

from __future__ import annotations

import argparse

FORMATS = ("table", "json", "csv", "markdown")
"""Output formats of the route commands."""

TIME_LIMIT = 120.0
"""Seconds one route file may take to load and solve in a batch before it is given up, [s]."""


def data_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--data DIR`` (repeatable): folders of species data or upstream factors on top of the package's."""
    parser.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder of species data (data/thermo's tables) or cradle-to-gate factors (upstream/materials.csv) on "
        "top of the package's; repeat for more",
    )


def route_arguments(parser: argparse.ArgumentParser) -> None:
    """Add what every route command takes: routes, basis, format, output folder, regions, time limit, data."""
    data_argument(parser)
    parser.add_argument("routes", nargs="+", metavar="ROUTE", help="route files, directories or globs")
    parser.add_argument(
        "--basis", help='override each route\'s basis, e.g. "1 kg", "50 kt/yr" or "10 kt/yr at 8000 h/yr"'
    )
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    parser.add_argument("--output", metavar="DIR", help="also write the output into DIR (whole files only)")
    parser.add_argument(
        "--time-limit",
        type=seconds,
        default=TIME_LIMIT,
        metavar="SECONDS",
        help=f"give up on a route file after this long; the others still run (default {TIME_LIMIT:g})",
    )
    parser.add_argument(
        "--region",
        action="append",
        type=scenario,
        default=[],
        metavar="SITE=REGION[,SITE=REGION]",
        help="move sites to other regions (grid and lanes); repeat to evaluate each route in several scenarios",
    )


MAX_SECONDS = 86_400.0
"""Longest --time-limit, [s]: a day."""


def seconds(text: str) -> float:
    """``--time-limit``: a number of seconds, above 0 and at most a day."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds, e.g. 120") from None
    if not 0 < value <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"{text} s is not above 0 and at most {MAX_SECONDS:,.0f} s (a day)")
    return value


def seed(text: str) -> int:
    """``--seed``: a whole number from 0 to 2**63 - 1, as numpy's random streams take it."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number, e.g. 1") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"{text} is not a whole number from 0 to 2**63 - 1")
    return value


def scenario(text: str) -> dict[str, str]:
    """``"refinery=CA,cathode_plant=EU"`` as ``{"refinery": "CA", "cathode_plant": "EU"}``."""
    found = {}
    for part in text.split(","):
        site, equals, region = (item.strip() for item in part.partition("="))
        if not equals or not site or not region:
            raise argparse.ArgumentTypeError(f"{part!r} is not SITE=REGION, e.g. refinery=CA")
        found[site] = region
    return found
