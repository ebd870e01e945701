"""Route files: YAML text to a checked Flowsheet, with file and line in every error.

A route file is a YAML mapping (loaded with a safe composer: no tags run code, and
aliases are refused, so an alias bomb cannot expand)::

    name: nmc811-sulfate
    description: NMC811 by sulfate co-precipitation
    product: LiNi0.8Mn0.1Co0.1O2      # the basis species
    basis: 1 kg
    sources: [{key: dai2019, cite: "Dai et al. 2019 ..."}]
    assumptions: ["..."]
    sites: {refinery: {region: ID}}
    feeds: {metals: {flows: {Ni: 0.8 mol/s}}, acid: {flows: {H2SO4(aq): 1 mol}, dosed: true}}
    products: {cam: {kind: product}}
    units: {dissolve: {type: dissolver, site: refinery, utility: steam_gas_boiler, molality: 1.7 mol/kg, ...}}
    streams: ["metals -> dissolve.feed", ...]

Every dimensional value carries its unit; a bare number there is an error. A file
may ``extends: other.yaml`` and then change it: top-level keys replace the parent's,
entries of ``sites``/``feeds``/``products``/``units`` replace the parent's entry of
the same name, ``streams`` are added, ``set`` overrides values by dotted path
(``units.calcine.temperature: 850 degC``; a key with dots goes in brackets,
``feeds.lithium.flows[LiOH·H2O]``), ``remove`` deletes entries by dotted path and
``disconnect`` deletes streams.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

import flowsheet.operations as operations
from flowsheet.errors import FlowsheetCheckError, FlowsheetError, MissingDataError, RouteFileError, UnitError
from flowsheet.factors import lane, regions
from flowsheet.graph import Flowsheet
from flowsheet.operations import Feed, Operation, Product, TransportLeg
from flowsheet.operations.base import SI
from flowsheet.uncertainty import Distribution, is_uncertain, read_distribution

MAX_BYTES = 1_000_000
"""Largest route file read, [bytes]."""

EDIT_KEYS = ("extends", "set", "remove", "disconnect")

Origins = dict[tuple, tuple[str, int]]


# --- the schema ------------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(_Strict):
    """A citation the route's numbers rest on."""

    key: str
    cite: str
    url: str = ""
    note: str = ""


class Site(_Strict):
    """A plant location; its region selects the grid emission factor."""

    region: str = "world"
    description: str = ""


class FeedSpec(_Strict):
    """A feed: fixed rates, or a dosed reagent's composition."""

    flows: dict[str, str | float]
    dosed: bool = False
    recycled: bool = False
    temperature: str | float = "25 degC"
    site: str = ""
    note: str = ""


class ProductSpec(_Strict):
    """A product stream and what it counts as."""

    kind: Literal["product", "waste", "wastewater", "emission", "byproduct"] = "product"
    site: str = ""
    note: str = ""


class RouteSpec(_Strict):
    """A whole route file, after ``extends`` has been resolved."""

    name: str
    description: str = ""
    product: str
    basis: str = "1 kg"
    sources: list[Source] = []
    assumptions: list[str] = []
    sites: dict[str, Site] = {}
    feeds: dict[str, FeedSpec]
    products: dict[str, ProductSpec]
    units: dict[str, dict[str, Any]]
    streams: list[str]


def unit_types() -> dict[str, type[Operation]]:
    """Unit operation classes by their route-file ``type``: ``CoPrecipitator`` is ``co_precipitator``."""
    found = {}
    for name in operations.__all__:
        cls = getattr(operations, name)
        if isinstance(cls, type) and issubclass(cls, Operation) and cls not in (Operation, Feed, Product):
            found[re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()] = cls
    return found


def _parameter_model(cls: type[Operation]) -> type[BaseModel]:
    fields: dict[str, Any] = {"type": (str, ...), "note": (str, "")}
    for item in dataclasses.fields(cls):
        if item.name != "name":
            fields[item.name] = (Any, None)
    return create_model(f"{cls.__name__}Parameters", __config__=ConfigDict(extra="forbid"), **fields)


