"""The reference of unit types and the JSON Schema of route files, generated from the unit classes.

One declaration feeds everything: each unit's dataclass fields (with the unit, default and bounds
of :func:`~flowsheet.operations.base.parameter`), its ports and its numpy-style docstring (the
parameter descriptions, the model in its Notes, the sources it cites). ``flowsheet units [TYPE]``
prints it, ``docs/units.md`` and ``docs/route.schema.json`` are written from it, and tests keep
both files in step with the code.
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import json
import re
from typing import Any

from flowsheet.operations import Operation
from flowsheet.route_file.schema import RouteSpec, _parameter_model, unit_types
from flowsheet.units import ureg

SCHEMA_ID = "https://github.com/cathode-flowsheet/cathode-flowsheet/docs/route.schema.json"


def _sections(cls: type[Operation]) -> dict[str, str]:
    """The numpy docstring of `cls` by section (``""`` for the summary)."""
    text = inspect.cleandoc(cls.__doc__ or "")
    found: dict[str, str] = {}
    current, lines = "", []  # type: tuple[str, list[str]]
    rows = text.splitlines()
    for i, line in enumerate(rows):
        underline = i + 1 < len(rows) and re.fullmatch(r"-{3,}", rows[i + 1].strip() or "x")
        if underline and line.strip():
            found[current] = "\n".join(lines).strip()
            current, lines = line.strip(), []
        elif not re.fullmatch(r"-{3,}", line.strip() or "x"):
            lines.append(line)
    found[current] = "\n".join(lines).strip()
    return found


def _described(cls: type[Operation]) -> dict[str, str]:
    """Each parameter's description from the Parameters section (several names may share one)."""
    found: dict[str, str] = {}
    names: list[str] = []
    for line in _sections(cls).get("Parameters", "").splitlines():
        if line and not line.startswith(" "):
            names = [n.strip() for n in line.split(":")[0].split(",")]
            for name in names:
                found[name] = ""
        elif names:
            for name in names:
                found[name] = f"{found[name]} {line.strip()}".strip()
    return found


def _ports(cls: type[Operation]) -> dict[str, list[str]]:
    """Ports of a unit made with its defaults; parameters may add more (their descriptions say which)."""
    try:
        example = cls("unit")  # type: ignore[call-arg]
        return {
            "inlets": list(example.inlet_ports()),
            "outlets": list(example.outlet_ports()),
            "dosed": list(example.dosed_ports()),
        }
    except Exception:  # a unit that needs parameters to exist: its declared ports  # noqa: BLE001
        return {"inlets": list(cls.inlets), "outlets": list(cls.outlets), "dosed": list(cls.dosed_inlets)}


def _shown_unit(unit: str) -> str:
    """The SI unit a value is checked in (any unit of the same dimension may be written)."""
    return f"{ureg.Unit(unit):~P}" if unit else "-"


def _range(item: dataclasses.Field) -> str:
    meta = item.metadata
    unit = meta.get("unit") or ""
    low, high, above = meta.get("low"), meta.get("high"), meta.get("above")
    shown = f" {_shown_unit(unit)}" if unit else ""
    parts = []
    if above is not None:
        parts.append(f"> {above:g}{shown}")
    if low is not None:
        parts.append(f">= {low:g}{shown}")
    if high is not None:
        parts.append(f"<= {high:g}{shown}")
    return ", ".join(parts) or "-"


def unit_reference(kind: str) -> dict[str, Any]:
    """Everything a route file may say of one unit type, as plain data.

    Raises
    ------
    KeyError
        For an unknown type, with the known ones.
    """
    types = unit_types()
    if kind not in types:
        close = difflib.get_close_matches(kind, list(types), n=2, cutoff=0.6)
        near = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        raise KeyError(f"unknown unit type {kind!r}; {near}known: {', '.join(types)}")
    cls = types[kind]
    described: dict[str, str] = {}
    for ancestor in reversed(cls.__mro__):  # a subclass's words over its parents'
        if isinstance(ancestor, type) and issubclass(ancestor, Operation):
            described |= {name: words for name, words in _described(ancestor).items() if words}
    parameters = []
    for item in dataclasses.fields(cls):
        if item.name == "name":
            continue
        default = item.default if item.default is not dataclasses.MISSING else None
        if item.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            default = item.default_factory()  # type: ignore[misc]
        parameters.append(
            {
                "name": item.name,
                "unit": _shown_unit(item.metadata["unit"]) if item.metadata.get("unit") is not None else "",
                "default": "" if default in (None, "", (), {}) else str(default),
                "range": _range(item),
                "description": described.get(item.name) or item.metadata.get("doc", ""),
            }
        )
    sections = _sections(cls)
    return {
        "type": kind,
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "summary": sections.get("", "").split("\n\n")[0].replace("\n", " "),
        "parameters": parameters,
        "ports": _ports(cls),
        "model": sections.get("Notes", ""),
    }


