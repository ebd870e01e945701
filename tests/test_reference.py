"""The unit reference and the route-file JSON Schema are generated from the unit classes and kept in step."""

import copy
import dataclasses
import json
import re
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import yaml

from flowsheet.cli import main
from flowsheet.factors import kilns, modes, regions, utilities
from flowsheet.operations.base import PORT_SIDES
from flowsheet.reference import (
    UNIT_SPELLINGS,
    plain,
    quantity_pattern,
    render_unit,
    route_schema,
    schema_text,
    unit_reference,
    units_markdown,
)
from flowsheet.route_file import load_route
from flowsheet.route_file.schema import unit_types
from flowsheet.units import parse_quantity, ureg

ROOT = Path(__file__).parents[1]
ROUTES = sorted((ROOT / "routes").glob("*.yaml"))
WIDTH = 100  # the narrowest terminal the CLI is laid out for, [columns]


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = route_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _route(stem: str) -> dict:
    return yaml.safe_load((ROOT / "routes" / f"{stem}.yaml").read_text(encoding="utf-8"))


def _shown(capsys, *arguments: str) -> str:
    assert main(["units", *arguments]) == 0
    return capsys.readouterr().out


def test_the_shipped_reference_page_and_schema_are_the_generated_ones():
    # regenerate with: flowsheet units --markdown > docs/units.md; flowsheet units --schema > docs/route.schema.json
    assert (ROOT / "docs" / "units.md").read_text(encoding="utf-8") == units_markdown()
    assert (ROOT / "docs" / "route.schema.json").read_text(encoding="utf-8") == schema_text()


# --- the reference ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(unit_types()))
def test_every_unit_type_renders_each_of_its_parameters_with_a_description_of_its_own(kind):
    text = render_unit(kind)
    reference = unit_reference(kind)
    names = [item.name for item in dataclasses.fields(unit_types()[kind]) if item.name != "name"]
    assert [p["name"] for p in reference["parameters"]] == names
    for parameter in reference["parameters"]:
        assert f"| `{parameter['name']}` |" in text
        assert parameter["description"], (kind, parameter["name"])  # every parameter is documented
    descriptions = [p["description"] for p in reference["parameters"]]
    copied = {words for words in descriptions if descriptions.count(words) > 1}
    assert not copied, f"{kind}: one description stands for several parameters"
    assert reference["ports"], kind


def test_issue_22_leach_parameters_keep_the_dissolver_descriptions_not_the_reactions_text():
    leach = {p["name"]: p["description"] for p in unit_reference("leach")["parameters"]}
    dissolver = {p["name"]: p["description"] for p in unit_reference("dissolver")["parameters"]}
    for name in ("acid", "excess", "concentration", "solution_density", "molality", "temperature"):
        assert leach[name] == dissolver[name], name
    assert "leaching efficiency" in leach["reactions"]


@pytest.mark.parametrize("kind", list(unit_types()))
def test_every_port_a_unit_has_is_declared_on_its_side(kind):
    # a unit built with its defaults, or as each shipped route builds it, has only declared ports
    cls = unit_types()[kind]
    declared = {side: {p.name for p in cls.declared_ports if p.side == side} for side in PORT_SIDES}
    assert all(port.side in PORT_SIDES for port in cls.declared_ports)
    assert set(cls.dosed_inlets) <= declared["dosed"]
    for unit in [op for route in _loaded() for op in route.flowsheet.operations if type(op) is cls]:
        named = {p.side: set(_named_ports(unit, p.named_by)) for p in cls.declared_ports if p.named_by}
        assert set(unit.dosed_ports()) <= declared["dosed"], unit.name
        inlets = set(unit.inlet_ports()) - set(unit.dosed_ports())  # a calciner's gas in nitrogen is fed, not dosed
        assert inlets <= declared["inlet"] | declared["dosed"] | named.get("inlet", set()), unit.name
        assert set(unit.outlet_ports()) <= declared["outlet"] | named.get("outlet", set()), unit.name


def _named_ports(unit, parameter: str) -> list[str]:
    return list(getattr(unit, parameter))  # inlet_names is a list of names, fractions a mapping keyed by them


@cache
def _loaded() -> tuple:
    return tuple(load_route(path) for path in ROUTES)


