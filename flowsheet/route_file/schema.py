"""What a route file may hold: the pydantic models, unit types, and validation with located problems."""

from __future__ import annotations

import dataclasses
import difflib
import re
import typing
from typing import Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    PrivateAttr,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    create_model,
)

import flowsheet.operations as operations
from flowsheet.factors import regions
from flowsheet.operations import Feed, Operation, Product


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
    certified: bool = False
    temperature: str | float = "25 degC"
    site: str = ""
    note: str = ""


class ProductSpec(_Strict):
    """A product stream and what it counts as."""

    kind: Literal["product", "waste", "wastewater", "emission", "byproduct"] = "product"
    site: str = ""
    note: str = ""


class SpeciesSpec(_Strict):
    """A species the route brings itself: formula, phase, formation enthalpy and heat capacity, with a source."""

    formula: StrictStr
    phase: Literal["s", "l", "g", "aq"]
    name: StrictStr = ""
    formation_enthalpy: StrictStr
    heat_capacity: StrictStr
    t_min: StrictStr = "273.15 K"
    t_max: StrictStr
    source: StrictStr
    estimate: StrictBool = False


class RouteSpec(_Strict):
    """A whole route file, after ``extends`` has been resolved."""

    name: str
    description: str = ""
    product: str
    basis: str = "1 kg"
    sources: list[Source] = []
    assumptions: list[str] = []
    sites: dict[str, Site] = {}
    species: list[SpeciesSpec] = []
    feeds: dict[str, FeedSpec]
    products: dict[str, ProductSpec]
    units: dict[str, dict[str, Any]]
    streams: list[str]
    _refused: set[str] = PrivateAttr(default_factory=set)
    """Units whose parameters were refused (and reported): the route is built and checked without them."""

    @property
    def refused(self) -> set[str]:
        """Units whose parameters were refused (and reported)."""
        return self._refused


def unit_types() -> dict[str, type[Operation]]:
    """Unit operation classes by their route-file ``type``: ``CoPrecipitator`` is ``co_precipitator``."""
    found = {}
    for name in operations.__all__:
        cls = getattr(operations, name)
        if isinstance(cls, type) and issubclass(cls, Operation) and cls not in (Operation, Feed, Product):
            found[re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()] = cls
    return found


Number = Union[StrictInt, StrictFloat, dict[StrictStr, Any]]  # noqa: UP007 - pydantic reads the union
"""A plain number, or ``{value: ..., range: [...]}`` (checked by :mod:`flowsheet.uncertainty`)."""

Measured = Union[StrictStr, StrictInt, StrictFloat, dict[StrictStr, Any]]  # noqa: UP007
"""A number with its unit (``"5 L/kg"``), a plain number where dimensionless, or an uncertain value."""

_ROUTE_TYPES: dict[Any, Any] = {
    str: StrictStr,
    bool: StrictBool,
    float: Number,
    dict[str, float]: dict[StrictStr, Number],
    tuple[str, ...]: list[StrictStr],
    tuple: list[Union[StrictStr, list[Union[StrictStr, StrictInt, StrictFloat]]]],  # noqa: UP007 - reactions
    tuple[tuple[str, float, float], ...]: list[list[Union[StrictStr, StrictInt, StrictFloat]]],  # noqa: UP007
}
"""The route-file type of each parameter type a unit declares (YAML lists for tuples)."""

TYPE_HINTS = {
    StrictStr: "a text",
    StrictBool: "true or false",
    Number: "a number (or {value: ..., range: [...]})",
    Measured: "a number with its unit, e.g. '5 L/kg' (or {value: ..., range: [...]})",
    _ROUTE_TYPES[dict[str, float]]: "a mapping of names to plain numbers, e.g. {recycle: 0.95, bleed: 0.05}",
    _ROUTE_TYPES[tuple[str, ...]]: "a list of texts",
    _ROUTE_TYPES[tuple]: "a list of reactions, each a text or [reaction, limiting species, conversion]",
    _ROUTE_TYPES[tuple[tuple[str, float, float], ...]]: "a list of [mode, share, distance] lists",
}


def _route_type(cls: type[Operation], item: dataclasses.Field) -> Any:
    """What a route file may write for one parameter of a unit."""
    if item.metadata.get("unit") is not None:
        return Measured
    hint = typing.get_type_hints(cls).get(item.name)
    return _ROUTE_TYPES.get(hint, Any)


_MODELS: dict[str, type[BaseModel]] = {}
"""The parameter model of each unit class, by module and class name: made once (pydantic models are slow to make)."""


def _parameter_model(cls: type[Operation]) -> type[BaseModel]:
    key = f"{cls.__module__}.{cls.__qualname__}"
    if key not in _MODELS:
        fields: dict[str, Any] = {"type": (StrictStr, ...), "note": (StrictStr, "")}
        for item in dataclasses.fields(cls):
            if item.name != "name":  # may be left out; null only where the unit's own default is None
                kind = _route_type(cls, item)
                fields[item.name] = (kind | None if item.default is None else kind, None)
        _MODELS[key] = create_model(f"{cls.__name__}Parameters", __config__=ConfigDict(extra="forbid"), **fields)
    return _MODELS[key]


