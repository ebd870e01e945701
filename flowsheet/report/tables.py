"""Text renderings of route summaries: aligned tables, Markdown, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
import shutil
import textwrap

from flowsheet.report.summary import KPI_ORDER
from flowsheet.units import co2e_unit, short_unit, split_co2e, ureg


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.1f}"
    return f"{value:.4g}" if abs(value) < 0.01 else f"{value:.3f}"


def _exact(value: float | None) -> str:
    """A CSV cell: every digit a float carries, none of its noise (``0.9999999999999999`` -> ``1``)."""
    return "" if value is None else f"{value:.15g}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


SCALES = {
    "kilogram": (("kg", 1.0), ("t", 1e3), ("kt", 1e6), ("Mt", 1e9)),
    "megajoule": (("MJ", 1.0), ("GJ", 1e3), ("TJ", 1e6), ("PJ", 1e9)),
    "kilometer * metric_ton": (("t*km", 1.0), ("kt*km", 1e3), ("Mt*km", 1e6)),
    "kilometer * metric_ton / hour": (("t*km/h", 1.0), ("kt*km/h", 1e3)),
    "kilogram / hour": (("kg/h", 1.0), ("t/h", 1e3), ("kt/h", 1e6)),
    "kilowatt": (("kW", 1.0), ("MW", 1e3), ("GW", 1e6)),
}
"""Engineering units a column of values is shown in, by the unit the summaries carry: the largest not above them."""


def _scaled(unit: str, values: list[float | None]) -> tuple[str, float]:
    """The unit to show a KPI's values in and the factor to divide them by; a CO2e unit keeps its ``CO2e``."""
    plain, co2e = split_co2e(unit)
    steps = SCALES.get(str(ureg.Unit(plain)), ((_short(plain), 1.0),))
    largest = max((abs(v) for v in values if v is not None), default=0.0)
    shown, factor = steps[0]
    for label, step in steps:
        if largest >= step * (1 - 1e-9):  # round-off of an exact basis stays in its unit
            shown, factor = label, step
    return (co2e_unit(shown) if co2e else shown), factor


def _short(unit: str) -> str:
    return short_unit(unit)


def terminal_width() -> int:
    """Columns of the terminal (``COLUMNS`` if set), 100 when unknown."""
    return shutil.get_terminal_size((100, 24)).columns


def _grid(header: list[str], rows: list[list[str]], fmt: str, keep: int = 1, width: int | None = None) -> str:
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
    width = terminal_width() if width is None else width
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    groups: list[list[int]] = []
    fixed = sum(widths[:keep]) + 2 * keep
    for j in range(keep, len(header)):
        if groups and fixed + sum(widths[k] + 2 for k in groups[-1]) + widths[j] <= width:
            groups[-1].append(j)
        else:
            groups.append([j])
    blocks = []
    for group in groups or [[]]:
        columns = [*range(keep), *group]
        room = max(8, width - sum(widths[k] + 2 for k in columns[:-1]))
        sized = {k: min(widths[k], room) if k == columns[-1] else widths[k] for k in columns}
        lines = [
            "  ".join(_fit(line[k], sized[k], left=(k < keep)) for k in columns).rstrip() for line in [header, *rows]
        ]
        lines.insert(1, "  ".join("-" * sized[k] for k in columns))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _fit(cell: str, width: int, left: bool) -> str:
    """A cell padded to `width`, or cut with an ellipsis where it is wider (a text column the terminal cannot hold)."""
    if len(cell) > width:
        cell = cell[: width - 1] + "…"
    return cell.ljust(width) if left else cell.rjust(width)


SPECIES_NOTES = (
    ("overridden", "species_replaced", "species replaced by a later layer of species data"),
    ("overrides", "species_override", "values outside their plausibility band, accepted as marked overrides"),
)
"""Per kind of species note: its key in a summary's ``species``, its CSV row name, and its heading."""


def _species_notes(summary: dict, fmt: str) -> str:
    """The species a layer replaced and the values accepted as overrides, under their headings; empty if none."""
    blocks = []
    for key, _, heading in SPECIES_NOTES:
        listed = summary.get("species", {}).get(key, [])
        if listed:
            if fmt == "markdown":
                lines = [f"- {text}" for text in listed]
            else:  # wrapped to the terminal, a note's later lines indented under its first
                width = max(terminal_width(), 40)
                lines = [_wrapped(text, width) for text in listed]
            blocks.append("\n".join([f"{heading}:", *lines]))
    return "\n\n".join(blocks)


