"""A solved route as a foreground inventory per kg of product, for LCA tools: CSV, Brightway and openLCA.

The inventory is what the plant exchanges with the rest of the economy and with nature, per kg of
its product: the materials it buys (each with the cradle-to-gate factor of where it is bought,
``co2e_upstream``), the energy it buys by carrier and region (``co2e_energy``), the fuel its
transport legs burn (``co2e_transport``), the CO2 its chemistry releases (``co2e_process``), and
what it sends out (the product, wastes, wastewater, byproducts, emissions, by mass). Each input
carries its CO2e per unit and the CO2 released counts once, so that the exchanges' CO2e add up
to ``co2e_cradle_to_gate``; the products carry none (their treatment is outside the boundary, and
the CO2 of an emission stream is the ``CO2`` row).

For Brightway (:func:`brightway_files`) the inventory is written as bw2io's CSV format (``CSVImporter``,
``CSVLCIAImporter``): a biosphere of one elementary flow, ``carbon dioxide equivalent`` (kg, air),
a background database with one activity per input (its CO2e per unit as that flow), the foreground
activity, and a method that counts the flow once. A practitioner relinks the inputs to their own
database's activities; with ours, the LCA score is ``co2e_cradle_to_gate``.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from flowsheet.errors import FlowsheetError
from flowsheet.factors import modes
from flowsheet.results import Results

RECYCLED = "recycled"
"""The kind of a material from a recycled feed: it enters free of burden (the cut-off rule)."""
RELEASED = "released"
"""The kind of the CO2 the chemistry releases to air: an elementary flow, counted once."""

BIOSPHERE, BACKGROUND, METHOD = (
    "cathode-flowsheet biosphere",
    "cathode-flowsheet background",
    ("cathode-flowsheet", "CO2e"),
)
FLOW = "carbon dioxide equivalent"
"""The one elementary flow of the Brightway export: greenhouse gases as CO2e, kg, to air."""

BRIGHTWAY_UNITS = {"kg": "kilogram", "kWh": "kilowatt hour", "MJ": "megajoule"}
NAMESPACE = uuid.UUID("6f0c3e6e-2a41-5c0e-9a57-3c1f0d7d5b11")
"""Of the openLCA export's ids: ``uuid5(NAMESPACE, name)``, the same for the same names."""


@dataclass(frozen=True)
class Exchange:
    """One flow between the plant and the rest of the economy or nature, per kg of product.

    Attributes
    ----------
    direction : str
        ``input`` or ``output``.
    kind : str
        Inputs: ``material``, ``recycled`` (a material of a recycled feed, free of burden), ``energy``
        (bought for units' duties), ``fuel`` (burnt by transport).
        Outputs: ``released`` (the CO2 the chemistry releases to air), and each product by its kind
        (``product``, ``waste``, ``wastewater``, ``byproduct``, ``emission``), by mass.
    name : str
        The material by formula, the carrier, the fuel, ``CO2``, or the product's name.
    region : str
        Where it is bought or released (``world`` where the data do not say).
    amount : float
        Per kg of product, in `unit`.
    unit : str
        ``kg``, ``kWh`` or ``MJ``.
    co2e : float
        Its CO2e per unit, [kg CO2e per unit]: the cradle-to-gate factor of a material, the
        emission factor of a carrier or fuel, 1 for the CO2 released; 0 for products.
    boundary : str
        What `co2e` covers.
    source : str
        Where `co2e` comes from.
    """

    direction: str
    kind: str
    name: str
    region: str
    amount: float
    unit: str
    co2e: float
    boundary: str
    source: str

    @property
    def total(self) -> float:
        """[kg CO2e per kg of product]."""
        return self.amount * self.co2e


