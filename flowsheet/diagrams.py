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
from flowsheet.layout import Layout, layered_layout

PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#FF9DA6", "#9D755D")
KIND_SHAPES = {"feed": "s", "product": "D", "unit": "o", "transport": ">"}
SANKEY_COLUMN_WIDTH = 150  # pixels per column: a label of 20 characters at 11 px beside its node
SANKEY_ROW_HEIGHT = 70  # pixels per row of the layered layout


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
    # columns from the layered layout, so each feed enters beside what it feeds and each
    # product leaves beside what makes it, and a label has its column's width to itself
    layout = layered_layout(list(nodes), [(link.source, link.target) for link in links])
    columns = max(layout.layer.values(), default=0) + 1
    rows = max(layout.row.values(), default=0.0) + 1
    width = max(900, SANKEY_COLUMN_WIDTH * columns)
    height = max(520, SANKEY_ROW_HEIGHT * rows)
    figure = go.Figure(
        go.Sankey(
            valueformat=".4g",
            valuesuffix=f" {unit}",
            arrangement="snap",
            node={
                "label": labels,
                "pad": 18,
                "thickness": 12,
                "x": [0.005 + 0.99 * layout.layer[name] / max(columns - 1, 1) for name in nodes],
                "y": [0.005 + 0.99 * (layout.row[name] + 0.5) / rows for name in nodes],
            },
            link={
                "source": [nodes[link.source] for link in links],
                "target": [nodes[link.target] for link in links],
                "value": [link.value for link in links],
                "customdata": [link.hover for link in links],
                "hovertemplate": "%{customdata}<extra></extra>",
            },
        )
    )
    figure.update_layout(
        title_text=title,
        font_size=11,
        width=width,
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
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


LAYER_PITCH = 1.5  # inches between layers: room for a 16-character label at 7 pt
ROW_PITCH = 0.7  # inches between rows: a node, its label and a gap
FONT_SIZE = 7  # points, node labels and legend
MARKER_RADIUS = 6.5  # points, half the width of a node marker of area 160 pt^2
RECYCLE_COLOUR = "#B5403A"
EDGE_COLOUR = "#555"


def draw_graph(
    nodes: Sequence[Node], edges: Sequence[tuple[str, str, bool]], title: str, layout: Layout | None = None
) -> Any:
    """Draw units in layers left to right, coloured by site; transport legs dashed, recycles red.

    Parameters
    ----------
    nodes : sequence of Node
        Units with their kind (feed, product, unit, transport) and site.
    edges : sequence of (source, target, crosses_sites)
        Streams; those that cross sites (through a transport leg) are dashed.
    title : str
        Figure title.
    layout : Layout, optional
        Where to place them; by default :func:`layered_layout` of `nodes` and `edges`.

    Returns
    -------
    matplotlib.figure.Figure
        Without a display; save it with ``figure.savefig("flowsheet.svg")``. Every artist lies
        inside the figure: the title above the drawing, the legend below it.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    if layout is None:
        layout = layered_layout([node.name for node in nodes], [(u, v) for u, v, _ in edges])
    sites = list(dict.fromkeys(node.site or "(no site)" for node in nodes))
    colour = {site: PALETTE[i % len(PALETTE)] for i, site in enumerate(sites)}
    handles = [Line2D([], [], marker="o", linestyle="", color=colour[s], label=s) for s in sites]
    kinds = {node.kind for node in nodes}
    handles += [
        Line2D([], [], marker=KIND_SHAPES[kind], linestyle="", color="#999", label=kind)
        for kind in ("feed", "product")
        if kind in kinds
    ]
    if any(crosses for _, _, crosses in edges):
        handles.append(Line2D([], [], color=EDGE_COLOUR, linestyle="--", lw=1.6, label="between sites"))
    if layout.recycles:
        handles.append(Line2D([], [], color=RECYCLE_COLOUR, lw=1.0, label="recycle"))

    # inches: half the widest label beside the outer layers, the title above, the legend below
    layers = max(layout.layer.values(), default=0)
    rows = max(layout.row.values(), default=0.0)
    margin = max(len(node.name) for node in nodes) * 0.62 * FONT_SIZE / 72 / 2 + 0.2
    width = max(layers * LAYER_PITCH + 2 * margin, 6.0)
    columns = max(1, min(len(handles), int(width // 1.35)))
    legend_height = 0.25 + 0.2 * -(-len(handles) // columns)
    title_height = 0.5
    plot_height = (rows + 1.1) * ROW_PITCH
    height = title_height + plot_height + legend_height
    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.0, legend_height / height, 1.0, plot_height / height))
    half = (width - layers * LAYER_PITCH) / 2 / LAYER_PITCH
    axes.set_xlim(-half, layers + half)
    axes.set_ylim(-(rows + 0.6), 0.5)
    axes.set_axis_off()

    for i, ((_, _, crosses), route) in enumerate(zip(edges, layout.routes, strict=True)):
        points = [(x, -y) for x, y in route]
        style: dict[str, Any] = {
            "color": RECYCLE_COLOUR if i in layout.recycles else EDGE_COLOUR,
            "lw": 1.6 if crosses else 0.8,
            "linestyle": "--" if crosses else "-",
        }
        if len(points) > 2:  # through the dummy points, under the markers
            xs, ys = zip(*points[:-1], strict=True)
            axes.plot(xs, ys, zorder=1, solid_capstyle="butt", **style)
        axes.annotate(
            "",
            xy=points[-1],
            xytext=points[-2],
            arrowprops={"arrowstyle": "-|>", "shrinkA": 0, "shrinkB": MARKER_RADIUS + 2, **style},
            zorder=1,
        )
    for node in nodes:
        axes.scatter(
            [layout.layer[node.name]],
            [-layout.row[node.name]],
            s=160,
            marker=KIND_SHAPES.get(node.kind, "o"),
            color=colour[node.site or "(no site)"],
            zorder=3,
            edgecolors="black",
            linewidths=0.5,
        )
    _place_labels(axes, [node.name for node in nodes], layout)
    axes.set_title(title, pad=8)
    axes.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.0, 0.0),
        ncol=columns,
        fontsize=FONT_SIZE,
        frameon=False,
        borderaxespad=0.3,
    )
    return figure


LABEL_PLACES = (  # offset from the node [points], horizontal and vertical alignment
    ((0, -(MARKER_RADIUS + 2)), "center", "top"),
    ((0, MARKER_RADIUS + 2), "center", "bottom"),
    ((MARKER_RADIUS, -(MARKER_RADIUS + 1)), "left", "top"),
    ((MARKER_RADIUS, MARKER_RADIUS + 1), "left", "bottom"),
    ((-MARKER_RADIUS, -(MARKER_RADIUS + 1)), "right", "top"),
    ((-MARKER_RADIUS, MARKER_RADIUS + 1), "right", "bottom"),
)


def _place_labels(axes: Any, names: Sequence[str], layout: Layout) -> None:
    """Label each node where its text crosses the fewest edges, markers and labels placed before.

    Tried in turn: below, above, then below or above to the right and to the left.
    """
    from matplotlib.transforms import Bbox

    figure = axes.figure
    renderer = figure.canvas.get_renderer()
    to_display = axes.transData.transform
    segments = [
        (to_display((x0, -y0)), to_display((x1, -y1)))
        for route in layout.routes
        for (x0, y0), (x1, y1) in zip(route, route[1:], strict=False)
    ]
    markers = [to_display((layout.layer[n], -layout.row[n])) for n in names]
    radius = MARKER_RADIUS * figure.dpi / 72
    taken: list[Any] = [Bbox.from_extents(x - radius, y - radius, x + radius, y + radius) for x, y in markers]
    for name in names:
        anchor = (layout.layer[name], -layout.row[name])
        best = None
        for offset, ha, va in LABEL_PLACES:
            text = axes.annotate(
                name, anchor, xytext=offset, textcoords="offset points", ha=ha, va=va, fontsize=FONT_SIZE, zorder=4
            )
            box = text.get_window_extent(renderer).padded(1.0)
            cost = sum(_segment_meets_box(p, q, box) for p, q in segments)
            cost += 2 * sum(box.overlaps(other) for other in taken)
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, text, box)
            else:
                text.remove()
            if cost == 0:
                break
        assert best is not None
        taken.append(best[2])


def _segment_meets_box(start: Any, end: Any, box: Any) -> bool:
    """Whether the segment from `start` to `end` passes through `box` (Liang-Barsky clipping)."""
    low, high = 0.0, 1.0
    (x0, y0), (x1, y1) = start, end
    for p, q in (
        (x0 - x1, x0 - box.x0),
        (x1 - x0, box.x1 - x0),
        (y0 - y1, y0 - box.y0),
        (y1 - y0, box.y1 - y0),
    ):
        if p == 0:
            if q < 0:
                return False
        elif p < 0:
            low = max(low, q / p)
        else:
            high = min(high, q / p)
        if low > high:
            return False
    return True


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
    layout : Layout or None
        Where the drawing put each unit and stream, when it was drawn from a layout.
    """

    def __init__(self, figure: Any, layout: Layout | None = None) -> None:
        self.figure = figure
        self.layout = layout

    def _repr_svg_(self) -> str:
        buffer = save_drawing(self.figure, io.BytesIO(), format="svg")
        assert isinstance(buffer, io.BytesIO)
        return buffer.getvalue().decode("utf-8")

    def __repr__(self) -> str:
        return f"<Drawing {self.figure.axes[0].get_title()!r}: show it in Jupyter, or .savefig('flowsheet.svg')>"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.figure, name)