def test_issue_22_every_port_the_shipped_routes_connect_is_listed_by_flowsheet_units(capsys):
    # the washer's wash_water and the co-precipitator's ammonia exist only for some parameters:
    # the reference lists every port a type may have, each with the condition that adds it
    shown = {kind: _shown(capsys, kind) for kind in unit_types()}
    connected = 0
    for route in _loaded():
        sheet = route.flowsheet
        for stream in sheet.streams():
            for unit_name, port in ((stream.source, stream.source_port), (stream.target, stream.target_port)):
                unit = sheet.operation(unit_name)
                kind = next((k for k, cls in unit_types().items() if type(unit) is cls), None)
                if kind is None:  # a feed or a product
                    continue
                listed = {p["name"] for p in unit_reference(kind)["ports"]}
                named = {f"{{{p.named_by}}}" for p in type(unit).declared_ports if port in _named_by(unit, p)}
                assert port in listed or named & listed, f"{route.path}: {kind} has no port {port!r} in the reference"
                assert re.search(rf"^{re.escape(port if port in listed else named.pop())}\s", shown[kind], re.M)
                connected += 1
    assert connected > 200  # every shipped route's streams were seen, both ends


def _named_by(unit, port) -> list[str]:
    return _named_ports(unit, port.named_by) if port.named_by else []


def test_the_washer_lists_wash_water_and_the_co_precipitator_ammonia_with_their_conditions(capsys):
    washer = {p["name"]: p for p in unit_reference("washer")["ports"]}
    assert washer["wash_water"]["side"] == "dosed"
    assert "wash_ratio" in washer["wash_water"]["when"]
    precipitator = {p["name"]: p for p in unit_reference("co_precipitator")["ports"]}
    assert precipitator["ammonia"]["side"] == "dosed"
    assert "ammonia_ratio" in precipitator["ammonia"]["when"]
    assert re.search(r"^wash_water\s+dosed\s+wash_ratio > 0", _shown(capsys, "washer"), re.M)


@pytest.mark.parametrize("kind", list(unit_types()))
def test_issue_22_flowsheet_units_fits_100_columns_as_plain_text(kind, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    text = _shown(capsys, kind)
    assert max(len(line) for line in text.splitlines()) <= WIDTH
    for markup in ("`", ":meth:", ":class:", ":func:", ":data:", "|---"):
        assert markup not in text, markup
    assert not re.search(r"^\s*\|", text, re.M)  # no Markdown table rows
    for parameter in unit_reference(kind)["parameters"]:
        assert re.search(rf"^{parameter['name']}\s", text, re.M), parameter["name"]


def test_the_list_of_types_wraps_at_words_within_100_columns(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    text = _shown(capsys)
    assert max(len(line) for line in text.splitlines()) <= WIDTH
    words = {word for kind in unit_types() for word in plain(unit_reference(kind)["summary"]).split()}
    shown = set(text.split())
    assert words <= shown  # no word cut in two by the wrapping
    assert all(re.search(rf"^{kind}\s", text, re.M) for kind in unit_types())


def test_plain_text_drops_roles_and_backticks():
    text = "its state is ``f`` (:meth:`state_values`), as in :class:`~flowsheet.operations.Calciner`; `wash_ratio`::"
    assert plain(text) == "its state is f (state_values), as in Calciner; wash_ratio:"


def test_the_units_command_shows_one_type_and_names_a_misspelt_one(capsys):
    assert "displacement_efficiency" in _shown(capsys, "washer")
    assert main(["units", "washr"]) == 1
    assert "did you mean 'washer'?" in capsys.readouterr().err
    assert json.loads(_shown(capsys, "--schema"))["$id"].endswith("route.schema.json")


# --- the schema ------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ROUTES, ids=lambda p: p.stem)
def test_every_shipped_route_validates_against_the_schema(path):
    _validator().validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def _refused(route: dict) -> list[str]:
    return [error.message for error in _validator().iter_errors(route)]


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        ({"temprature": "800 degC"}, "temprature"),
        ({"type": "calcinr"}, "calcinr"),
        ({"co_precursors": "FePO4"}, "is not of type 'array'"),
        ({"temperature": 850}, "850"),  # a bare number: no unit
        ({"temperature": "850 C"}, "850 C"),  # C is the coulomb: a charge, not a temperature
        ({"temperature": "850 kg"}, "850 kg"),
        ({"holding_power": {"value": "220 kW", "range": ["150 kW", "300 kJ"]}}, "300 kJ"),
        ({"utility": "electric_kilm"}, "electric_kilm"),
        ({"kiln": "tunnel"}, "tunnel"),
        ({"atmosphere": "argon"}, "argon"),
    ],
)
def test_the_schema_refuses_what_the_loader_refuses(edit, words):
    route = _route("nmc811_sulfate")
    route["units"]["calcine"].update(edit)
    assert any(words in message for message in _refused(route)), _refused(route)


