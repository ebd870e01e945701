"""The shipped species data: complete, sourced, consistent, and pinned."""

import csv
from fractions import Fraction

import pytest

from flowsheet import Formula, species
from flowsheet.datafiles import data_dir, read_table, sources
from flowsheet.errors import UnknownSpeciesError
from flowsheet.thermo import all_species
from flowsheet.thermo.heat_capacity import ConstantHeatCapacity, Nasa9
from flowsheet.units import ureg

REQUIRED = [
    "Ni(s)",
    "Co(s)",
    "Mn(s)",
    "Al(s)",
    "NiSO4(s)",
    "NiSO4·6H2O(s)",
    "CoSO4(s)",
    "CoSO4·7H2O(s)",
    "MnSO4(s)",
    "MnSO4·H2O(s)",
    "Ni(OH)2(s)",
    "Co(OH)2(s)",
    "Mn(OH)2(s)",
    "Ni1/3Mn1/3Co1/3(OH)2(s)",
    "Ni0.5Mn0.3Co0.2(OH)2(s)",
    "Ni0.6Mn0.2Co0.2(OH)2(s)",
    "Ni0.8Mn0.1Co0.1(OH)2(s)",
    "LiOH(s)",
    "LiOH·H2O(s)",
    "Li2CO3(s)",
    "Li2SO4(s)",
    "LiNi1/3Mn1/3Co1/3O2(s)",
    "LiNi0.5Mn0.3Co0.2O2(s)",
    "LiNi0.6Mn0.2Co0.2O2(s)",
    "LiNi0.8Mn0.1Co0.1O2(s)",
    "LiNiO2(s)",
    "LiCoO2(s)",
    "LiMn2O4(s)",
    "Na2SO4(s)",
    "Na2SO4·10H2O(s)",
    "NaOH(s)",
    "H2SO4(l)",
    "NH3(g)",
    "H2O(l)",
    "H2O(g)",
    "O2(g)",
    "N2(g)",
    "H2(g)",
    "CO2(g)",
    "Al2O3(s)",
    "Ni+2(aq)",
    "Co+2(aq)",
    "Mn+2(aq)",
    "Na+(aq)",
    "Li+(aq)",
    "OH-(aq)",
    "SO4-2(aq)",
    "H+(aq)",
]
TABLES = [
    "atomic_weights.csv",
    "thermo/formation_enthalpy.csv",
    "thermo/nasa9.csv",
    "thermo/heat_capacity.csv",
    "thermo/kopp_atomic_heat_capacity.csv",
]


@pytest.mark.parametrize("label", REQUIRED)
def test_every_route_species_is_known(label):
    found = species(label)
    assert found.formula.key == Formula(label).key
    assert found.phase == Formula(label).phase


def test_table_shapes_are_pinned():
    # a silent edit that adds or drops rows shows here; update the pin with the change
    assert {name: len(read_table(name)) for name in TABLES} == {
        "atomic_weights.csv": 84,
        "thermo/formation_enthalpy.csv": 111,
        "thermo/nasa9.csv": 89,
        "thermo/heat_capacity.csv": 74,
        "thermo/kopp_atomic_heat_capacity.csv": 9,
    }
    assert len(all_species()) == 111


@pytest.mark.parametrize("table", TABLES)
def test_every_row_cites_a_registered_source(table):
    known = sources()
    for row in read_table(table):
        assert row["source"] in known, f"{table}:{row.line}"


def test_every_source_has_a_citation_and_confidence():
    for key, entry in sources().items():
        assert entry.get("cite"), key
        assert entry.get("confidence") in {"A", "B", "C"}, key
        assert entry.get("retrieved"), key


@pytest.mark.parametrize(
    ("table", "column", "dimensionality"),
    [
        ("thermo/formation_enthalpy.csv", "unit", "[energy]/[substance]"),
        ("thermo/heat_capacity.csv", "unit", "[energy]/[substance]/[temperature]"),
        ("thermo/kopp_atomic_heat_capacity.csv", "unit", "[energy]/[substance]/[temperature]"),
    ],
)
def test_units_parse_with_the_expected_dimensionality(table, column, dimensionality):
    for row in read_table(table):
        assert ureg.parse_units(row[column]).dimensionality == ureg.get_dimensionality(dimensionality)


