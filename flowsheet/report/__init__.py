"""Reports: the headline figures of solved routes as JSON-ready data, tables and comparisons."""

from flowsheet.report.summary import KPI_ORDER, compare, summarize
from flowsheet.report.tables import render_comparison, render_runs, render_sweep, render_trace

__all__ = ["KPI_ORDER", "compare", "render_comparison", "render_runs", "render_sweep", "render_trace", "summarize"]
