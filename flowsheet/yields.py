"""Yields per element: overall, and step by step, the view a pilot-line engineer keeps.

An element's overall yield is the share of what the feeds bring that reaches the products of kind
'product'. A step's yield is the share of what enters a unit that it sends on, to other units or to
products and by-products, rather than losing it: to waste, wastewater or emissions, or through a
scrap outlet. Element flows are conserved by every unit, so a step's losses are exactly one minus
its yield.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from flowsheet.chemistry import Formula
from flowsheet.operations import Scrap

if TYPE_CHECKING:
    import pandas as pd

    from flowsheet.graph import Flowsheet
    from flowsheet.results import Results

LOST = ("waste", "wastewater", "emission")
"""Product kinds an element is lost to."""


def _atoms(results: Results, sample: int) -> tuple[list[str], np.ndarray]:
    """Elements (charge left out) and their moles in every stream, (streams, elements)."""
    components = results.components
    names = [e for e in components.element_names if e != "charge"]
    flows = np.stack([results.flow(s.name, sample) for s in results.edges])
    return names, flows @ components.elements[: len(names)].T


def overall_yields(results: Results, sample: int = 0) -> dict[str, float]:
    """Per element the feeds bring: the share reaching products of kind 'product', [-]."""
    names, atoms = _atoms(results, sample)
    fed = sum(atoms[i] for i, s in enumerate(results.edges) if s.source in results.feeds)
    made = sum(atoms[i] for i, s in enumerate(results.edges) if results.products.get(s.target) == "product")
    fed, made = np.asarray(fed, dtype=float), np.asarray(made, dtype=float)
    return {e: float(made[k] / fed[k]) for k, e in enumerate(names) if fed[k] > 0}


def step_yields(sheet: Flowsheet, results: Results, elements: tuple[str, ...] = (), sample: int = 0) -> pd.DataFrame:
    """Per unit (rows) and element (columns): the share of what enters that the unit does not lose, [-].

    Units an element does not pass through are left blank (NaN). `elements` defaults to the
    elements of the basis product but O and H (Li, Ni, Mn, Co of an NMC; Li, Fe, P of LFP).
    """
    import pandas as pd

    names, atoms = _atoms(results, sample)
    wanted = elements or tuple(e for e in Formula(results.product).elements if e not in ("O", "H"))
    scrap = {op.name for op in sheet.operations if isinstance(op, Scrap)}
    rows = {}
    for op in sheet.operations:
        if op.name in results.feeds or op.name in results.products:
            continue
        entering = sum((atoms[i] for i, s in enumerate(results.edges) if s.target == op.name), np.zeros(len(names)))
        lost = sum(
            (
                atoms[i]
                for i, s in enumerate(results.edges)
                if s.source == op.name
                and (results.products.get(s.target) in LOST or (op.name in scrap and s.source_port == "scrap"))
            ),
            np.zeros(len(names)),
        )
        rows[op.name] = {
            e: (1.0 - lost[names.index(e)] / entering[names.index(e)]) if entering[names.index(e)] > 0 else np.nan
            for e in wanted
        }
    return pd.DataFrame(rows).T.rename_axis("unit")
