"""The ``flowsheet`` command: compare cathode routes, run and check route files, balance reactions.

Commands
--------
``flowsheet compare ROUTE... [--baseline ROUTE] [--region SITE=REGION ...]``
    One row per KPI, one column per route, and each route's ratio to the baseline;
    with ``--region``, one column per route and regional scenario.
``flowsheet run ROUTE... [--basis "1 kg"] [--format table|json|csv|markdown] [--output DIR]``
    Every KPI of every route.
``flowsheet sweep ROUTE --samples N [--seed S] [--sobol N]``
    Monte Carlo over the route's uncertain parameters: KPI percentiles and top drivers (rank
    correlations; with ``--sobol``, Sobol indices too).
``flowsheet trace ROUTE --element Co``
    The fraction of an element in each product from each feed, and recycled content.
``flowsheet check ROUTE...``
    Validate route files without solving them.
``flowsheet balance REACTION``
    Check a reaction or propose its coefficients; its heat and masses per basis.
``flowsheet formula FORMULA...``
    Molar mass, element counts and mass fractions.

ROUTE may be a file, a directory (its ``*.yaml``) or a glob. A bad file is reported on
stderr with its file and line and the others still run; the exit status is 1 if any
failed, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence

import flowsheet
from flowsheet.cli.arguments import FORMATS, data_argument, route_arguments, seed
from flowsheet.errors import FlowsheetError


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 success, 1 bad input, 2 usage)."""
    parser = _parser()
    arguments = parser.parse_args(argv)
    if arguments.command is None:
        parser.print_help()
        return 2
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminated) if main_thread else None  # a kill ends like Ctrl-C
    arguments.command_line = " ".join(["flowsheet", *(argv if argv is not None else sys.argv[1:])])
    try:
        return int(arguments.run(arguments) or 0)
    except FlowsheetError as err:
        sys.stdout.flush()
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; no partial output was left", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (| head): end quietly, as a shell tool does
        with contextlib.suppress(OSError, ValueError, AttributeError):  # no flush of the dead pipe at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as err:  # noqa: BLE001 - the last boundary: a bug is reported, never a bare traceback
        print(
            f"internal error ({type(err).__name__}: {err}) while running: {arguments.command_line}\n"
            "  hint: this is a bug in cathode-flowsheet; please report it with this command and its input files",
            file=sys.stderr,
        )
        return 70
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


def _terminated(number: int, frame: object) -> None:
    raise KeyboardInterrupt


