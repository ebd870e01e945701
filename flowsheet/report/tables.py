"""Text renderings of route summaries: aligned tables, Markdown, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json

from flowsheet.report.summary import KPI_ORDER
from flowsheet.units import ureg

FORMATS = ("table", "json", "csv", "markdown")


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.1f}"
    return f"{value:.4g}" if abs(value) < 0.01 else f"{value:.3f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _short(unit: str) -> str:
    """``kilometer * metric_ton`` -> ``km * t`` for tables people read."""
    return f"{ureg.Unit(unit):~}" or "-"


def _grid(header: list[str], rows: list[list[str]], fmt: str) -> str:
    if fmt == "markdown":
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue().rstrip("\n")
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_runs(summaries: list[dict], fmt: str) -> str:
    """One route's KPIs per block (table, markdown), long rows (csv) or a JSON list."""
    if fmt == "json":
        return json.dumps(summaries, indent=2, allow_nan=False)
    if fmt == "csv":
        rows = [
            [s["route"], name, repr(s["kpis"][name]["value"]), s["kpis"][name]["unit"]]
            for s in summaries
            for name in KPI_ORDER
        ]
        return _grid(["route", "kpi", "value", "unit"], rows, "csv")
    blocks = []
    for summary in summaries:
        per = f"per {summary['basis']['value']:g} {summary['basis']['unit']} {summary['product']}"
        rows = [
            [name, _number(summary["kpis"][name]["value"]), _short(summary["kpis"][name]["unit"])] for name in KPI_ORDER
        ]
        closure = summary["closure"]["mass_relative_error"]
        title = f"{summary['route']} ({summary['file']}), {per}; mass closes to {closure:.1e}"
        blocks.append(f"{title}\n{_grid(['kpi', 'value', 'unit'], rows, fmt)}")
    return "\n\n".join(blocks)


def render_comparison(compared: list[dict], fmt: str) -> str:
    """One row per KPI, one column per route; each value followed by its ratio to the baseline.

    CSV gives values and ratios in separate columns; JSON the summaries with their ``ratios``.
    """
    if fmt == "json":
        return json.dumps(compared, indent=2, allow_nan=False)
    baseline = compared[0]["baseline"]
    if fmt == "csv":
        others = [c for c in compared if c["route"] != baseline]
        header = ["kpi", "unit", *(c["route"] for c in compared), *(f"{c['route']} / {baseline}" for c in others)]
        rows = [
            [
                name,
                compared[0]["kpis"][name]["unit"],
                *(repr(c["kpis"][name]["value"]) for c in compared),
                *("" if c["ratios"][name] is None else repr(c["ratios"][name]) for c in others),
            ]
            for name in KPI_ORDER
        ]
        return _grid(header, rows, "csv")
    header = ["kpi", "unit", *(c["route"] for c in compared)]
    rows = []
    for name in KPI_ORDER:
        cells = []
        for c in compared:
            value = _number(c["kpis"][name]["value"])
            cells.append(value if c["route"] == baseline else f"{value} ({_ratio(c['ratios'][name])})")
        rows.append([name, _short(compared[0]["kpis"][name]["unit"]), *cells])
    text = _grid(header, rows, fmt)
    if fmt == "table":
        per = f"per {compared[0]['basis']['value']:g} {_short(compared[0]['basis']['unit'])} of each route's product"
        text = f"Routes compared {per}; in brackets, the ratio to {baseline}\n{text}"
    return text


def render_sweep(summary: dict, fmt: str) -> str:
    """Percentiles of every KPI over the samples and its strongest drivers (rank correlation)."""
    if fmt == "json":
        return json.dumps(summary, indent=2, allow_nan=False)
    header = ["kpi", "unit", "p5", "p50", "p95", "top drivers (Spearman)"]
    rows = []
    for name, stats in summary["kpis"].items():
        drivers = "; ".join(f"{d['parameter']} {d['spearman']:+.2f}" for d in summary["drivers"][name]) or "-"
        if fmt == "csv":
            rows.append([name, stats["unit"], repr(stats["p5"]), repr(stats["p50"]), repr(stats["p95"]), drivers])
        else:
            rows.append(
                [name, stats["unit"], _number(stats["p5"]), _number(stats["p50"]), _number(stats["p95"]), drivers]
            )
    text = _grid(header, rows, fmt)
    if fmt == "table":
        text = (
            f"{summary['route']}: {summary['samples']} samples (seed {summary['seed']}), per {summary['basis']}\n{text}"
        )
    return text


def render_trace(
    route: str,
    element: str,
    shares: dict[str, dict[str, float]],
    recycled: dict[str, float],
    fmt: str,
    leaves: dict[str, dict[str, float | str]] | None = None,
) -> str:
    """Where an element leaves, and where the element in each product came from.

    Parameters
    ----------
    shares : dict
        ``{product: {feed: fraction}}``, each row summing to 1.
    recycled : dict
        ``{product: recycled content}``, mass share from recycled feeds (O and H not counted).
    leaves : dict, optional
        ``{product: {"kind": kind, "mass": kg per basis, "share": fraction of all that leaves}}``.
    """
    feeds = sorted({feed for row in shares.values() for feed in row})
    leaves = leaves or {}
    if fmt == "json":
        return json.dumps(
            {"route": route, "element": element, "leaves": leaves, "shares": shares, "recycled_content": recycled},
            indent=2,
            allow_nan=False,
        )
    header = ["product", "kind", f"{element} [kg]", "share", *feeds, "recycled content"]
    rows = [
        [
            product,
            str(leaves.get(product, {}).get("kind", "")),
            f"{float(leaves.get(product, {}).get('mass', 0.0)):.4g}",
            f"{float(leaves.get(product, {}).get('share', 0.0)):.4f}",
            *(f"{row.get(feed, 0.0):.4f}" for feed in feeds),
            f"{recycled.get(product, 0.0):.4f}",
        ]
        for product, row in shares.items()
    ]
    table = _grid(header, rows, fmt)
    if fmt == "csv":
        return table
    title = (
        f"{route}: where {element} leaves (kg per basis, share of all that leaves), and the feed the {element} "
        "in each product came from (fractions); recycled content by mass"
    )
    return f"{title}\n{table}"
