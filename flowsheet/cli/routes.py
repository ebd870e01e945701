"""The route commands: run, compare, check, sweep and trace, with their arguments and output folders."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from flowsheet.batch import Outcome, evaluate, expand, in_route, solve_loaded, terminal_progress
from flowsheet.cli.arguments import TIME_LIMIT
from flowsheet.errors import FlowsheetError, SolveError, UnitError
from flowsheet.report import compare as ratios
from flowsheet.report import render_comparison, render_runs, render_sweep, render_trace
from flowsheet.report.folder import OutputFolder
from flowsheet.report.tables import terminal_width
from flowsheet.route_file import Route, load_route
from flowsheet.units import parse_basis

if TYPE_CHECKING:
    import pandas as pd

    from flowsheet.compliance import Compliance
    from flowsheet.reconciliation import Campaign, Reconciled
    from flowsheet.results import Results
    from flowsheet.sampling import Progress

MAX_SAMPLES = 10_000_000
"""Most samples one sweep draws: its table then takes about 2 GB."""

EXTENSIONS = {"table": "txt", "json": "json", "csv": "csv", "markdown": "md"}


def check_basis(text: str | None) -> None:
    """Check a ``--basis`` before any route is read: a positive mass or mass rate, with its hours if it says ``at``.

    Raises
    ------
    UnitError
        Naming ``--basis`` (or its operating time), what it expects and how to write it; an empty
        basis too, which would otherwise leave each route's own in place unsaid.
    """
    if text is None:
        return
    try:
        parse_basis(text)
    except UnitError as err:
        field = err.field.replace("basis", "--basis", 1)
        raise UnitError(field, err.expected, err.got, err.problem, err.hint) from None


def _solved(arguments: argparse.Namespace, solve_routes: bool = True) -> tuple[list[Outcome], int]:
    check_basis(getattr(arguments, "basis", None))
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


def run(arguments: argparse.Namespace) -> int:
    """``flowsheet run``: every KPI of every route."""
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
    if not arguments.output:
        return None
    named = [*expand(getattr(arguments, "routes", ())), *([arguments.route] if hasattr(arguments, "route") else [])]
    data = [
        file
        for folder in map(Path, arguments.data)
        for file in (*folder.glob("*"), *folder.glob("thermo/*"), *folder.glob("upstream/*"))
    ]
    return OutputFolder(arguments.output, arguments.command_line, inputs=[*named, *data])


def compare(arguments: argparse.Namespace) -> int:
    """``flowsheet compare``: KPI by KPI, with each route's ratio to the baseline."""
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
    compared = ratios([o.summary for o in ordered if o.summary is not None], baseline=0)
    text = render_comparison(compared, arguments.format)
    print(text)
    if folder is not None:
        folder.write(f"comparison.{EXTENSIONS[arguments.format]}", text)
        folder.close()
    return status


def sweep(arguments: argparse.Namespace) -> int:
    """``flowsheet sweep``: Monte Carlo over a route's uncertain parameters, percentiles and drivers."""
    from flowsheet.sampling import sample

    if not 2 <= arguments.samples <= MAX_SAMPLES:
        print(
            f"error: --samples must be between 2 and {MAX_SAMPLES:,} (about 300 bytes each); "
            "run larger studies as several sweeps with different --seed",
            file=sys.stderr,
        )
        return 2
    sobol_base = arguments.sobol
    if sobol_base is not None and not (2 <= sobol_base <= 2**20 and sobol_base & (sobol_base - 1) == 0):
        print(
            f"error: --sobol must be a power of 2 from 2 to {2**20:,} (Sobol' points), got {sobol_base}",
            file=sys.stderr,
        )
        return 2
    check_basis(arguments.basis)
    folder = _folder(arguments)
    route = load_route(arguments.route, data_folders=arguments.data)
    with _progress_bar() as stage:
        try:
            frame = sample(
                route,
                arguments.samples,
                arguments.seed,
                arguments.basis,
                stage(f"{route.name}: {arguments.samples:,} samples"),
            )
        except SolveError as err:
            raise in_route(route, err) from err
        parameters = list(frame.columns[: len(route.uncertain)])
        summary: dict = {
            "route": route.name,
            "file": route.path,
            "samples": arguments.samples,
            "seed": arguments.seed,
            "basis": arguments.basis or route.spec.basis,
            "parameters": {path: d.described() for path, d in route.uncertain.items()},
            **_percentiles_and_drivers(frame, parameters, stage(f"{route.name}: percentiles and drivers")),
        }
    if sobol_base is not None:
        summary["sobol"] = _sobol_drivers(route, sobol_base, arguments.seed, arguments.basis, parameters)
    text = render_sweep(summary, arguments.format)
    print(text)
    if folder is not None:
        name = folder.stem(route.name)
        with _progress_bar() as stage:
            pieces = _csv_pieces(frame, progress=stage(f"{route.name}: writing {len(frame):,} samples to CSV"))
            folder.write(f"{name}-samples.csv", pieces)
        folder.write(f"{name}-sweep.{EXTENSIONS[arguments.format]}", text)
        folder.close()
    return 0