def _command(module: str, name: str) -> Callable[[argparse.Namespace], int | None]:
    """A command's handler, imported only when the command runs: ``--help`` loads none of them."""

    def run(arguments: argparse.Namespace) -> int | None:
        return getattr(importlib.import_module(f"flowsheet.cli.{module}"), name)(arguments)

    return run


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flowsheet",
        description="Mass and energy balances of lithium-ion cathode synthesis routes.",
        epilog="Example: flowsheet compare routes/ --baseline routes/nmc811_sulfate.yaml",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {flowsheet.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    compare_cmd = commands.add_parser("compare", help="compare routes KPI by KPI, with ratios to a baseline")
    route_arguments(compare_cmd)
    compare_cmd.add_argument("--baseline", help="the route the others are divided by (default: the first)")
    compare_cmd.set_defaults(run=_command("routes", "compare"))

    run_cmd = commands.add_parser("run", help="solve routes and print every KPI")
    route_arguments(run_cmd)
    run_cmd.set_defaults(run=_command("routes", "run"))

    sweep_cmd = commands.add_parser("sweep", help="Monte Carlo over a route's uncertain parameters")
    sweep_cmd.add_argument("route", metavar="ROUTE", help="a route file with {value: ..., range: [...]} parameters")
    sweep_cmd.add_argument("--samples", type=int, default=1000, help="number of samples (default 1000)")
    sweep_cmd.add_argument("--seed", type=seed, default=0, help="random seed, 0 to 2**63 - 1 (default 0)")
    sweep_cmd.add_argument(
        "--sobol",
        type=int,
        metavar="N",
        help="also Sobol indices, first-order and total, with 95%% intervals, from N (P + 2) solves; N a power of 2",
    )
    sweep_cmd.add_argument("--basis", help="override the route's basis")
    data_argument(sweep_cmd)
    sweep_cmd.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    sweep_cmd.add_argument("--output", metavar="DIR", help="also write the samples (CSV) and the summary into DIR")
    sweep_cmd.set_defaults(run=_command("routes", "sweep"))

    trace_cmd = commands.add_parser("trace", help="where an element in each product came from, feed by feed")
    trace_cmd.add_argument("route", metavar="ROUTE", help="a route file")
    trace_cmd.add_argument("--element", required=True, help="an element symbol, e.g. Co")
    trace_cmd.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    data_argument(trace_cmd)
    trace_cmd.set_defaults(run=_command("routes", "trace"))

    species_cmd = commands.add_parser("species", help="what is known of a species, and where it came from")
    species_cmd.add_argument("formulas", nargs="+", metavar="FORMULA", help='e.g. "LiNi0.8Mn0.1Co0.1O2" or "H2O(g)"')
    data_argument(species_cmd)
    species_cmd.set_defaults(run=_command("chemistry", "species"))

    check_cmd = commands.add_parser("check", help="validate route files without solving them")
    check_cmd.add_argument("routes", nargs="+", metavar="ROUTE", help="route files, directories or globs")
    data_argument(check_cmd)
    check_cmd.set_defaults(run=_command("routes", "check"))

    balance = commands.add_parser("balance", help="check or complete a reaction; its heat and masses")
    balance.add_argument("reaction", metavar="REACTION", help='e.g. "Ni + H2SO4 -> NiSO4 + H2"')
    balance.add_argument("--temperature", default="298.15 K", help="for the heat of reaction (default 298.15 K)")
    balance.add_argument("--basis", help='mass of one species, e.g. "1 kg LiNi0.8Mn0.1Co0.1O2"')
    balance.set_defaults(run=_command("chemistry", "balance"))

    reconcile_cmd = commands.add_parser("reconcile", help="reconcile measured flows with a route's element balances")
    reconcile_cmd.add_argument("route", metavar="ROUTE", help="a route file (its units and streams)")
    reconcile_cmd.add_argument(
        "measurements", metavar="MEASUREMENTS", help="CSV: stream, quantity, value, sd, unit (and time, for stocks)"
    )
    reconcile_cmd.add_argument("--confidence", type=float, default=0.95, help="of both tests (default 0.95)")
    reconcile_cmd.add_argument(
        "--period", help='the survey\'s length, for stocks read at its start and end, e.g. "8 h"'
    )
    reconcile_cmd.add_argument(
        "--correlations", metavar="CSV", help="correlated errors: first, second (measurement labels), correlation"
    )
    reconcile_cmd.add_argument(
        "--beside",
        metavar="CSV",
        help="another run of the route (a lab batch, a campaign): each unit's splits side by side, step by step",
    )
    data_argument(reconcile_cmd)
    reconcile_cmd.set_defaults(run=_command("routes", "reconcile"))

    export_cmd = commands.add_parser(
        "export", help="a route's inventory per kg of product for LCA tools: CSV, Brightway or openLCA"
    )
    export_cmd.add_argument("route", metavar="ROUTE", help="a route file")
    export_cmd.add_argument("--to", choices=("csv", "brightway", "openlca"), required=True, help="the format")
    export_cmd.add_argument("--output", metavar="DIR", required=True, help="the folder to write the files into")
    data_argument(export_cmd)
    export_cmd.set_defaults(run=_command("routes", "export"))

    study_cmd = commands.add_parser("study", help="routes x scenarios x samples, on this machine or a Dask cluster")
    study_cmd.add_argument("study", metavar="STUDY", help="a study file (YAML: routes, grid, samples, seed)")
    study_cmd.add_argument("--output", required=True, help="the Parquet table to write, e.g. results.parquet")
    study_cmd.add_argument(
        "--scheduler",
        help="sync (in this process), processes, or tcp://host:port (default: $FLOWSHEET_SCHEDULER, else sync)",
    )
    study_cmd.set_defaults(run=_command("routes", "study"))

    yields_cmd = commands.add_parser("yields", help="each element's overall yield, and step by step")
    yields_cmd.add_argument("route", metavar="ROUTE", help="a route file")
    data_argument(yields_cmd)
    yields_cmd.set_defaults(run=_command("routes", "yields"))

    compliance_cmd = commands.add_parser(
        "compliance", help="recycled content against EU minimums, shares by region, certified share"
    )
    compliance_cmd.add_argument("routes", nargs="+", metavar="ROUTE", help="route files")
    compliance_cmd.add_argument("--format", choices=("table", "json"), default="table", help="(default: table)")
    data_argument(compliance_cmd)
    compliance_cmd.set_defaults(run=_command("routes", "compliance"))

    units_cmd = commands.add_parser("units", help="the unit types a route may use: parameters, ports and models")
    units_cmd.add_argument("types", nargs="*", metavar="TYPE", help="e.g. calciner; none: list them all")
    units_cmd.add_argument("--markdown", action="store_true", help="the whole reference page (docs/units.md)")
    units_cmd.add_argument("--schema", action="store_true", help="the JSON Schema of route files")
    units_cmd.set_defaults(run=_command("chemistry", "units"))

    formula = commands.add_parser("formula", help="molar mass and composition of formulas")
    formula.add_argument("formulas", nargs="+", metavar="FORMULA", help='e.g. "NiSO4·6H2O" or "NiSO4.6H2O"')
    formula.set_defaults(run=_command("formulas", "formula"))
    return parser