# --- reading YAML with lines ------------------------------------------------------------------
class _SafeComposer(yaml.SafeLoader):
    """A safe loader that refuses aliases, so no document can expand beyond its text."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.get_event()
            raise yaml.MarkedYAMLError(
                problem="YAML aliases (*name) are not allowed in route files; use 'extends' to reuse a route",
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)


def read_yaml(path: Path) -> tuple[Any, Origins]:
    """Read one YAML file into plain data and the (file, line) of every key and item."""
    shown = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RouteFileError.one(shown, 0, "", "no such file") from None
    except OSError as err:
        raise RouteFileError.one(shown, 0, "", f"cannot be read: {err.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise RouteFileError.one(shown, 1, "", f"is {len(raw)} bytes; route files are limited to {MAX_BYTES}")
    if b"\x00" in raw:
        raise RouteFileError.one(shown, 1, "", "is binary, not a YAML text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise RouteFileError.one(shown, line, "", "is not UTF-8 text") from None
    if not text.strip():
        raise RouteFileError.one(shown, 1, "", "is empty", "start from a shipped route in routes/")
    try:
        node = yaml.compose(text, Loader=_SafeComposer)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise RouteFileError.one(shown, line, "", f"is not valid YAML: {err.problem}") from None
    except yaml.YAMLError as err:
        raise RouteFileError.one(shown, 1, "", f"is not valid YAML: {err}") from None
    if not isinstance(node, yaml.MappingNode):
        line = node.start_mark.line + 1 if node is not None else 1
        raise RouteFileError.one(shown, line, "", "must be a mapping of keys (name:, units:, ...)")
    origins: Origins = {}
    return _construct(node, (), origins, shown), origins


def _construct(node: yaml.Node, path: tuple, origins: Origins, shown: str) -> Any:
    origins.setdefault(path, (shown, node.start_mark.line + 1))
    if isinstance(node, yaml.MappingNode):
        found: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _construct(key_node, (*path, "<key>"), {}, shown)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str | int | float) or isinstance(key, bool):
                raise RouteFileError.one(shown, line, _dotted(path), "keys must be text")
            key = str(key)
            if key in found:
                raise RouteFileError.one(shown, line, _dotted((*path, key)), "appears twice in the same mapping")
            origins[(*path, key)] = (shown, line)
            found[key] = _construct(value_node, (*path, key), origins, shown)
        return found
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, i), origins, shown) for i, item in enumerate(node.value)]
    return yaml.SafeLoader(" ").construct_object(node)


def _dotted(path: tuple) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif "." in str(part):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


# --- extends -----------------------------------------------------------------------------------
def load_document(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict, Origins]:
    """Read a route file and resolve its ``extends`` chain into one mapping with origins."""
    data, origins = read_yaml(path)
    shown = str(path)
    if "extends" not in data:
        for key in EDIT_KEYS[1:]:
            if key in data:
                raise RouteFileError.one(
                    shown, origins[(key,)][1], key, "only a route that 'extends' another may edit it"
                )
        return data, origins
    line = origins[("extends",)][1]
    if not isinstance(data["extends"], str):
        raise RouteFileError.one(shown, line, "extends", "must be the path of another route file")
    parent_path = path.parent / data["extends"]
    seen = [p.resolve() for p in (*chain, path)]
    if parent_path.resolve() in seen:
        cycle = " -> ".join(p.name for p in (*chain, path, parent_path))
        raise RouteFileError.one(shown, line, "extends", f"extends cycle: {cycle}")
    if not parent_path.exists():
        raise RouteFileError.one(shown, line, "extends", f"no route file {data['extends']!r} beside this one")
    try:
        merged, merged_origins = load_document(parent_path, (*chain, path))
    except RouteFileError as err:
        issues = [
            (line, "extends", f"{err.path}:{parent_line}: {field + ': ' if field else ''}{problem}", hint)
            for parent_line, field, problem, hint in err.issues
        ]
        raise RouteFileError(shown, issues) from err
    merged, merged_origins = copy.deepcopy(merged), dict(merged_origins)
    for key, value in data.items():
        if key in EDIT_KEYS:
            continue
        if key in ("sites", "feeds", "products", "units") and isinstance(value, dict):
            target = merged.setdefault(key, {})
            for name, entry in value.items():
                target[name] = entry
                _replace_origins(merged_origins, origins, (key, name))
        elif key == "streams" and isinstance(value, list):
            base = len(merged.get("streams", []))
            merged.setdefault("streams", []).extend(value)
            for i in range(len(value)):
                merged_origins[("streams", base + i)] = origins[("streams", i)]
        else:
            merged[key] = value
            _replace_origins(merged_origins, origins, (key,))
    _apply_edits(data, origins, merged, merged_origins, shown)
    return merged, merged_origins


def _replace_origins(into: Origins, source: Origins, prefix: tuple) -> None:
    for key in [k for k in into if k[: len(prefix)] == prefix]:
        del into[key]
    into.update({k: v for k, v in source.items() if k[: len(prefix)] == prefix})


_SEGMENT = re.compile(r"\[([^\]]+)\]|([^.\[\]]+)")


def _path(text: str) -> tuple[str, ...]:
    return tuple(bracket or plain for bracket, plain in _SEGMENT.findall(text))


def _apply_edits(data: dict, origins: Origins, merged: dict, merged_origins: Origins, shown: str) -> None:
    for entry_path, value in (data.get("set") or {}).items():
        line = origins[("set", entry_path)][1]
        keys = _path(entry_path)
        parent = _walk(merged, keys[:-1], shown, line, f"set.{entry_path}")
        parent[keys[-1]] = value
        prefix = tuple(keys)
        for key in [k for k in merged_origins if k[: len(prefix)] == prefix]:
            del merged_origins[key]
        for key, (file, item_line) in origins.items():
            if key[:2] == ("set", entry_path):
                merged_origins[prefix + key[2:]] = (file, item_line)
    for i, entry_path in enumerate(data.get("remove") or []):
        line = origins[("remove", i)][1]
        keys = _path(str(entry_path))
        parent = _walk(merged, keys[:-1], shown, line, "remove")
        if keys[-1] not in parent:
            raise RouteFileError.one(shown, line, "remove", f"{entry_path!r} is not in the route")
        del parent[keys[-1]]
    for i, stream in enumerate(data.get("disconnect") or []):
        line = origins[("disconnect", i)][1]
        streams = merged.get("streams", [])
        normal = [_normal(s) for s in streams]
        if _normal(str(stream)) not in normal:
            raise RouteFileError.one(shown, line, "disconnect", f"no stream {stream!r} in the route it extends")
        index = normal.index(_normal(str(stream)))
        del streams[index]
        shifted = {}
        for key, value in merged_origins.items():
            if key[:1] == ("streams",) and len(key) > 1 and isinstance(key[1], int) and key[1] > index:
                shifted[("streams", key[1] - 1, *key[2:])] = value
            elif not (key[:2] == ("streams", index)):
                shifted[key] = value
        merged_origins.clear()
        merged_origins.update(shifted)


def _walk(data: dict, keys: tuple[str, ...], shown: str, line: int, field: str) -> dict:
    node: Any = data
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            raise RouteFileError.one(shown, line, field, f"{'.'.join(keys)!r} is not in the route")
        node = node[key]
    if not isinstance(node, dict):
        raise RouteFileError.one(shown, line, field, f"{'.'.join(keys)!r} is not a mapping")
    return node


def _normal(stream: str) -> str:
    return re.sub(r"\s+", "", stream)


# --- building ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    """A loaded route: its spec and the flowsheet it describes.

    Attributes
    ----------
    path : str
        The route file.
    spec : RouteSpec
        The validated content, ``extends`` resolved.
    flowsheet : Flowsheet
        Built and checked.
    """

    path: str
    spec: RouteSpec
    flowsheet: Flowsheet
    origins: Origins = dataclasses.field(repr=False, compare=False)
    uncertain: dict[str, Distribution] = dataclasses.field(default_factory=dict, compare=False)
    """Distributions of the uncertain parameters, by dotted path (``units.filter.wash_ratio``)."""

    @property
    def name(self) -> str:
        """The route's name."""
        return self.spec.name

    def locate(self, *path: Any) -> tuple[str, int]:
        """(file, line) of the longest known prefix of a dotted path in the route."""
        return _locate(self.origins, path, self.path)