def _csv_pieces(frame: pd.DataFrame, rows: int = 10_000, progress: Progress | None = None) -> Iterator[str]:
    """`frame` as CSV text without its final newline, `rows` rows a piece: a million samples are never one string.

    `progress` is told (rows written, rows in all) after each piece.
    """
    for start in range(0, max(len(frame), 1), rows):
        piece = frame.iloc[start : start + rows].to_csv(index=False, header=start == 0)
        yield piece.rstrip("\n") if start + rows >= len(frame) else piece
        if progress is not None:
            progress(min(start + rows, len(frame)), len(frame))


def _percentiles_and_drivers(frame: pd.DataFrame, parameters: list[str], progress: Progress | None) -> dict:
    """Each KPI column's unit, mean and 5th, 50th and 95th percentiles, and its three strongest drivers.

    A driver is a parameter whose Spearman coefficient with the KPI is 0.05 or more in magnitude.
    `progress` is told of each column ranked (one sort a column, :func:`flowsheet.sampling.sensitivity`),
    then of the percentiles.
    """
    from flowsheet.sampling import sensitivity

    kpis = list(frame.columns[len(parameters) :])
    total = len(parameters) + 2 * len(kpis)
    correlations = sensitivity(frame, parameters, None if progress is None else lambda done, _: progress(done, total))
    found: dict = {"kpis": {}, "drivers": {}}
    for done, column in enumerate(kpis, start=len(parameters) + len(kpis) + 1):
        name, unit = column.split(" [", 1)
        values = frame[column].to_numpy()
        p5, p50, p95 = (float(v) for v in np.percentile(values, [5, 50, 95]))
        found["kpis"][name] = {
            "unit": unit.removesuffix("]"),
            "mean": float(values.mean()),
            "p5": p5,
            "p50": p50,
            "p95": p95,
        }
        ranked = correlations[column].abs().sort_values(ascending=False, kind="stable")
        found["drivers"][name] = [
            {"parameter": p, "spearman": float(correlations.loc[p, column])}
            for p in ranked.index[:3]
            if abs(correlations.loc[p, column]) >= 0.05
        ]
        if progress is not None:
            progress(done, total)
    return found


def _sobol_drivers(route: Route, base: int, seed: int, basis: str | None, columns: list[str]) -> dict:
    """Each KPI's parameters by total Sobol index, largest first, those of 0.01 and more (and their intervals)."""
    from flowsheet.sampling import sobol

    with _progress_bar() as stage:
        stage(f"{route.name}: Sobol indices, {base * (len(route.uncertain) + 2):,} solves")
        try:
            indices = sobol(route, base, seed, basis)
        except SolveError as err:
            raise in_route(route, err) from err
    shown = dict(zip(route.uncertain, columns, strict=True))  # paths as the sample columns name them, with units
    kpis = {}
    for kpi, rows in indices.groupby(level="output", sort=False):
        rows = rows.droplevel("output").sort_values("ST", ascending=False)
        kpis[kpi] = [
            {"parameter": shown[path], **{key: float(value) for key, value in row.items()}}
            for path, row in rows.iterrows()
            if row["ST"] >= 0.01
        ]
    return {"base": base, "solves": base * (len(route.uncertain) + 2), "kpis": kpis}


