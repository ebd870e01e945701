"""The ``flowsheet`` command: compare cathode routes, run and check route files, balance reactions.

Commands
--------
``flowsheet compare ROUTE... [--baseline ROUTE] [--region SITE=REGION ...]``
    One row per KPI, one column per route, and each route's ratio to the baseline;
    with ``--region``, one column per route and regional scenario.
``flowsheet run ROUTE... [--basis "1 kg"] [--format table|json|csv|markdown] [--output DIR]``
    Every KPI of every route.
``flowsheet sweep ROUTE --samples N [--seed S]``
    Monte Carlo over the route's uncertain parameters: KPI percentiles and top drivers.
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
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

import flowsheet
from flowsheet.batch import TIME_LIMIT, Outcome, evaluate, expand, in_route, solve_loaded, terminal_progress
from flowsheet.chemistry import Formula, Reaction
from flowsheet.errors import FlowsheetError, ReactionError, SolveError, UnbalancedReactionError
from flowsheet.report import compare, render_comparison, render_runs, render_sweep, render_trace
from flowsheet.report.folder import OutputFolder
from flowsheet.report.tables import FORMATS
from flowsheet.route_file import load_route
from flowsheet.thermo import ConstantHeatCapacity, Nasa9, default_data, heat_of_reaction
from flowsheet.units import magnitude

MAX_SAMPLES = 10_000_000
"""Most samples one sweep draws: its table then takes about 2 GB."""

_ARROW = re.compile(r"\s*(?:->|→|=>|=)\s*")
_COEFFICIENT = re.compile(r"^\d+(?:\.\d+|/\d+)?\s+")
EXTENSIONS = {"table": "txt", "json": "json", "csv": "csv", "markdown": "md"}


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flowsheet",
        description="Mass and energy balances of lithium-ion cathode synthesis routes.",
        epilog="Example: flowsheet compare routes/ --baseline routes/nmc811_sulfate.yaml",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {flowsheet.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    compare_cmd = commands.add_parser("compare", help="compare routes KPI by KPI, with ratios to a baseline")
    _route_arguments(compare_cmd)
    compare_cmd.add_argument("--baseline", help="the route the others are divided by (default: the first)")
    compare_cmd.set_defaults(run=_compare)

    run_cmd = commands.add_parser("run", help="solve routes and print every KPI")
    _route_arguments(run_cmd)
    run_cmd.set_defaults(run=_run)

    sweep_cmd = commands.add_parser("sweep", help="Monte Carlo over a route's uncertain parameters")
    sweep_cmd.add_argument("route", metavar="ROUTE", help="a route file with {value: ..., range: [...]} parameters")
    sweep_cmd.add_argument("--samples", type=int, default=1000, help="number of samples (default 1000)")
    sweep_cmd.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    sweep_cmd.add_argument("--basis", help="override the route's basis")
    _data_argument(sweep_cmd)
    sweep_cmd.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    sweep_cmd.add_argument("--output", metavar="DIR", help="also write the samples (CSV) and the summary into DIR")
    sweep_cmd.set_defaults(run=_sweep)

    trace_cmd = commands.add_parser("trace", help="where an element in each product came from, feed by feed")
    trace_cmd.add_argument("route", metavar="ROUTE", help="a route file")
    trace_cmd.add_argument("--element", required=True, help="an element symbol, e.g. Co")
    trace_cmd.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    _data_argument(trace_cmd)
    trace_cmd.set_defaults(run=_trace)

    species_cmd = commands.add_parser("species", help="what is known of a species, and where it came from")
    species_cmd.add_argument("formulas", nargs="+", metavar="FORMULA", help='e.g. "LiNi0.8Mn0.1Co0.1O2" or "H2O(g)"')
    _data_argument(species_cmd)
    species_cmd.set_defaults(run=_species)

    check_cmd = commands.add_parser("check", help="validate route files without solving them")
    check_cmd.add_argument("routes", nargs="+", metavar="ROUTE", help="route files, directories or globs")
    _data_argument(check_cmd)
    check_cmd.set_defaults(run=_check)

    balance = commands.add_parser("balance", help="check or complete a reaction; its heat and masses")
    balance.add_argument("reaction", metavar="REACTION", help='e.g. "Ni + H2SO4 -> NiSO4 + H2"')
    balance.add_argument("--temperature", default="298.15 K", help="for the heat of reaction (default 298.15 K)")
    balance.add_argument("--basis", help='mass of one species, e.g. "1 kg LiNi0.8Mn0.1Co0.1O2"')
    balance.set_defaults(run=_balance)

    formula = commands.add_parser("formula", help="molar mass and composition of formulas")
    formula.add_argument("formulas", nargs="+", metavar="FORMULA", help='e.g. "NiSO4·6H2O" or "NiSO4.6H2O"')
    formula.set_defaults(run=_formula)
    return parser


def _data_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder of species data (data/thermo's tables) on top of the package's; repeat for more",
    )


def _route_arguments(parser: argparse.ArgumentParser) -> None:
    _data_argument(parser)
    parser.add_argument("routes", nargs="+", metavar="ROUTE", help="route files, directories or globs")
    parser.add_argument("--basis", help='override each route\'s basis, e.g. "1 kg" or "50 kt/yr"')
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    parser.add_argument("--output", metavar="DIR", help="also write the output into DIR (whole files only)")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=TIME_LIMIT,
        metavar="SECONDS",
        help=f"give up on a route file after this long; the others still run (default {TIME_LIMIT:g})",
    )
    parser.add_argument(
        "--region",
        action="append",
        type=_scenario,
        default=[],
        metavar="SITE=REGION[,SITE=REGION]",
        help="move sites to other regions (grid and lanes); repeat to evaluate each route in several scenarios",
    )


def _scenario(text: str) -> dict[str, str]:
    """``"refinery=CA,cathode_plant=EU"`` as ``{"refinery": "CA", "cathode_plant": "EU"}``."""
    found = {}
    for part in text.split(","):
        site, equals, region = (item.strip() for item in part.partition("="))
        if not equals or not site or not region:
            raise argparse.ArgumentTypeError(f"{part!r} is not SITE=REGION, e.g. refinery=CA")
        found[site] = region
    return found


def _solved(arguments: argparse.Namespace, solve_routes: bool = True) -> tuple[list[Outcome], int]:
    paths = expand(arguments.routes)
    if not paths:
        print("error: no route files found in " + " ".join(arguments.routes), file=sys.stderr)
        return [], 1
    outcomes = evaluate(
        paths,
        getattr(arguments, "basis", None),
        solve_routes,
        progress=terminal_progress,
        scenarios=getattr(arguments, "region", ()),
        seconds=getattr(arguments, "time_limit", TIME_LIMIT),
        data_folders=arguments.data,
    )
    failed = 0
    for outcome in outcomes:
        if outcome.error is not None:
            failed += 1
            scenario = f"[{outcome.scenario}] " if outcome.scenario else ""
            print(f"error: {scenario}{outcome.error}", file=sys.stderr)
    files: dict[str, list[str]] = {}
    for outcome in outcomes:
        if outcome.summary is not None:
            files.setdefault(outcome.summary["route"], []).append(outcome.path)
    for name, shared in files.items():
        if len(shared) > 1:  # their columns, ratios and output files could not be told apart
            print(
                f"error: {len(shared)} routes are named {name!r} ({', '.join(shared)}); give each a name:",
                file=sys.stderr,
            )
            return [], 1
    return outcomes, 1 if failed else 0


def _run(arguments: argparse.Namespace) -> int:
    folder = _folder(arguments)
    outcomes, status = _solved(arguments)
    summaries = [o.summary for o in outcomes if o.summary is not None]
    if summaries:
        print(render_runs(summaries, arguments.format))
        if folder is not None:
            for summary in summaries:
                folder.write(
                    f"{folder.stem(summary['route'])}.{EXTENSIONS[arguments.format]}",
                    render_runs([summary], arguments.format)
                    if arguments.format != "json"
                    else render_runs([summary], "json")[1:-1].strip().replace("\n  ", "\n"),
                )
    if folder is not None:
        folder.close()
    return status


def _folder(arguments: argparse.Namespace) -> OutputFolder | None:
    """The ``--output`` folder, opened before any work so that a bad one is said at once."""
    return OutputFolder(arguments.output, arguments.command_line) if arguments.output else None


def _compare(arguments: argparse.Namespace) -> int:
    folder = _folder(arguments)
    if arguments.baseline and arguments.baseline not in arguments.routes:
        arguments.routes = [arguments.baseline, *arguments.routes]
    outcomes, status = _solved(arguments)
    solved = [o for o in outcomes if o.summary is not None]
    if not solved:
        return status or 1
    baseline = 0
    if arguments.baseline:
        wanted = Path(arguments.baseline).resolve()
        matches = [i for i, o in enumerate(solved) if Path(o.path).resolve() == wanted]
        if not matches:
            print(
                f"error: the baseline {arguments.baseline} did not solve; nothing to compare against", file=sys.stderr
            )
            return 1
        baseline = matches[0]
    ordered = [solved[baseline], *(o for i, o in enumerate(solved) if i != baseline)]
    bases = {f"{o.summary['basis']['value']:g} {o.summary['basis']['unit']}" for o in ordered if o.summary}
    if len(bases) > 1:
        print(f"error: the routes have different bases ({', '.join(sorted(bases))}); give --basis", file=sys.stderr)
        return 1
    compared = compare([o.summary for o in ordered if o.summary is not None], baseline=0)
    text = render_comparison(compared, arguments.format)
    print(text)
    if folder is not None:
        folder.write(f"comparison.{EXTENSIONS[arguments.format]}", text)
        folder.close()
    return status


def _sweep(arguments: argparse.Namespace) -> int:
    from flowsheet.sampling import sample, sensitivity

    if not 2 <= arguments.samples <= MAX_SAMPLES:
        print(
            f"error: --samples must be between 2 and {MAX_SAMPLES:,} (about 300 bytes each); "
            "run larger studies as several sweeps with different --seed",
            file=sys.stderr,
        )
        return 2
    folder = _folder(arguments)
    route = load_route(arguments.route, data_folders=arguments.data)
    with _progress_bar(f"{route.name}: {arguments.samples:,} samples") as progress:
        try:
            frame = sample(route, arguments.samples, arguments.seed, arguments.basis, progress)
        except SolveError as err:
            raise in_route(route, err) from err
    parameters = list(frame.columns[: len(route.uncertain)])
    correlations = sensitivity(frame, parameters)
    summary: dict = {
        "route": route.name,
        "file": route.path,
        "samples": arguments.samples,
        "seed": arguments.seed,
        "basis": arguments.basis or route.spec.basis,
        "parameters": {path: d.described() for path, d in route.uncertain.items()},
        "kpis": {},
        "drivers": {},
    }
    for column in frame.columns[len(parameters) :]:
        name, unit = column.split(" [")
        values = frame[column].to_numpy()
        p5, p50, p95 = (float(v) for v in np.percentile(values, [5, 50, 95]))
        summary["kpis"][name] = {
            "unit": unit.rstrip("]"),
            "mean": float(values.mean()),
            "p5": p5,
            "p50": p50,
            "p95": p95,
        }
        ranked = correlations[column].abs().sort_values(ascending=False)
        summary["drivers"][name] = [
            {"parameter": p, "spearman": float(correlations.loc[p, column])}
            for p in ranked.index[:3]
            if abs(correlations.loc[p, column]) >= 0.05
        ]
    text = render_sweep(summary, arguments.format)
    print(text)
    if folder is not None:
        name = folder.stem(route.name)
        folder.write(f"{name}-samples.csv", frame.to_csv(index=False).rstrip("\n"))
        folder.write(f"{name}-sweep.{EXTENSIONS[arguments.format]}", text)
        folder.close()
    return 0


@contextlib.contextmanager
def _progress_bar(title: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on the terminal's stderr (nothing when stderr is not a terminal)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(title, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _trace(arguments: argparse.Namespace) -> int:
    from flowsheet.provenance import provenance, recycled_content

    route = load_route(arguments.route, data_folders=arguments.data)
    results = solve_loaded(route)
    try:
        frame = provenance(results, arguments.element)
    except ValueError as err:
        print(f"error: {route.path}: {err}", file=sys.stderr)
        return 1
    shares = {product: {feed: float(v) for feed, v in row.items()} for product, row in frame.iterrows()}
    print(render_trace(route.name, arguments.element, shares, recycled_content(results), arguments.format))
    return 0


def _species(arguments: argparse.Namespace) -> int:
    data = default_data()
    for folder in arguments.data:
        data = data.with_folder(folder)
    for text in arguments.formulas:
        item = data.species(text)
        model = item.heat_capacity
        if isinstance(model, Nasa9):
            kind = "NASA 9-coefficient polynomial"
        elif isinstance(model, ConstantHeatCapacity):
            kind = f"constant {model.value:.2f} J/(mol*K)"
        else:
            kind = f"ideal mixture of its end members' models, {float(model.cp(298.15)):.2f} J/(mol*K) at 298.15 K"
        estimated = f" (estimated: {', '.join(item.estimated)})" if item.estimated else ""
        print(
            f"{item.label}{f' ({item.name})' if item.name else ''}: {item.formula.relative_mass:.4f} g/mol{estimated}"
        )
        print(
            f"  formation enthalpy {item.formation_enthalpy / 1000:.3f} kJ/mol  [{item.sources['formation_enthalpy']}]"
        )
        print(f"  heat capacity {kind}, {model.t_min:g}-{model.t_max:g} K  [{item.sources['heat_capacity']}]")
    if data.overridden:
        print("replaced by a later layer: " + "; ".join(data.overridden))
    return 0


def _check(arguments: argparse.Namespace) -> int:
    outcomes, status = _solved(arguments, solve_routes=False)
    for outcome in outcomes:
        if outcome.error is None:
            print(f"ok: {outcome.path}")
    return status


def _formula(arguments: argparse.Namespace) -> None:
    for text in arguments.formulas:
        formula = Formula(text)
        print(f"{formula.text}: {formula.relative_mass:.4f} g/mol")
        for element, count in formula.elements.items():
            print(f"  {element:<3} {str(count):>6}  {formula.mass_fraction(element):8.5f} by mass")


def _balance(arguments: argparse.Namespace) -> None:
    magnitude(arguments.temperature, "K", field="--temperature")  # a wrong unit is an error, not 'not available'
    try:
        reaction = Reaction(arguments.reaction)
        print(f"balanced: {reaction}")
    except UnbalancedReactionError as err:
        print(err)
        reaction = _complete(arguments.reaction)
        print(f"proposed: {reaction}")
    try:
        heat = heat_of_reaction(reaction, arguments.temperature)
        print(f"heat of reaction at {arguments.temperature}: {heat.magnitude:+.2f} kJ/mol")
    except FlowsheetError as err:
        print(f"heat of reaction: not available ({err})")
    if arguments.basis:
        _print_masses(reaction, arguments.basis)


def _complete(text: str) -> Reaction:
    """Balance the species of `text`, ignoring its coefficients; add O2 to a side if that is all it takes."""
    sides = _ARROW.split(text.strip())
    left, right = ([_COEFFICIENT.sub("", term) for term in re.split(r"\s+\+\s+", side)] for side in sides)
    try:
        return Reaction.balance(left, right)
    except ReactionError as first:
        for with_oxygen in ((left + ["O2"], right), (left, right + ["O2"])):
            try:
                return Reaction.balance(*with_oxygen)
            except ReactionError:
                continue
        raise first


def _print_masses(reaction: Reaction, basis: str) -> None:
    amount, _, species_text = basis.strip().partition(" ")
    unit, _, species_text = species_text.strip().partition(" ")
    mass = magnitude(f"{amount} {unit}", "kg", field="--basis")
    print(f"per {mass:g} kg {species_text}:")
    for _, formula in reaction.reactants + reaction.products:
        side = "in " if reaction.coefficient(formula) < 0 else "out"
        print(f"  {side} {formula.text:<28} {mass * reaction.mass_ratio(formula.text, per=species_text):10.4f} kg")


if __name__ == "__main__":
    raise SystemExit(main())
