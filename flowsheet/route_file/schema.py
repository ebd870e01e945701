"""What a route file may hold: the pydantic models, unit types, and validation with located problems."""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

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


_PYDANTIC = {
    "extra_forbidden": "unknown key",
    "missing": "required key missing",
}


def validate(data: dict, report: Any) -> RouteSpec | None:
    """The validated spec, or None with every problem sent to ``report(path, problem, hint)``."""
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
        if not isinstance(kind, str) or kind not in types:
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
            if site and site not in spec.sites:
                report(
                    (section, name, "site"),
                    f"unknown site {site!r}",
                    f"sites: {', '.join(spec.sites) or 'none; add a sites: section'}",
                )
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