@contextlib.contextmanager
def _progress_bar() -> Iterator[Callable[[str], Progress | None]]:
    """Progress on the terminal's stderr, a stage at a time (nothing when stderr is not a terminal).

    Yields ``stage(description)``, which ends the stage before it and returns the new stage's
    ``progress(done, total)`` (None off a terminal). A stage never told its total shows a pulsing
    bar: work of unknown length is still seen to run.
    """
    if not sys.stderr.isatty():
        yield lambda description: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:

        def stage(description: str) -> Callable[[int, int], None]:
            for earlier in bar.task_ids:
                bar.remove_task(earlier)
            task = bar.add_task(description, total=None)
            return lambda done, total: bar.update(task, completed=done, total=total)

        yield stage


def trace(arguments: argparse.Namespace) -> int:
    """``flowsheet trace``: each feed's share of an element in each product, and recycled content."""
    from flowsheet.provenance import destinations, provenance, recycled_content

    route = load_route(arguments.route, data_folders=arguments.data)
    results = solve_loaded(route)
    try:
        frame = provenance(results, arguments.element)
        where = destinations(results, arguments.element)
    except ValueError as err:
        print(f"error: {route.path}: {err}", file=sys.stderr)
        return 1
    shares = {product: {feed: float(v) for feed, v in row.items()} for product, row in frame.iterrows()}
    mass = f"{arguments.element} [kg]"
    leaves: dict[str, dict[str, float | str]] = {
        str(product): {"kind": str(row["kind"]), "mass": float(row[mass]), "share": float(row["share"])}
        for product, row in where.iterrows()
    }
    recycled = recycled_content(results)
    print(render_trace(route.name, arguments.element, shares, recycled, arguments.format, leaves))
    return 0


def check(arguments: argparse.Namespace) -> int:
    """``flowsheet check``: everything a run reads, checked, without solving."""
    outcomes, status = _solved(arguments, solve_routes=False)
    for outcome in outcomes:
        if outcome.error is None:
            print(f"ok: {outcome.path}")
    return status


def reconcile(arguments: argparse.Namespace) -> int:
    """``flowsheet reconcile``: measurements reconciled with the route's element balances, and the gross-error tests.

    The measurements file is checked whole against the route (every problem at its line) before
    anything is reconciled. Flows are printed in the unit the measurements were given in when every
    row gives the same one (``kg/s``, ``t/d``), else in kg/h, and the header says which; ``-`` where
    a flow is not observable, ``n/a`` where a measurement cannot be tested; negative reconciled
    flows are named in the verdict line. Each reconciled value comes with its standard deviation; an
    assay (a row in %, ppm or g/t) is shown in its own unit; a unit's stock read at the start and end
    of the survey (``--period``) is shown as its change, a flow.
    """
    import pandas as pd

    from flowsheet.reconciliation import read_correlations, read_measurements, stock_changes
    from flowsheet.reconciliation import reconcile as reconciled
    from flowsheet.units import magnitude

    if not 0 < arguments.confidence < 1:
        raise UnitError("--confidence", "a number between 0 and 1", str(arguments.confidence), "is outside (0, 1)")
    route = load_route(arguments.route, data_folders=arguments.data)
    structure = solve_loaded(route)  # the streams, and the elements each can carry
    period = magnitude(arguments.period, "s", field="--period") if arguments.period else None
    measured = read_measurements(arguments.measurements, structure)
    correlations = read_correlations(arguments.correlations, measured) if arguments.correlations else None
    if any(m.survey for m in measured):
        source = str(arguments.measurements)
        campaign = _campaign(route.name, structure, measured, arguments.confidence, source, period, correlations)
        return _beside(structure, arguments, campaign, period)
    measured = stock_changes(measured, period, str(arguments.measurements))
    source = str(arguments.measurements)
    found = reconciled(structure, measured, arguments.confidence, source=source, correlations=correlations)
    frame = found.measurements[["measured", "sd", "reconciled", "reconciled sd", "adjustment", "z", "note"]].copy()
    rounding = frame["adjustment"].abs() <= 1e-9 * frame["sd"]  # a non-redundant measurement keeps its value
    frame.loc[rounding, "adjustment"] = 0.0
    unit, per_kg_s = _flow_unit([m.unit for m in measured if not m.assay] or ["kg/h"])
    scales = [_assay_scale(m.unit) if m.assay else per_kg_s for m in measured]  # an assay in its own unit
    for column in ("measured", "sd", "reconciled", "reconciled sd", "adjustment"):
        digits = ".3g" if column.endswith("sd") else ".6g"  # a standard deviation to three figures
        frame[column] = [
            "-" if v != v else f"{v * scale:{digits}}" for v, scale in zip(frame[column], scales, strict=True)
        ]
    frame.index = [f"{label} [{m.unit}]" if m.assay else label for label, m in zip(frame.index, measured, strict=True)]
    frame["z"] = frame["z"].map(lambda v: "n/a" if v != v else f"{v:+.2f}")
    frame["note"] = (
        frame["note"]
        .str.replace("gross error?", "GROSS ERROR?")
        .str.replace(r"gross error in one of (\d+) alike\?", r"GROSS ERROR? 1 of \1 alike", regex=True)
        .str.replace("negative", "NEGATIVE")
    )
    frame.columns = ["measured", "sd", "reconciled", "its sd", "adjustment", "z", "test"]
    frame.index.name = "measurement"
    print(f"{route.name}:\n" + "\n".join(f"  {clause}" for clause in str(found).split("; ")))  # a clause a line
    print(f"  flows in {unit}" + ("; an assay in the unit its row names" if any(m.assay for m in measured) else ""))
    if found.unobservable:
        print(f"  {len(found.unobservable)} element flows of the route are not fixed by these measurements")
    print(frame.to_string())
    accounts = found.accountability()
    accounts = accounts[accounts["in [kg/s]"].notna()]
    if len(accounts):
        table = {
            label: _plus_minus(accounts[f"{label} [kg/s]"] * per_kg_s, accounts[f"{label} sd [kg/s]"] * per_kg_s)
            for label in ("in", "product", "other out", "stock change")
        }
        for label in ("recovery", "loss"):
            table[label] = _plus_minus(accounts[f"{label} [-]"], accounts[f"{label} sd [-]"], percent=True)
        print(f"accounted per element ({unit}), where the data fix what the feeds bring:")
        print(pd.DataFrame(table, index=accounts.index).to_string())
    return _beside(structure, arguments, found, period)


