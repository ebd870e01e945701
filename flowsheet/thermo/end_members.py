"""Mixed-metal compounds estimated from the end members of their family, by ideal mixing.

Families are declared in ``data/thermo/end_members.csv`` (layered LiMO2 oxides, M(OH)2
hydroxides, MCO3 carbonates, LiMPO4 olivines). A compound whose composition is a non-negative combination of one family's end
members gets the same combination of their formation enthalpies and heat capacities, flagged
as estimates, with the recipe in its sources.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from flowsheet.chemistry import Formula
from flowsheet.datafiles import read_table
from flowsheet.thermo.heat_capacity import ConstantHeatCapacity, HeatCapacity, MixtureHeatCapacity, Nasa9
from flowsheet.thermo.species import PHASE_TAG, Species

if TYPE_CHECKING:
    from flowsheet.thermo.species_data import SpeciesData

END_MEMBERS = "thermo/end_members.csv"


@cache
def end_member_families() -> dict[str, tuple[tuple[str, str], ...]]:
    """Families of end members a mixed compound may be estimated from: ``{family: ((formula, phase), ...)}``."""
    families: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in read_table(END_MEMBERS, required=("family", "end_member", "phase", "source")):
        families[row["family"]].append((row["end_member"], row["phase"]))
    return {family: tuple(members) for family, members in families.items()}


def end_member_mixtures(formula: Formula, data: SpeciesData) -> Iterator[tuple[str, list[tuple[float, Species]]]]:
    """Each family whose end members make up `formula`: ``(family, [(share [mol/mol], end member), ...])``.

    The shares are the non-negative combination ``Σ c_i`` of the family's end members with the
    composition of `formula`; end members of share 0 are left out.
    """
    phase = formula.phase or "s"
    target = dict(formula.elements)
    for family, members in end_member_families().items():
        found = [data.entries.get((Formula(m).key, p)) for m, p in members if p == phase]
        known = [item for item in found if item is not None]
        if not known or len(known) < len(found):
            continue
        elements = sorted({e for item in known for e in item.formula.elements} | set(target))
        matrix = np.array([[float(item.formula.elements.get(e, 0)) for item in known] for e in elements])
        wanted = np.array([float(target.get(e, 0)) for e in elements])
        shares, *_ = np.linalg.lstsq(matrix, wanted, rcond=None)
        if np.any(shares < -1e-12) or np.abs(matrix @ shares - wanted).max() > 1e-9 or formula.charge:
            continue
        yield family, [(float(share), item) for share, item in zip(shares, known, strict=True) if share > 1e-12]


def estimate_from_end_members(formula: Formula, data: SpeciesData) -> Species | None:
    """A mixed-metal compound as the ideal mixture of the end members of its family, or None.

    The composition must be a non-negative combination ``Σ c_i`` of one family's end members
    (``LiNi0.9Mn0.05Co0.05O2`` = 0.9 LiNiO2 + 0.05 LiMnO2 + 0.05 LiCoO2); formation enthalpy
    and heat capacity are the same combination of theirs (ideal mixing, Kopp's rule for the
    heat capacity), valid where all end members are. Both are flagged as estimates, the method
    and the end members named in the sources.
    """
    phase = formula.phase or "s"
    for family, used in end_member_mixtures(formula, data):
        models = [item.heat_capacity for _, item in used]
        constant = [model for model in models if isinstance(model, ConstantHeatCapacity)]
        simple = [model for model in models if isinstance(model, ConstantHeatCapacity | Nasa9)]
        heat_capacity: HeatCapacity
        if len(constant) == len(models):  # Kopp's rule: the mixture's constant heat capacity
            value = sum(share * m.value for (share, _), m in zip(used, constant, strict=True))
            heat_capacity = ConstantHeatCapacity(value, max(m.t_min for m in constant), min(m.t_max for m in constant))
        elif len(simple) == len(models):
            heat_capacity = MixtureHeatCapacity(tuple((share, m) for (share, _), m in zip(used, simple, strict=True)))
        else:
            continue
        recipe = " + ".join(f"{share:.6g} {item.label}" for share, item in used)
        cited = f"estimate, {family}: {recipe} (ideal mixing; {END_MEMBERS})"
        return Species(
            formula=Formula(PHASE_TAG.sub("", formula.text)),
            phase=phase,
            name=f"estimated {family}",
            formation_enthalpy=float(sum(share * item.formation_enthalpy for share, item in used)),
            heat_capacity=heat_capacity,
            sources={"formation_enthalpy": cited, "heat_capacity": cited},
            estimated=("formation_enthalpy", "heat_capacity"),
        )
    return None
