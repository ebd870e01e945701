import pickle
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowsheet import Formula, Reaction
from flowsheet.errors import ReactionError, UnbalancedReactionError

CALCINATION = "Ni0.8Mn0.1Co0.1(OH)2 + LiOH·H2O + 1/4 O2 -> LiNi0.8Mn0.1Co0.1O2 + 5/2 H2O"


def _mass_change(reaction: Reaction) -> tuple[float, float]:
    left = sum(float(c) * f.relative_mass for c, f in reaction.reactants)
    right = sum(float(c) * f.relative_mass for c, f in reaction.products)
    return left, right


def test_calcination_with_lithium_hydroxide_balances_and_closes_mass():
    # H: 2 + 3 = 2 * 5/2 ;  O: 2 + 2 + 2 * 1/4 = 2 + 5/2
    rxn = Reaction(CALCINATION)
    assert rxn.coefficient("O2") == Fraction(-1, 4)  # reactants are negative
    assert rxn.coefficient("H2O") == Fraction(5, 2)
    left, right = _mass_change(rxn)
    assert abs(right - left) / left < 1e-12


def test_calcination_without_oxygen_names_the_unbalanced_element():
    with pytest.raises(UnbalancedReactionError) as caught:
        Reaction("Ni0.8Mn0.1Co0.1(OH)2 + LiOH·H2O -> LiNi0.8Mn0.1Co0.1O2 + 5/2 H2O")
    assert caught.value.residuals == {"O": Fraction(1, 2)}  # products - reactants
    assert "add 1/4 O2 to the reactants" in str(caught.value)


def test_each_element_is_checked_on_its_own():
    # one O too few and one H too many on the right: a summed residual would be zero
    with pytest.raises(UnbalancedReactionError) as caught:
        Reaction("NiO2H -> NiOH2")
    assert caught.value.residuals == {"O": Fraction(-1), "H": Fraction(1)}


def test_charge_must_balance():
    with pytest.raises(UnbalancedReactionError) as caught:
        Reaction("Ni -> Ni+2")
    assert caught.value.residuals == {"charge": Fraction(2)}
    assert Reaction("Ni+2 + 2 OH- -> Ni(OH)2").coefficient("OH-") == -2


def test_coefficients_as_decimals_fractions_and_glued_integers():
    assert Reaction("Ni(OH)2 + 0.5 Li2CO3 + 0.25 O2 -> LiNiO2 + H2O + 0.5 CO2") == Reaction(
        "Ni(OH)2 + 1/2 Li2CO3 + 1/4 O2 -> LiNiO2 + H2O + 1/2 CO2"
    )
    assert Reaction("NiSO4 + 2NaOH -> Ni(OH)2 + Na2SO4").coefficient("NaOH") == -2


def test_ions_with_plus_signs_read():
    rxn = Reaction("Na+ + OH- -> NaOH(aq)")
    assert rxn.coefficient("Na+") == -1


def test_balance_finds_smallest_integers():
    assert str(Reaction.balance(["Ni", "H2SO4"], ["NiSO4", "H2"])) == "Ni + H2SO4 -> NiSO4 + H2"
    calcination = Reaction.balance(["Ni0.8Mn0.1Co0.1(OH)2", "LiOH·H2O", "O2"], ["LiNi0.8Mn0.1Co0.1O2", "H2O"])
    # smallest integers: 4 x (1 : 1 : 1/4 -> 1 : 5/2)
    assert calcination == Reaction("4 Ni0.8Mn0.1Co0.1(OH)2 + 4 LiOH·H2O + O2 -> 4 LiNi0.8Mn0.1Co0.1O2 + 10 H2O")
    carbonate = Reaction.balance(["Ni(OH)2", "Li2CO3", "O2"], ["LiNiO2", "H2O", "CO2"])
    assert [int(c) for c, _ in carbonate.reactants] == [4, 2, 1]


def test_balance_with_ions():
    assert str(Reaction.balance(["Ni+2", "OH-"], ["Ni(OH)2"])) == "Ni+2 + 2 OH- -> Ni(OH)2"


