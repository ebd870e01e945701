"""Physical sense of species data, one check for every layer: the package's tables, users' folders, a route's own.

Each check returns :class:`Finding` s, each either a *law* (a number that is not finite, a
temperature range that is not ``0 < t_min < t_max``, a heat capacity of a solid, liquid or gas
that is not positive: no data can be right there) or a value outside a *band* (possible, but far
from every substance the band was drawn around: a sign, a unit or a digit is likely wrong). A
band finding is accepted when the value is marked as an override (a table row's ``override``
column ``yes``; a route's species entry ``override: true``), and is then listed as an override
in every output; a law finding is always refused.

Bands, per mole of atoms of the formula (``Fe2O3``: 5 atoms; an ion's charge is no atom):

======  ===============================  ==========================================
phase   formation enthalpy [kJ/mol]      heat capacity [J/(mol*K)]
======  ===============================  ==========================================
s, l    -600 .. +150                     0 < cp <= 5 * 3R  (124.7)
g       -600 .. +1000                    0 < cp <= 5 * 3R
aq      -1000 .. +300                    -8 * 3R .. +8 * 3R  (-199.6 .. +199.6)
======  ===============================  ==========================================

and temperatures up to 20,000 K (647.096 K, the critical point of water, for aqueous species).

How the bands were drawn:

- *Heat capacity, s, l, g.* A solid's atoms hold at most 3R each in harmonic vibration
  (Dulong and Petit [1]_; Kittel [2]_, ch. 5); an ideal gas holds less, (3n - 2) R / n per atom
  with every mode excited. Anharmonicity, vacancies near the melting point, liquids' structure
  and magnetic or order-disorder transitions add to it: the highest in the package is iron at its
  Curie point (1042 K), 83.7 J/(mol*K) = 3.36 * 3R in the NASA Glenn polynomial [3]_. The
  ceiling, 5 * 3R, stands 50 % above that. A heat capacity is positive in any stable phase
  (Cp >= Cv > 0): that is a law, not a band.
- *Heat capacity, aq.* A solute's partial molar heat capacity at infinite dilution includes the
  change of the water around it, and is given on the convention Cp(H+, aq) = 0: it is negative
  for most ions and salts (the package's SO4-2(aq) and NiSO4(aq) -293 J/(mol*K)). The most negative
  per atom among tabulated ions is Cl-(aq), -136.4 J/(mol*K) = -5.5 * 3R for its one atom [4]_;
  the band, +-8 * 3R, stands 45 % beyond it.
- *Formation enthalpy, s, l, g.* The most exothermic substances per atom are the fluorides and
  oxides of the most electropositive metals, near -410 kJ per mole of atoms (ThO2 -1226.4 kJ/mol,
  three atoms [5]_); the lower bound, -600, stands 45 % beyond. A condensed substance above its
  elements is an energetic one: hydrazoic acid, HN3(l), +264.0 kJ/mol, is +66 per atom [4]_;
  +150 stands more than twice above. A gas of single atoms lies above its element by the
  element's cohesive energy, at most 8.90 eV = 859 kJ/mol (tungsten [2]_, table 3.1; C(g)
  +716.68 kJ/mol [5]_): +1000 stands above it.
- *Formation enthalpy, aq.* On the convention H(H+, aq) = 0 a one-atom ion carries its whole
  hydration enthalpy: Th+4(aq) -769.0 kJ/mol [5]_, Al+3(aq) -538.4 kJ/mol [5]_ are the deepest
  common ones, Tl+3(aq) +196.6 kJ/mol [4]_ among the highest; -1000 .. +300 holds them with 30 %
  and 50 % to spare.

``tests/thermo/test_plausibility.py`` checks that every species the package ships lies inside
these bands with a quarter of each band to spare, and that the substances named above pass.

References
----------
.. [1] P. L. Dulong, A. T. Petit, "Recherches sur quelques points importants de la théorie de la
   chaleur", Ann. Chim. Phys. 10, 395-413 (1819).
.. [2] C. Kittel, Introduction to Solid State Physics, 8th ed., Wiley (2005).
.. [3] B. J. McBride, M. J. Zehe, S. Gordon, NASA/TP-2002-211556 (2002).
.. [4] D. D. Wagman et al., The NBS tables of chemical thermodynamic properties, J. Phys. Chem.
   Ref. Data 11, Suppl. 2 (1982).
.. [5] J. D. Cox, D. D. Wagman, V. A. Medvedev, CODATA Key Values for Thermodynamics, Hemisphere (1989).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from flowsheet.chemistry import Formula
from flowsheet.thermo.heat_capacity import ConstantHeatCapacity, Nasa9Interval

R = 8.314462618
"""Molar gas constant, [J/(mol*K)] (CODATA 2018)."""

DULONG_PETIT = 3 * R
"""Heat capacity of one mole of atoms in harmonic vibration, 3R, [J/(mol*K)] (Dulong and Petit 1819)."""

HEAT_CAPACITY_CEILING = 5 * DULONG_PETIT
"""Highest heat capacity of a solid, liquid or gas per mole of atoms, [J/(mol*K)]: 5 * 3R (module notes)."""

AQUEOUS_HEAT_CAPACITY = (-8 * DULONG_PETIT, 8 * DULONG_PETIT)
"""Band of an aqueous species' partial molar heat capacity per mole of atoms, [J/(mol*K)] (module notes)."""

