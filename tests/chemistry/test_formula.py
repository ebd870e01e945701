import pickle
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowsheet import Formula, molar_mass
from flowsheet.chemistry import atomic_weights
from flowsheet.errors import FlowsheetError, FormulaError
from tests.conftest import CO, LI, MN, NA, NI, H, O, S


def test_nickel_mass_fraction_of_nickel_sulfate_hexahydrate():
    # NiSO4·6H2O = Ni1 S1 O(4+6) H(6*2)
    molar = NI + S + 10 * O + 12 * H  # 262.8394 g/mol
    salt = Formula("NiSO4·6H2O")
    assert salt.elements == {"Ni": 1, "S": 1, "O": 10, "H": 12}
    assert salt.relative_mass == pytest.approx(molar, rel=1e-12)
    assert salt.mass_fraction("Ni") == pytest.approx(NI / molar, rel=1e-12)
    assert salt.mass_fraction("Ni") == pytest.approx(0.22331, abs=5e-6)


def test_sulfate_hexahydrate_per_kg_nickel():
    # one Ni per formula unit: kg salt per kg Ni = M(salt) / M(Ni) = 262.8394 / 58.6934
    ratio = 1 / Formula("NiSO4·6H2O").mass_fraction("Ni")
    assert ratio == pytest.approx((NI + S + 10 * O + 12 * H) / NI, rel=1e-12)
    assert ratio == pytest.approx(4.478, abs=5e-4)


def test_molar_mass_of_nmc811_hydroxide():
    # Ni0.8Mn0.1Co0.1(OH)2: 0.8 Ni + 0.1 Mn + 0.1 Co + 2 O + 2 H
    expected = 0.8 * NI + 0.1 * MN + 0.1 * CO + 2 * O + 2 * H
    assert molar_mass("Ni0.8Mn0.1Co0.1(OH)2").to("g/mol").magnitude == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(92.356, abs=5e-4)


def test_molar_mass_of_nmc811_oxide():
    expected = LI + 0.8 * NI + 0.1 * MN + 0.1 * CO + 2 * O
    assert Formula("LiNi0.8Mn0.1Co0.1O2").relative_mass == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(97.280, abs=5e-4)


def test_molar_mass_is_a_quantity_in_grams_per_mole():
    mass = molar_mass("NaOH")
    assert str(mass.units) == "gram / mole"
    assert mass.magnitude == pytest.approx(NA + O + H, rel=1e-12)


def test_fractional_counts_are_exact():
    cam = Formula("LiNi0.8Mn0.1Co0.1O2")
    assert cam.elements["Ni"] == Fraction(4, 5)  # not 0.8000000000000002
    assert cam.elements["Ni"] + cam.elements["Mn"] + cam.elements["Co"] == 1


def test_fraction_and_decimal_subscripts():
    thirds = Formula("LiNi1/3Mn1/3Co1/3O2")
    assert thirds.elements == {"Li": 1, "Ni": Fraction(1, 3), "Mn": Fraction(1, 3), "Co": Fraction(1, 3), "O": 2}
    assert Formula("Li1.05Ni0.8Co0.15Al0.05O2").elements["Li"] == Fraction(21, 20)


@pytest.mark.parametrize("text", ["NiSO4·6H2O", "NiSO4*6H2O", "NiSO4.6H2O", "H12NiO10S"])
def test_hydrate_separators_agree(text):
    assert Formula(text) == Formula("NiSO4·6H2O")


def test_decimal_point_is_not_a_hydrate_separator():
    # "Ni0.8Mn0.1": the points sit between digits with no water term after them
    assert Formula("Ni0.8Mn0.1Co0.1(OH)2").elements["Ni"] == Fraction(4, 5)
    # "CoSO4.7H2O": a water term follows, so it is a hydrate, not O4.7
    assert Formula("CoSO4.7H2O").elements == {"Co": 1, "S": 1, "O": 11, "H": 14}


def test_glauber_salt_and_adducts():
    assert Formula("Na2SO4·10H2O").elements == {"Na": 2, "S": 1, "O": 14, "H": 20}
    assert Formula("Na2CO3.NaHCO3").elements == {"Na": 3, "C": 2, "O": 6, "H": 1}


