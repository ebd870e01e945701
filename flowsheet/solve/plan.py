"""The equations of a flowsheet, built once per structure over the species that can reach each stream.

Unknowns are the molar flows of every stream, over only the species that can reach it (the
*reduced layout*), and one amount per dosed feed. Equations:

- a fixed feed's stream equals its flows;
- a dosed feed's stream is its composition times its amount;
- every other stream is its unit's outlet map applied to the unit's inlets;
- each dosed port adds its unit's dose specification.

The unknowns are grouped by the strongly connected components of their dependencies and
the groups put in solve order: most groups are one stream computed from known ones, a
recycle loop or a dose that depends on its own outlet is a small dense system. Each group's
equations read ``M x = B X + c`` over its unknowns ``x`` and the known inputs ``X``, with
``M`` and ``B`` sums of constant matrices weighted by products of the units' coefficients
(:mod:`flowsheet.solve.terms`), so a study of N samples costs N small products and solves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from flowsheet.components import Components
from flowsheet.errors import SolveError
from flowsheet.graph import Flowsheet, Stream, reachable_species
from flowsheet.operations import Feed, Product
from flowsheet.operations.base import ALL_INLETS
from flowsheet.results import Layout
from flowsheet.solve.terms import UnitTerms

if TYPE_CHECKING:  # built by the later stages, which import this module
    from flowsheet.solve.energy import Energy
    from flowsheet.solve.figures import KpiCalculator

Variable = tuple[str, str]
"""``("s", stream name)`` or ``("d", dosed feed name)``."""

Term = tuple[str, int]
"""``(unit, mask)``: a unit's balance term weighted by the product of the coefficients in `mask`."""


@dataclass
class Group:
    """One block of equations ``M x = B X + c``, solved for all samples at once.

    Attributes
    ----------
    variables : list of Variable
        Its unknowns, in order.
    offsets : dict of Variable to slice
        Where each unknown sits in ``x``.
    inputs : list of Variable
        Known unknowns of earlier groups it reads, in the order of ``X``.
    matrix : dict of Term or None to numpy.ndarray
        ``M`` by term, (m, m); None for the constant part (identity included).
    input_matrix : dict of Term or None to numpy.ndarray
        ``B`` by term, (m, k).
    constant : numpy.ndarray
        ``c``, (m,): fixed feeds.
    state_units : list of str
        Nonlinear units whose state is read from this group's own unknowns: the group is iterated.
    """

    variables: list[Variable]
    offsets: dict[Variable, slice]
    inputs: list[Variable]
    matrix: dict[Term | None, np.ndarray] = field(default_factory=dict)
    input_matrix: dict[Term | None, np.ndarray] = field(default_factory=dict)
    constant: np.ndarray = field(default_factory=lambda: np.zeros(0))
    state_units: list[str] = field(default_factory=list)
    identity: bool = False
    units: set[str] | None = None
    """Units whose balances make its equations, once known."""

    @property
    def size(self) -> int:
        """Number of scalar unknowns."""
        return max((s.stop for s in self.offsets.values()), default=0)

    @property
    def terms(self) -> set[Term]:
        """The unit terms its equations carry."""
        return {term for term in (*self.matrix, *self.input_matrix) if term is not None}


@dataclass(frozen=True)
class Structure:
    """What results take from a plan's structure alone: feeds (recycled or not), products by kind, layout, estimates."""

    feeds: dict[str, bool]
    products: dict[str, str]
    layout: Layout
    estimated: tuple[str, ...]