FORMATION_ENTHALPY = {
    "s": (-600e3, 150e3),
    "l": (-600e3, 150e3),
    "g": (-600e3, 1000e3),
    "aq": (-1000e3, 300e3),
}
"""Band of the standard formation enthalpy per mole of atoms by phase, [J/mol] (module notes)."""

T_MAX = 20_000.0
"""Highest temperature a heat-capacity model may claim, [K]: where the NASA Glenn tables end (McBride 2002)."""

AQUEOUS_T_MAX = 647.096
"""Highest temperature of an aqueous species, [K]: the critical point of water (IAPWS-95)."""

SAMPLES = 33
"""Temperatures, ends included, at which a heat-capacity model (each NASA interval) is checked."""


@dataclass(frozen=True)
class Finding:
    """One value that makes no physical sense, or lies outside its band.

    Attributes
    ----------
    field : str
        The value's column or key, e.g. ``"dHf_298"`` or ``"heat_capacity"``.
    problem : str
        What is wrong, with the value and the bound.
    hint : str
        How to mend it.
    law : bool
        True where no data can be right (an override does not accept it); False for a band.
    """

    field: str
    problem: str
    hint: str
    law: bool


def atoms(formula: Formula) -> float:
    """Atoms per formula unit, [-]: ``Fe2O3`` 5, ``SO4-2`` 5, ``Ni0.8Mn0.1Co0.1(OH)2`` 5."""
    return float(sum(formula.elements.values()))


UNIT_HINT = "check the sign and the unit (J against kJ, per mol)"


def check_formation_enthalpy(value: float, formula: Formula, phase: str, field: str) -> list[Finding]:
    """Findings for a standard formation enthalpy `value` [J/mol] of `formula` in `phase`."""
    if not math.isfinite(value):
        return [Finding(field, f"is {value}, not a finite number", "give a number", True)]
    count = atoms(formula)
    if count <= 0:
        return [Finding(field, "belongs to a formula without atoms", "give a formula with elements", True)]
    low, high = FORMATION_ENTHALPY[phase]
    per_atom = value / count
    if low <= per_atom <= high:
        return []
    problem = (
        f"is {value / 1e3:.6g} kJ/mol: {per_atom / 1e3:.4g} kJ per mol of atoms ({count:g} atoms), "
        f"outside {low / 1e3:g} .. {high / 1e3:+g} for phase {phase}"
    )
    return [Finding(field, problem, UNIT_HINT, False)]


