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


MAIN_LINE_WEIGHT = 8.0  # pull of an edge between two units on a row, against 1 for an edge to a feed or product


@dataclass(frozen=True)
class Layout:
    """Where a layered drawing puts each node, how each edge runs, and what it costs.

    Attributes
    ----------
    layer : dict of str to int
        Column of each node, 0 at the left, [-].
    row : dict of str to float
        Vertical place of each node, 0 at the top and growing downward, [rows].
    routes : tuple of tuple of (float, float)
        For each edge, in the order given, the ``(layer, row)`` points it passes through from
        its source to its target: one point per layer it touches.
    recycles : frozenset of int
        Indices of the edges that run right to left, chosen to break every cycle.
    crossings : int
        Pairs of edges that cross between adjacent layers, [-].
    """

    layer: dict[str, int]
    row: dict[str, float]
    routes: tuple[tuple[tuple[float, float], ...], ...]
    recycles: frozenset[int]
    crossings: int


def layered_layout(names: Sequence[str], edges: Sequence[tuple[str, str]], sweeps: int = 24) -> Layout:
    """Place a directed graph in layers left to right with few crossings (a Sugiyama layout).

    Parameters
    ----------
    names : sequence of str
        The nodes; their order breaks ties, so list the feeds and the main line first.
    edges : sequence of (source, target)
        The directed edges; parallel edges and cycles are allowed.
    sweeps : int
        Rounds of barycenter ordering, each down then up the layers, [-]. Default 24; the
        shipped routes reach their fewest crossings within 4.

    Returns
    -------
    Layout
        Layers, rows, edge routes, the edges reversed to break cycles and the crossings left.

    Notes
    -----
    The four steps of Sugiyama, Tagawa and Toda [1]_:

    1. Cycles are broken by a depth-first search from the nodes nothing flows into, in
       the order given: an edge back to a node still on the search path is a recycle, laid
       out reversed, so the main line runs forward and its recycles run back.
    2. Layers are longest paths from those nodes; then a node nothing flows into (a feed)
       moves right, to the layer before the first node it feeds.
    3. An edge longer than one layer passes through a dummy point in each layer between.
       The order within each layer is set by barycenter sweeps, each followed by swaps of
       neighbours that remove crossings; the order with the fewest crossings is kept.
    4. Rows: each node moves toward the mean row of its neighbours while its layer keeps
       one row between nodes (an isotonic regression, by pooling adjacent violators). An
       edge between two nodes that each have more than one neighbour (the main line) pulls
       ``MAIN_LINE_WEIGHT`` times harder than an edge to a feed or product, so the main
       line runs straight and its feeds and products sit around it.

    References
    ----------
    .. [1] K. Sugiyama, S. Tagawa and M. Toda, "Methods for visual understanding of
       hierarchical system structures," IEEE Trans. Syst., Man, Cybern., vol. 11, no. 2,
       pp. 109-125, 1981.

    Examples
    --------
    >>> layout = layered_layout(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "b")])
    >>> layout.layer, sorted(layout.recycles), layout.routes[2]
    ({'a': 0, 'b': 1, 'c': 2}, [2], ((2.0, 0.0), (1.0, 0.0)))
    """
    import networkx as nx

    names = list(dict.fromkeys(names))
    unknown = sorted({end for edge in edges for end in edge} - set(names))
    if unknown:
        raise ValueError(f"edges name nodes missing from names: {', '.join(unknown)}; add them to names")
    recycles = _back_edges(names, edges)
    forward = [(v, u) if i in recycles else (u, v) for i, (u, v) in enumerate(edges)]
    dag = nx.DiGraph()
    dag.add_nodes_from(names)
    dag.add_edges_from((u, v) for u, v in forward if u != v)
    layer: dict[str, int] = {}
    for node in nx.lexicographical_topological_sort(dag, key=names.index):
        layer[node] = max((layer[u] + 1 for u in dag.predecessors(node)), default=0)
    for node in reversed(list(nx.lexicographical_topological_sort(dag, key=names.index))):
        if dag.in_degree(node) == 0 and dag.out_degree(node) > 0:  # a feed, beside what it feeds
            layer[node] = min(layer[v] for v in dag.successors(node)) - 1
    lowest = min(layer.values(), default=0)
    layer = {node: value - lowest for node, value in layer.items()}

    # each edge a chain through one dummy point, named (edge index, layer), per layer it crosses
    place: dict[Any, int] = dict(layer)
    chains: list[list[Any]] = []
    for i, (u, v) in enumerate(forward):
        chain = [u, *((i, k) for k in range(layer[u] + 1, layer[v])), v]
        place.update((dummy, layer[u] + 1 + k) for k, dummy in enumerate(chain[1:-1]))
        chains.append(chain)
    above: dict[Any, list[Any]] = {node: [] for node in place}
    below: dict[Any, list[Any]] = {node: [] for node in place}
    degree: dict[Any, int] = {node: dag.degree(node) for node in names}
    weight: dict[tuple[Any, Any], float] = {}
    for chain in chains:
        main_line = degree[chain[0]] > 1 and degree[chain[-1]] > 1  # not to a feed or product
        for a, b in zip(chain, chain[1:], strict=False):
            if a != b:
                below[a].append(b)
                above[b].append(a)
                weight[a, b] = weight[b, a] = MAIN_LINE_WEIGHT if main_line else 1.0
    first_seen: dict[str, int] = {}
    for source in _sources(names, dag):
        for node in nx.dfs_preorder_nodes(dag, source):
            first_seen.setdefault(node, len(first_seen))
    rank = {node: first_seen[node] if node in layer else first_seen[forward[node[0]][0]] + 0.5 for node in place}
    order: list[list[Any]] = [[] for _ in range(max(place.values(), default=-1) + 1)]
    for node in sorted(place, key=rank.__getitem__):
        order[place[node]].append(node)

    best, fewest = [list(nodes) for nodes in order], _crossings(order, below)
    for _ in range(sweeps):
        if fewest == 0:
            break
        for k in range(1, len(order)):
            _sort_by_barycenter(order[k], order[k - 1], above)
            _swap_neighbours(order, k, above, below)
        for k in range(len(order) - 2, -1, -1):
            _sort_by_barycenter(order[k], order[k + 1], below)
            _swap_neighbours(order, k, above, below)
        count = _crossings(order, below)
        if count < fewest:
            best, fewest = [list(nodes) for nodes in order], count
    rows = _rows(best, above, below, weight)
    routes = []
    for i, chain in enumerate(chains):
        points = tuple((float(place[node]), rows[node]) for node in chain)
        routes.append(points[::-1] if i in recycles else points)
    return Layout({n: layer[n] for n in names}, {n: rows[n] for n in names}, tuple(routes), recycles, fewest)


