"""The flowsheet drawing's layered layout: left to right, few crossings, labels and legend clear (issue 22)."""

from itertools import combinations
from pathlib import Path

import networkx as nx
import pytest
from matplotlib.transforms import Bbox

from flowsheet.diagrams import _segment_meets_box
from flowsheet.layout import layered_layout
from flowsheet.report import draw
from flowsheet.route_file import load_route

ROUTES = Path(__file__).parents[1] / "routes"
DRAWN = ["nmc811_sulfate.yaml", "nmc811_m2cam.yaml"]


@pytest.fixture(scope="module", params=DRAWN)
def drawing(request):
    route = load_route(ROUTES / request.param)
    return route.flowsheet, draw(route.flowsheet)


def _edges(sheet):
    return [(stream.source, stream.target) for stream in sheet.streams()]


def _display_segments(drawing):
    to_display = drawing.figure.axes[0].transData.transform
    return [
        (i, to_display((x0, -y0)), to_display((x1, -y1)))
        for i, route in enumerate(drawing.layout.routes)
        for (x0, y0), (x1, y1) in zip(route, route[1:], strict=False)
    ]


def test_a_cycle_is_broken_at_the_edge_back_to_the_search_path():
    # a -> b -> c -> b: the search from a reaches c while b is on its path, so c -> b is the recycle
    layout = layered_layout(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "b")])
    assert layout.recycles == {2}
    assert layout.layer == {"a": 0, "b": 1, "c": 2}
    assert layout.routes[2] == ((2.0, 0.0), (1.0, 0.0))  # drawn from c back to b


def test_a_feed_sits_in_the_layer_before_what_it_feeds():
    # longest path would put "late" in layer 0; it feeds "d" in layer 3, so it moves to layer 2
    layout = layered_layout(["a", "b", "c", "d", "late"], [("a", "b"), ("b", "c"), ("c", "d"), ("late", "d")])
    assert layout.layer["late"] == layout.layer["d"] - 1 == 2


def test_a_crossing_the_input_order_makes_is_removed():
    # a1 -> b2 and a2 -> b1 cross in the order given; barycenter ordering uncrosses them
    layout = layered_layout(["a1", "a2", "b1", "b2"], [("a1", "b2"), ("a2", "b1")])
    assert layout.crossings == 0
    assert (layout.row["a1"] - layout.row["a2"]) * (layout.row["b2"] - layout.row["b1"]) > 0


def test_every_edge_runs_left_to_right_except_the_recycles_that_break_every_cycle(drawing):
    sheet, shown = drawing
    layout, edges = shown.layout, _edges(sheet)
    kept = nx.MultiDiGraph([edge for i, edge in enumerate(edges) if i not in layout.recycles])
    assert nx.is_directed_acyclic_graph(kept)
    for i, (u, v) in enumerate(edges):
        if i in layout.recycles:
            assert layout.layer[u] > layout.layer[v], (u, v)
        else:
            assert layout.layer[u] < layout.layer[v], (u, v)
    # each route moves one layer per step, so no edge is drawn across a layer it skips
    for route in layout.routes:
        assert all(abs(x1 - x0) == 1 for (x0, _), (x1, _) in zip(route, route[1:], strict=False))


def test_the_sulfate_route_has_one_recycle_and_no_crossings():
    sheet = load_route(ROUTES / "nmc811_sulfate.yaml").flowsheet
    layout = draw(sheet).layout
    edges = _edges(sheet)
    # its one cycle is liquor_mix -> crystallize -> liquor_split -> liquor_mix (mother liquor returned)
    assert len(list(nx.simple_cycles(nx.DiGraph(edges)))) == 1
    assert [edges[i] for i in layout.recycles] == [("liquor_split", "liquor_mix")]
    # the route is a tree of units plus that loop, so a drawing without crossings exists
    assert layout.crossings == 0


def test_the_crossings_reported_are_the_crossings_drawn(drawing):
    _, shown = drawing
    segments = _display_segments(shown)
    drawn = 0
    for (i, p, q), (j, r, s) in combinations(segments, 2):
        if i == j or {tuple(p), tuple(q)} & {tuple(r), tuple(s)}:
            continue  # segments of one edge, or meeting at a node
        if _proper_crossing(p, q, r, s):
            drawn += 1
    assert drawn == shown.layout.crossings


def test_no_arrow_passes_over_a_unit_it_does_not_join(drawing):
    # issue 22: salt_crystallize sat under dry, so the dryer's vapour seemed to leave it
    sheet, shown = drawing
    axes, layout = shown.figure.axes[0], shown.layout
    edges = _edges(sheet)
    radius = 9 * shown.figure.dpi / 72  # the marker (6.5 pt) and a margin, [pixels]
    for i, p, q in _display_segments(shown):
        for name in layout.layer:
            if name in edges[i]:
                continue
            x, y = axes.transData.transform((layout.layer[name], -layout.row[name]))
            box = Bbox.from_extents(x - radius, y - radius, x + radius, y + radius)
            assert not _segment_meets_box(p, q, box), f"{edges[i]} passes over {name}"


def test_labels_sit_beside_the_arrows_and_apart(drawing):
    sheet, shown = drawing
    figure = shown.figure
    renderer = figure.canvas.get_renderer()
    names = {op.name for op in sheet.operations}
    labels = {t.get_text(): t.get_window_extent(renderer) for t in figure.axes[0].texts if t.get_text() in names}
    assert set(labels) == names
    for name, box in labels.items():
        for i, p, q in _display_segments(shown):
            assert not _segment_meets_box(p, q, box), f"label {name!r} lies on the arrow {_edges(sheet)[i]}"
    for (a, box_a), (b, box_b) in combinations(labels.items(), 2):
        assert not box_a.overlaps(box_b), (a, b)


def test_the_legend_lies_inside_the_figure_with_room_for_a_wider_font(drawing):
    # issue 22: the legend at the right edge was clipped ("refir", "cath") where the browser's
    # font ran wider than the one measured; now it sits below the drawing, from the left
    _, shown = drawing
    figure = shown.figure
    renderer = figure.canvas.get_renderer()
    legend = figure.axes[0].get_legend().get_window_extent(renderer)
    page = figure.bbox
    assert page.x0 <= legend.x0
    assert legend.y0 >= page.y0
    assert legend.y1 <= page.y1
    assert legend.x1 + 0.5 * legend.width <= page.x1  # half as wide again still fits
    title = figure.axes[0].title.get_window_extent(renderer)
    assert page.y0 <= title.y0
    assert title.y1 <= page.y1


def test_the_sankey_columns_follow_the_layout():
    import flowsheet
    from flowsheet.report import sankey

    route = load_route(ROUTES / "nmc811_sulfate.yaml")
    results = flowsheet.solve(route.flowsheet, "1 kg", route.spec.product)
    node = sankey(results, "mass").data[0].node
    x = {label.split(":")[0]: value for label, value in zip(node.label, node.x, strict=True)}
    assert x["wash_water"] < x["filter"] < x["dry"] < x["calcine"] < x["cam"]
    assert x["metals"] < x["dissolve"]
    assert x["hydrogen"] > x["dissolve"]
    # a feed enters one column before what it feeds, not at the far left: 11 columns, 0.099 apart
    assert x["filter"] - x["wash_water"] == pytest.approx(0.99 / 10)


def _proper_crossing(p, q, r, s):
    def side(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    return side(p, q, r) * side(p, q, s) < 0 and side(r, s, p) * side(r, s, q) < 0