def check_range(t_min: float, t_max: float, phase: str, fields: tuple[str, str] = ("t_min", "t_max")) -> list[Finding]:
    """Findings for a validity range `t_min` .. `t_max` [K]."""
    found = [
        Finding(name, f"is {value}, not a finite number", "give a temperature in K", True)
        for name, value in zip(fields, (t_min, t_max), strict=True)
        if not math.isfinite(value)
    ]
    if found:
        return found
    if not 0 < t_min < t_max:
        problem = f"{t_min:g} .. {t_max:g} K: needs 0 < t_min < t_max"
        return [Finding(fields[0], problem, "e.g. t_min 273.15 K, t_max 1273.15 K", True)]
    ceiling = AQUEOUS_T_MAX if phase == "aq" else T_MAX
    if t_max > ceiling:
        reason = "the critical point of water" if phase == "aq" else "where the NASA Glenn tables end"
        problem = f"is {t_max:g} K, above {ceiling:g} K ({reason})"
        return [Finding(fields[1], problem, "give the range the data were measured or fitted in", False)]
    return []


def check_heat_capacity(
    model: ConstantHeatCapacity | Nasa9Interval, formula: Formula, phase: str, field: str
) -> list[Finding]:
    """Findings for a heat-capacity model (or one NASA interval) over its validity range.

    Its heat capacity is evaluated at :data:`SAMPLES` temperatures from ``t_min`` to ``t_max``
    (the ends included), and its enthalpy change over the range: each must be finite; the heat
    capacity must be positive except in water, and within its band per mole of atoms. A model
    whose range fails :func:`check_range` is not evaluated.
    """
    if any(f.law for f in check_range(model.t_min, model.t_max, phase)):
        return []
    count = atoms(formula)
    if count <= 0:
        return [Finding(field, "belongs to a formula without atoms", "give a formula with elements", True)]
    temperatures = np.linspace(model.t_min, model.t_max, SAMPLES)
    with np.errstate(all="ignore"):
        cp = np.asarray(model.cp(temperatures), dtype=float)
        if isinstance(model, Nasa9Interval):
            numbers = [*model.a, model.b1, float(model.enthalpy_difference(model.t_max, model.t_min))]
        else:
            numbers = [model.value * (model.t_max - model.t_min)]
    if not (np.all(np.isfinite(cp)) and all(math.isfinite(n) for n in numbers)):
        return [Finding(field, "is not a finite number over its range", "check the coefficients", True)]
    low_at, high_at = int(np.argmin(cp)), int(np.argmax(cp))
    if phase != "aq" and cp[low_at] <= 0:
        problem = f"is {cp[low_at]:.4g} J/(mol*K) at {temperatures[low_at]:g} K: a heat capacity is positive"
        hint = "only a solute (phase aq) has a negative partial molar heat capacity; check the sign and the unit"
        return [Finding(field, problem, hint, True)]
    low, high = AQUEOUS_HEAT_CAPACITY if phase == "aq" else (0.0, HEAT_CAPACITY_CEILING)
    for at in (low_at, high_at):
        per_atom = cp[at] / count
        if not low <= per_atom <= high:
            problem = (
                f"is {cp[at]:.6g} J/(mol*K) at {temperatures[at]:g} K: {per_atom:.4g} per mol of atoms "
                f"({count:g} atoms), outside {low:.4g} .. {high:.4g} J/(mol*K) for phase {phase}"
            )
            return [Finding(field, problem, f"{UNIT_HINT}; 3R = {DULONG_PETIT:.2f} J/(mol*K) per atom", False)]
    return []


def settle(findings: list[Finding], override: bool, how: str) -> tuple[list[Finding], list[Finding]]:
    """Split findings into those refused and those an override accepts.

    Parameters
    ----------
    findings : list of Finding
        What the checks found for one row or entry.
    override : bool
        Whether the row or entry is marked as an override.
    how : str
        How to mark it, for the hint: ``"write override: true in this entry"``.

    Returns
    -------
    refused : list of Finding
        Laws always; bands unless marked, each hint then saying how to mark it.
    accepted : list of Finding
        The band findings a mark accepts: each becomes a note ``"<field> <problem>"`` of the species.
    """
    refused, accepted = [], []
    for finding in findings:
        if finding.law:
            refused.append(finding)
        elif override:
            accepted.append(finding)
        else:
            hint = f"{finding.hint}; if the value is right, {how}: it is then used and listed as an override"
            refused.append(Finding(finding.field, finding.problem, hint, False))
    return refused, accepted
