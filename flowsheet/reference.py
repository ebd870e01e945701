"""The reference of unit types and the JSON Schema of route files, generated from the unit classes.

One declaration feeds everything: each unit's dataclass fields (with the unit, default and bounds
of :func:`~flowsheet.operations.base.parameter`), its declared ports
(:class:`~flowsheet.operations.base.Port`) and its numpy-style docstring (the parameter
descriptions, the model in its Notes). ``flowsheet units [TYPE]`` shows it as plain text laid out
for the terminal, ``docs/units.md`` holds it as Markdown and ``docs/route.schema.json`` as a JSON
Schema whose quantities, names and ports are checked against the same declarations and the data
tables; tests keep both files in step with the code.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import functools
import inspect
import itertools
import json
import re
from typing import TYPE_CHECKING, Any

from flowsheet.errors import FlowsheetError
from flowsheet.factors import modes, regions, utilities
from flowsheet.operations import Feed, Operation, Product
from flowsheet.operations.base import PORT_SIDES
from flowsheet.operations.calcination import ATMOSPHERES
from flowsheet.operations.coating import REAGENT_FATES
from flowsheet.operations.firing import NO_KILN, WALL_MODELS, kiln_kinds
from flowsheet.operations.ports import PRODUCT_KINDS
from flowsheet.route_file.schema import RouteSpec, _parameter_model, unit_types
from flowsheet.units import parse_quantity, ureg

if TYPE_CHECKING:
    from rich.console import RenderableType

SCHEMA_ID = "https://github.com/cathode-flowsheet/cathode-flowsheet/docs/route.schema.json"


# --- the docstrings ---------------------------------------------------------------------------
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
    """Each parameter's description from the Parameters section of `cls` itself.

    An entry naming several parameters (``a, b : float``) describes none of them: each parameter
    has its own words, so that no description is copied onto another.
    """
    found: dict[str, str] = {}
    names: list[str] = []
    for line in _sections(cls).get("Parameters", "").splitlines():
        if line and not line.startswith(" "):
            names = [n.strip() for n in line.split(":")[0].split(",")]
            names = names if len(names) == 1 else []
            for name in names:
                found[name] = ""
        elif names:
            for name in names:
                found[name] = f"{found[name]} {line.strip()}".strip()
    return found


_ROLE = re.compile(r":(?:py:)?[a-z]+:`~?([^`<]+?)`")
_LITERAL = re.compile(r"``(.+?)``", re.S)
_REFERENCE = re.compile(r"(?<![`\w])`([^`\n]+)`(?![`\w])")


def _role_name(match: re.Match) -> str:
    """The name a Sphinx role shows: the last part of ``~a.b.c``, else the whole target."""
    target = match.group(1).strip()
    return target.rsplit(".", 1)[-1] if match.group(0).split("`")[1].startswith("~") else target


def plain(text: str) -> str:
    """Docstring text as plain text: no Sphinx roles, no backticks, no ``::`` markers.

    Examples
    --------
    >>> plain("its state is ``f`` (:meth:`state_values`), see :class:`~flowsheet.operations.Calciner`::")
    'its state is f (state_values), see Calciner:'
    """
    text = _ROLE.sub(_role_name, text)
    text = _LITERAL.sub(r"\1", text)
    text = _REFERENCE.sub(r"\1", text)
    return re.sub(r"::(\s*)$", r":\1", text, flags=re.M)


def markdown(text: str) -> str:
    """Docstring text as Markdown: roles and double backticks become code spans."""
    text = _ROLE.sub(lambda match: f"`{_role_name(match)}`", text)
    text = _LITERAL.sub(lambda match: f"`{match.group(1)}`", text)
    return re.sub(r"::(\s*)$", r":\1", text, flags=re.M)


# --- the reference as plain data -----------------------------------------------------------------
def choices(cls: type[Operation]) -> dict[str, tuple[str, ...]]:
    """The names a text parameter of `cls` must be one of, by parameter, from the data tables."""
    known = {
        "utility": ("", *utilities()),
        "kiln": ("", NO_KILN, *kiln_kinds()),
        "walls": WALL_MODELS,
        "mode": tuple(modes()),
        "atmosphere": ATMOSPHERES,
        "reagent_fate": REAGENT_FATES,
    }
    fields = {item.name for item in dataclasses.fields(cls)}
    return {name: values for name, values in known.items() if name in fields}


def _ports(cls: type[Operation]) -> list[dict[str, str]]:
    """The ports `cls` declares, inlets first, then dosed inlets, then outlets."""
    order = {side: i for i, side in enumerate(PORT_SIDES)}
    ports = sorted(cls.declared_ports, key=lambda port: order[port.side])
    return [{"name": p.name, "side": p.side, "doc": p.doc, "when": p.when} for p in ports]


def _shown_unit(unit: str) -> str:
    """The SI unit a value is checked in (any unit of the same dimension may be written)."""
    return f"{ureg.Unit(unit):~P}" if unit else "-"


def _range(item: dataclasses.Field, allowed: tuple[str, ...] = ()) -> str:
    if allowed:
        return "a name listed"
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


def _with_names(description: str, allowed: tuple[str, ...] | None) -> str:
    """A description followed by the names the parameter may take, when it must be one of them."""
    if not allowed:
        return description
    names = ", ".join(f"``{value!r}``" if not value else f"``{value}``" for value in allowed)
    return f"{description} One of: {names}."


def _unit_class(kind: str) -> type[Operation]:
    types = unit_types()
    if kind not in types:
        close = difflib.get_close_matches(kind, list(types), n=2, cutoff=0.6)
        near = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        raise KeyError(f"unknown unit type {kind!r}; {near}known: {', '.join(types)}")
    return types[kind]


def unit_reference(kind: str) -> dict[str, Any]:
    """Everything a route file may say of one unit type, as plain data (descriptions as written).

    Raises
    ------
    KeyError
        For an unknown type, with the known ones.
    """
    cls = _unit_class(kind)
    described: dict[str, str] = {}
    for ancestor in reversed(cls.__mro__):  # a subclass's words over its parents'
        if isinstance(ancestor, type) and issubclass(ancestor, Operation):
            described |= {name: words for name, words in _described(ancestor).items() if words}
    allowed = choices(cls)
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
                "range": _range(item, allowed.get(item.name, ())),
                "description": _with_names(
                    described.get(item.name) or item.metadata.get("doc", ""), allowed.get(item.name)
                ),
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


def _paragraphs(text: str) -> list[str]:
    """A docstring section's paragraphs, each on one line."""
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]


