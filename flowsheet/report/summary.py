"""A solved route as plain data: the JSON contract of ``flowsheet run`` and ``flowsheet compare``.

Each route becomes::

    {"route": name, "file": path, "product": formula,
     "basis": {"value": 1.0, "unit": "kilogram"},
     "kpis": {name: {"value": float, "unit": pint unit string}, ...},  # CO2e: "kilogram CO2e"
     "closure": {"mass_relative_error": float, "elements": {element: float}},
     "iterations": int,
     "units": {unit: {"duty": {...}, "energy": {...}, "utility": str, "carrier": str}},
     "legs": {leg: {"ports": [str], "stages": [{"mode": str, "distance": {...}}], "days": float,
                    "basis": str}},
     "costs": {"lines": [{"item": str, "category": str, "region": str, "amount": {...},
                          "price": {...}, "cost": {...}, "source": str, "estimate": bool}],
               "unpriced": [str]},
     "upstream": {"lines": [{"item": str, "feed": str, "region": str, "amount": {...},
                             "factor": {...}, "co2e": {...}, "boundary": str, "source": str,
                             "estimate": bool}],
                  "without_factor": [str]},
     "per_kwh": {"specific_energy": {...}, "kpis": {name: {"value": float, "unit": str}}}  # {} if not given
     "specifications": [{"kpi": str, "max": {...}, "value": {...}, "exceeded": bool, "source": str}],
     "species": {"layers": [str], "overridden": [str], "overrides": [str], "estimated": [str]}}

where ``overridden`` lists the species a later layer (a user's folder, the route's own
``species:``) replaced, and ``overrides`` the values accepted outside their plausibility band
because marked as overrides (:mod:`flowsheet.thermo.plausibility`). A KPI's unit is pint's long
name (``kilogram``, ``megajoule``, ``kilometer * metric_ton``, per hour for a rate basis); a
greenhouse-gas mass says ``CO2e`` after its mass unit (``kilogram CO2e``, ``kilogram CO2e /
hour``), as every table and CSV does (:func:`flowsheet.units.split_co2e` gives pint's part).

and a comparison adds ``"ratios": {kpi: float or null}`` (route / baseline; null
where the baseline is zero).
"""

from __future__ import annotations

import pint

from flowsheet.chemistry import Formula
from flowsheet.kpis import BY_NAME, KPIS
from flowsheet.results import Results
from flowsheet.units import co2e_unit
from flowsheet.yields import overall_yields

KPI_ORDER = tuple(kpi.name for kpi in KPIS)
"""KPI names in the order reports show them."""


def _value(quantity: pint.Quantity, co2e: bool = False) -> dict:
    """A quantity as JSON: its magnitude and pint's long name of its unit, with ``CO2e`` where it counts CO2e."""
    unit = str(quantity.units)
    return {"value": float(quantity.magnitude), "unit": co2e_unit(unit) if co2e else unit}


def _specifications(results: Results) -> list[dict]:
    """Each limit the route sets on a KPI, with the KPI's value and whether it is exceeded."""
    exceeded = {limit.kpi for limit, _ in results.exceeded()}
    found = []
    for limit in results.specifications:
        kind = BY_NAME[limit.kpi].kind
        found.append({
            "kpi": limit.kpi,
            "max": _value(results.quantity(kind, limit.max)),
            "value": _value(results.quantity(kind, float(results.kpis[limit.kpi][0]))),
            "exceeded": limit.kpi in exceeded,
            "source": limit.source,
        })  # fmt: skip
    return found