def _locate(origins: Origins, path: tuple, fallback: str) -> tuple[str, int]:
    for cut in range(len(path), -1, -1):
        if path[:cut] in origins:
            return origins[path[:cut]]
    return fallback, 0


def load_route(path: str | Path, overrides: dict[str, Any] | None = None, check: bool = True) -> Route:
    """Load a route file into a checked :class:`Route`.

    Parameters
    ----------
    path : str or Path
        The route file.
    overrides : dict, optional
        Values to set by dotted path, as a file's ``set:`` would, e.g.
        ``{"units.filter.wash_ratio": "10 L/kg"}``.
    check : bool
        Check the flowsheet (ports, doses, species) as well as the file.

    Raises
    ------
    RouteFileError
        With every problem found, each at its file and line (an override at line 0).
    """
    shown = str(path)
    data, origins = load_document(Path(path))
    if overrides:
        edits = {"set": dict(overrides)}
        edit_origins: Origins = {("set", key): ("overrides", 0) for key in overrides}
        _apply_edits(edits, edit_origins, data, origins, f"{shown} (overrides)")
    issues: list[tuple[str, int, str, str, str]] = []

    def report(where: tuple, problem: str, hint: str = "") -> None:
        file, line = _locate(origins, where, shown)
        issues.append((file, line, _dotted(where), problem, hint))

    spec = _validate(data, report)
    if spec is None:
        raise _error(shown, issues)
    uncertain: dict[str, Distribution] = {}
    sheet = _build(spec, report, uncertain)
    if not issues and check:
        for problem in sheet.problems():
            report(_problem_path(spec, problem), problem)
    if issues:
        raise _error(shown, issues)
    return Route(shown, spec, sheet, origins, uncertain)


