"""Reports: the headline figures of solved routes as JSON-ready data, tables, comparisons and figures."""

from flowsheet.report.figures import draw, sankey
from flowsheet.report.summary import KPI_ORDER, compare, summarize
from flowsheet.report.tables import render_comparison, render_runs, render_sweep, render_trace

__all__ = [
    "KPI_ORDER",
    "compare",
    "draw",
    "render_comparison",
    "render_runs",
    "render_sweep",
    "render_trace",
    "sankey",
    "summarize",
]
