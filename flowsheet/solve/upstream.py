"""The cradle-to-gate burden of what a route buys: each feed's species at its factor (:mod:`flowsheet.upstream`).

:class:`Upstream` is built once per plan. Per feed and species it makes a mass column for the KPI
matrix and finds the factor of the region the feed comes from (its ``origin``, else its site's
region, as prices take it; else the world's). A feed marked ``recycled`` enters free of burden: recycled content carries
none of its first life's mining and refining (the cut-off rule of ecoinvent's cut-off system model,
Wernet et al., Int. J. Life Cycle Assess. 21 (2016) 1218). What has no factor is listed, and left
out of ``co2e_upstream``.
"""

from __future__ import annotations

import numpy as np

from flowsheet.kpis import UpstreamLine
from flowsheet.operations import Feed
from flowsheet.prices import material_key
from flowsheet.solve.costs import site_region
from flowsheet.solve.plan import Plan
from flowsheet.upstream import Factor, package_upstream

CUT_OFF = "cut-off (recycled content enters free of its first life's burden)"
NO_FACTOR = "no factor found: left out of co2e_upstream"
CUT_OFF_SOURCE = (
    "cut-off rule: G. Wernet et al., The ecoinvent database version 3 (part I): overview and methodology, "
    "Int. J. Life Cycle Assess. 21 (2016) 1218-1230, the cut-off system model"
)


class Upstream:
    """The cradle-to-gate factors of one flowsheet's purchases.

    Parameters
    ----------
    plan : Plan
        The mass-balance plan.

    Attributes
    ----------
    columns : dict of str to numpy.ndarray
        Mass columns of the flat layout by name (``up:`` + feed, key and region).
    missing : list of str
        What is bought without a factor, in words: its line has a factor of 0, so it is left out of ``co2e_upstream``.
    """

    def __init__(self, plan: Plan) -> None:
        sheet, components = plan.sheet, plan.components
        book = sheet.upstream or package_upstream()
        self.columns: dict[str, np.ndarray] = {}
        self.missing: list[str] = []
        self.found: dict[str, tuple[str, str, str, Factor, bool]] = {}
        """Per column: its key, region, feed, factor, and whether a sampled factor replaces it."""
        masses = components.molar_masses
        for op in sheet.operations:
            if not isinstance(op, Feed):
                continue
            region = op.origin or site_region(plan, op)
            streams = list(sheet.outlets(op.name).values())
            for j in sorted({int(j) for s in streams for j in plan.species[s.name]}):
                key = material_key(components.labels[j])
                factor = Factor(key, region, 0.0, boundary=CUT_OFF, source=CUT_OFF_SOURCE) if op.recycled else None
                factor = factor or book.find(key, region)
                sampled = factor is not None and not op.recycled
                if factor is None:  # kept at 0 so that the inventory still shows what was bought
                    self.missing.append(f"{key} (feed {op.name}, {region})")
                    factor = Factor(key, region, 0.0, boundary=NO_FACTOR, source="none found")
                name = f"up:{op.name}:{key}@{region}"
                self.columns[name] = plan.weights(streams, masses * components.unit_vector(components.labels[j]))
                self.found[name] = (key, region, op.name, factor, sampled)

    def lines(self, sums: dict[str, np.ndarray], sampled: dict[str, np.ndarray]) -> list[UpstreamLine]:
        """Every material bought with its factor; `sampled` factors by key, [kg CO2e per kg], (N,), in place of the data's.

        A sampled factor does not apply to a recycled feed, which stays free of burden, nor to an input without one.
        """
        found = []
        for name, (key, region, feed, factor, takes) in self.found.items():
            amount = sums[name]
            chosen = sampled.get(key) if takes else None
            value = np.broadcast_to(chosen if chosen is not None else factor.co2e, amount.shape)
            found.append(
                UpstreamLine(key, region, feed, amount, value, factor.boundary, factor.source, factor.estimate)
            )
        return found