def summarize(results: Results, route: str, file: str, product: str) -> dict:
    """Return the JSON-ready summary of one solved route."""
    per_unit = {}
    for row in results.unit_energy:
        per_unit[row.unit] = {
            "duty": _value(results.quantity("energy", float(row.duty[0]))),
            "energy": _value(results.quantity("energy", float(row.purchased[0]))),
            "utility": row.utility,
            "carrier": row.carrier,
        }
    return {
        "route": route,
        "file": file,
        "product": product,
        "basis": {"value": float(results.basis.magnitude), "unit": str(results.basis.units)},
        "kpis": {name: _value(value, BY_NAME[name].kind == "co2e") for name, value in results.totals().items()},
        "closure": {
            "mass_relative_error": float(results.closure.mass[0]),
            "elements": {name: float(value[0]) for name, value in results.closure.elements.items()},
        },
        "iterations": results.iterations,
        "yields": {
            e: y
            for e, y in overall_yields(results).items()
            if e in Formula(results.product).elements and e not in ("O", "H")
        },
        "units": per_unit,
        "legs": _legs(results),
        "costs": _costs(results),
        "upstream": _upstream(results),
        "per_kwh": _per_kwh(results),
        "specifications": _specifications(results),
        "species": {
            "layers": list(results.species_layers),
            "overridden": list(results.overridden),
            "overrides": list(results.overrides),
            "estimated": list(results.estimated),
        },
    }


def _legs(results: Results) -> dict:
    """Per transport leg: the ports it calls at, its stages (mode and distance), transit days and how it was found."""
    found: dict[str, dict] = {}
    for leg in results.legs:
        entry = found.setdefault(
            leg.leg,
            {
                "ports": list(leg.ports),
                "stages": [],
                "days": float(leg.days[0]) if leg.days is not None else 0.0,
                "basis": leg.basis,
            },
        )
        entry["stages"].append(
            {"mode": leg.mode, "distance": {"value": float(leg.distance[0]) / 1e3, "unit": "kilometer"}}
        )
    return found


def _per_kwh(results: Results) -> dict:
    """The stored energy per kg of product and every amount KPI per kWh of it; empty without a specific capacity."""
    if results.specific_energy is None:
        return {}
    stored = {"value": results.specific_energy / 3.6e6, "unit": "kilowatt_hour / kilogram"}
    kpis = {name: _value(value, BY_NAME[name].kind == "co2e") for name, value in results.per_kwh().items()}
    return {"specific_energy": stored, "kpis": kpis}


def _costs(results: Results) -> dict:
    """Each priced item of the first sample (amount, price in USD of 2023, cost, source) and what has no price."""
    per = " / hour" if results.is_rate else ""
    names = {"kg": "kilogram", "MJ": "megajoule", "t*km": "kilometer * metric_ton"}
    lines = [
        {
            "item": item,
            "category": category,
            "region": region,
            "amount": {"value": amount, "unit": names[unit] + per},
            "price": {"value": price, "unit": f"US_dollar / {names[unit]}"},
            "cost": {"value": cost, "unit": "US_dollar" + per},
            "source": source,
            "estimate": bool(estimate),
        }
        for item, category, region, amount, unit, price, cost, source, estimate in results.cost_rows()
    ]
    return {"lines": lines, "unpriced": list(results.unpriced)}


def _upstream(results: Results) -> dict:
    """Each material bought in the first sample with its cradle-to-gate factor and CO2e, and what has no factor."""
    per = " / hour" if results.is_rate else ""
    lines = [
        {
            "item": item,
            "feed": feed,
            "region": region,
            "amount": {"value": amount, "unit": "kilogram" + per},
            "factor": {"value": factor, "unit": "kilogram CO2e / kilogram"},
            "co2e": {"value": co2e, "unit": "kilogram CO2e" + per},
            "boundary": boundary,
            "source": source,
            "estimate": bool(estimate),
        }
        for item, feed, region, amount, factor, co2e, boundary, source, estimate in results.upstream_rows()
    ]
    return {"lines": lines, "without_factor": list(results.without_factor)}


def compare(summaries: list[dict], baseline: int = 0) -> list[dict]:
    """Add to each summary its ``ratios`` to the baseline summary's KPIs (null where the baseline is 0)."""
    base = summaries[baseline]["kpis"]
    compared = []
    for summary in summaries:
        ratios = {}
        for name, value in summary["kpis"].items():
            reference = base.get(name, {}).get("value", 0.0)
            ratios[name] = value["value"] / reference if reference else None
        compared.append({**summary, "baseline": summaries[baseline]["route"], "ratios": ratios})
    return compared
