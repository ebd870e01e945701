"""What a route file may hold: the pydantic models, unit types, and validation with located problems."""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import typing
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    create_model,
)

import flowsheet.operations as operations
from flowsheet.errors import UnitError
from flowsheet.factors import regions
from flowsheet.files import shown
from flowsheet.geography import ports
from flowsheet.operations import Feed, Operation, Product
from flowsheet.route_file.text import described
from flowsheet.units import magnitude


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
    """A plant location: its region selects the grid and prices, its port and inland leg the freight.

    A site that names no port ships through its region's default port
    (``data/transport/ports.csv``) over the region's usual inland leg.
    """

    region: str = "world"
    description: str = ""
    port: str = Field("", description="UN/LOCODE of the port the site ships through, e.g. NOMQN")
    inland: StrictStr | StrictInt | StrictFloat = Field(
        "", description="distance to that port, e.g. '35 km'; default: the region's usual one, or 0 for a named port"
    )
    inland_mode: Literal["", "road", "rail", "barge"] = ""


class FeedSpec(_Strict):
    """A feed: fixed rates, or a dosed reagent's composition."""

    flows: dict[StrictStr, StrictStr | StrictInt | StrictFloat]
    dosed: StrictBool = False
    recycled: StrictBool = False
    certified: StrictBool = False
    temperature: StrictStr | StrictInt | StrictFloat = "25 degC"
    site: str = ""
    origin: str = ""
    """The region where it was made, for its cradle-to-gate factor; default: its site's region."""
    note: str = ""


class ProductSpec(_Strict):
    """A product stream and what it counts as."""

    kind: Literal["product", "waste", "wastewater", "emission", "byproduct"] = "product"
    site: str = ""
    note: str = ""


class SpeciesSpec(_Strict):
    """A species the route brings itself: formula, phase, formation enthalpy and heat capacity, with a source.

    Its values are checked for physical sense (finite, 0 < t_min < t_max, heat capacity and formation
    enthalpy within bands per mole of atoms); override: true accepts a value outside its band, and
    every report of a run then lists it.
    """

    formula: StrictStr
    phase: Literal["s", "l", "g", "aq"]
    name: StrictStr = ""
    formation_enthalpy: StrictStr
    heat_capacity: StrictStr
    t_min: StrictStr = "273.15 K"
    t_max: StrictStr
    source: StrictStr
    estimate: StrictBool = False
    override: StrictBool = False


class PriceSpec(_Strict):
    """A route's own price, in US dollars of 2023, for every region of the route; it needs a source of the route.

    Its key (the entry's name) is a material's formula (``Ni``, ``LiOH·H2O``), an energy carrier
    (``electricity``), ``freight_<mode>``, ``disposal_<kind>``, ``credit_<formula>``, or a feed's name
    (the whole feed priced per kg, with its `category`).
    """

    price: StrictStr | StrictInt | StrictFloat | dict[str, Any]
    category: Literal["", "metals", "lithium", "reagents"] = ""
    source: StrictStr
    estimate: StrictBool = False
    note: str = ""


class UpstreamSpec(_Strict):
    """A route's own cradle-to-gate factor of a material it buys, for every region; it needs a source of the route.

    Its key (the entry's name) is the material's formula (``Ni``, ``LiOH·H2O``); ``co2e`` is in kg
    CO2e per kg of it (``'8.5 kg CO2e/kg'``, or a distribution of such values).
    """

    co2e: StrictStr | StrictInt | StrictFloat | dict[str, Any]
    source: StrictStr
    boundary: str = "cradle-to-gate"
    estimate: StrictBool = False
    note: str = ""


class CapacitySpec(_Strict):
    """What the product stores: its specific capacity and average voltage, for figures per kWh; with a source."""

    specific_capacity: StrictStr | StrictInt | StrictFloat
    voltage: StrictStr | StrictInt | StrictFloat
    source: StrictStr
    note: str = ""


class LimitSpec(_Strict):
    """An upper limit on a purity KPI of the route (``impurity_S_precursor: {max: 1200 ppm, ...}``), with a source."""

    max: StrictStr | StrictInt | StrictFloat
    source: StrictStr
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
    species: list[SpeciesSpec] = []
    prices: dict[str, PriceSpec] = {}
    upstream: dict[str, UpstreamSpec] = {}
    capacity: CapacitySpec | None = None
    specifications: dict[str, LimitSpec] = {}
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