class Plan:
    """A flowsheet's equations over its reduced layout, in solve order.

    Parameters
    ----------
    sheet : Flowsheet
        A checked flowsheet.
    components : Components
        Its species.
    terms : dict of str to UnitTerms
        Every unit's balance terms (units not sampled: the constant term, plus state terms
        for nonlinear units).

    Attributes
    ----------
    streams : tuple of Stream
        In the flowsheet's order.
    species : dict of str to numpy.ndarray
        Per stream, the indices of the species that can reach it (the reduced layout).
    slices : dict of str to slice
        Per stream, its columns in the flat flow array (N, L).
    doses : tuple of str
        The dosed feeds, in the column order of the dose array (N, D).
    groups : list of Group
        In solve order.
    """

    def __init__(self, sheet: Flowsheet, components: Components, terms: Mapping[str, UnitTerms]) -> None:
        self.sheet, self.components = sheet, components
        self.streams = tuple(sheet.streams())
        self.row = {s.name: i for i, s in enumerate(self.streams)}
        self.patterns = {name: _patterns(unit_terms) for name, unit_terms in terms.items()}
        self.masks = {name: set(unit_terms.masks) for name, unit_terms in terms.items()}
        self.species = reachable_species(sheet, components, self.patterns)
        self.slices: dict[str, slice] = {}
        start = 0
        for stream in self.streams:
            width = len(self.species[stream.name])
            self.slices[stream.name] = slice(start, start + width)
            start += width
        self.width = start
        self.dose_of: dict[tuple[str, str], str] = {}
        for operation in sheet.operations:
            for port in operation.dosed_ports():
                feed = sheet.dose_source(operation.name, port)
                assert feed is not None  # the flowsheet was checked
                self.dose_of[(operation.name, port)] = feed.name
        self.doses = tuple(dict.fromkeys(self.dose_of.values()))
        self.nonlinear = [op.name for op in sheet.operations if op.nonlinear]
        self.kept: dict[Variable, np.ndarray] = {}
        """Values no sampled parameter can move, by unknown, (1, width): reused by later studies."""
        self._products: dict[tuple[str, ...], list[Stream]] = {}
        self.energy: Energy | None = None
        """The enthalpy tables and temperature order (:func:`~flowsheet.solve.energy.energy_of`), once built."""
        self.calculator: KpiCalculator | None = None
        """The KPI weights (:func:`~flowsheet.solve.figures.calculator_of`), once built."""
        self.closure_columns: list[np.ndarray] | None = None
        """The columns mass and element closure are checked with (:mod:`flowsheet.solve.checks`), once built."""
        self.structure: Structure | None = None
        """What results take from the structure alone (``flowsheet.solve``), once built."""
        self.groups = [self.assemble(variables, terms) for variables in self._order(terms)]
        self.group_of = {variable: g for g, group in enumerate(self.groups) for variable in group.variables}

    def fits(self, terms: Mapping[str, UnitTerms]) -> bool:
        """True if these terms are non-zero only where the plan's are: the same equations apply."""
        for name, unit_terms in terms.items():
            mine = self.patterns.get(name)
            new = _patterns(unit_terms)
            if mine is None or set(unit_terms.masks) - self.masks[name]:
                return False
            for outlet, by_port in new.items():
                for port, pattern in by_port.items():
                    if (pattern & ~mine.get(outlet, {}).get(port, np.zeros_like(pattern))).any():
                        return False
        return True

    def ports(self, unit: str, key: str) -> list[Stream]:
        """The streams a balance key names: one port, or every inlet for ``"*in"``."""
        inlets, outlets = self.sheet.inlets(unit), self.sheet.outlets(unit)
        if key == ALL_INLETS:
            return list(inlets.values())
        return [inlets[key]] if key in inlets else [outlets[key]]

    def _order(self, terms: Mapping[str, UnitTerms]) -> list[list[Variable]]:
        """Unknowns grouped in strongly connected components, in solve order."""
        graph = nx.DiGraph()
        for stream in self.streams:
            node = ("s", stream.name)
            graph.add_node(node)
            source = self.sheet.operation(stream.source)
            if isinstance(source, Feed):
                if source.dosed:
                    graph.add_edge(("d", source.name), node)
                continue
            keys = {
                key for balance in terms[stream.source].maps.values() for key in balance.get(stream.source_port, {})
            }
            for key in keys:
                for inlet in self.ports(stream.source, key):
                    graph.add_edge(("s", inlet.name), node)
        for (unit, port), feed in self.dose_of.items():
            node = ("d", feed)
            graph.add_node(node)
            keys = {key for balance in terms[unit].specs.values() for key in balance.get(port, {})}
            for key in keys:
                for stream in self.ports(unit, key):
                    graph.add_edge(("s", stream.name), node)
        for unit in self.nonlinear:  # a unit's state is read from its state ports before its balances apply
            operation = self.sheet.operation(unit)
            ports = [self.sheet.inlets(unit)[port] for port in operation.state_ports]
            results = [("s", s.name) for s in self.sheet.outlets(unit).values()]
            results += [("d", feed) for (u, _), feed in self.dose_of.items() if u == unit]
            graph.add_edges_from((("s", port.name), result) for port in ports for result in results)
        condensed = nx.condensation(graph)
        position = {node: i for i, node in enumerate(graph)}
        return [
            sorted(condensed.nodes[group]["members"], key=position.__getitem__)
            for group in nx.topological_sort(condensed)
        ]

    def _width(self, variable: Variable) -> int:
        return len(self.species[variable[1]]) if variable[0] == "s" else 1

    def assemble(self, variables: list[Variable], terms: Mapping[str, UnitTerms]) -> Group:
        """The equations of one group of unknowns, from the units' terms."""
        offsets, size = {}, 0
        for variable in variables:
            width = self._width(variable)
            offsets[variable] = slice(size, size + width)
            size += width
        group = Group(variables, offsets, inputs=[])
        group.constant = np.zeros(size)
        blocks: list[tuple[Term | None, slice, Variable, np.ndarray]] = []  # (term, rows, source, block) of M x = ...
        for variable in variables:
            here = offsets[variable]
            if variable[0] == "s":
                stream = self.streams[self.row[variable[1]]]
                rows = self.species[stream.name]
                blocks.append((None, here, variable, np.eye(len(rows))))
                source = self.sheet.operation(stream.source)
                if isinstance(source, Feed):
                    vector = source.vector(self.components)[rows]
                    if source.dosed:
                        blocks.append((None, here, ("d", source.name), -vector[:, None]))
                    else:
                        group.constant[here] = vector
                    continue
                for mask, balance in terms[stream.source].maps.items():
                    for key, matrix in balance.get(stream.source_port, {}).items():
                        for inlet in self.ports(stream.source, key):
                            block = matrix[np.ix_(rows, self.species[inlet.name])]
                            if block.any() or mask == 0:
                                term = (stream.source, mask) if mask else None
                                blocks.append((term, here, ("s", inlet.name), -block))
            else:
                unit, port = next(k for k, feed in self.dose_of.items() if feed == variable[1])
                for mask, balance in terms[unit].specs.items():
                    for key, weights in balance.get(port, {}).items():
                        for port_stream in self.ports(unit, key):
                            row = weights[self.species[port_stream.name]][None, :]
                            if row.any() or mask == 0:
                                blocks.append(((unit, mask) if mask else None, here, ("s", port_stream.name), row))
        for _, _, reads, _ in blocks:
            if reads not in offsets and reads not in group.inputs:
                group.inputs.append(reads)
        input_offsets: dict[Variable, slice] = {}
        width = 0
        for known in group.inputs:
            input_offsets[known] = slice(width, width + self._width(known))
            width += self._width(known)
        for term, equations, reads, block in blocks:
            if reads in offsets:
                target = group.matrix.setdefault(term, np.zeros((size, size)))
                target[equations, offsets[reads]] += block
            else:  # a known input moves to the right-hand side
                target = group.input_matrix.setdefault(term, np.zeros((size, width)))
                target[equations, input_offsets[reads]] -= block
        group.matrix.setdefault(None, np.zeros((size, size)))
        group.identity = len(group.matrix) == 1 and np.array_equal(group.matrix[None], np.eye(size))
        group.state_units = [
            unit
            for unit in self.nonlinear
            if any(
                ("s", self.sheet.inlets(unit)[port].name) in offsets for port in self.sheet.operation(unit).state_ports
            )
            and any(term[0] == unit for term in group.terms)
        ]
        return group

    def singular(self, group: Group) -> SolveError:
        """Explain a group with no unique solution: which species accumulate in which loop, or which dose is free."""
        matrix = group.matrix[None] + sum((m for t, m in group.matrix.items() if t is not None), np.zeros(1))
        _, singular_values, vh = np.linalg.svd(matrix)
        null = vh[singular_values <= singular_values.max(initial=0.0) * 1e-12]
        weights = np.abs(null).max(axis=0) if len(null) else np.zeros(group.size)
        hit = set(np.flatnonzero(weights > 1e-6 * weights.max())) if weights.max() > 0 else set()
        species: set[str] = set()
        doses: list[str] = []
        units: set[str] = set()
        for (kind, name), columns in group.offsets.items():
            positions = [i - columns.start for i in range(columns.start, columns.stop) if i in hit]
            if not positions:
                continue
            if kind == "s":
                species.update(self.components.labels[self.species[name][i]] for i in positions)
                units.add(self.streams[self.row[name]].source)
            else:
                doses.append(name)
        loops = [loop for loop in self.sheet.loops() if set(loop) & units] or list(self.sheet.loops())
        where = "; ".join(" -> ".join(loop) for loop in loops) or "no loop"
        if species:
            problem = f"{', '.join(sorted(species))} accumulate(s) in the recycle loop {where}: nothing removes it"
            hint = "add a purge (a Splitter to a Product) or a unit that converts or separates it out of the loop"
        else:
            problem = f"the dose of {', '.join(doses) or 'a reagent'} is not determined by its unit's specification"
            hint = "check that the dosed feed contains the species the unit doses"
        culprit = next((unit for loop in loops for unit in loop), next(iter(units), ""))
        involved = tuple(dict.fromkeys(unit for loop in loops for unit in loop))
        return SolveError(self.sheet.name, problem, hint, unit=culprit, units=involved)

    def feeds(self) -> list[Stream]:
        """Streams leaving feeds."""
        return [s for s in self.streams if isinstance(self.sheet.operation(s.source), Feed)]

    def products(self, *kinds: str) -> list[Stream]:
        """Streams into products (of the given kinds, or any)."""
        if kinds not in self._products:
            found = []
            for stream in self.streams:
                target = self.sheet.operation(stream.target)
                if isinstance(target, Product) and (not kinds or target.kind in kinds):
                    found.append(stream)
            self._products[kinds] = found
        return list(self._products[kinds])

    def weights(self, streams: list[Stream], per_species: np.ndarray) -> np.ndarray:
        """Column ``w`` of the flat layout with ``F @ w`` = Σ over `streams` of ``per_species · n``, (L,)."""
        column = np.zeros(self.width)
        for stream in streams:
            column[self.slices[stream.name]] += per_species[self.species[stream.name]]
        return column


def _patterns(terms: UnitTerms) -> dict[str, dict[str, np.ndarray]]:
    """Where a unit's outlet maps can be non-zero over all its terms: ``{outlet: {port: bool matrix}}``."""
    found: dict[str, dict[str, np.ndarray]] = {}
    for balance in terms.maps.values():
        for outlet, by_port in balance.items():
            for port, matrix in by_port.items():
                mine = found.setdefault(outlet, {})
                mine[port] = mine.get(port, np.zeros(matrix.shape, bool)) | (matrix != 0.0)
    return found