PER_KWH_SHOWN = ("water_fresh", "sodium_sulfate", "waste_total", "energy_total", "co2e", "co2e_cradle_to_gate", "cost")
"""The figures per kWh a run's notes show (JSON gives them all)."""


def _route_notes(summary: dict, fmt: str) -> str:
    """The ports and stages of each transport leg, and what the costs leave out for want of a price; empty if none."""
    width = max(terminal_width(), 40)
    legs = []
    for name, leg in summary.get("legs", {}).items():
        stages = ", ".join(f"{s['mode']} {s['distance']['value']:,.0f} km" for s in leg["stages"])
        legs.append(f"{name}: {stages}; {leg['days']:.1f} d in transit; {leg['basis'] or 'as the route states'}")
    blocks = []
    per_kwh = summary.get("per_kwh") or {}
    if per_kwh:
        stored = per_kwh["specific_energy"]["value"]
        shown = [
            f"{name} {_number(item['value'])} {_short(item['unit'])}"
            for name, item in per_kwh["kpis"].items()
            if name in PER_KWH_SHOWN
        ]
        text = f"per kWh the product stores ({stored:.3g} kWh/kg): " + ", ".join(shown)
        blocks.append(f"- {text}" if fmt == "markdown" else textwrap.fill(text, width, subsequent_indent="  "))
    unpriced = summary.get("costs", {}).get("unpriced", [])
    unfactored = summary.get("upstream", {}).get("without_factor", [])
    exceeded = [
        f"{item['kpi']} {_number(item['value']['value'])} {_short(item['value']['unit'])} > "
        f"{_number(item['max']['value'])} {_short(item['max']['unit'])} ({item['source'].split(':')[0]})"
        for item in summary.get("specifications", [])
        if item["exceeded"]
    ]
    listings = (("over the route's specifications", exceeded), ("transport legs", legs),
                ("no price, left out of the costs", unpriced),
                ("no cradle-to-gate factor, left out of co2e_upstream", unfactored))  # fmt: skip
    for heading, listed in listings:
        if listed:
            lines = (
                [f"- {text}" for text in listed] if fmt == "markdown" else [_wrapped(text, width) for text in listed]
            )
            blocks.append("\n".join([f"{heading}:", *lines]))
    return "\n\n".join(blocks)


def _wrapped(text: str, width: int) -> str:
    """`text` wrapped to `width` under a two-space indent, its later lines indented further; paths stay whole."""
    return textwrap.fill(
        text, width, initial_indent="  ", subsequent_indent="    ", break_long_words=False, break_on_hyphens=False
    )