def test_values_are_plausible():
    for found in all_species():
        assert -5000e3 < found.formation_enthalpy <= 0 or found.label in {"H+(aq)", "Cu+2(aq)"}  # Cu2+ is +64.77
        if found.phase != "aq":
            assert 5 < found.cp(max(298.15, found.heat_capacity.t_min)) < 600, found.label  # graphite 8.5
        molten_salt = found.phase == "l" and found.heat_capacity.t_min > 298.15
        assert (
            found.heat_capacity.t_min <= 298.15 <= found.heat_capacity.t_max
            or molten_salt
            or found.label in {"H2SO4(l)"}
        )


def test_spot_checks_against_cited_values():
    # McBride et al. 2002 via the steam and water records; IAPWS Cp(l) = 75.3 J/(mol K)
    assert species("H2O(l)").cp(298.15) == pytest.approx(75.3, abs=0.1)
    assert species("H2O(g)").cp(298.15) == pytest.approx(33.6, abs=0.1)
    # LLNL thermo.com.V8.R6: retgersite -2682.99 kJ/mol
    assert species("NiSO4·6H2O").formation_enthalpy == pytest.approx(-2682.99e3)
    # JANAF/NASA corundum -1675.7 kJ/mol and Cp 79.0 J/(mol K) at 298 K
    assert species("Al2O3").formation_enthalpy == pytest.approx(-1675.7e3)
    assert species("Al2O3").cp(298.15) == pytest.approx(79.0, abs=0.1)