# --- Markdown: docs/units.md -----------------------------------------------------------------------
def render_unit(kind: str) -> str:
    """One unit type's reference as Markdown, for ``docs/units.md``."""
    ref = unit_reference(kind)
    lines = [
        f"## `{kind}`",
        "",
        markdown(ref["summary"]),
        "",
        "| port | side | when | what passes |",
        "|---|---|---|---|",
    ]
    for port in ref["ports"]:
        cells = [f"`{port['name']}`", port["side"], port["when"] or "always", markdown(port["doc"])]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines += ["", "| parameter | unit | default | allowed | description |", "|---|---|---|---|---|"]
    for p in ref["parameters"]:
        cells = [f"`{p['name']}`", p["unit"] or "-", p["default"] or "-", p["range"], markdown(p["description"]) or "-"]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    if ref["model"]:
        lines += ["", "Model:", ""]
        for paragraph in _paragraphs(ref["model"]):
            lines += [markdown(paragraph), ""]
        lines.pop()
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
        "`data/energy/utilities.csv`). A stream joins an outlet to an inlet, `unit.port -> unit.port`; a",
        "dosed inlet is one whose flow the unit sets (feed it a dosed feed), and a port with a condition",
        "exists only when its parameters say so.",
        "",
    ]
    return "\n".join(head) + "\n" + "\n\n".join(render_unit(kind) for kind in unit_types()) + "\n"


