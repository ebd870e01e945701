"""Print Kopp's-rule heat-capacity rows for data/thermo/heat_capacity.csv.

Sources
-------
Cp values: Kopp's rule, the sum of atomic contributions read from
data/thermo/kopp_atomic_heat_capacity.csv, whose rows cite R. M. Felder, R. W. Rousseau
and L. G. Bullard, Elementary Principles of Chemical Processes, 4th ed., Wiley, 2016,
Table B.10 (key ``felder2016`` in data/sources.toml); the rows written here carry that
row's source and locator.

Validity ranges: the project's estimates of where each solid dehydrates, melts or
decomposes (the ``why`` of each entry below), rounded down to bound where a constant
Cp is used; no publication was read for them, so each row's note says "range
estimated". They limit where the value applies, not the value.

Run from the project root: ``python data/_scripts/kopp_heat_capacity.py``;
tests/thermo/test_species_data.py recomputes every Cp it produced.
"""

import csv
import sys

from flowsheet.chemistry import Formula

# species, t_min [K], t_max [K], why the range ends
SPECIES = [
    ("NiSO4", 273.15, 1073.15, "decomposes to NiO above about 800 C"),
    ("NiSO4·6H2O", 273.15, 373.15, "dehydrates near 100 C"),
    ("CoSO4", 273.15, 1073.15, "decomposes above about 800 C"),
    ("CoSO4·7H2O", 273.15, 373.15, "dehydrates below 100 C"),
    ("MnSO4", 273.15, 1073.15, "decomposes above about 850 C"),
    ("MnSO4·H2O", 273.15, 473.15, "dehydrates near 200 C"),
    ("Na2SO4·10H2O", 273.15, 305.55, "melts incongruently at 32.4 C"),
    ("LiOH·H2O", 273.15, 383.15, "dehydrates near 110 C"),
    ("Ni(OH)2", 273.15, 573.15, "decomposes to NiO near 250-300 C"),
    ("Co(OH)2", 273.15, 573.15, "decomposes near 170-300 C"),
    ("Mn(OH)2", 273.15, 573.15, "decomposes near 200-300 C"),
    ("Ni1/3Mn1/3Co1/3(OH)2", 273.15, 573.15, "decomposes near 250-300 C"),
    ("Ni0.5Mn0.3Co0.2(OH)2", 273.15, 573.15, "decomposes near 250-300 C"),
    ("Ni0.6Mn0.2Co0.2(OH)2", 273.15, 573.15, "decomposes near 250-300 C"),
    ("Ni0.8Mn0.1Co0.1(OH)2", 273.15, 573.15, "decomposes near 250-300 C"),
    ("Al(OH)3", 273.15, 573.15, "dehydroxylates to Al2O3 near 250-300 C"),
    ("LiNiO2", 273.15, 1273.15, "calcination range"),
    ("LiCoO2", 273.15, 1273.15, "calcination range"),
    ("LiMnO2", 273.15, 1273.15, "calcination range"),
    ("LiMn2O4", 273.15, 1273.15, "calcination range"),
    ("LiNi1/3Mn1/3Co1/3O2", 273.15, 1273.15, "calcination range"),
    ("LiNi0.5Mn0.3Co0.2O2", 273.15, 1273.15, "calcination range"),
    ("LiNi0.6Mn0.2Co0.2O2", 273.15, 1273.15, "calcination range"),
    ("LiNi0.8Mn0.1Co0.1O2", 273.15, 1273.15, "calcination range"),
    ("FeSO4·7H2O", 273.15, 333.15, "melts in its water and dehydrates from about 60 C"),
    ("FePO4·2H2O", 273.15, 423.15, "loses its water from about 150 C"),
    ("FePO4", 273.15, 1173.15, "firing range"),
    ("LiFePO4", 273.15, 1173.15, "firing range"),
    ("LiMnPO4", 273.15, 1173.15, "firing range"),
    ("MnCO3", 273.15, 573.15, "decomposes near 300-400 C"),
    ("NH4H2PO4", 273.15, 463.15, "melts and decomposes near 190 C"),
    ("C6H12O6", 273.15, 419.15, "melts and caramelises near 146 C"),
    ("LiNi0.5Mn1.5O4", 273.15, 1273.15, "calcination range"),
]


def kopp(formula: Formula, atomic: dict[str, float]) -> float:
    """Return Kopp's-rule Cp, [J/(mol*K)]."""
    return float(sum(atomic.get(e, atomic["*"]) * n for e, n in formula.elements.items()))


def main() -> None:
    with open("data/thermo/kopp_atomic_heat_capacity.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    atomic = {row["element"]: float(row["cp"]) for row in rows}
    cited = {(row["source"], row["locator"]) for row in rows}
    if len(cited) != 1:
        sys.exit(f"the atomic contributions cite more than one source: {sorted(cited)}")
    source, locator = cited.pop()
    writer = csv.writer(sys.stdout, lineterminator="\n")
    for text, t_min, t_max, why in SPECIES:
        cp = round(kopp(Formula(text), atomic), 3)
        note = f"Kopp's rule; range estimated: {why}"
        writer.writerow([text, "s", cp, "J/(mol*K)", t_min, t_max, source, locator, "yes", note])


if __name__ == "__main__":
    main()