def inventory(results: Results, sample: int = 0) -> list[Exchange]:
    """The foreground inventory of one sample of a solved route, per kg of its product (see the module's notes)."""
    sample = results._sample(sample)
    per_kg = 1.0 / float(results.kpis["product"][sample])
    found: list[Exchange] = []
    bought: dict[tuple[str, str, str], Exchange] = {}
    for line in results.upstream_lines:  # one row per material and region, whichever feeds bring it
        amount = float(line.amount[sample]) * per_kg
        kind = RECYCLED if results.feeds[line.feed] else "material"  # a recycled feed: free of burden
        if amount:
            same = bought.get((kind, line.item, line.region))
            amount += same.amount if same else 0.0
            bought[(kind, line.item, line.region)] = Exchange(
                "input", kind, line.item, line.region, amount, "kg", float(line.factor[sample]), line.boundary,
                line.source)  # fmt: skip
    found += bought.values()
    energy: dict[tuple[str, str], list[float]] = {}
    for unit in results.unit_energy:
        if unit.carrier and unit.purchased[sample] > 0:
            summed = energy.setdefault((unit.carrier, unit.region), [0.0, 0.0])
            summed[0] += float(unit.purchased[sample]) * per_kg
            summed[1] += float(unit.co2e[sample]) * per_kg
    for (carrier, region), (joules, co2e) in sorted(energy.items()):
        shown, size = ("kWh", 3.6e6) if carrier == "electricity" else ("MJ", 1e6)
        boundary = "emission factor of the grid" if carrier == "electricity" else "combustion CO2 of the fuel"
        source = "data/energy/emission_factors.csv"
        found.append(Exchange("input", "energy", carrier, region, joules / size, shown, co2e / joules * size, boundary,
                              source))  # fmt: skip
    fuels: dict[str, list[float]] = {}
    for leg in results.legs:
        if leg.fuel[sample] > 0:
            summed = fuels.setdefault(modes()[leg.mode].fuel, [0.0, 0.0])
            summed[0] += float(leg.fuel[sample]) * per_kg
            summed[1] += float(leg.co2e[sample]) * per_kg
    for fuel, (joules, co2e) in sorted(fuels.items()):
        found.append(Exchange("input", "fuel", fuel, "world", joules / 1e6, "MJ", co2e / joules * 1e6,
                              "combustion CO2 of the fuel, by transport", "data/energy/emission_factors.csv"))  # fmt: skip
    released = float(results.kpis["co2e_process"][sample]) * per_kg
    if released:
        found.append(Exchange("output", RELEASED, "CO2", "world", released, "kg", 1.0, "co2e_process: to air",
                              "stoichiometry of the route"))  # fmt: skip
    masses = results.components.molar_masses
    for name, kind in results.products.items():
        mass = sum(float(masses @ results.flow(s.name, sample)) for s in results.edges if s.target == name) * per_kg
        if mass:
            found.append(Exchange("output", kind, name, "", mass, "kg", 0.0, "", ""))
    return found


def to_csv(exchanges: Iterable[Exchange]) -> str:
    """The inventory as one CSV table, a row per exchange; its ``co2e total`` adds up to ``co2e_cradle_to_gate``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["direction", "kind", "name", "region", "amount", "unit", "co2e per unit [kg CO2e]",
                     "co2e total [kg CO2e]", "boundary", "source"])  # fmt: skip
    for e in exchanges:
        writer.writerow([e.direction, e.kind, e.name, e.region, repr(e.amount), e.unit, repr(e.co2e), repr(e.total),
                         e.boundary, e.source])  # fmt: skip
    return out.getvalue()


def brightway_files(results: Results, exchanges: list[Exchange]) -> dict[str, str]:
    """bw2io CSV files: the biosphere flow, the background inputs, the foreground activity and the CO2e method.

    Import them in that order with ``bw2io.CSVImporter`` (linking each to the databases before it)
    and the method with ``bw2io.CSVLCIAImporter``; the README shows how. Names are the files'.
    """
    header: list[object] = ["name", "amount", "unit", "database", "type", "categories", "location", "reference product"]
    biosphere: list[list[object]] = [["Database", BIOSPHERE], [], ["Activity", FLOW], ["code", "co2e"], ["unit", "kilogram"],
                 ["type", "emission"], ["categories", "air"]]  # fmt: skip
    background: list[list[object]] = [["Database", BACKGROUND]]
    product = results.product.split("(")[0]
    foreground: list[list[object]] = [
        ["Database", results.name],
        [],
        ["Activity", results.name],
        ["code", results.name],
        ["unit", "kilogram"],
        ["location", "GLO"],
        ["reference product", product],
        ["Exchanges"],
        header,
        [results.name, 1, "kilogram", results.name, "production", "", "GLO", product],
    ]
    seen = set()
    for e in exchanges:
        if e.direction == "output" and e.kind != RELEASED:
            continue  # products: outside the boundary
        if e.kind == RELEASED:
            foreground.append([FLOW, repr(e.amount), "kilogram", BIOSPHERE, "biosphere", "air", "", ""])
            continue
        name, unit = f"{e.name}, {e.kind}, {e.region}", BRIGHTWAY_UNITS[e.unit]
        if name not in seen:  # one background activity per input and region: its CO2e per unit
            seen.add(name)
            background += [[], ["Activity", name], ["code", name], ["unit", unit], ["location", e.region],
                           ["reference product", e.name], ["comment", f"{e.boundary}; {e.source}"], ["Exchanges"],
                           header, [name, 1, unit, BACKGROUND, "production", "", e.region, e.name],
                           [FLOW, repr(e.co2e), "kilogram", BIOSPHERE, "biosphere", "air", "", ""]]  # fmt: skip
        foreground.append([name, repr(e.amount), unit, BACKGROUND, "technosphere", "", e.region, e.name])
    method: list[list[object]] = [["name", "categories", "amount", "unit"], [FLOW, "air", 1.0, "kilogram"]]
    return {
        "biosphere.csv": _rows(biosphere),
        "background.csv": _rows(background),
        "foreground.csv": _rows(foreground),
        "method.csv": _rows(method),
    }


def _rows(rows: list[list[object]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def check_total(results: Results, exchanges: list[Exchange], sample: int = 0) -> float:
    """The exchanges' CO2e against ``co2e_cradle_to_gate`` per kg of product: their relative difference."""
    expected = float(results.kpis["co2e_cradle_to_gate"][sample] / results.kpis["product"][sample])
    found = float(np.sum([e.total for e in exchanges]))
    return abs(found - expected) / max(abs(expected), 1e-300)