def test_balance_says_when_there_is_no_solution():
    with pytest.raises(ReactionError, match="no coefficients balance"):
        Reaction.balance(["Ni"], ["Co"])


def test_balance_says_when_there_is_more_than_one():
    with pytest.raises(ReactionError, match="not unique: 2 independent"):
        Reaction.balance(["H2", "O2"], ["H2O", "H2O2"])


def test_balance_says_when_a_species_takes_no_part():
    with pytest.raises(ReactionError, match="H2O takes no part"):
        Reaction.balance(["NiSO4", "NaOH"], ["Ni(OH)2", "Na2SO4", "H2O"])


def test_balance_says_when_a_species_is_on_the_wrong_side():
    with pytest.raises(ReactionError, match="H2O belongs on the other side"):
        Reaction.balance(["Ni(OH)2", "H2O"], ["NiO"])


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Ni + H2SO4", "expected one arrow"),
        ("Ni -> Ni -> Ni", "expected one arrow"),
        ("Ni + Xx -> Ni", "unknown element 'Xx'"),
        ("0 Ni -> 0 Ni", "coefficient of zero"),
    ],
)
def test_malformed_reactions(text, words):
    with pytest.raises(ReactionError, match=words):
        Reaction(text)


def test_mass_ratio_of_sodium_sulfate_to_hydroxide():
    # per mole: 1 Na2SO4 per 1 Ni(OH)2
    rxn = Reaction("NiSO4 + 2 NaOH -> Ni(OH)2 + Na2SO4")
    expected = Formula("Na2SO4").relative_mass / Formula("Ni(OH)2").relative_mass
    assert rxn.mass_ratio("Na2SO4", per="Ni(OH)2") == pytest.approx(expected, rel=1e-12)


def test_coefficient_of_absent_species():
    with pytest.raises(ReactionError, match="CO2 does not take part"):
        Reaction("Ni + H2SO4 -> NiSO4 + H2").coefficient("CO2")


def test_errors_pickle_with_their_fields():
    with pytest.raises(UnbalancedReactionError) as caught:
        Reaction("Ni -> Ni+2")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert copy.residuals == caught.value.residuals
    assert str(copy) == str(caught.value)


def test_reaction_pickles_and_reprs():
    rxn = Reaction(CALCINATION)
    assert pickle.loads(pickle.dumps(rxn)) == rxn
    assert eval(repr(rxn)) == rxn


# --- property: a random balanced reaction conserves mass ------------------------------------

FORMULAS = [
    "Ni",
    "Co",
    "Mn",
    "H2SO4",
    "NiSO4",
    "H2",
    "O2",
    "H2O",
    "NaOH",
    "Na2SO4",
    "Ni(OH)2",
    "LiOH·H2O",
    "Li2CO3",
    "CO2",
    "LiNiO2",
    "Al2O3",
    "NiSO4·6H2O",
    "Ni0.8Mn0.1Co0.1(OH)2",
]


@given(st.lists(st.sampled_from(FORMULAS), min_size=3, max_size=6, unique=True), st.integers(1, 5))
def test_random_balanced_reactions_conserve_mass(species, split):
    split = 1 + split % (len(species) - 1)
    try:
        rxn = Reaction.balance(species[:split], species[split:])
    except ReactionError:
        return  # not every random set of species can react
    left, right = _mass_change(rxn)
    assert right == pytest.approx(left, rel=1e-12)
    for element in {e for _, f in rxn.reactants + rxn.products for e in f.elements}:

        def atoms(side, element=element):
            return sum(c * f.elements.get(element, 0) for c, f in side)

        assert atoms(rxn.reactants) == atoms(rxn.products)


@pytest.mark.parametrize(
    "text",
    ["Li -> Li", "H2O -> H2O", "2 Li -> 2 Li", "2 Li -> Li + Li", "Li + H2O -> H2O + Li", "1/2 O2 -> 0.5 O2"],
)
def test_issue_a_reaction_that_changes_nothing_is_refused(text):
    # every species is formed exactly as much as it is consumed: the net change is zero,
    # so it balances trivially and would be "accepted" with a heat of reaction of 0
    with pytest.raises(ReactionError, match="changes nothing: its products are its reactants") as caught:
        Reaction(text)
    assert "leave it out" in caught.value.hint


