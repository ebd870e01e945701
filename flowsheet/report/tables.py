"""Text renderings of route summaries: aligned tables, Markdown, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json

from flowsheet.report.summary import KPI_ORDER

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
        return json.dumps(summaries, indent=2)
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
        rows = [[name, _number(summary["kpis"][name]["value"]), summary["kpis"][name]["unit"]] for name in KPI_ORDER]
        closure = summary["closure"]["mass_relative_error"]
        title = f"{summary['route']} ({summary['file']}), {per}; mass closes to {closure:.1e}"
        blocks.append(f"{title}\n{_grid(['kpi', 'value', 'unit'], rows, fmt)}")
    return "\n\n".join(blocks)


def render_comparison(compared: list[dict], fmt: str) -> str:
    """One row per KPI, one column per route, then each route's ratio to the baseline."""
    if fmt == "json":
        return json.dumps(compared, indent=2)
    baseline = compared[0]["baseline"]
    others = [c for c in compared if c["route"] != baseline]
    header = ["kpi", "unit", *(c["route"] for c in compared), *(f"{c['route']} / {baseline}" for c in others)]
    rows = []
    for name in KPI_ORDER:
        unit = compared[0]["kpis"][name]["unit"]
        values = [
            _number(c["kpis"][name]["value"]) if fmt != "csv" else repr(c["kpis"][name]["value"]) for c in compared
        ]
        ratios = [
            _ratio(c["ratios"][name])
            if fmt != "csv"
            else ("" if c["ratios"][name] is None else repr(c["ratios"][name]))
            for c in others
        ]
        rows.append([name, unit, *values, *ratios])
    text = _grid(header, rows, fmt)
    if fmt == "table":
        per = f"per {compared[0]['basis']['value']:g} {compared[0]['basis']['unit']} of each route's product"
        text = f"Routes compared {per}; ratios to {baseline}\n{text}"
    return text