def _finite(value: float) -> float:
    """`value` if a float can hold it: no infinity, no NaN, no integer of 400 digits."""
    try:
        finite = math.isfinite(float(value))
    except OverflowError:
        finite = False
    if not finite:
        raise ValueError("is not a finite number")
    return value


Plain = Annotated[Union[StrictInt, StrictFloat], AfterValidator(_finite)]  # noqa: UP007
"""A plain, finite number, where no text (``"0.9 mi"``), no true/false and no infinity may stand."""

Number = Union[Plain, dict[StrictStr, Any]]  # noqa: UP007 - pydantic reads the union
"""A plain number, or ``{value: ..., range: [...]}`` (checked by :mod:`flowsheet.uncertainty`)."""

Measured = Union[StrictStr, StrictInt, StrictFloat, dict[StrictStr, Any]]  # noqa: UP007
"""A number with its unit (``"5 L/kg"``), a plain number where dimensionless, or an uncertain value."""

ReactionEntry = Union[  # noqa: UP007 - pydantic reads the union
    StrictStr, tuple[StrictStr], tuple[StrictStr, StrictStr], tuple[StrictStr, StrictStr, Plain]
]
"""A reaction: its text, or ``[reaction, limiting species]``, or ``[reaction, limiting species, conversion]``."""

_ROUTE_TYPES: dict[Any, Any] = {
    str: StrictStr,
    bool: StrictBool,
    float: Number,
    dict[str, float]: dict[StrictStr, Number],
    tuple[str, ...]: list[StrictStr],
    tuple: list[ReactionEntry],
    tuple[tuple[str, float, float], ...]: list[tuple[StrictStr, Plain, Union[StrictStr, Plain]]],  # noqa: UP007
}
"""The route-file type of each parameter type a unit declares (YAML lists for tuples).

Every number is typed as a number at every depth: a text where a number belongs (a conversion
``"0.9 mi"`` in a reaction, a share ``"0.7"`` in a transport mix) is refused here, at its line,
never handed to a unit that would compare it with a number.
"""

