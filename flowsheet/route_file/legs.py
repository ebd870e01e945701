"""Transport legs between a route's sites: the way through their ports, built from the sites' places."""

from __future__ import annotations

from typing import Any

from flowsheet.errors import MissingDataError
from flowsheet.geography import Place, passage, place
from flowsheet.route_file.schema import RouteSpec
from flowsheet.units import magnitude


def with_passage(name: str, values: dict, spec: RouteSpec, report: Any) -> dict:
    """A leg that names its origin and destination sites travels the way between them (their ports, inland legs)."""
    ends = {key: values.get(key) for key in ("origin", "destination")}
    if not any(ends.values()):
        return values
    where = ("units", name)
    for key, site in ends.items():
        if not site:
            report((*where, key), "a leg between sites needs both an origin and a destination site")
            return values
        if site not in spec.sites:
            report((*where, key), f"unknown site {site!r}", f"sites: {', '.join(spec.sites) or 'none defined'}")
            return values
    given = [key for key in ("mode", "distance", "mix", "inland", "ports") if values.get(key) not in (None, ())]
    if given:
        hint = "the sites give the way (their ports and inland legs); to state it yourself, drop origin and destination"
        report((*where, given[0]), "give origin and destination sites, or mode and distance (or a mix), not both", hint)
        return values
    try:
        found = passage(*(_place(spec.sites[str(ends[key])]) for key in ("origin", "destination")))
    except MissingDataError as err:
        hint = "add the port or lane to data/transport/, or give mode and distance"
        report((*where, "origin"), err.problem, hint)
        return values
    values = {**values, "ports": found.ports, "basis": found.basis}
    if found.lane_parts:
        mode, _, distance = found.lane_parts[0]
        mix = tuple((m, share, f"{d} m") for m, share, d in found.lane_parts) if len(found.lane_parts) > 1 else ()
        return {**values, "mode": mode, "distance": f"{distance} m", "mix": mix}
    main = max(found.stages, key=lambda stage: (stage[0] == "sea", stage[1]), default=("road", 0.0))
    inland = list(found.stages)
    if main in inland:
        inland.remove(main)
    stages = tuple((mode, f"{distance} m") for mode, distance in inland)
    dwell = values["dwell"] if "dwell" in values else f"{found.dwell} s"
    return {**values, "mode": main[0], "distance": f"{main[1]} m", "inland": stages, "dwell": dwell}


def _place(site: Any) -> Place:
    """Where a route file's site is: its named port and inland leg, else its region's default."""
    distance = magnitude(site.inland, "m", field="inland") if site.inland != "" else None
    return place(site.region, site.port, site.inland_mode, distance)