# --- plain text laid out for the terminal ------------------------------------------------------------
def types_table() -> RenderableType:
    """The unit types and what each does, as a table that wraps its words to the terminal."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("type", no_wrap=True)
    table.add_column("what it does", overflow="fold")
    for kind in unit_types():
        table.add_row(Text(kind), Text(plain(unit_reference(kind)["summary"])))
    return table


def unit_renderables(kind: str) -> list[RenderableType]:
    """One unit type's reference as plain text in rich tables, fitted to the terminal's width.

    Raises
    ------
    KeyError
        For an unknown type, with the known ones.
    """
    from rich import box
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    ref = unit_reference(kind)
    found: list[RenderableType] = [Text(f"{kind}: {plain(ref['summary'])}", style="bold"), Text("")]
    ports = Table(title="Ports", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name, kwargs in (("port", {"no_wrap": True}), ("side", {"no_wrap": True}), ("when", {}), ("what passes", {})):
        ports.add_column(name, overflow="fold", **kwargs)  # type: ignore[arg-type]
    for port in ref["ports"]:
        ports.add_row(
            *(Text(cell) for cell in (port["name"], port["side"], port["when"] or "always", plain(port["doc"])))
        )
    parameters = Table(title="Parameters", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    parameters.add_column("parameter", no_wrap=True)
    for name in ("unit", "default", "allowed"):
        parameters.add_column(name, overflow="fold", max_width=22)
    parameters.add_column("description", overflow="fold", ratio=1, min_width=30)
    for p in ref["parameters"]:
        cells = (p["name"], p["unit"] or "-", p["default"] or "-", p["range"], plain(p["description"]) or "-")
        parameters.add_row(*(Text(cell) for cell in cells))  # as written: "[-]" is no markup
    found += [ports, Text(""), parameters]
    if ref["model"]:
        found += [Text(""), Text("Model", style="italic")]
        found += [Padding(Text(plain(paragraph)), (0, 0, 0, 2)) for paragraph in _paragraphs(ref["model"])]
    return found


# --- the JSON Schema: docs/route.schema.json ---------------------------------------------------------
NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
"""A number as the route files' quantities begin, the grammar :mod:`flowsheet.units` reads."""

UNIT_SPELLINGS = {
    "[length]": ("m", "km", "cm", "mm", "mi", "nmi", "ft", "meter", "metre", "kilometer", "kilometre", "mile"),
    "[mass]": ("kg", "g", "mg", "t", "tonne", "kt", "lb", "kilogram", "gram", "kilotonne", "metric_ton"),
    "[time]": ("s", "min", "h", "hr", "d", "day", "week", "yr", "year", "second", "minute", "hour"),
    "[temperature]": ("K", "degC", "°C", "degF", "°F", "kelvin", "celsius", "degree_Celsius", "degree_Fahrenheit"),
    "[substance]": ("mol", "kmol", "mmol", "mole", "kilomole"),
    "[volume]": ("L", "l", "mL", "ml", "kL", "m**3", "m^3", "cm**3", "cm^3", "dm**3", "dm^3", "liter", "litre"),
    "[power]": ("W", "kW", "MW", "GW", "watt", "kilowatt", "megawatt"),
    "[energy]": ("J", "kJ", "MJ", "GJ", "kWh", "MWh", "Wh", "kcal", "joule", "kilojoule", "megajoule"),
}
"""Unit spellings a quantity pattern accepts, alone or as a quotient of two (``L/kg``), by what they measure.

Full names also take their plural (``kilograms``). Each is kept only if :mod:`flowsheet.units`
reads it with the dimensionality it is listed under, so the schema never accepts a spelling the
route loader refuses; one that is missing here is accepted by the loader but flagged by an editor.
"""


@functools.cache
def _spellings() -> dict[Any, tuple[str, ...]]:
    """The spellings of :data:`UNIT_SPELLINGS` the loader reads, by their pint dimensionality."""
    found: dict[Any, list[str]] = {}
    for group, names in UNIT_SPELLINGS.items():
        wanted = ureg.get_dimensionality(group)
        plurals = [f"{name}s" for name in names if len(name) > 4 and name.isalpha() and not name.endswith("s")]
        for name in (*names, *plurals):
            try:
                quantity = parse_quantity(f"1 {name}", None, field="spelling")
            except FlowsheetError:
                continue
            if quantity.dimensionality == wanted and name not in found.setdefault(wanted, []):
                found[wanted].append(name)
    return {dimension: tuple(names) for dimension, names in found.items()}


def unit_pattern(unit: str) -> str:
    """A regular expression of the unit spellings with the dimensionality of `unit`.

    Single units of that dimensionality (``K``, ``degC``) and quotients of two whose
    dimensionalities divide to it (``L/kg``, ``m**3/t``); empty if there are none.

    Examples
    --------
    >>> import re
    >>> bool(re.fullmatch(unit_pattern("m**3/kg"), "L / kg")), bool(re.fullmatch(unit_pattern("K"), "C"))
    (True, False)
    """
    wanted = ureg.get_dimensionality(unit)
    spellings = _spellings()

    def group(names: tuple[str, ...]) -> str:
        return "(?:" + "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True)) + ")"

    found = [group(spellings[wanted])] if wanted in spellings else []
    for top, bottom in itertools.product(spellings, repeat=2):
        if top / bottom == wanted:
            found.append(f"{group(spellings[top])}\\s*/\\s*{group(spellings[bottom])}")
    return "(?:" + "|".join(found) + ")" if found else ""


