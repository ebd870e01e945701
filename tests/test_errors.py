"""Every error pickles with its fields, and every bad input raises one clear FlowsheetError."""

import pickle
from fractions import Fraction

import pytest

from flowsheet import Formula, Reaction, parse_quantity, species
from flowsheet.errors import (
    DataFileError,
    FlowsheetError,
    FormulaError,
    MissingDataError,
    ReactionError,
    UnbalancedReactionError,
    UnitError,
    UnknownSpeciesError,
)

EXAMPLES = [
    FormulaError("NaXx", 3, "unknown element 'Xx'", "check the symbol"),
    UnitError("wash_ratio", "[volume]/[mass]", "5 kg", "has [mass]", "give it in L/kg"),
    UnknownSpeciesError("NiSO4(g)", "thermo/formation_enthalpy.csv", ("NiSO4(s)",)),
    MissingDataError("NiSO4·6H2O(s)", "thermo/heat_capacity.csv", "valid 273-373 K"),
    DataFileError.one("thermo/nasa9.csv", 12, "t_min", "not a number"),
    ReactionError("Ni -> Co", "no coefficients balance these species", "check"),
    UnbalancedReactionError("A -> B", {"O": Fraction(4)}, {"O": Fraction(9, 2)}),
]


@pytest.mark.parametrize("error", EXAMPLES, ids=lambda e: type(e).__name__)
def test_errors_pickle_and_keep_their_message(error):
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)


@pytest.mark.parametrize("error", EXAMPLES, ids=lambda e: type(e).__name__)
def test_errors_are_flowsheet_errors_and_builtin_errors(error):
    assert isinstance(error, FlowsheetError)
    assert isinstance(error, ValueError | LookupError)


@pytest.mark.parametrize(
    ("bad_input", "error_type"),
    [
        (lambda: Formula("NaXx"), FormulaError),
        (lambda: species("NaCl"), UnknownSpeciesError),
        (lambda: Reaction("Ni -> Ni+2"), UnbalancedReactionError),
        (lambda: parse_quantity("5 kg", "[volume]/[mass]", field="wash_ratio"), UnitError),
    ],
)
def test_each_bad_input_raises_one_clear_error(bad_input, error_type):
    with pytest.raises(FlowsheetError) as caught:
        bad_input()
    assert type(caught.value) is error_type
    message = str(caught.value)
    assert "\n  hint: " in message or "at position" in message
