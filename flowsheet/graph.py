"""Flowsheet: unit operations as nodes of a networkx graph, streams as edges between named ports."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from flowsheet.components import Components
from flowsheet.errors import FlowsheetCheckError, FlowsheetError, Problem, message_and_hint
from flowsheet.factors import utilities
from flowsheet.html import table
from flowsheet.kpis import Limit
from flowsheet.operations import Feed, Operation, Product, TransportLeg
from flowsheet.operations.base import ALL_INLETS
from flowsheet.prices import PriceBook
from flowsheet.thermo import SpeciesData, package_data
from flowsheet.upstream import UpstreamBook


@dataclass(frozen=True)
class Stream:
    """A stream: an edge from one unit's outlet port to another's inlet port.

    Attributes
    ----------
    name : str
        Unique name, by default ``"source.port->target.port"``.
    source, source_port, target, target_port : str
        The units and ports it joins.
    """

    name: str
    source: str
    source_port: str
    target: str
    target_port: str


class Flowsheet:
    """A cathode synthesis route as a graph of unit operations joined by streams.

    Parameters
    ----------
    name : str
        Shown in results and errors.
    regions : dict of str to str, optional
        Region of each site (``{"refinery": "ID", "cam_plant": "KR"}``), for the
        electricity emission factor of units standing there.
    species_data : SpeciesData, optional
        Where its species are looked up; default the package's own tables.
    prices : PriceBook, optional
        What its purchases, utilities, freight and disposal cost; default the package's
        (``data/prices/``), read when costs are first computed.

    Examples
    --------
    >>> from flowsheet.operations import Feed, Mixer, Product
    >>> sheet = Flowsheet("demo")
    >>> sheet.add(Feed("a", {"H2O(l)": "1 mol/s"}), Feed("b", {"H2O(l)": "2 mol/s"}))
    >>> sheet.add(Mixer("mix"), Product("out"))
    >>> sheet.connect("a", "mix.in1"); sheet.connect("b", "mix.in2"); sheet.connect("mix", "out")
    'a.out->mix.in1'
    'b.out->mix.in2'
    'mix.product->out.in'
    """

    def __init__(
        self,
        name: str = "flowsheet",
        regions: dict[str, str] | None = None,
        species_data: SpeciesData | None = None,
        prices: PriceBook | None = None,
    ) -> None:
        self.name = name
        self.regions = dict(regions or {})
        self.species_data = species_data or package_data()
        self.prices = prices
        self.upstream: UpstreamBook | None = None
        """Cradle-to-gate factors of what it buys; None for the package's (``data/upstream/``), read when first needed."""
        self.specific_energy: float | None = None
        """Energy the product stores per mass, [J/kg], for figures per kWh; None if not known."""
        self.specifications: tuple[Limit, ...] = ()
        """Upper limits the route sets on its KPIs (purities), checked in the results."""
        self.graph = nx.MultiDiGraph()
        self._stream_names: set[str] = set()
        self.version = 0
        """Counts changes (units added, streams connected); what is derived from the structure is kept per version."""
        self._derived: dict[str, Any] = {}

    # --- building ------------------------------------------------------------------------
    def add(self, *operations: Operation) -> None:
        """Add unit operations; names must be unique."""
        for operation in operations:
            if not isinstance(operation, Operation):
                raise FlowsheetCheckError(self.name, [Problem(message=f"{operation!r} is not a unit operation")])
            if operation.name in self.graph:
                raise FlowsheetCheckError(
                    self.name,
                    [Problem(operation.name, message="a unit of this name exists already", hint="rename one")],
                )
            self.graph.add_node(operation.name, operation=operation)
            self._changed()

    def connect(self, source: str, target: str, name: str | None = None) -> str:
        """Join an outlet to an inlet with a stream and return the stream's name.

        Parameters
        ----------
        source : str
            ``"unit.port"``, or ``"unit"`` when the unit has one outlet.
        target : str
            ``"unit.port"``, or ``"unit"`` when the unit has one inlet.
        name : str, optional
            The stream's name.
        """
        source_unit, source_port = self._port(source, "outlet")
        target_unit, target_port = self._port(target, "inlet")
        stream_name = name or f"{source_unit}.{source_port}->{target_unit}.{target_port}"
        if stream_name in self._stream_names:
            raise FlowsheetCheckError(
                self.name, [Problem(message=f"a stream named {stream_name!r} exists already", hint="name it otherwise")]
            )
        stream = Stream(stream_name, source_unit, source_port, target_unit, target_port)
        self.graph.add_edge(source_unit, target_unit, key=stream_name, stream=stream)
        self._stream_names.add(stream_name)
        self._changed()
        return stream_name

    def _port(self, text: str, kind: str) -> tuple[str, str]:
        unit, _, port = text.partition(".")
        if unit not in self.graph:
            raise FlowsheetCheckError(
                self.name,
                [Problem(message=f"no unit named {unit!r} (in {text!r})", hint=_near(unit, list(self.graph)))],
            )
        operation = self.operation(unit)
        ports = operation.outlet_ports() if kind == "outlet" else operation.inlet_ports()
        if not port:
            if len(ports) != 1:
                raise FlowsheetCheckError(
                    self.name,
                    [
                        Problem(
                            unit,
                            message=f"has {kind} ports {', '.join(ports) or 'none'}",
                            hint=f"name one as '{unit}.PORT'",
                        )
                    ],
                )
            port = ports[0]
        if port not in ports:
            raise FlowsheetCheckError(
                self.name,
                [
                    Problem(
                        unit,
                        port=port,
                        message=f"no such {kind} port",
                        hint=_near(port, list(ports), f"its {kind} ports"),
                    )
                ],
            )
        return unit, port

    # --- reading -------------------------------------------------------------------------
    def operation(self, name: str) -> Operation:
        """Return the unit operation called `name`."""
        return self.graph.nodes[name]["operation"]

    @property
    def operations(self) -> list[Operation]:
        """All unit operations, in the order added."""
        return [data["operation"] for _, data in self.graph.nodes(data=True)]

    def streams(self) -> list[Stream]:
        """All streams, in the order connected."""
        return list(self.derived("streams", lambda: [data["stream"] for _, _, data in self.graph.edges(data=True)]))

    def inlets(self, unit: str) -> dict[str, Stream]:
        """Streams into `unit` by inlet port (do not modify the dict: it is kept until the flowsheet changes)."""
        return self.derived(
            f"inlets:{unit}",
            lambda: {d["stream"].target_port: d["stream"] for _, _, d in self.graph.in_edges(unit, data=True)},
        )

    def outlets(self, unit: str) -> dict[str, Stream]:
        """Streams out of `unit` by outlet port (do not modify the dict: it is kept until the flowsheet changes)."""
        return self.derived(
            f"outlets:{unit}",
            lambda: {d["stream"].source_port: d["stream"] for _, _, d in self.graph.out_edges(unit, data=True)},
        )

    def _changed(self) -> None:
        self.version += 1
        self._derived = {}

    def derived(self, key: str, make: Any) -> Any:
        """A value computed from the current structure by ``make()``, kept until the flowsheet changes."""
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]

    def components(self) -> Components:
        """The species of every feed and unit, in first-seen order."""
        return self.derived("components", self._components)

    def _components(self) -> Components:
        labels = [label for operation in self.operations for label in operation.species()]
        for operation in self.operations:
            labels += operation.derived_species(labels, self.species_data)
        return Components(labels, self.species_data)

    def loops(self) -> Iterator[list[str]]:
        """Strongly connected groups of units that form recycle loops."""
        for group in nx.strongly_connected_components(self.graph):
            if len(group) > 1:
                yield sorted(group, key=list(self.graph).index)

    # --- checking ------------------------------------------------------------------------
    def problems(self) -> list[Problem]:
        """Return every reason the flowsheet cannot be solved, all at once; empty if none."""
        found = []
        for operation in self.operations:
            found += operation.problems()
            if operation.utility and operation.utility not in utilities():
                message = f"unknown utility {operation.utility!r}"
                found.append(operation.problem(message, field="utility", hint=f"known: {', '.join(utilities())}"))
            found += self._port_problems(operation)
        unknown = self._species_problems()
        if unknown:
            return found + unknown
        components = self.components()
        if not found:
            found += self._dose_problems(components)
            found += self._reach_problems(components)
        if not any(isinstance(op, Feed) and not op.dosed for op in self.operations):
            found.append(
                Problem(
                    message="no fixed-rate Feed: nothing sets the scale of the flowsheet",
                    hint="give one Feed its rates (not dosed)",
                )
            )
        return found

    def check(self) -> Components:
        """Raise :class:`FlowsheetCheckError` listing every problem; return the components if none."""
        found = self.derived("problems", self.problems)
        if found:
            raise FlowsheetCheckError(self.name, found)
        return self.components()

    def _species_problems(self) -> list[Problem]:
        found = []
        for operation in self.operations:
            try:
                labels = operation.species()
            except FlowsheetError as err:
                found.append(operation.problem(message_and_hint(err)[0], hint=message_and_hint(err)[1]))
                continue
            for label in labels:
                try:
                    self.species_data.species(label)
                except FlowsheetError as err:
                    found.append(operation.problem(message_and_hint(err)[0], hint=message_and_hint(err)[1]))
        return found

    def _port_problems(self, operation: Operation) -> list[Problem]:
        found = []
        unit = operation.name
        for port_kind, ports, edges in (
            ("inlet", operation.inlet_ports(), self.graph.in_edges(unit, data=True)),
            ("outlet", operation.outlet_ports(), self.graph.out_edges(unit, data=True)),
        ):
            attached = [d["stream"].target_port if port_kind == "inlet" else d["stream"].source_port for *_, d in edges]
            for port in ports:
                count = attached.count(port)
                if count == 0:
                    where = "a Feed or an upstream unit" if port_kind == "inlet" else "a Product or a downstream unit"
                    found.append(Problem(unit, port, "", f"{port_kind} port not connected", f"connect it to {where}"))
                elif count > 1:
                    found.append(Problem(unit, port, "", f"{count} streams into one {port_kind} port", "add a Mixer"))
        return found

    def dose_source(self, unit: str, port: str) -> Feed | None:
        """The dosed Feed behind a dosed port, through any transport legs; None if there is none."""
        stream = self.inlets(unit).get(port)
        while stream is not None:
            source = self.operation(stream.source)
            if isinstance(source, Feed):
                return source if source.dosed else None
            if not isinstance(source, TransportLeg):
                return None
            stream = self.inlets(source.name).get("feed")
        return None

    def _dose_problems(self, components: Components) -> list[Problem]:
        found = []
        served = set()
        for operation in self.operations:
            for port in operation.dosed_ports():
                feed = self.dose_source(operation.name, port)
                if feed is None:
                    message, hint = "the unit sets this reagent's amount", "connect a Feed with dosed=True"
                    found.append(operation.problem(message, port=port, hint=hint))
                    continue
                served.add(feed.name)
                key = operation.key_species(port)
                if key is not None and feed.vector(components)[components.index(key)] <= 0:
                    message = f"{operation.name}.{port} doses {key}, which this feed lacks"
                    found.append(feed.problem(message, field="flows", hint=f"add {key} to the feed's flows"))
        for operation in self.operations:
            if isinstance(operation, Feed) and operation.dosed and operation.name not in served:
                message = "a dosed Feed must reach a dosed port (directly or by transport legs)"
                found.append(operation.problem(message, field="dosed", hint="connect it, or give it rates and no dose"))
        return found

    def _reach_problems(self, components: Components) -> list[Problem]:
        """Species a unit's reactions need that no feed can bring to it (structural check)."""
        patterns = {
            op.name: {
                outlet: {port: matrix != 0.0 for port, matrix in by_port.items()}
                for outlet, by_port in op.outlet_maps(components, None).items()
            }
            for op in self.operations
        }
        species_in = reachable_species(self, components, patterns)
        present = {
            stream.name: np.isin(np.arange(len(components)), species_in[stream.name]) for stream in self.streams()
        }
        found = []
        for operation in self.operations:
            arriving = np.zeros(len(components), bool)
            for stream in self.inlets(operation.name).values():
                arriving |= present[stream.name]
            for step in operation.reaction_steps():
                if not arriving[components.index(step.limiting)]:
                    message = f"{step.limiting} never reaches the unit, so '{step.reaction}' cannot run"
                    hint = f"feed {step.limiting} to the unit, or check the streams into it"
                    found.append(operation.problem(message, field="reactions", hint=hint))
        return found

    def _repr_html_(self) -> str:
        rows = []
        for operation in self.operations:
            inlets = ", ".join(f"{p} <- {s.source}" for p, s in self.inlets(operation.name).items())
            outlets = ", ".join(f"{p} -> {s.target}" for p, s in self.outlets(operation.name).items())
            rows.append([operation.name, type(operation).__name__, operation.site, operation.utility, inlets, outlets])
        caption = f"{self.name}: {self.graph.number_of_nodes()} units, {self.graph.number_of_edges()} streams"
        return table(["unit", "type", "site", "utility", "inlets", "outlets"], rows, caption)

    def __repr__(self) -> str:
        return (
            f"<Flowsheet {self.name!r}: {self.graph.number_of_nodes()} units, {self.graph.number_of_edges()} streams>"
        )