def quantity_pattern(*units: str) -> str:
    """A pattern for a number then a unit of the dimensionality of any of `units`, e.g. ``"850 degC"``.

    Where no spelling is known for a dimensionality, a unit of any kind is required.
    """
    spelled = [unit_pattern(unit) or r"[^\d\s].*" for unit in units]
    return rf"^\s*{NUMBER}\s*(?:{'|'.join(spelled)})\s*$"


def _quantity(*units: str) -> dict[str, Any]:
    """A quantity's schema: its text, or an uncertain value of it."""
    text = {"type": "string", "pattern": quantity_pattern(*units)}
    return {"anyOf": [text, _uncertain(text)]}


def _uncertain(value: dict[str, Any]) -> dict[str, Any]:
    """``{value: ..., range|triangular|normal|lognormal: ...}`` with each value as `value` says."""
    return {
        "type": "object",
        "required": ["value"],
        "minProperties": 2,
        "maxProperties": 2,
        "additionalProperties": False,
        "properties": {
            "value": value,
            "range": {"type": "array", "items": value, "minItems": 2, "maxItems": 2},
            "triangular": {"type": "array", "items": value, "minItems": 3, "maxItems": 3},
            "normal": value,
            "lognormal": {"type": ["number", "string"]},
        },
    }


def _parameter_schema(cls: type[Operation], item: dataclasses.Field, generated: dict[str, Any]) -> dict[str, Any]:
    """What a route file may write for one parameter: a quantity with its unit, one of its names, or as generated."""
    unit = item.metadata.get("unit")
    allowed = choices(cls).get(item.name)
    if unit:
        found = _quantity(unit)
    elif allowed is not None:
        found = {"enum": list(allowed)}
    elif item.name == "mix":
        found = {
            "type": "array",
            "items": {
                "type": "array",
                "prefixItems": [{"enum": list(modes())}, {"type": "number"}, _quantity("m")["anyOf"][0]],
                "minItems": 3,
                "maxItems": 3,
            },
        }
    else:
        return generated
    return found


def _ports_schema() -> dict[str, Any]:
    """Patterns of a stream's two ends: each port one some unit type declares, or a port a parameter names.

    A stream names units, not types, so the schema cannot tie a port to its unit's type (the
    loader does, at the stream's line). It holds every port to the names some type declares;
    only where a parameter names ports (a mixer's inlets, a splitter's outlets) may others stand,
    on that side, in a file that has such a unit or extends another.
    """
    classes: list[type[Operation]] = [Feed, Product, *unit_types().values()]
    named = {"inlet": set(), "outlet": set()}  # type: dict[str, set[str]]
    free = {"inlet": [], "outlet": []}  # type: dict[str, list[str]]
    for cls in classes:
        for port in cls.declared_ports:
            side = "outlet" if port.side == "outlet" else "inlet"
            if port.named_by:
                free[side] += [kind for kind, each in unit_types().items() if each is cls]
            else:
                named[side].add(port.name)
    unit = r"(?:[^.\s-]|-(?!>))+"
    source = rf"^\s*{unit}(?:\.(?:{'|'.join(sorted(named['outlet']))}))?\s*->"
    target = rf"->\s*{unit}(?:\.(?:{'|'.join(sorted(named['inlet']))}))?\s*$"
    return {"source": source, "target": target, "free_source": free["outlet"], "free_target": free["inlet"]}


def _has_unit_of(kinds: list[str]) -> dict[str, Any]:
    """A schema matching a route that has a unit of one of `kinds`."""
    return {
        "required": ["units"],
        "properties": {
            "units": {
                "not": {
                    "additionalProperties": {"not": {"required": ["type"], "properties": {"type": {"enum": kinds}}}}
                }
            }
        },
    }