def _beside(structure: Results, arguments: argparse.Namespace, run: Reconciled | Campaign, period: float | None) -> int:
    """With ``--beside``, each unit's splits of this run beside another's (a lab batch, a campaign), step by step."""
    if not arguments.beside:
        return 0
    from flowsheet.reconciliation import read_measurements, reconcile, reconcile_campaign, side_by_side

    other = read_measurements(arguments.beside, structure)
    source = str(arguments.beside)
    if any(m.survey for m in other):
        beside: Reconciled | Campaign = reconcile_campaign(structure, other, arguments.confidence, source, period)
    else:
        beside = reconcile(structure, other, arguments.confidence, source, period)
    names = (Path(arguments.beside).stem, Path(arguments.measurements).stem)
    if names[0] == names[1]:
        names = (str(arguments.beside), str(arguments.measurements))
    table = side_by_side(**dict(zip(names, (beside, run), strict=True))).dropna(how="all")
    shares, sds = table[[f"{n} share" for n in names]], table[[f"{n} sd" for n in names]]
    whole = ((shares - 1).abs() < 1e-9).all(axis=1) & (sds.abs() < 1e-9).all(axis=1)
    table = table[~whole]  # an element's only outlet takes all of it in both runs: nothing to compare
    if table.empty:
        print(f"beside {source}: no unit whose inflow both runs fix")
        return 0
    shown = table.copy()[[]]
    for name in names:
        shown[name] = _plus_minus(table[f"{name} share"], table[f"{name} sd"], percent=True)
    shown.index = [f"{unit}: {outlet.split('->')[0]} {element}" for unit, outlet, element in table.index]
    print("each unit's outlets, as shares of what came in (a campaign: its mean ± shift-to-shift sd):")
    print(shown.to_string())
    return 0