def _error(shown: str, issues: list[tuple[str, int, str, str, str]]) -> RouteFileError:
    """One error for the file asked for; issues found in a file it extends say which file."""
    listed = []
    for file, line, field, problem, hint in issues:
        if file != shown and Path(file).resolve() != Path(shown).resolve():
            problem = f"{problem} (in {file}:{line})"
            line = 0
        listed.append((line, field, problem, hint))
    return RouteFileError(shown, listed)


_PYDANTIC = {
    "extra_forbidden": "unknown key",
    "missing": "required key missing",
}


def _validate(data: dict, report: Any) -> RouteSpec | None:
    try:
        spec = RouteSpec.model_validate(data)
    except ValidationError as err:
        for item in err.errors():
            where = tuple(item["loc"])
            problem = _PYDANTIC.get(item["type"], item["msg"])
            hint = ""
            if item["type"] == "extra_forbidden":
                model = _model_at(where[:-1])
                hint = f"allowed keys: {', '.join(model.model_fields)}" if model else ""
            report(where, problem, hint)
        return None
    types = unit_types()
    ok = True
    for name, parameters in spec.units.items():
        kind = parameters.get("type")
        if kind not in types:
            report(("units", name, "type"), f"unknown unit type {kind!r}", f"one of: {', '.join(types)}")
            ok = False
            continue
        model = _parameter_model(types[kind])
        try:
            model.model_validate(parameters)
        except ValidationError as err:
            ok = False
            allowed = ", ".join(f for f in model.model_fields if f != "type")
            for item in err.errors():
                problem = _PYDANTIC.get(item["type"], item["msg"])
                report(("units", name, *item["loc"]), f"{problem} for a {kind}", f"allowed keys: {allowed}")
    known = regions()
    for name, site in spec.sites.items():
        if site.region not in known:
            report(("sites", name, "region"), f"unknown region {site.region!r}", f"known regions: {', '.join(known)}")
            ok = False
    for section in ("feeds", "products", "units"):
        for name, entry in getattr(spec, section).items():
            site = entry.site if not isinstance(entry, dict) else entry.get("site", "")
            if site and spec.sites and site not in spec.sites:
                report((section, name, "site"), f"unknown site {site!r}", f"sites: {', '.join(spec.sites)}")
                ok = False
    return spec if ok else None


def _model_at(path: tuple) -> type[BaseModel] | None:
    models: dict[tuple, type[BaseModel]] = {
        (): RouteSpec,
        ("feeds",): FeedSpec,
        ("products",): ProductSpec,
        ("sites",): Site,
        ("sources",): Source,
    }
    if len(path) >= 2:
        return models.get(path[:1])
    return models.get(path)


def _build(spec: RouteSpec, report: Any, uncertain: dict[str, Distribution] | None = None) -> Flowsheet:
    regions = {name: site.region for name, site in spec.sites.items()}
    sheet = Flowsheet(spec.name, regions=regions)
    types = unit_types()
    built: list[Operation] = []
    for name, feed in spec.feeds.items():
        parameters = {
            "flows": feed.flows,
            "dosed": feed.dosed,
            "recycled": feed.recycled,
            "temperature": feed.temperature,
            "site": feed.site,
        }
        built += _make(Feed, name, parameters, ("feeds", name), report)
    for name, product in spec.products.items():
        built += _make(Product, name, {"kind": product.kind, "site": product.site}, ("products", name), report)
    for name, parameters in spec.units.items():
        cls = types[str(parameters["type"])]
        values = {k: _plain(v) for k, v in parameters.items() if k not in ("type", "note")}
        values = _nominal(cls, name, values, report, {} if uncertain is None else uncertain)
        if cls is TransportLeg:
            values = _with_lane(name, values, spec, report)
        built += _make(cls, name, values, ("units", name), report)
    failed = set(spec.feeds) | set(spec.products) | set(spec.units)
    failed -= {operation.name for operation in built}
    names: set[str] = set()
    for operation in built:
        if operation.name in names:
            report(("units", operation.name), "the name is used by more than one feed, product or unit")
            continue
        names.add(operation.name)
        sheet.add(operation)
    for i, stream in enumerate(spec.streams):
        source, arrow, target = stream.partition("->")
        if not arrow or not source.strip() or not target.strip():
            report(("streams", i), f"{stream!r} is not 'unit.port -> unit.port'", "e.g. 'dissolve.solution -> cryst'")
            continue
        ends = {end.strip().partition(".")[0] for end in (source, target)}
        if ends & failed:
            continue  # the unit's own error is reported; its streams would only repeat it
        try:
            sheet.connect(source.strip(), target.strip())
        except FlowsheetCheckError as err:
            report(("streams", i), "; ".join(err.problems))
    return sheet