@functools.cache
def _route_schema() -> str:
    base = RouteSpec.model_json_schema()
    definitions = base.pop("$defs", {})
    units = {}
    by_name: dict[str, list[dict[str, Any]]] = {}
    for kind, cls in unit_types().items():
        model = _parameter_model(cls).model_json_schema()
        model.pop("title", None)
        model["properties"]["type"] = {"const": kind}
        described = {p["name"]: plain(p["description"]) for p in unit_reference(kind)["parameters"]}
        for item in dataclasses.fields(cls):
            if item.name in model["properties"]:
                generated = model["properties"][item.name]
                prop = _parameter_schema(cls, item, generated)
                if prop is not generated:  # a quantity or a name: the same check wherever `set:` gives it
                    by_name.setdefault(item.name, []).append(prop)
                    prop = {"anyOf": [prop, {"type": "null"}]} if item.default is None else prop
                if described.get(item.name):
                    prop = {**prop, "description": described[item.name]}
                model["properties"][item.name] = prop
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
    _data_tables(definitions)
    ports = _ports_schema()
    stream = {
        "type": "string",
        "pattern": r"^\s*(?:[^.\s-]|-(?!>))+(?:\.\w+)?\s*->\s*(?:[^.\s-]|-(?!>))+(?:\.\w+)?\s*$",
    }
    base["properties"]["streams"] = {
        "type": "array",
        "items": stream,
        "description": "Streams, 'unit.port -> unit.port' (the port may be left out where the unit has one).",
    }
    base["properties"]["extends"] = {"type": "string"}
    settable = {
        rf"^units\.[^.]+\.{re.escape(name)}$": schemas[0]
        for name, schemas in by_name.items()
        if all(schema == schemas[0] for schema in schemas)
    }
    settable[r"^sites\.[^.]+\.region$"] = {"enum": list(regions())}
    settable[r"^products\.[^.]+\.kind$"] = {"enum": list(PRODUCT_KINDS)}
    settable[r"^feeds\.[^.]+\.temperature$"] = _quantity("K")["anyOf"][0]
    base["properties"]["set"] = {"type": "object", "patternProperties": settable}
    base["properties"]["remove"] = {"type": "array", "items": {"type": "string"}}
    base["properties"]["disconnect"] = {"type": "array", "items": stream}
    amount = f"{NUMBER}\\s*(?:{unit_pattern('kg')}|{unit_pattern('kg/s')})"
    hours = f"{NUMBER}\\s*{unit_pattern('h/yr')}"
    base["properties"]["basis"] = {
        "type": "string",
        "pattern": rf"^\s*{amount}(?:\s+at\s+{hours})?\s*$",
        "description": "A mass, or a mass rate with its operating hours a year: '1 kg', '10 kt/yr at 8000 h/yr'.",
    }
    required = base.pop("required", [])
    strict_sources = {"not": {"anyOf": [{"required": ["extends"]}, _has_unit_of(ports["free_source"])]}}
    strict_targets = {"not": {"anyOf": [{"required": ["extends"]}, _has_unit_of(ports["free_target"])]}}
    base["allOf"] = [
        {"if": {"not": {"required": ["extends"]}}, "then": {"required": required}},
        {"if": strict_sources, "then": {"properties": {"streams": {"items": {"pattern": ports["source"]}}}}},
        {"if": strict_targets, "then": {"properties": {"streams": {"items": {"pattern": ports["target"]}}}}},
    ]
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "cathode-flowsheet route file",
        **base,
        "$defs": definitions,
    }
    return json.dumps(schema, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def _data_tables(definitions: dict[str, Any]) -> None:
    """Tie the route's own entries to the data tables: regions, product kinds, feed quantities."""
    definitions["Site"]["properties"]["region"] = {"enum": list(regions()), "default": "world"}
    definitions["ProductSpec"]["properties"]["kind"] = {"enum": list(PRODUCT_KINDS), "default": "product"}
    feed = definitions["FeedSpec"]
    feed["properties"]["temperature"] = {**_quantity("K")["anyOf"][0], "default": "25 degC"}
    rate = {"type": "string", "pattern": quantity_pattern("mol/s", "kg/s")}
    amount = {"type": "string", "pattern": quantity_pattern("mol/s", "kg/s", "mol", "kg")}
    feed["properties"]["flows"] = {"type": "object", "additionalProperties": amount}
    feed["if"] = {"not": {"required": ["dosed"], "properties": {"dosed": {"const": True}}}}
    feed["then"] = {"properties": {"flows": {"additionalProperties": rate}}}
    for key in ("t_min", "t_max"):
        definitions["SpeciesSpec"]["properties"][key] = {
            **definitions["SpeciesSpec"]["properties"][key],
            **_quantity("K")["anyOf"][0],
        }


def route_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for route files, editors' completion and validation.

    A route that ``extends`` another needs none of the sections and may ``set``, ``remove`` and
    ``disconnect``; each unit is checked against its type's parameters, each quantity against
    its dimensionality, each name against its data table, each stream's ports against the ports
    unit types declare.
    """
    return copy.deepcopy(json.loads(_route_schema()))


def schema_text() -> str:
    """``docs/route.schema.json`` as written."""
    return _route_schema()