def render_unit(kind: str) -> str:
    """One unit type's reference as Markdown (also readable at a terminal)."""
    ref = unit_reference(kind)
    ports = ref["ports"]
    lines = [
        f"## `{kind}`",
        "",
        ref["summary"],
        "",
        f"Ports: in {', '.join(ports['inlets']) or '-'}; out {', '.join(ports['outlets']) or '-'}; "
        f"dosed {', '.join(ports['dosed']) or '-'} (with its defaults; parameters may add ports, as said below).",
        "",
        "| parameter | unit | default | allowed | description |",
        "|---|---|---|---|---|",
    ]
    for p in ref["parameters"]:
        cells = [f"`{p['name']}`", p["unit"] or "-", p["default"] or "-", p["range"], p["description"] or "-"]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    if ref["model"]:
        lines += ["", "Model:", "", *(f"    {line}" if line else "" for line in ref["model"].splitlines())]
    return "\n".join(lines)


def units_markdown() -> str:
    """The whole reference page, ``docs/units.md``."""
    head = [
        "# Unit types",
        "",
        "Generated from the unit classes by `flowsheet units --markdown` (a test keeps this page in step",
        "with the code). Every dimensional value carries its unit in a route file (`5 L/kg`, `800 degC`);",
        "any numeric parameter may instead be an uncertain value, `{value: ..., range: [...]}`. Common to",
        "all: `site` (the plant it stands in) and `utility` (what meets its heat duty, a key of",
        "`data/energy/utilities.csv`).",
        "",
    ]
    return "\n".join(head) + "\n" + "\n\n".join(render_unit(kind) for kind in unit_types()) + "\n"


def route_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for route files, editors' completion and validation.

    A route that ``extends`` another needs none of the sections and may ``set``, ``remove`` and
    ``disconnect``; each unit is checked against its type's parameters.
    """
    base = RouteSpec.model_json_schema()
    definitions = base.pop("$defs", {})
    units = {}
    for kind, cls in unit_types().items():
        model = _parameter_model(cls).model_json_schema()
        model.pop("title", None)
        model["properties"]["type"] = {"const": kind}
        described = {p["name"]: p["description"] for p in unit_reference(kind)["parameters"]}
        for name, prop in model["properties"].items():
            if described.get(name):
                prop["description"] = described[name]
        model["required"] = ["type"]
        definitions[f"unit_{kind}"] = model
        units[kind] = {"$ref": f"#/$defs/unit_{kind}"}
    base["properties"]["units"] = {
        "type": "object",
        "additionalProperties": {
            "type": "object",
            "required": ["type"],
            "properties": {"type": {"enum": list(units)}},
            "allOf": [{"if": {"properties": {"type": {"const": kind}}}, "then": ref} for kind, ref in units.items()],
        },
    }
    base["properties"]["extends"] = {"type": "string"}
    base["properties"]["set"] = {"type": "object"}
    for key in ("remove", "disconnect"):
        base["properties"][key] = {"type": "array", "items": {"type": "string"}}
    required = base.pop("required", [])
    base["if"] = {"not": {"required": ["extends"]}}
    base["then"] = {"required": required}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "cathode-flowsheet route file",
        **base,
        "$defs": definitions,
    }


def schema_text() -> str:
    """``docs/route.schema.json`` as written."""
    return json.dumps(route_schema(), indent=1, ensure_ascii=False, sort_keys=True) + "\n"
