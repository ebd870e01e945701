"""Diagrams from plain data: plotly Sankey figures and matplotlib flowsheet drawings.

plotly and matplotlib are imported when a diagram is asked for, so the command
line never pays for them. Both work on a fresh install without system packages;
static Sankey images (PNG, SVG) use kaleido's bundled Chromium (``pip install
"cathode-flowsheet[export]"``), HTML needs nothing more.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowsheet.errors import FlowsheetError

PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#FF9DA6", "#9D755D")
KIND_SHAPES = {"feed": "s", "product": "D", "unit": "o", "transport": ">"}


@dataclass(frozen=True)
class Link:
    """One flow between two nodes of a Sankey diagram."""

    source: str
    target: str
    value: float
    hover: str


def sankey_figure(links: Sequence[Link], title: str, unit: str) -> Any:
    """Return a plotly Sankey figure; nodes are the link ends, in order of appearance.

    Parameters
    ----------
    links : sequence of Link
        Flows with positive values, e.g. kg per kg of product.
    title : str
        Figure title.
    unit : str
        Unit of the values, shown in the hover text.
    """
    import plotly.graph_objects as go

    nodes: dict[str, int] = {}
    into: dict[str, float] = {}
    out: dict[str, float] = {}
    for link in links:
        for end in (link.source, link.target):
            nodes.setdefault(end, len(nodes))
        out[link.source] = out.get(link.source, 0.0) + link.value
        into[link.target] = into.get(link.target, 0.0) + link.value
    # each node labelled with what passes through it, so the values read without hovering
    labels = [f"{name}: {max(into.get(name, 0.0), out.get(name, 0.0)):.3g} {unit}" for name in nodes]
    figure = go.Figure(
        go.Sankey(
            valueformat=".4g",
            valuesuffix=f" {unit}",
            arrangement="snap",
            node={"label": labels, "pad": 18, "thickness": 14},
            link={
                "source": [nodes[link.source] for link in links],
                "target": [nodes[link.target] for link in links],
                "value": [link.value for link in links],
                "customdata": [link.hover for link in links],
                "hovertemplate": "%{customdata}<extra></extra>",
            },
        )
    )
    height = max(520, 26 * len(nodes))  # room for every label
    figure.update_layout(title_text=title, font_size=12, height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return figure


def save_figure(figure: Any, path: str | Path) -> Path:
    """Write a plotly figure as HTML (self-contained), PNG or SVG, chosen by the file's suffix."""
    path = Path(path)
    if path.suffix == ".html":
        figure.write_html(path, include_plotlyjs=True, full_html=True)
        return path
    try:
        figure.write_image(path)
    except (ValueError, ImportError, RuntimeError) as err:
        if "kaleido" not in str(err).lower():
            raise
        raise FlowsheetError(
            f"cannot write {path.name}: static images need kaleido, which is not installed"
            + '\n  hint: pip install "cathode-flowsheet[export]" (kaleido 0.2.1 with its own Chromium), '
            + "or save as .html"
        ) from None
    return path


@dataclass(frozen=True)
class Node:
    """A unit of a flowsheet drawing."""

    name: str
    kind: str
    site: str


def draw_graph(nodes: Sequence[Node], edges: Sequence[tuple[str, str, bool]], title: str) -> Any:
    """Draw units left to right in flow order, coloured by site; transport legs dashed.

    Parameters
    ----------
    nodes : sequence of Node
        Units with their kind (feed, product, unit, transport) and site.
    edges : sequence of (source, target, crosses_sites)
        Streams; those that cross sites (through a transport leg) are dashed.
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Without a display; save it with ``figure.savefig("flowsheet.svg")``.
    """
    import networkx as nx
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    ends = {node.name for node in nodes if node.kind in ("feed", "product")}
    graph = nx.DiGraph()
    graph.add_nodes_from(node.name for node in nodes if node.name not in ends)
    graph.add_edges_from((u, v) for u, v, _ in edges if u not in ends and v not in ends)
    condensed = nx.condensation(graph)
    column: dict[str, float] = {}
    for depth, generation in enumerate(nx.topological_generations(condensed)):
        for group in generation:
            for member in condensed.nodes[group]["members"]:
                column[member] = float(depth)
    for node in nodes:  # feeds half a column before what they feed, products half after their source
        if node.kind == "feed":
            column[node.name] = min((column.get(v, 0.0) for u, v, _ in edges if u == node.name), default=0.0) - 0.5
        elif node.kind == "product":
            column[node.name] = max((column.get(u, 0.0) for u, v, _ in edges if v == node.name), default=0.0) + 0.5
    rows: dict[float, int] = {}
    position = {}
    for node in nodes:  # units on the main rows; feeds and products below, off the lines between units
        x = column[node.name]
        row = rows.get(x, 1 if node.name in ends else 0)
        position[node.name] = (x, -row)
        rows[x] = row + 1
    sites = list(dict.fromkeys(node.site or "(no site)" for node in nodes))
    colour = {site: PALETTE[i % len(PALETTE)] for i, site in enumerate(sites)}

    width = max(8.0, 1.8 * (max(column.values(), default=0) - min(column.values(), default=0) + 1))
    height = max(4.0, 0.9 * max(rows.values(), default=1) + 1)
    figure = Figure(figsize=(width, height))
    axes = figure.add_subplot()
    for u, v, crosses in edges:
        (x0, y0), (x1, y1) = position[u], position[v]
        axes.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#555",
                "lw": 1.6 if crosses else 0.8,
                "linestyle": "--" if crosses else "-",
                "shrinkA": 9,
                "shrinkB": 9,
            },
        )
    for node in nodes:
        x, y = position[node.name]
        axes.scatter(
            [x],
            [y],
            s=160,
            marker=KIND_SHAPES.get(node.kind, "o"),
            color=colour[node.site or "(no site)"],
            zorder=3,
            edgecolors="black",
            linewidths=0.5,
        )
        axes.text(x, y - 0.28, node.name, ha="center", va="top", fontsize=7)
    handles = [Line2D([], [], marker="o", linestyle="", color=colour[s], label=s) for s in sites]
    axes.legend(handles=handles, loc="upper right", fontsize=7, title="site", title_fontsize=7)
    axes.set_title(title)
    axes.set_axis_off()
    axes.margins(0.08, 0.15)
    return figure


def save_drawing(figure: Any, path: str | Path | io.BytesIO, format: str | None = None) -> Path | io.BytesIO:
    """Save a matplotlib drawing (PNG, SVG, PDF by suffix or `format`); SVG keeps its labels as text."""
    from matplotlib import rc_context

    with rc_context({"svg.fonttype": "none"}):
        getattr(figure, "figure", figure).savefig(path, bbox_inches="tight", format=format)
    return path if isinstance(path, io.BytesIO) else Path(path)


class Drawing:
    """A flowsheet drawing that shows itself: SVG in Jupyter, ``savefig`` to a file.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The drawing; any other attribute is the figure's.
    """

    def __init__(self, figure: Any) -> None:
        self.figure = figure

    def _repr_svg_(self) -> str:
        buffer = save_drawing(self.figure, io.BytesIO(), format="svg")
        assert isinstance(buffer, io.BytesIO)
        return buffer.getvalue().decode("utf-8")

    def __repr__(self) -> str:
        return f"<Drawing {self.figure.axes[0].get_title()!r}: show it in Jupyter, or .savefig('flowsheet.svg')>"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.figure, name)