def test_nested_brackets_and_charge():
    complex_ion = Formula("[Ni(NH3)6]+2")
    assert complex_ion.elements == {"Ni": 1, "N": 6, "H": 18}
    assert complex_ion.charge == 2


@pytest.mark.parametrize(
    ("text", "charge", "phase"),
    [
        ("Ni+2", 2, None),
        ("SO4-2(aq)", -2, "aq"),
        ("Na+", 1, None),
        ("OH-", -1, None),
        ("H2O(g)", 0, "g"),
        ("LiOH(cr)", 0, "s"),
        ("H2O(l)", 0, "l"),
        ("Ni(s)", 0, "s"),
    ],
)
def test_charge_and_phase_tags(text, charge, phase):
    formula = Formula(text)
    assert (formula.charge, formula.phase) == (charge, phase)


def test_phase_is_part_of_identity_but_not_of_key():
    assert Formula("H2O(l)") != Formula("H2O(g)")
    assert Formula("H2O(l)").key == Formula("H2O(g)").key


def test_mass_fraction_of_absent_element_is_zero():
    assert Formula("NiSO4").mass_fraction("Co") == 0.0


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("NaXx", 3, "unknown element 'Xx'"),
        ("Ni(OH", 3, "'(' is never closed"),
        ("Ni)", 3, "unexpected ')'"),
        ("co", 1, "unexpected 'c'"),
        ("Ni0", 3, "a count of zero"),
        ("NiSO4·", 6, "nothing after the separator"),
        ("Ni O", 3, "unexpected ' '"),
        ("", 1, "empty formula"),
        ("()", 2, "expected an element"),
        ("Ni+0", 3, "charge of zero"),
    ],
)
def test_bad_formulas_point_at_the_offending_character(text, position, words):
    with pytest.raises(FormulaError) as caught:
        Formula(text)
    assert caught.value.position == position
    assert words in str(caught.value)
    assert f"at position {position} in {text!r}" in str(caught.value)


def test_formula_error_is_a_value_error_and_a_flowsheet_error():
    with pytest.raises(ValueError, match="unknown element 'Xx' at position 3 in 'NaXx'"):
        Formula("NaXx")
    assert issubclass(FormulaError, FlowsheetError)


def test_unknown_element_in_mass_fraction():
    with pytest.raises(FormulaError, match="unknown element 'Qq'"):
        Formula("NiSO4").mass_fraction("Qq")


def test_formula_pickles_and_reprs():
    formula = Formula("NiSO4·6H2O")
    assert pickle.loads(pickle.dumps(formula)) == formula
    assert eval(repr(formula)) == formula  # repr is the constructor call


# --- properties ---------------------------------------------------------------------------

SYMBOLS = sorted(atomic_weights())
counts = st.fractions(min_value=Fraction(1, 100), max_value=Fraction(50), max_denominator=100)
compositions = st.dictionaries(st.sampled_from(SYMBOLS), counts, min_size=1, max_size=6)


def _write(composition: dict[str, Fraction], style: str) -> str:
    def number(count: Fraction) -> str:
        if count == 1:
            return ""
        if style == "fraction" or count.denominator not in (1, 2, 4, 5, 10, 20, 25, 50, 100):
            return str(count)
        return format(float(count), "g") if count.denominator != 1 else str(count.numerator)

    return "".join(f"{element}{number(count)}" for element, count in composition.items())


@given(compositions, st.sampled_from(["fraction", "decimal"]))
def test_written_formulas_read_back_exactly(composition, style):
    formula = Formula(_write(composition, style))
    assert formula.elements == composition


@given(compositions)
def test_molar_mass_is_the_sum_of_element_masses(composition):
    weights = atomic_weights()
    expected = sum(float(count) * weights[element] for element, count in composition.items())
    assert Formula(_write(composition, "fraction")).relative_mass == pytest.approx(expected, rel=1e-12)


@given(compositions, st.integers(min_value=1, max_value=12))
def test_hydrate_adds_water(composition, waters):
    if "." in _write(composition, "fraction"):
        return
    anhydrous = Formula(_write(composition, "fraction"))
    hydrate = Formula(f"{_write(composition, 'fraction')}·{waters}H2O")
    water = Formula("H2O").relative_mass
    assert hydrate.relative_mass == pytest.approx(anhydrous.relative_mass + waters * water, rel=1e-12)