def test_nasa_polynomials_reproduce_their_own_formation_enthalpy():
    # the transcription check: H(298.15) of each record equals the heat of formation on its line 2
    with open(data_dir() / "thermo/nasa9.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for found in all_species():
        if isinstance(found.heat_capacity, Nasa9) and found.heat_capacity.t_min <= 298.15:
            first = found.heat_capacity._interval(298.15)
            row = next(
                r
                for r in rows
                if float(r["t_min"]) == first.t_min and Formula(r["species"]) == Formula(found.formula.text)
            )
            assert first.enthalpy(298.15) == pytest.approx(float(row["dHf_298"]), abs=1.0), found.label


def test_nasa_heat_capacity_is_continuous_within_a_record():
    for found in all_species():
        model = found.heat_capacity
        if isinstance(model, Nasa9):
            for before, after in zip(model.intervals, model.intervals[1:], strict=False):
                t = before.t_max
                assert after.cp(t) == pytest.approx(before.cp(t), rel=0.15), (found.label, t)


def test_formation_enthalpy_matches_nasa_where_both_exist_or_says_why():
    with open(data_dir() / "thermo/nasa9.csv", newline="") as handle:
        nasa = {(r["species"], r["phase"]): float(r["dHf_298"]) for r in csv.DictReader(handle)}
    for row in read_table("thermo/formation_enthalpy.csv"):
        key = (row["species"], row["phase"])
        if key in nasa and abs(float(row["dHf_298"]) * 1000 - nasa[key]) > 1.0:
            assert "NASA" in row["note"], f"{key}: differs from NASA without a note"


def _formation(label):
    return species(label).formation_enthalpy / 1000


@pytest.mark.parametrize(
    ("mixed", "shares"),
    [
        ("Ni1/3Mn1/3Co1/3", (Fraction(1, 3), Fraction(1, 3), Fraction(1, 3))),
        ("Ni0.5Mn0.3Co0.2", (Fraction(1, 2), Fraction(3, 10), Fraction(1, 5))),
        ("Ni0.6Mn0.2Co0.2", (Fraction(3, 5), Fraction(1, 5), Fraction(1, 5))),
        ("Ni0.8Mn0.1Co0.1", (Fraction(4, 5), Fraction(1, 10), Fraction(1, 10))),
    ],
)
def test_nmc_estimates_are_mole_weighted_end_members(mixed, shares):
    ni, mn, co = (float(x) for x in shares)
    hydroxide = ni * _formation("Ni(OH)2") + mn * _formation("Mn(OH)2") + co * _formation("Co(OH)2")
    oxide = ni * _formation("LiNiO2") + mn * _formation("LiMnO2") + co * _formation("LiCoO2")
    assert _formation(f"{mixed}(OH)2") == pytest.approx(hydroxide, abs=1e-3)
    assert _formation(f"Li{mixed}O2") == pytest.approx(oxide, abs=1e-3)
    assert species(f"Li{mixed}O2").estimated == ("formation_enthalpy", "heat_capacity")


def test_lithium_manganese_oxide_estimate_is_the_oxide_sum():
    # 1/2 Li2O (-597.88, NASA) + 1/2 Mn2O3 (-959.0, NBS 1982)
    assert _formation("LiMnO2") == pytest.approx((-597.88 - 959.0) / 2, abs=1e-9)


KCAL = 4.184  # kJ per thermochemical kcal, as llnl.dat's comments are written


def test_iron_phosphates_are_their_from_oxide_enthalpies_plus_the_oxides():
    # Iyer et al. 2006, from oxides at 25 C: LiFePO4 -151.52, trigonal FePO4 -102.01 kJ/mol;
    # oxides: Li2O -597.88 and Fe2O3 -824.248 and P4O10 -3010.1 (NASA), FeO -65.02 kcal/mol (LLNL)
    li2o, fe2o3, p4o10, feo = -597.88, -824.248, -3010.1, -65.02 * KCAL
    assert _formation("LiFePO4") == pytest.approx(-151.52 + li2o / 2 + feo + p4o10 / 4, abs=1e-3)
    assert _formation("FePO4") == pytest.approx(-102.01 + fe2o3 / 2 + p4o10 / 4, abs=1e-3)
    assert _formation("Li2O") == pytest.approx(li2o)  # the same NASA value the data use
    # the olivine analogue: LiMnPO4 with MnO (-92.07 kcal/mol, LLNL) for FeO, flagged
    mno = -92.07 * KCAL
    assert _formation("LiMnPO4") == pytest.approx(-151.52 + li2o / 2 + mno + p4o10 / 4, abs=1e-3)
    assert species("LiMnPO4").estimated == ("formation_enthalpy", "heat_capacity")


def test_lnmo_estimate_takes_the_from_oxide_enthalpy_of_its_manganese_spinel():
    # LiMn2O4 (-1381, Wang and Navrotsky 2005) = 1/2 Li2O + 1/2 Mn2O3 + MnO2 + dH_ox; LLNL Mn2O3 -958.971,
    # MnO2 -520.031, NiO -57.3 kcal/mol; LiNi0.5Mn1.5O4 = 1/2 Li2O + 1/2 NiO + 3/2 MnO2 + the same dH_ox
    li2o, mn2o3, mno2, nio = -597.88, -958.971, -520.031, -57.3 * KCAL
    from_oxides = -1381 - (li2o / 2 + mn2o3 / 2 + mno2)
    assert from_oxides == pytest.approx(-82.5435, abs=1e-4)
    assert _formation("LiNi0.5Mn1.5O4") == pytest.approx(from_oxides + li2o / 2 + nio / 2 + 1.5 * mno2, abs=1e-3)
    assert species("LiNi0.5Mn1.5O4").estimated == ("formation_enthalpy", "heat_capacity")


def test_iron_sulfate_and_phosphate_hydrates_dissolve_and_dehydrate_as_measured():
    # llnl.dat: melanterite dissolves with +11.7509 kJ/mol (FeSO4·7H2O -> Fe+2 + SO4-2 + 7 H2O)
    dissolution = _formation("FeSO4(aq)") + 7 * _formation("H2O(l)") - _formation("FeSO4·7H2O")
    assert dissolution == pytest.approx(11.7509, abs=0.1)
    # strengite -> trigonal FePO4 + 2 H2O(l): endothermic, a few tens of kJ/mol, as a hydrate's loss of water is
    dehydration = _formation("FePO4") + 2 * _formation("H2O(l)") - _formation("FePO4·2H2O")
    assert 0 < dehydration < 60


@pytest.mark.parametrize(
    ("salt", "ions"),
    [
        ("NiSO4(aq)", ["Ni+2(aq)", "SO4-2(aq)"]),
        ("CoSO4(aq)", ["Co+2(aq)", "SO4-2(aq)"]),
        ("MnSO4(aq)", ["Mn+2(aq)", "SO4-2(aq)"]),
        ("Na2SO4(aq)", ["Na+(aq)", "Na+(aq)", "SO4-2(aq)"]),
        ("NaOH(aq)", ["Na+(aq)", "OH-(aq)"]),
        ("LiOH(aq)", ["Li+(aq)", "OH-(aq)"]),
        ("Li2SO4(aq)", ["Li+(aq)", "Li+(aq)", "SO4-2(aq)"]),
        ("H2SO4(aq)", ["H+(aq)", "H+(aq)", "SO4-2(aq)"]),
    ],
)
def test_aqueous_electrolytes_are_the_sum_of_their_ions(salt, ions):
    assert species(salt).formation_enthalpy == pytest.approx(sum(species(i).formation_enthalpy for i in ions))
    assert species(salt).cp(298.15) == pytest.approx(sum(species(i).cp(298.15) for i in ions))


def test_kopp_rows_are_the_sum_of_atomic_contributions():
    atomic = {row["element"]: float(row["cp"]) for row in read_table("thermo/kopp_atomic_heat_capacity.csv")}
    kopp_rows = [row for row in read_table("thermo/heat_capacity.csv") if row["source"] == "felder2016"]
    assert len(kopp_rows) == 38
    for row in kopp_rows:
        elements = Formula(row["species"]).elements
        expected = sum(atomic.get(e, atomic["*"]) * float(n) for e, n in elements.items())
        assert float(row["cp"]) == pytest.approx(expected, abs=1e-3), row["species"]
        assert row["estimate"] == "yes"
        assert row["note"].startswith("Kopp's rule; range estimated: "), row["species"]  # the ranges have no source


def test_every_species_has_one_heat_capacity_model():
    for found in all_species():
        assert isinstance(found.heat_capacity, Nasa9 | ConstantHeatCapacity)
        assert found.sources["heat_capacity"]


def test_species_without_phase_takes_its_standard_state():
    assert species("H2O").phase == "l"
    assert species("NH3").phase == "g"
    assert species("NaOH").phase == "s"


def test_unknown_species_suggests_known_phases():
    with pytest.raises(UnknownSpeciesError) as caught:
        species("NiSO4(g)")
    assert caught.value.suggestions == ("NiSO4(s)", "NiSO4(aq)")
    with pytest.raises(KeyError):
        species("NaCl")


def test_enthalpy_is_formation_plus_sensible_heat():
    # constant Cp: H(T) = ΔfH + Cp (T - 298.15); Kopp's rule Cp of LiOH·H2O = 26.0 + 2*16.7 + 3*9.6
    monohydrate = species("LiOH·H2O")
    cp = 26.0 + 2 * 16.7 + 3 * 9.6
    assert monohydrate.enthalpy(373.15) == pytest.approx(-788.0e3 + cp * 75.0, rel=1e-12)


@pytest.mark.parametrize(
    ("salt", "melting", "fusion"),
    # NASA Glenn records (McBride et al. 2002): melting point [K] and heat of fusion [kJ/mol]
    [
        ("NaOH", 594.0, 6.36),
        ("LiOH", 746.0, 20.9),
        ("Li2CO3", 1005.0, 41.4),
        ("Na2SO4", 1157.0, 23.5),
        ("Li2SO4", 1131.0, 9.3),
    ],
)
def test_molten_salts_join_their_solids_with_the_heat_of_fusion(salt, melting, fusion):
    solid, liquid = species(f"{salt}(s)"), species(f"{salt}(l)")
    assert liquid.heat_capacity.t_min == pytest.approx(melting)
    assert (liquid.enthalpy(melting) - solid.enthalpy(melting)) / 1000 == pytest.approx(fusion, abs=0.05)
