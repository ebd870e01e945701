"""Figures regulators and buyers ask for, from the element trace: recycled content, regions, custody.

Every figure is per element in the products of kind 'product', by the pooling convention of
:mod:`flowsheet.provenance` (each unit mixes the atoms it receives), which is the mass-balance
chain-of-custody model of ISO 22095:2020:

- **recycled content**: the share from feeds marked ``recycled: true``, beside the minimums of
  Regulation (EU) 2023/1542, Article 8(2) (``data/compliance/recycled_content.csv``);
- **regions**: the share sourced in each region (feeds sited there; a row sums to 100 % when every
  feed is sited) and the share processed in each region (that passed through a unit sited there):
  the questions of the US Inflation Reduction Act's critical-mineral test and the EU Critical Raw
  Materials Act's 65 % single-country benchmark. An element refined in one region and made into
  cathode in another was processed in both and counts in each, so a row of processed shares sums to
  the mean number of regions its atoms passed through: 200 % for nickel refined in Indonesia and
  precipitated in China;
- **certified**: the share from feeds marked ``certified: true``.

None of these is a finding of legal compliance: each rule has its own boundary (which battery,
which date, what counts as recycled), stated beside the figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from flowsheet.chemistry import atomic_weights
from flowsheet.datafiles import read_table
from flowsheet.operations import Feed, Product
from flowsheet.provenance import element_shares

if TYPE_CHECKING:
    import pandas as pd

    from flowsheet.graph import Flowsheet
    from flowsheet.results import Results

RECYCLED_CONTENT = "compliance/recycled_content.csv"
SOURCED = "fed from feeds sited there; a row sums to 100 % when every feed is sited"
PROCESSED = (
    "passed through at least one unit sited there; an element processed in several regions (refined in one, "
    "made into cathode in another) counts in each, so a row sums to the mean number of regions its atoms "
    "passed through (200 % when every atom passed through two)"
)
BOUNDARY = (
    "shares by mass balance (ISO 22095) of the element in the products of kind 'product'; recycled "
    "minimums of Regulation (EU) 2023/1542 Art. 8(2) apply to the active materials of EV, industrial "
    "and SLI batteries and count pre- and post-consumer waste: an indication, not a finding of compliance"
)


@cache
def recycled_minimums() -> dict[str, dict[str, float]]:
    """``{element: {from date: minimum share}}`` of Regulation (EU) 2023/1542, Article 8(2)."""
    found: dict[str, dict[str, float]] = {}
    for row in read_table(RECYCLED_CONTENT, required=("element", "from", "minimum", "source")):
        found.setdefault(row["element"], {})[row["from"]] = row.number("minimum")
    return found


@dataclass(frozen=True)
class Compliance:
    """Per element of the products: recycled, certified, and regional shares, [-].

    Attributes
    ----------
    elements : pandas.DataFrame
        One row per element: its mass in the products [kg per basis], recycled and certified
        shares, and each Article 8(2) minimum with whether the recycled share meets it.
    sourced, processed : pandas.DataFrame
        Per element, the share sourced in (fed from) and processed in (passed through a unit in)
        each region, [-]. Sourced shares partition the element; processed shares do not: an atom
        that passed through units in two regions counts in both, and a row sums to the mean
        number of regions its atoms passed through.
    boundary : str
        What the figures cover.
    sourced_means, processed_means : str
        What a sourced and a processed share are, in words, for captions and JSON.
    """

    elements: pd.DataFrame
    sourced: pd.DataFrame
    processed: pd.DataFrame
    boundary: str = BOUNDARY
    sourced_means: str = SOURCED
    processed_means: str = PROCESSED


def compliance(sheet: Flowsheet, results: Results, elements: tuple[str, ...] = (), sample: int = 0) -> Compliance:
    """The figures of the module's notes for each element of the products (default: their metals and Li)."""
    import pandas as pd

    components = results.components
    products = [s for s in results.edges if results.products.get(s.target) == "product"]
    names = [e for e in components.element_names if e != "charge"]
    wanted = elements or tuple(e for e in names if e not in ("H", "C", "N", "O", "S", "P", "Na"))
    region_of = {op.name: sheet.regions.get(op.site, "") for op in sheet.operations}
    feeds = [op for op in sheet.operations if isinstance(op, Feed)]
    units = [op.name for op in sheet.operations if not isinstance(op, Feed | Product)]
    regions = sorted({r for r in region_of.values() if r})
    rows, sourced, processed = {}, {}, {}
    for element in wanted:
        k = names.index(element)
        atoms = np.array([components.elements[k] @ results.flow(s.name, sample) for s in results.edges])
        where = [results.edges.index(s) for s in products]
        in_products = atoms[where]
        total = float(in_products.sum())
        if total <= 0:
            continue

        def share(
            sources: list[str], atoms: np.ndarray = atoms, where: list[int] = where, total: float = total
        ) -> float:
            if not sources:
                return 0.0
            found = element_shares(results.edges, sources, atoms)
            return float(sum(found[s][where] @ atoms[where] for s in sources) / total)

        row = {
            "kg": total * atomic_weights()[element] / 1000,
            "recycled": share([f.name for f in feeds if f.recycled]),
            "certified": share([f.name for f in feeds if f.certified]),
        }
        for date, minimum in sorted(recycled_minimums().get(element, {}).items()):
            row[f"minimum {date[:4]}"] = minimum  # in force from 18 August of that year
            row[f"meets {date[:4]}"] = row["recycled"] >= minimum
        rows[element] = row
        sourced[element] = {r: share([f.name for f in feeds if region_of[f.name] == r]) for r in regions}
        processed[element] = {r: share([u for u in units if region_of[u] == r]) for r in regions}
    return Compliance(
        pd.DataFrame(rows).T,
        pd.DataFrame(sourced).T.rename_axis("element"),
        pd.DataFrame(processed).T.rename_axis("element"),
    )
