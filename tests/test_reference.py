"""The unit reference and the route-file JSON Schema are generated from the unit classes and kept in step."""

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from flowsheet.cli import main
from flowsheet.reference import render_unit, route_schema, schema_text, unit_reference, units_markdown
from flowsheet.route_file.schema import unit_types

ROOT = Path(__file__).parents[1]
ROUTES = sorted((ROOT / "routes").glob("*.yaml"))


def test_the_shipped_reference_page_and_schema_are_the_generated_ones():
    # regenerate with: flowsheet units --markdown > docs/units.md; flowsheet units --schema > docs/route.schema.json
    assert (ROOT / "docs" / "units.md").read_text(encoding="utf-8") == units_markdown()
    assert (ROOT / "docs" / "route.schema.json").read_text(encoding="utf-8") == schema_text()


@pytest.mark.parametrize("kind", list(unit_types()))
def test_every_unit_type_renders_each_of_its_parameters_with_a_description(kind):
    text = render_unit(kind)
    reference = unit_reference(kind)
    names = [item.name for item in dataclasses.fields(unit_types()[kind]) if item.name != "name"]
    assert [p["name"] for p in reference["parameters"]] == names
    for parameter in reference["parameters"]:
        assert f"| `{parameter['name']}` |" in text
        assert parameter["description"], (kind, parameter["name"])  # every parameter is documented
    assert reference["ports"]["inlets"]  # outlets may come from parameters (a splitter's fractions)


@pytest.mark.parametrize("path", ROUTES, ids=lambda p: p.stem)
def test_every_shipped_route_validates_against_the_schema(path):
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), route_schema())


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        ({"temprature": "800 degC"}, "temprature"),
        ({"type": "calcinr"}, "calcinr"),
        ({"co_precursors": "FePO4"}, "is not of type 'array'"),
    ],
)
def test_the_schema_refuses_what_the_loader_refuses(edit, words):
    route = yaml.safe_load((ROOT / "routes" / "nmc811_sulfate.yaml").read_text(encoding="utf-8"))
    route["units"]["calcine"].update(edit)
    with pytest.raises(jsonschema.ValidationError, match=words):
        jsonschema.validate(route, route_schema())


def test_a_variant_needs_none_of_the_sections():
    jsonschema.validate(
        {"extends": "nmc811_sulfate.yaml", "set": {"units.calcine.temperature": "850 degC"}}, route_schema()
    )
    with pytest.raises(jsonschema.ValidationError, match="'feeds' is a required property"):
        jsonschema.validate(
            {"name": "x", "product": "LiCoO2", "units": {}, "products": {}, "streams": []}, route_schema()
        )


def test_the_units_command_lists_types_and_shows_one(capsys):
    assert main(["units"]) == 0
    listed = capsys.readouterr().out
    assert all(kind in listed for kind in unit_types())
    assert main(["units", "washer"]) == 0
    assert "| `displacement_efficiency` |" in capsys.readouterr().out
    assert main(["units", "washr"]) == 1
    assert "did you mean 'washer'?" in capsys.readouterr().err
    assert main(["units", "--schema"]) == 0
    assert json.loads(capsys.readouterr().out)["$id"].endswith("route.schema.json")