__all__ = ["Feed", "Flowsheet", "Problem", "Product", "Stream"]


def reachable_species(
    sheet: Flowsheet, components: Components, patterns: dict[str, dict[str, dict[str, np.ndarray]]]
) -> dict[str, np.ndarray]:
    """Per stream, the indices of the species that can be non-zero in it (structural, for every sample).

    Parameters
    ----------
    sheet : Flowsheet
        The flowsheet.
    components : Components
        Its species.
    patterns : dict
        Per unit, where its outlet maps can be non-zero: ``{unit: {outlet: {port or "*in": bool (n, n)}}}``.

    Notes
    -----
    Feeds bring the species they list; a unit's outlet holds what its maps can carry from what
    reaches its inlets. Units are visited in the order of their strongly connected components,
    each recycle loop until nothing new reaches it, so the work grows with the flowsheet's size.
    """
    present = {stream.name: np.zeros(len(components), bool) for stream in sheet.streams()}
    condensed = nx.condensation(sheet.graph)
    position = {unit: i for i, unit in enumerate(sheet.graph)}
    for group in nx.topological_sort(condensed):
        members = sorted(condensed.nodes[group]["members"], key=position.__getitem__)
        changed = True
        while changed:
            changed = False
            for unit in members:
                operation = sheet.operation(unit)
                outlets, inlets = sheet.outlets(unit), sheet.inlets(unit)
                if isinstance(operation, Feed):
                    for stream in outlets.values():
                        present[stream.name] = operation.vector(components) != 0
                    continue
                for port, by_key in patterns.get(unit, {}).items():
                    outlet = outlets.get(port)
                    if outlet is None:
                        continue
                    reach = present[outlet.name].copy()
                    for key, pattern in by_key.items():
                        for inlet in inlets.values() if key == ALL_INLETS else [inlets[key]]:
                            reach |= (pattern.astype(float) @ present[inlet.name]) > 0
                    if (reach != present[outlet.name]).any():
                        present[outlet.name], changed = reach, True
    return {name: np.flatnonzero(mask) for name, mask in present.items()}


def _near(name: str, known: list[str], listing: str = "units") -> str:
    """``did you mean 'x'?`` for a misspelt name, then the names there are."""
    close = difflib.get_close_matches(name, known, n=2, cutoff=0.6)
    near = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    return f"{near}{listing}: {', '.join(known) or 'none'}"
