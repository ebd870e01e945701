"""Figures of a route: its flowsheet drawn by site, and Sankey diagrams of a solved sample's flows and energy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from flowsheet.chemistry import Formula
from flowsheet.diagrams import Drawing, Link, Node, draw_graph, sankey_figure, save_drawing
from flowsheet.factors import modes
from flowsheet.graph import Flowsheet
from flowsheet.layout import layered_layout
from flowsheet.operations import Feed, Operation, Product, TransportLeg
from flowsheet.results import Results

SANKEY_KINDS = ("mass", "water", "energy")


def sankey(results: Results, kind: str = "mass", sample: int = 0) -> Any:
    """A plotly Sankey of one solved sample: ``"mass"`` or ``"water"`` flows, or ``"energy"`` bought.

    Nodes are feeds, units and products; each link is a stream, its width the mass per basis
    (all species, or H2O in any phase for ``"water"``). For ``"energy"`` the nodes are energy
    carriers and the units that buy them. Save it with :func:`flowsheet.diagrams.save_figure`
    (HTML, PNG or SVG).
    """
    if kind not in SANKEY_KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, SANKEY_KINDS))}, got {kind!r}")
    shown = results.quantity("energy" if kind == "energy" else "mass", 1.0)
    unit, factor = f"{shown.units:~}", float(shown.magnitude)
    links = []
    if kind == "energy":
        for row in results.unit_energy:
            value = float(row.purchased[sample]) * factor
            if value > 0:
                links.append(Link(row.carrier, row.unit, value, f"{row.carrier} to {row.unit}: {value:.4g} {unit}"))
        for leg in results.legs:
            value = float(leg.fuel[sample]) * factor
            fuel = modes()[leg.mode].fuel
            links.append(Link(fuel, leg.leg, value, f"{fuel} for {leg.leg}: {value:.4g} {unit}"))
    else:
        components = results.components
        water = np.array([1.0 if s.formula.key == Formula("H2O").key else 0.0 for s in components.species])
        weights = components.molar_masses * (water if kind == "water" else 1.0) * factor
        for stream in results.edges:
            value = float(weights @ results.flow(stream.name, sample))
            if value > 0:
                temperature = float(results.temperatures[stream.name][sample])
                hover = f"{stream.name}: {value:.4g} {unit} at {temperature:.1f} K"
                links.append(Link(stream.source, stream.target, value, hover))
    title = f"{results.name}: {kind} per {results.basis:~} {results.product}"
    return sankey_figure(links, title, unit)


def draw(sheet: Flowsheet, path: str | Path | None = None) -> Any:
    """Draw a flowsheet left to right in layers, coloured by site; transport legs dashed, recycles red.

    Parameters
    ----------
    sheet : Flowsheet
        The flowsheet.
    path : str or Path, optional
        Also save the drawing there; PNG, SVG or PDF by the suffix.

    Returns
    -------
    Drawing
        Shown as SVG in Jupyter; its ``figure`` is the matplotlib Figure and its ``layout``
        the layers, rows, recycles and crossings of :func:`flowsheet.layout.layered_layout`.
    """
    sites = {op.name: op.site for op in sheet.operations}
    for stream in sheet.streams():  # feeds and products without a site take their neighbour's
        sites[stream.source] = sites[stream.source] or sheet.operation(stream.target).site
        sites[stream.target] = sites[stream.target] or sheet.operation(stream.source).site
    nodes = [Node(op.name, _kind(op), sites[op.name]) for op in sheet.operations]
    legs = {op.name for op in sheet.operations if isinstance(op, TransportLeg)}
    edges = [(s.source, s.target, s.source in legs or s.target in legs) for s in sheet.streams()]
    layout = layered_layout([node.name for node in nodes], [(u, v) for u, v, _ in edges])
    drawing = Drawing(draw_graph(nodes, edges, sheet.name, layout), layout)
    if path is not None:
        save_drawing(drawing.figure, path)
    return drawing


def _kind(operation: Operation) -> str:
    if isinstance(operation, Feed):
        return "feed"
    if isinstance(operation, Product):
        return "product"
    return "transport" if isinstance(operation, TransportLeg) else "unit"