def render_runs(summaries: list[dict], fmt: str) -> str:
    """One route's KPIs per block (table, markdown), long rows (csv) or a JSON list.

    Every format says which species a later layer (a user's folder, the route's own ``species:``)
    replaced and which values were accepted outside their plausibility band as overrides: table
    and Markdown below each route's KPIs, CSV as rows whose ``kpi`` is ``species_replaced`` or
    ``species_override`` and whose ``value`` is the text, JSON under ``species``.
    """
    if fmt == "json":
        return json.dumps(summaries, indent=2, allow_nan=False)
    if fmt == "csv":
        rows = []
        for s in summaries:
            rows += [
                [s["route"], name, _exact(s["kpis"][name]["value"]), _short(s["kpis"][name]["unit"])]
                for name in KPI_ORDER
            ]
            rows += [
                [s["route"], row_name, text, ""]
                for key, row_name, _ in SPECIES_NOTES
                for text in s.get("species", {}).get(key, [])
            ]
        return _grid(["route", "kpi", "value", "unit"], rows, "csv")
    blocks = []
    for summary in summaries:
        per = f"per {summary['basis']['value']:g} {_short(summary['basis']['unit'])} {summary['product']}"
        rows = []
        for name in KPI_ORDER:
            value, unit = summary["kpis"][name]["value"], summary["kpis"][name]["unit"]
            shown, factor = _scaled(unit, [value])
            rows.append([name, _number(value / factor), shown])
        closure = summary["closure"]["mass_relative_error"]
        title = f"{summary['route']} ({summary['file']}), {per}; mass closes to {closure:.1e}"
        notes = "\n\n".join(filter(None, [_route_notes(summary, fmt), _species_notes(summary, fmt)]))
        blocks.append(f"{title}\n{_grid(['kpi', 'value', 'unit'], rows, fmt)}" + (f"\n\n{notes}" if notes else ""))
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
                _short(compared[0]["kpis"][name]["unit"]),
                *(_exact(c["kpis"][name]["value"]) for c in compared),
                *(_exact(c["ratios"][name]) for c in others),
            ]
            for name in KPI_ORDER
        ]
        return _grid(header, rows, "csv")
    header = ["kpi", "unit", *(c["route"] for c in compared)]
    rows = []
    for name in KPI_ORDER:
        shown, factor = _scaled(compared[0]["kpis"][name]["unit"], [c["kpis"][name]["value"] for c in compared])
        cells = []
        for c in compared:
            value = _number(c["kpis"][name]["value"] / factor)
            cells.append(value if c["route"] == baseline else f"{value} ({_ratio(c['ratios'][name])})")
        rows.append([name, shown, *cells])
    text = _grid(header, rows, fmt, keep=2)
    if fmt == "table":
        per = f"per {compared[0]['basis']['value']:g} {_short(compared[0]['basis']['unit'])} of each route's product"
        text = f"Routes compared {per}; in brackets, the ratio to {baseline}\n{text}"
    ports = [
        f"{c['route']}: " + "; ".join(f"{name} {' -> '.join(leg['ports'])}" for name, leg in c["legs"].items())
        for c in compared
        if any(leg["ports"] for leg in c.get("legs", {}).values())
    ]
    if ports:
        width = max(terminal_width(), 40)
        lines = [f"- {line}" for line in ports] if fmt == "markdown" else [_wrapped(line, width) for line in ports]
        text += "\n\nports called at:\n" + "\n".join(lines)
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
            rows.append([name, stats["unit"], *(_exact(stats[p]) for p in ("p5", "p50", "p95")), drivers])
        else:
            rows.append([name, stats["unit"], *(_number(stats[p]) for p in ("p5", "p50", "p95")), drivers])
    text = _grid(header, rows, fmt, keep=2)
    if fmt == "table":
        text = (
            f"{summary['route']}: {summary['samples']} samples (seed {summary['seed']}), per {summary['basis']}\n{text}"
        )
    if "sobol" in summary:
        text += "\n\n" + _sobol_table(summary["sobol"], fmt)
    return text


def _sobol_table(sobol: dict, fmt: str) -> str:
    """Each KPI's parameters by total Sobol index, with the half-widths of their 95 % intervals."""
    if fmt == "csv":
        header = ["kpi", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
        rows = [
            [kpi, d["parameter"], *(_exact(d[key]) for key in header[2:])]
            for kpi, drivers in sobol["kpis"].items()
            for d in drivers
        ]
        return _grid(header, rows, fmt)
    header = ["kpi", "parameter", "first-order S1", "total ST"]
    rows = [
        [
            kpi if i == 0 else "",
            d["parameter"],
            f"{d['S1']:.2f} ± {d['S1_conf']:.2f}",
            f"{d['ST']:.2f} ± {d['ST_conf']:.2f}",
        ]
        for kpi, drivers in sobol["kpis"].items()
        for i, d in enumerate(drivers)
    ]
    text = _grid(header, rows, fmt, keep=2)
    if fmt == "table":
        title = f"Sobol indices from {sobol['solves']:,} solves (Saltelli's scheme, base {sobol['base']:,}); ± 95 % interval"
        text = f"{title}; parameters with ST >= 0.01\n{text}"
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
    table = _grid(header, rows, fmt, keep=2)
    if fmt == "csv":
        return table
    title = (
        f"{route}: where {element} leaves (kg per basis, share of all that leaves), and the feed the {element} "
        "in each product came from (fractions); recycled content by mass"
    )
    if fmt == "table":  # a caption wrapped between words, as the table below it fits the terminal
        width = max(terminal_width(), 40)
        title = textwrap.fill(title, width, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False)
    return f"{title}\n{table}"