TYPE_HINTS = {
    StrictStr: "a text",
    StrictBool: "true or false",
    Number: "a number (or {value: ..., range: [...]})",
    Measured: "a number with its unit, e.g. '5 L/kg' (or {value: ..., range: [...]})",
    _ROUTE_TYPES[dict[str, float]]: "a mapping of names to plain numbers, e.g. {recycle: 0.95, bleed: 0.05}",
    _ROUTE_TYPES[tuple[str, ...]]: "a list of texts",
    _ROUTE_TYPES[tuple]: "a list of reactions, each a text or [reaction, limiting species, conversion]"
    " with the conversion a plain number, e.g. [Ni + H2SO4 -> NiSO4 + H2, Ni, 0.98]",
    _ROUTE_TYPES[tuple[tuple[str, float, float], ...]]: "a list of [mode, share, distance] lists"
    " with the share a plain number, e.g. [[sea, 0.74, 20870 km], [road, 0.26, 11621 km]]",
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

_TOP_KEYS = ("extends", "set", "remove", "disconnect")
"""Keys of a variant, besides those of :class:`RouteSpec`: any of them makes a mapping a route file."""


def validate(data: dict, report: Any) -> RouteSpec | None:
    """The validated spec, or None, with every problem sent to ``report(path, problem, hint)``.

    A unit whose parameters are wrong has its problems reported and is named in
    :attr:`RouteSpec.refused`; the rest of the route is still built and checked, so that all its
    problems are reported at once. A mapping with none of a route file's keys is reported once, as
    not a route file, without repeating any of its keys.
    """
    if not any(key in RouteSpec.model_fields or key in _TOP_KEYS for key in data):
        required = [name for name, item in RouteSpec.model_fields.items() if item.is_required()]
        report(
            (),
            f"is not a route file: it has none of a route file's keys ({', '.join(required)}, ...)",
            "name a route file, e.g. routes/nmc811_sulfate.yaml, or start from one",
        )
        return None
    try:
        spec = RouteSpec.model_validate(data)
    except ValidationError as err:
        seen: set[tuple] = set()
        for item in err.errors():
            where, value, found = _reach(data, tuple(item["loc"]))
            if where in seen and item["type"] != "missing":  # a union reports each of its members
                continue
            seen.add(where)
            if item["type"] == "missing":
                where = tuple(item["loc"])
            if item["type"] == "extra_forbidden":
                model = _model_at(where[:-1])
                hint = _near_key(str(where[-1]), list(model.model_fields)) if model else ""
                report(where, "unknown key", hint)
            elif item["type"] == "missing" or not found:
                report(where, _PYDANTIC.get(item["type"], item["msg"]), _hint_for(item))
            elif item["type"] == "literal_error":
                report(where, f"is {described(value)}, not one of its choices", _hint_for(item))
            else:
                report(where, f"has the wrong type ({described(value)})", _hint_for(item))
        return None
    types = unit_types()
    ok = True
    refused: set[str] = set()
    for name, parameters in spec.units.items():
        kind = parameters.get("type")
        if not isinstance(kind, str) or kind not in types:
            report(
                ("units", name, "type"), f"unknown unit type {shown(kind)}", _near_key(str(kind), list(types), "one of")
            )
            refused.add(name)
            continue
        model = _parameter_model(types[kind])
        try:
            model.model_validate(parameters)
        except ValidationError as err:
            refused.add(name)
            _report_parameters(name, kind, types[kind], parameters, err, report)
    known = regions()
    for name, feed in spec.feeds.items():
        if feed.origin and feed.origin not in known:
            hint = _near_key(feed.origin, list(known), "known regions")
            report(("feeds", name, "origin"), f"unknown region {shown(feed.origin)}", hint)
            ok = False
    for name, site in spec.sites.items():
        if site.region not in known:
            report(
                ("sites", name, "region"),
                f"unknown region {shown(site.region)}",
                _near_key(site.region, list(known), "known regions"),
            )
            ok = False
        if site.port and site.port not in ports():
            hint = _near_key(site.port, list(ports()), "ports of data/transport/ports.csv")
            report(("sites", name, "port"), f"unknown port {shown(site.port)} (a UN/LOCODE)", hint)
            ok = False
        if site.inland != "":
            try:
                magnitude(site.inland, "m", field="inland")
            except UnitError as err:
                report(
                    ("sites", name, "inland"),
                    f"expects a length, got {shown(str(site.inland))}: {err.problem}",
                    "e.g. '35 km'",
                )
                ok = False
    for section in ("feeds", "products", "units"):
        for name, entry in getattr(spec, section).items():
            site = entry.site if not isinstance(entry, dict) else entry.get("site", "")
            if site and isinstance(site, str) and site not in spec.sites:
                report(
                    (section, name, "site"),
                    f"unknown site {shown(site)}",
                    f"sites: {', '.join(spec.sites) or 'none; add a sites: section'}",
                )
                ok = False
    spec._refused = refused
    return spec if ok else None


def _report_parameters(
    name: str, kind: str, cls: type[Operation], parameters: dict, err: ValidationError, report: Any
) -> None:
    """One problem per parameter of a unit, at the deepest item of its value that is wrong.

    A union (a reaction is a text or a list) reports each alternative; the one that reached
    deepest into the value names the item at fault, e.g. the conversion of ``[reaction, Ni, "0.9 mi"]``.
    """
    allowed = [f for f in _parameter_model(cls).model_fields if f != "type"]
    deepest: dict[str, tuple[tuple, Any, bool, str]] = {}
    for item in err.errors():
        key = str(item["loc"][0])
        if item["type"] == "extra_forbidden":
            deepest[key] = ((key,), None, False, "extra")
            continue
        where, value, found = _reach(parameters, tuple(item["loc"]))
        kept = deepest.get(key)
        if kept is None or _rank(where, value, item["type"]) > _rank(kept[0], kept[1], kept[3]):
            deepest[key] = (where, value, found, item["type"])
    for key, (where, value, found, kind_of_error) in deepest.items():
        if kind_of_error == "extra":
            report(("units", name, key), f"unknown key for a {kind}", _near_key(key, allowed))
        elif kind_of_error == "value_error":
            report(("units", name, *where), "is not a finite number", "give a finite value, e.g. 0.95")
        elif kind_of_error in ("too_long", "too_short") or not found:
            count = len(value) if isinstance(value, list | dict) else 0
            report(("units", name, *where), f"has the wrong number of items ({count})", _wanted(cls, key))
        else:
            report(("units", name, *where), f"has the wrong type ({described(value)})", _wanted(cls, key))


def _rank(where: tuple, value: Any, kind: str) -> tuple[int, bool, bool]:
    """Which of a union's problems to report: the deepest; at one depth, a list's length or a number's bounds."""
    return len(where), kind in ("too_long", "too_short") and isinstance(value, list), kind == "value_error"


def _reach(data: Any, loc: tuple) -> tuple[tuple, Any, bool]:
    """The part of `loc` that exists in `data`, the value there, and whether all of `loc` was reached.

    pydantic's locations mix the keys and indices of the data with the names of union members
    (``('reactions', 2, 'tuple[str, str, union[int,float]]', 2, 'int')``); only the former are kept.
    """
    path: tuple = ()
    node = data
    reached = True
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node, path = node[part], (*path, part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node, path = node[part], (*path, part)
        elif isinstance(part, int) or (isinstance(node, dict) and not _is_member_name(part)):
            reached = False  # a missing key or item: stop at its container
            break
    return path, node, reached


def _is_member_name(part: object) -> bool:
    """Whether a location part names a union member (``'str'``, ``'tuple[str, str]'``), not a key."""
    return isinstance(part, str) and bool(
        re.fullmatch(r"(str|int|float|bool|dict|list|tuple|union|function-\w+)(\[.*\])?", part)
    )


def _near_key(name: str, known: list[str], listing: str = "allowed keys") -> str:
    """``did you mean 'x'?`` for a misspelt name, then the names allowed."""
    close = difflib.get_close_matches(name, known, n=2, cutoff=0.6)
    near = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    return f"{near}{listing}: {', '.join(known)}"


def _hint_for(item: Any) -> str:
    """How to mend a pydantic problem of the route's own keys."""
    named = [part for part in item["loc"] if isinstance(part, str) and not _is_member_name(part)]
    name = named[-1] if named else "it"
    loc = item["loc"]
    if len(loc) > 2 and (loc[0], loc[2]) in _ENTRY_HINTS and item["type"] != "missing":
        return _ENTRY_HINTS[(loc[0], loc[2])]
    if item["type"] == "missing":
        return f"add '{name}:' to the route file"
    if item["type"] == "literal_error":
        return f"one of {item['ctx']['expected']}"
    words = {
        "string_type": "a text",
        "bool_type": "true or false",
        "list_type": "a list",
        "dict_type": "a mapping",
    }
    if item["type"] in words:
        each = "each item of " if isinstance(item["loc"][-1], int) else ""
        example = _EXAMPLES.get(name, "")
        return f"{each}{name} is {words[item['type']]}" + (f", e.g. {example}" if example else "")
    return "see the route files in routes/"


_ENTRY_HINTS = {
    ("feeds", "flows"): "each flow is a number with its unit, e.g. {Ni: 0.8 mol/s} (a dosed feed's: {NaOH(aq): 32 kg})",
    ("feeds", "temperature"): "a temperature with its unit, e.g. '25 degC'",
    ("feeds", "dosed"): "true or false",
    ("feeds", "recycled"): "true or false",
    ("feeds", "certified"): "true or false",
}
"""How to write the fields of an entry whose values are typed as more than one thing."""

_EXAMPLES = {
    "streams": "'dissolve.solution -> crystallize'",
    "sources": "{key: dai2019, cite: '...'}",
    "assumptions": "'Wash water 5 L/kg (an assumption)'",
    "name": "nmc811-sulfate",
    "product": "LiNi0.8Mn0.1Co0.1O2",
    "basis": "'1 kg' or '50 kt/yr'",
}
"""What a route's own keys hold, shown in hints."""


def _model_at(path: tuple) -> type[BaseModel] | None:
    models: dict[tuple, type[BaseModel]] = {
        (): RouteSpec,
        ("feeds",): FeedSpec,
        ("products",): ProductSpec,
        ("sites",): Site,
        ("prices",): PriceSpec,
        ("upstream",): UpstreamSpec,
        ("capacity",): CapacitySpec,
        ("sources",): Source,
        ("species",): SpeciesSpec,
    }
    if len(path) >= 2:
        return models.get(path[:1])
    return models.get(path)