@pytest.mark.parametrize("ratio", [8, "8", "8 kg", "8 L"])
def test_issue_22_a_wash_ratio_needs_a_volume_per_mass(ratio):
    route = _route("nmc811_sulfate")
    route["units"]["filter"]["wash_ratio"] = ratio
    assert _refused(route)
    route["units"]["filter"]["wash_ratio"] = "8 L/kg"
    assert not _refused(route)


@pytest.mark.parametrize(
    ("section", "name", "key", "value"),
    [
        ("sites", "cathode_plant", "region", "China"),
        ("products", "cam", "kind", "products"),
        ("feeds", "caustic", "temperature", "25"),
        ("feeds", "metals", "flows", {"Ni": "0.8 mol"}),  # an amount, where a fixed feed needs a rate
    ],
)
def test_the_schema_ties_the_route_own_entries_to_the_data(section, name, key, value):
    route = _route("nmc811_sulfate")
    route[section][name][key] = value
    assert _refused(route)


def test_the_schema_takes_its_names_from_the_data_tables():
    text = schema_text()
    for names in (utilities(), kilns(), modes(), regions()):
        assert all(json.dumps(name) in text for name in names)


@pytest.mark.parametrize(
    "stream",
    ["wash_water -> filter.wash", "filter.filtrate -> salt_crystallize.feed", "filter.wash_water -> dry", "a.b.c -> d"],
)
def test_issue_22_the_schema_refuses_an_unknown_port(stream):
    # filter.wash is no port; salt_crystallize.feed is fine; wash_water is an inlet, not an outlet
    route = _route("nmc811_m2cam")  # no mixer or splitter: every port must be one some type declares
    route["streams"].append(stream)
    assert bool(_refused(route)) is (stream != "filter.filtrate -> salt_crystallize.feed")


def test_ports_a_parameter_names_are_accepted_where_a_mixer_or_splitter_may_have_them():
    route = _route("nmc811_sulfate")  # a mixer with inlets fresh and recycle, a splitter with outlets too
    route["streams"].append("liquor_split.purge -> liquor_mix.returned")
    assert not _refused(route)
    variant = {"extends": "nmc811_sulfate.yaml", "streams": ["liquor_split.purge -> liquor_mix.returned"]}
    assert not _refused(variant)
    variant["streams"] = ["liquor_split.purge -> -> x"]
    assert _refused(variant)


def test_the_schema_checks_what_a_variant_sets():
    variant = {"extends": "nmc811_sulfate.yaml", "set": {"units.calcine.temperature": "850 degC"}}
    assert not _refused(variant)
    for key, value in [
        ("units.calcine.temperature", "850 C"),
        ("units.filter.wash_ratio", 8),
        ("units.calcine.utility", "gas"),
    ]:
        assert _refused({**variant, "set": {key: value}}), key


def test_a_variant_needs_none_of_the_sections():
    assert not _refused({"extends": "nmc811_sulfate.yaml"})
    route = {"name": "x", "product": "LiCoO2", "units": {}, "products": {}, "streams": []}
    assert "'feeds' is a required property" in _refused(route)


@pytest.mark.parametrize(("group", "names"), list(UNIT_SPELLINGS.items()))
def test_each_unit_spelling_a_pattern_accepts_is_read_by_the_loader_with_its_dimension(group, names):
    # the schema's spellings: each read by flowsheet.units with the dimensionality it is listed under
    pattern = quantity_pattern(_unit_of(group))
    accepted = [name for name in names if re.fullmatch(pattern, f"5 {name}")]
    assert accepted, group
    for name in accepted:
        assert parse_quantity(f"5 {name}", group, field=name).dimensionality == ureg.get_dimensionality(group)


def _unit_of(group: str) -> str:
    """A unit with the dimensionality `group` names, e.g. ``"m**3"`` for ``[volume]``."""
    return {
        "[length]": "m",
        "[mass]": "kg",
        "[time]": "s",
        "[temperature]": "K",
        "[substance]": "mol",
        "[volume]": "m**3",
        "[power]": "W",
        "[energy]": "J",
    }[group]


def test_a_quantity_pattern_takes_quotients_of_matching_dimensions():
    pattern = quantity_pattern("m**3/kg")
    for text in ("5 L/kg", "5 m**3/t", "0.005 m^3 / kg", "5e-3 liter/kilogram"):
        assert re.fullmatch(pattern, text), text
    for text in ("5", "5 L", "5 kg/L", "5 mol/kg", "L/kg"):
        assert not re.fullmatch(pattern, text), text


def test_the_route_schema_is_a_fresh_copy_each_time():
    schema = route_schema()
    schema["properties"].clear()
    assert route_schema()["properties"]
    assert copy.deepcopy(route_schema()) == json.loads(schema_text())