def _wanted(cls: type[Operation], key: str) -> str:
    """What a parameter expects, in words, for a hint."""
    for item in dataclasses.fields(cls):
        if item.name == key:
            kind = _route_type(cls, item)
            words = TYPE_HINTS.get(kind, "a value of another type")
            doc = item.metadata.get("doc")
            return f"{key} is {words}" + (f": {doc}" if doc else "")
    return ""


_PYDANTIC = {
    "extra_forbidden": "unknown key",
    "missing": "required key missing",
}


def validate(data: dict, report: Any) -> RouteSpec | None:
    """The validated spec, or None, with every problem sent to ``report(path, problem, hint)``.

    A unit whose parameters are wrong has its problems reported and is named in
    :attr:`RouteSpec.refused`; the rest of the route is still built and checked, so that all its
    problems are reported at once.
    """
    try:
        spec = RouteSpec.model_validate(data)
    except ValidationError as err:
        for item in err.errors():
            where = tuple(item["loc"])
            problem = _PYDANTIC.get(item["type"], item["msg"])
            hint = _hint_for(item)
            if item["type"] == "extra_forbidden":
                model = _model_at(where[:-1])
                hint = _near_key(str(where[-1]), list(model.model_fields)) if model else ""
            report(where, problem, hint)
        return None
    types = unit_types()
    ok = True
    refused: set[str] = set()
    for name, parameters in spec.units.items():
        kind = parameters.get("type")
        if not isinstance(kind, str) or kind not in types:
            report(("units", name, "type"), f"unknown unit type {kind!r}", _near_key(str(kind), list(types), "one of"))
            refused.add(name)
            continue
        model = _parameter_model(types[kind])
        try:
            model.model_validate(parameters)
        except ValidationError as err:
            refused.add(name)
            allowed = [f for f in model.model_fields if f != "type"]
            reported = set()
            for item in err.errors():
                key = str(item["loc"][0])
                if key in reported:  # one problem per parameter: a union reports each alternative
                    continue
                reported.add(key)
                if item["type"] == "extra_forbidden":
                    report(("units", name, key), f"unknown key for a {kind}", _near_key(key, allowed))
                    continue
                value = parameters[key]
                entry = item["loc"][1] if len(item["loc"]) > 1 else None
                inside = (isinstance(value, dict) and entry in value) or (
                    isinstance(value, list) and isinstance(entry, int) and 0 <= entry < len(value)
                )
                location = ("units", name, key, entry) if inside else ("units", name, key)
                found = type(value[entry] if inside else value).__name__
                report(location, f"has the wrong type ({found})", _wanted(types[kind], key))
    known = regions()
    for name, site in spec.sites.items():
        if site.region not in known:
            report(
                ("sites", name, "region"),
                f"unknown region {site.region!r}",
                _near_key(site.region, list(known), "known regions"),
            )
            ok = False
    for section in ("feeds", "products", "units"):
        for name, entry in getattr(spec, section).items():
            site = entry.site if not isinstance(entry, dict) else entry.get("site", "")
            if site and isinstance(site, str) and site not in spec.sites:
                report(
                    (section, name, "site"),
                    f"unknown site {site!r}",
                    f"sites: {', '.join(spec.sites) or 'none; add a sites: section'}",
                )
                ok = False
    spec._refused = refused
    return spec if ok else None


def _near_key(name: str, known: list[str], listing: str = "allowed keys") -> str:
    """``did you mean 'x'?`` for a misspelt name, then the names allowed."""
    close = difflib.get_close_matches(name, known, n=2, cutoff=0.6)
    near = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    return f"{near}{listing}: {', '.join(known)}"


def _hint_for(item: Any) -> str:
    """How to mend a pydantic problem of the route's own keys."""
    if item["type"] == "missing":
        return f"add '{item['loc'][-1]}:' to the route file"
    if item["type"] == "literal_error":
        return f"one of {item['ctx']['expected']}"
    words = {"string_type": "a text", "bool_type": "true or false", "list_type": "a list", "dict_type": "a mapping"}
    return f"{item['loc'][-1]} is {words[item['type']]}" if item["type"] in words else "see the route files in routes/"


def _model_at(path: tuple) -> type[BaseModel] | None:
    models: dict[tuple, type[BaseModel]] = {
        (): RouteSpec,
        ("feeds",): FeedSpec,
        ("products",): ProductSpec,
        ("sites",): Site,
        ("sources",): Source,
        ("species",): SpeciesSpec,
    }
    if len(path) >= 2:
        return models.get(path[:1])
    return models.get(path)