def openlca_zip(results: Results, exchanges: list[Exchange]) -> bytes:
    """The inventory as an openLCA JSON-LD package (a zip openLCA 2 imports), written with ``olca-schema``.

    Unit groups and flow properties of mass and energy, a product flow per input and its background
    process (the input's CO2e per unit as the elementary flow ``carbon dioxide equivalent``), the
    route's process with the product as its reference, and an impact method counting the flow once.
    Ids are UUIDs derived from the names, so a route exported again updates the same data sets.

    Raises
    ------
    FlowsheetError
        If ``olca-schema`` is not installed (the ``lca`` extra).
    """
    try:
        import olca_schema as olca
        import olca_schema.zipio as zipio
    except ImportError:
        raise FlowsheetError(
            "the openLCA export needs olca-schema\n  hint: pip install 'cathode-flowsheet[lca]'"
        ) from None

    def named(entity: Any, name: str) -> Any:
        entity.id = str(uuid.uuid5(NAMESPACE, name))
        return entity

    mass_units = named(olca.new_unit_group("Units of mass", "kg"), "units of mass")
    energy_units = named(olca.new_unit_group("Units of energy", "MJ"), "units of energy")
    kwh = olca.Unit(id=str(uuid.uuid5(NAMESPACE, "kWh")), name="kWh", conversion_factor=3.6)
    energy_units.units.append(kwh)
    mass = named(olca.new_flow_property("Mass", mass_units), "mass")
    energy = named(olca.new_flow_property("Energy", energy_units), "energy")
    properties = {"kg": mass, "MJ": energy, "kWh": energy}
    entities: list[Any] = [mass_units, energy_units, mass, energy]
    flow = named(olca.new_elementary_flow(FLOW, mass), FLOW)
    flow.category = "Elementary flows/Emission to air"
    entities.append(flow)
    product = results.product.split("(")[0]
    process = named(olca.new_process(results.name), f"process {results.name}")
    process.description = f"{results.name}: foreground inventory per kg of {product}, exported by cathode-flowsheet"
    reference = named(olca.new_product(product, mass), f"product {product}")
    entities.append(reference)
    main = olca.new_output(process, reference, 1.0)
    main.is_quantitative_reference = True
    unit_of = {"kg": None, "MJ": None, "kWh": kwh}
    for e in exchanges:
        if e.kind == RELEASED:
            olca.new_output(process, flow, e.amount)
        elif e.direction == "input":
            name = f"{e.name}, {e.kind}, {e.region}"
            bought = named(olca.new_product(name, properties[e.unit]), f"product {name}")
            maker = named(olca.new_process(name), f"process {name}")
            maker.description = f"{e.boundary}; {e.source}"
            made = olca.new_output(maker, bought, 1.0, unit_of[e.unit])
            made.is_quantitative_reference = True
            olca.new_output(maker, flow, e.co2e)
            olca.new_input(process, bought, e.amount, unit_of[e.unit])
            entities += [bought, maker]
        elif e.kind != "product":
            waste = named(olca.new_flow(f"{e.name} ({e.kind})", olca.FlowType.WASTE_FLOW, mass), f"waste {e.name}")
            olca.new_output(process, waste, e.amount)
            entities.append(waste)
    entities.append(process)
    indicator = named(olca.new_impact_category("CO2e"), "indicator CO2e")
    indicator.ref_unit = "kg CO2e"
    olca.new_impact_factor(indicator, flow, 1.0)
    method = named(olca.new_impact_method(METHOD[0], indicator), "method")
    entities += [indicator, method]
    written = io.BytesIO()
    with zipio.ZipWriter(written) as writer:
        for entity in entities:
            writer.write(entity)
    return written.getvalue()