def _sources(names: list[str], graph: Any) -> list[str]:
    """Nodes nothing flows into, in the order given, then every other node (for cycles)."""
    return [n for n in names if graph.in_degree(n) == 0] + [n for n in names if graph.in_degree(n) > 0]


def _back_edges(names: list[str], edges: Sequence[tuple[str, str]]) -> frozenset[int]:
    """Indices of the edges a depth-first search from the sources finds pointing back up its path."""
    out: dict[str, list[tuple[int, str]]] = {name: [] for name in names}
    into = {v for _, v in edges}
    for i, (u, v) in enumerate(edges):
        out[u].append((i, v))
    state = dict.fromkeys(names, 0)  # 0 unseen, 1 on the search path, 2 done
    back = set()
    for start in [n for n in names if n not in into] + names:
        if state[start]:
            continue
        state[start] = 1
        stack = [(start, iter(out[start]))]
        while stack:
            node, pending = stack[-1]
            for i, v in pending:
                if state[v] == 1:
                    back.add(i)
                elif state[v] == 0:
                    state[v] = 1
                    stack.append((v, iter(out[v])))
                    break
            else:
                state[node] = 2
                stack.pop()
    return frozenset(back)


def _crossings(order: list[list[Any]], below: dict[Any, list[Any]], layers: range | None = None) -> int:
    """Count pairs of edges that cross between each layer and the next."""
    total = 0
    for k in layers if layers is not None else range(len(order) - 1):
        if not 0 <= k < len(order) - 1:
            continue
        here = {node: i for i, node in enumerate(order[k])}
        there = {node: i for i, node in enumerate(order[k + 1])}
        ends = [(here[a], there[b]) for a in order[k] for b in below[a]]
        total += sum(1 for i, (a1, b1) in enumerate(ends) for a2, b2 in ends[i + 1 :] if (a1 - a2) * (b1 - b2) < 0)
    return total


def _sort_by_barycenter(nodes: list[Any], fixed: list[Any], neighbours: dict[Any, list[Any]]) -> None:
    """Order `nodes` by the mean place of their neighbours in `fixed`; a node without any stays."""
    at = {node: i for i, node in enumerate(fixed)}
    key = {}
    for i, node in enumerate(nodes):
        places = [at[m] for m in neighbours[node] if m in at]
        key[node] = (sum(places) / len(places) if places else float(i), i)
    nodes.sort(key=key.__getitem__)


def _swap_neighbours(order: list[list[Any]], k: int, above: dict, below: dict) -> None:
    """Swap adjacent nodes of layer `k` while a swap removes crossings with the layers either side."""
    nearby = range(k - 1, k + 1)
    improved = True
    while improved:
        improved = False
        for i in range(len(order[k]) - 1):
            before = _crossings(order, below, nearby)
            order[k][i], order[k][i + 1] = order[k][i + 1], order[k][i]
            if _crossings(order, below, nearby) < before:
                improved = True
            else:
                order[k][i], order[k][i + 1] = order[k][i + 1], order[k][i]


def _rows(
    order: list[list[Any]], above: dict, below: dict, weight: dict[tuple[Any, Any], float], rounds: int = 8
) -> dict[Any, float]:
    """Rows near each node's neighbours (weighted mean), one apart within a layer, the top row 0."""
    rows = {node: float(i) for nodes in order for i, node in enumerate(nodes)}
    for turn in range(rounds):
        sweep = range(len(order)) if turn % 2 == 0 else range(len(order) - 1, -1, -1)
        for k in sweep:
            wanted = []
            for node in order[k]:
                linked = above[node] + below[node] if turn == rounds - 1 else (above, below)[turn % 2][node]
                total = sum(weight[node, m] for m in linked)
                wanted.append(sum(weight[node, m] * rows[m] for m in linked) / total if linked else rows[node])
            rows.update(zip(order[k], _one_apart(wanted), strict=True))
    top = min(rows.values(), default=0.0)
    return {node: row - top for node, row in rows.items()}


def _one_apart(wanted: list[float]) -> list[float]:
    """The rows nearest `wanted` (least squares) that keep their order, each at least 1 below the last."""
    blocks: list[list[float]] = []  # [sum, count] of pooled values of wanted[i] - i
    for i, value in enumerate(wanted):
        blocks.append([value - i, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    fitted = [total / count for total, count in blocks for _ in range(int(count))]
    return [value + i for i, value in enumerate(fitted)]


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