def _nominal(cls: type[Operation], name: str, values: dict, report: Any, uncertain: dict[str, Distribution]) -> dict:
    """Replace uncertain values by their nominal value, recording their distribution by dotted path."""
    units = {f.name: f.metadata.get("unit") for f in dataclasses.fields(cls)}
    found = {}
    for key, value in values.items():
        entries = value.items() if isinstance(value, dict) and not is_uncertain(value) else [(None, value)]
        nominal = {}
        for entry, item in entries:
            path = ("units", name, key) if entry is None else ("units", name, key, entry)
            if not is_uncertain(item):
                nominal[entry] = item
                continue
            unit = units.get(key) if entry is None else ""
            try:
                distribution = read_distribution(item, unit if unit is not None else "", ".".join(map(str, path)))
            except UnitError as err:
                report(path, f"expects {err.expected}, got {err.got!r}: {err.problem}", err.hint)
                nominal[entry] = item.get("value")
                continue
            uncertain[".".join(map(str, path))] = distribution
            nominal[entry] = SI(distribution.nominal) if entry is None and units.get(key) else distribution.nominal
        found[key] = nominal[None] if None in nominal else nominal
    return found


def _with_lane(name: str, values: dict, spec: RouteSpec, report: Any) -> dict:
    """A leg that names its origin and destination sites travels the lane between their regions."""
    ends = {key: values.get(key) for key in ("origin", "destination")}
    if not any(ends.values()):
        return values
    where = ("units", name)
    for key, site in ends.items():
        if not site:
            report((*where, key), "a lane needs both an origin and a destination site")
            return values
        if site not in spec.sites:
            report((*where, key), f"unknown site {site!r}", f"sites: {', '.join(spec.sites) or 'none defined'}")
            return values
    if any(values.get(key) not in (None, ()) for key in ("mode", "distance", "mix")):
        report(where, "give origin and destination (their lane) or mode and distance (or a mix), not both")
        return values
    try:
        found = lane(spec.sites[str(ends["origin"])].region, spec.sites[str(ends["destination"])].region)
    except MissingDataError as err:
        report((*where, "origin"), err.problem, "add the lane to data/transport/lanes.csv, or give mode and distance")
        return values
    mix = tuple((mode, share, f"{length} m") for mode, share, length in found.parts) if len(found.parts) > 1 else ()
    return {**values, "mode": found.mode, "distance": f"{found.distance} m", "mix": mix}


def _plain(value: Any) -> Any:
    """Lists become tuples, as the unit dataclasses store them."""
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    return value


def _make(cls: type[Operation], name: str, parameters: dict, where: tuple, report: Any) -> Iterator[Operation]:
    try:
        yield cls(name, **parameters)
    except UnitError as err:
        _, _, field = err.field.partition(".")
        path = (*where, *_field_path(field)) if field else where
        report(path, f"expects {err.expected}, got {err.got!r}: {err.problem}", err.hint)
    except FlowsheetError as err:
        report(where, str(err).splitlines()[0] if str(err) else type(err).__name__)
    except (TypeError, ValueError) as err:
        report(where, f"cannot build a {cls.__name__}: {err}")


def _field_path(field: str) -> tuple[str, ...]:
    """``flows['Ni']`` -> ``('flows', 'Ni')``."""
    match = re.fullmatch(r"(\w+)\[['\"](.+)['\"]\]", field)
    return (match.group(1), match.group(2)) if match else (field,)


def _problem_path(spec: RouteSpec, problem: str) -> tuple:
    """Locate a flowsheet problem ('unit.port: ...' or 'unit: ...') at its unit, feed or product."""
    head = problem.split(":", 1)[0]
    name = head.split(".", 1)[0]
    for section in ("units", "feeds", "products"):
        if name in getattr(spec, section):
            return (section, name)
    return ()
