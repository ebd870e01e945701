"""A layered (Sugiyama) layout of a flowsheet's graph: layers left to right, rows that cut crossings.

Plain data in, plain data out: the drawing and the Sankey diagram place their nodes with it
(:mod:`flowsheet.diagrams`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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