def test_a_change_of_phase_or_a_species_on_both_sides_is_still_a_reaction():
    assert Reaction("H2O(l) -> H2O(g)").coefficient("H2O(g)") == 1
    # H2O on both sides (a catalyst-like spectator) with a real change besides: its net coefficient is 0
    rxn = Reaction("NiSO4·6H2O + H2O -> NiSO4(aq) + 7 H2O")
    assert rxn.coefficient("NiSO4(aq)") == 1
    assert rxn.coefficient("H2O") == 6  # 7 formed - 1 consumed


def test_balancing_the_same_species_on_both_sides_is_refused():
    with pytest.raises(ReactionError, match="changes nothing"):
        Reaction.balance(["Li"], ["Li"])


def test_the_balance_command_refuses_a_null_reaction_with_a_hint(capsys):
    from flowsheet.cli import main

    assert main(["balance", "Li -> Li"]) == 1
    err = capsys.readouterr().err
    assert "'Li -> Li': changes nothing" in err
    assert "\n  hint: " in err


@pytest.mark.parametrize(
    ("reaction", "hint"),
    [
        # no O2 written. Products short of O: Li2CO3 -> Li2O + CO has O 3 -> 1 + 1 = 2, residual -1:
        # 1/2 O2 among the products closes it (the reaction as a chemist would read it gives off O2)
        ("Li2CO3 -> Li2O + CO", "add 1/2 O2 to the products"),
        # reactants short of O: Li2O + CO -> Li2CO3 has O 2 -> 3, residual +1: 1/2 O2 among the reactants
        ("Li2O + CO -> Li2CO3", "add 1/2 O2 to the reactants"),
        # O2 written on the left, too much of it: Ni(OH)2 + LiOH + x O2 -> LiNiO2 + 3/2 H2O needs
        # 2 + 1 + 2x = 2 + 3/2, x = 1/4; with 1/2 written the residual is 7/2 - 4 = -1/2, and O2
        # among the products would "balance" it, but the reaction needs 1/2 - 1/4 = 1/4 on the left
        ("Ni(OH)2 + LiOH + 1/2 O2 -> LiNiO2 + 3/2 H2O(g)", "write 1/4 O2 among the reactants instead of 1/2"),
        # O2 written on the right although it belongs on the left: residual (7/2 + 1/2) - 3 = +1,
        # net O2 on the left 0 - 1/4 + 1/2 = 1/4
        (
            "Ni(OH)2 + LiOH -> LiNiO2 + 3/2 H2O(g) + 1/4 O2",
            "write 1/4 O2 among the reactants and none on the other side",
        ),
        # O2 needed on the right, too little written there: Li2CO3 -> Li2O + CO + x O2, x = 1/2
        ("Li2CO3 -> Li2O + CO + 1/4 O2", "write 1/2 O2 among the products instead of 1/4"),
        # the right O2 on the left, and the same again on the right: residual +1/2, net 1/4 - 1/4 + 1/4
        ("Ni(OH)2 + LiOH + 1/4 O2 -> LiNiO2 + 3/2 H2O(g) + 1/4 O2", "take the O2 out of the products"),
        # O2 written where none is needed: Li2O + CO2 -> Li2CO3 balances alone; residual -1, net 1/2 - 1/2
        ("Li2O + CO2 + 1/2 O2 -> Li2CO3", "leave O2 out"),
    ],
)
def test_issue_22_the_oxygen_hint_puts_o2_on_the_side_the_reaction_needs(reaction, hint):
    with pytest.raises(UnbalancedReactionError) as caught:
        Reaction(reaction)
    assert set(caught.value.residuals) == {"O"}
    assert f"hint: {hint}" in str(caught.value)
    assert pickle.loads(pickle.dumps(caught.value)).hint == caught.value.hint  # the O2 written travels with it