def _campaign(
    name: str,
    structure: Results,
    measured: list,
    confidence: float,
    source: str,
    period: float | None,
    correlations: dict[tuple[str, str], float] | None,
) -> Campaign:
    """A campaign's surveys reconciled one by one: a line each, its global test, what it set aside, its recoveries."""
    import pandas as pd

    from flowsheet.reconciliation import reconcile_campaign

    campaign = reconcile_campaign(structure, measured, confidence, source, period, correlations)
    summary = campaign.summary()
    table = pd.DataFrame(index=summary.index)
    table["test"] = [
        "not reconciled, below" if survey in campaign.failed else f"{text} ({chi:.3g} vs {critical:.3g})"
        for survey, text, chi, critical in zip(
            summary.index, summary["global test"], summary["chi-square"], summary["critical"], strict=True
        )
    ]
    for column in summary.columns:
        element, label, *_ = [*str(column).split(), ""]
        if label in ("recovery", "loss") and column == f"{element} {label} [-]" and summary[column].notna().any():
            table[f"{element} {label}"] = _plus_minus(
                summary[column], summary[f"{element} {label} sd [-]"], percent=True
            )
    table["set aside"] = summary["set aside"].astype(object).fillna("")
    print(
        f"{name}: {len(summary)} survey{'s' * (len(summary) != 1)} reconciled one by one at {confidence:.0%} (chi-square vs its critical value)"
    )
    print(table.to_string())
    for survey, why in campaign.failed.items():
        print(f"{survey}: {why}")
    return campaign


def _plus_minus(values: Iterable[float], sds: Iterable[float], percent: bool = False) -> list[str]:
    """``value ± sd`` texts (five and two figures, or percentages), ``-`` where the value is not known."""
    form = ("{:.2%}", "{:.2%}") if percent else ("{:.5g}", "{:.2g}")
    return ["-" if v != v else f"{form[0].format(v)} ± {form[1].format(d)}" for v, d in zip(values, sds, strict=True)]


def _assay_scale(unit: str) -> float:
    """Amount of an assay's `unit` per mass fraction (100 for %)."""
    from flowsheet.units import magnitude

    return 1.0 / magnitude(f"1 {unit}", "", field="unit")


def _flow_unit(units: list[str]) -> tuple[str, float]:
    """The unit to print reconciled flows in, and its amount per kg/s: the rows' own when they share one, else kg/h.

    Rows share a unit when each is the same flow unit however spelt (``kg/h`` and ``kg / hr``); the
    first row's spelling is kept.
    """
    from flowsheet.units import magnitude

    factors = {magnitude(f"1 {unit}", "kg/s", field="unit") for unit in units}
    if len(factors) == 1:
        return units[0], 1.0 / factors.pop()
    return "kg/h", 3600.0


def compliance(arguments: argparse.Namespace) -> int:
    """``flowsheet compliance``: recycled content, regional and certified shares of each element of the product.

    Recycled content is set beside the minimums of Regulation (EU) 2023/1542, Art. 8(2). A route
    that cannot be loaded or solved is reported on stderr and the others still run, each printed
    whole; the exit status is then 1.
    """
    from flowsheet.compliance import compliance as figures

    documents, failed = [], 0
    for path in arguments.routes:
        try:
            route = load_route(path, data_folders=arguments.data)
            results = solve_loaded(route)
            found = figures(route.flowsheet, results)
        except FlowsheetError as err:
            failed += 1
            print(f"error: {err}", file=sys.stderr)
            continue
        if arguments.format == "json":
            documents.append(
                {
                    "route": route.name,
                    "elements": json.loads(found.elements.to_json(orient="index")),
                    "sourced": json.loads(found.sourced.to_json(orient="index")),
                    "processed": json.loads(found.processed.to_json(orient="index")),
                    "shares": {"sourced": found.sourced_means, "processed": found.processed_means},
                    "boundary": found.boundary,
                }
            )
            continue
        print(_compliance_table(route, results, found))
    if arguments.format == "json" and documents:
        print(json.dumps(documents, indent=2, allow_nan=False))
    return 1 if failed else 0


def _compliance_table(route: Route, results: Results, found: Compliance) -> str:
    """One route's compliance figures as text: the elements, then the shares by region, then the boundary."""
    table = found.elements.copy()
    for column in table.columns:
        if column.startswith(("recycled", "certified", "minimum")):
            table[column] = table[column].map(lambda v: "-" if v != v else f"{float(v):.1%}")
        elif column.startswith("meets"):
            table[column] = table[column].map(lambda v: "-" if v != v else ("yes" if v else "no"))
        else:
            table[column] = table[column].map(lambda v: f"{float(v):.4g}")
    width = max(terminal_width(), 40)  # captions wrap between words; paths stay whole
    caption = f"{route.name} ({route.path}): each element of {results.basis:~} of product"
    lines = [_caption(caption, width), table.to_string()]
    for title, frame, means in (
        ("sourced in", found.sourced, found.sourced_means),
        ("processed in", found.processed, found.processed_means),
    ):
        lines += [_caption(f"share {title} each region ({means}):", width), frame.map(lambda v: f"{v:.1%}").to_string()]
    lines.append(_caption(f"boundary: {found.boundary}", width) + "\n")
    return "\n".join(lines)


def _caption(text: str, width: int) -> str:
    """A caption wrapped between words to `width`, its later lines indented by two; paths stay whole."""
    return textwrap.fill(text, width, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False)


def yields(arguments: argparse.Namespace) -> int:
    """``flowsheet yields``: the share of each element fed that reaches the product, overall and per step."""
    from flowsheet.yields import overall_yields, step_yields

    route = load_route(arguments.route, data_folders=arguments.data)
    results = solve_loaded(route)
    steps = step_yields(route.flowsheet, results)
    overall = overall_yields(results)
    print(f"{route.name}: share of each element that reaches the product; per step, the share a unit sends on")
    print("overall  " + "  ".join(f"{e} {overall.get(e, float('nan')):.2%}" for e in steps.columns))
    print(steps.map(lambda v: "" if v != v else f"{max(v, 0.0):.2%}").to_string())
    return 0


def export(arguments: argparse.Namespace) -> int:
    """``flowsheet export``: the route's foreground inventory per kg of product, as CSV, for Brightway or for openLCA."""
    from flowsheet.report.inventory import brightway_files, check_total, inventory, openlca_zip, to_csv

    folder = _folder(arguments)
    assert folder is not None  # --output is required
    route = load_route(arguments.route, data_folders=arguments.data)
    results = solve_loaded(route)
    exchanges = inventory(results)
    stem = folder.stem(route.name)
    if arguments.to == "csv":
        files: dict[str, str | bytes] = {f"{stem}-inventory.csv": to_csv(exchanges).removesuffix("\n")}
    elif arguments.to == "brightway":
        parts = brightway_files(results, exchanges)
        files = {f"{stem}-brightway-{name}": text.removesuffix("\n") for name, text in parts.items()}
    else:
        files = {f"{stem}-openlca.zip": openlca_zip(results, exchanges)}
    for name, content in files.items():
        folder.write(name, content)
    folder.close()
    total = sum(e.total for e in exchanges)
    print(f"{route.name}: {len(exchanges)} exchanges per kg of {results.product}, written to")
    print(f"  {arguments.output}:")
    for name in files:
        print(f"  {name}")
    difference = check_total(results, exchanges)
    print(f"their CO2e adds up to {total:.4g} kg CO2e/kg, co2e_cradle_to_gate to {difference:.1e} relative")
    if arguments.to == "brightway":
        print("import with bw2io: CSVImporter for each database, CSVLCIAImporter for the method (README)")
    return 0


def study(arguments: argparse.Namespace) -> int:
    """``flowsheet study``: run a study file's chunks anywhere, then write one Parquet table; exit 1 if any failed."""
    from flowsheet.study import read_study, run_study

    plan = read_study(arguments.study)
    with _progress_bar() as stage:
        outcome = run_study(
            plan, arguments.output, arguments.scheduler, stage(f"{plan.path.name}: {plan.rows:,} samples")
        )
    alike: dict[tuple[str, str], int] = {}  # a route that fails alike in every scenario is said once
    for failure in outcome.failures:
        alike[failure.route, failure.error] = alike.get((failure.route, failure.error), 0) + 1
        if alike[failure.route, failure.error] == 1:
            print(f"error: {failure}", file=sys.stderr)
    for (route, _), count in alike.items():
        if count > 1:
            print(f"  ({route}: the same in {count - 1:,} more scenario(s))", file=sys.stderr)
    if outcome.failures:
        print(
            f"  hint: no table was written; the chunks that finished are kept in {arguments.output}.parts: "
            "mend what failed, or take it out of the study, and run the same command again to reuse them",
            file=sys.stderr,
        )
        return 1
    print(f"{outcome.output}: {outcome.rows:,} rows; {outcome.ran} chunks solved, {outcome.reused} kept from before")
    return 0
