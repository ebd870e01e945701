"""Every unit operation class passes the public battery (:func:`flowsheet.testing.check_operation`), and more."""

import dataclasses
import pickle

import pytest

import flowsheet.operations as ops
from flowsheet.chemistry import Reaction
from flowsheet.errors import UnitError
from flowsheet.operations import (
    Calciner,
    ComponentSplitter,
    CoPrecipitator,
    Dissolver,
    Dryer,
    EvaporativeCrystallizer,
    Leach,
    Mixer,
    OnePotReactor,
    ReactionStep,
    Repulper,
    Scrap,
    SolventExtraction,
    Splitter,
    StoichiometricReactor,
    TransportLeg,
    Washer,
)
from flowsheet.operations.base import SI
from flowsheet.testing import check_operation

EXAMPLES = [
    Mixer("mix", inlet_names=("a", "b", "c")),
    Splitter("split", fractions={"recycle": 0.7, "purge": 0.3}),
    Repulper("repulp", solids_fraction=0.3),
    Scrap("scrap", fraction=0.02),
    ComponentSplitter("sieve", fractions={"Ni(OH)2(s)": 0.99}, default=0.01),
    StoichiometricReactor(
        "react", reactions=["Ni + H2SO4(aq) -> NiSO4(aq) + H2(g)", ("Co + H2SO4(aq) -> CoSO4(aq) + H2(g)", "Co", 0.5)]
    ),
    Dissolver(
        "dissolve",
        reactions=["Ni + H2SO4(aq) -> NiSO4(aq) + H2(g)"],
        excess=0.05,
        concentration="2 mol/L",
        solution_density="1.3 kg/L",
        temperature="80 degC",
    ),
    Dissolver(
        "oxidise", reactions=["Co + H2SO4(aq) + 1/2 O2 -> CoSO4(aq) + H2O"], molality="1.5 mol/kg", oxygen_excess=0.2
    ),
    Dissolver("redissolve", reactions=["NiSO4·6H2O -> NiSO4(aq) + 6 H2O"], acid="", molality="2 mol/kg"),
    EvaporativeCrystallizer(
        "crystallize", products={"NiSO4·6H2O": 0.9, "Na2SO4": 0.5}, molality="3 mol/kg", temperature="40 degC"
    ),
    CoPrecipitator(
        "precipitate", product="Ni0.8Mn0.1Co0.1(OH)2", caustic_excess=0.02, ammonia_ratio=0.8, ammonia_recovery=0.9
    ),
    Washer("wash", cake_moisture=0.2, wash_ratio="5 L/kg", wash_efficiency=0.9),
    Dryer("dry", moisture=0.01, temperature="110 degC"),
    Calciner(
        "calcine",
        product="LiNi0.8Mn0.1Co0.1O2",
        precursor="Ni0.8Mn0.1Co0.1(OH)2",
        lithium_ratio=1.05,
        oxygen_excess=0.5,
        temperature="800 degC",
    ),
    Calciner(
        "calcine_carbonate",
        product="LiNi1/3Mn1/3Co1/3O2",
        precursor="Ni1/3Mn1/3Co1/3(OH)2",
        lithium_source="Li2CO3",
        lithium_ratio=1.03,
        temperature="900 degC",
    ),
    Calciner(
        "calcine_nitrogen",
        product="LiAlO2",
        precursor="Al(OH)3",
        lithium_source="LiOH·H2O",
        atmosphere="nitrogen",
        reductant="CH3COOH(l)",
        carbon_residue=0.02,
        temperature="800 degC",
    ),
    OnePotReactor(
        "one_pot",
        product="LiNi0.8Mn0.1Co0.1O2",
        lithium_source="Li2CO3",
        lithium_ratio=1.02,
        coating="Al(OH)3",
        coating_product="Al2O3",
        coating_ratio=0.005,
        reagent="CH3COOH(l)",
        reagent_ratio=2.0,
        reagent_recovery=0.9,
        temperature="800 degC",
    ),
    OnePotReactor(
        "one_pot_waste",
        product="LiNi0.8Mn0.1Co0.1O2",
        lithium_source="LiOH·H2O",
        reagent="CH3COOH(l)",
        reagent_ratio=2.0,
        reagent_fate="waste",
        temperature="800 degC",
    ),
    TransportLeg("ship", mode="sea", distance="12237 km"),
    Leach(
        "leach",
        reactions=[
            (
                "2 LiNi0.8Mn0.1Co0.1O2 + 3 H2SO4(aq) + H2O2(aq) -> 1.6 NiSO4(aq) + 0.2 MnSO4(aq) + "
                "0.2 CoSO4(aq) + Li2SO4(aq) + 4 H2O + O2(g)",
                "LiNi0.8Mn0.1Co0.1O2",
                0.98,
            ),
            ("Cu + H2SO4(aq) + H2O2(aq) -> CuSO4(aq) + 2 H2O", "Cu", 0.9),
        ],
        excess=0.1,
        reductant_excess=0.2,
        molality="1.5 mol/kg",
        temperature="70 degC",
    ),
    SolventExtraction(
        "extract",
        extracted={"NiSO4(aq)": 0.99, "CoSO4(aq)": 0.995, "MnSO4(aq)": 0.98},
        caustic_excess=0.02,
        acid_excess=0.05,
        molality="1.7 mol/kg",
    ),
]
BROKEN = {
    "mix": {"inlet_names": ("a", "a")},
    "split": {"fractions": {"recycle": 0.7, "purge": 0.2}},
    "repulp": {"solids_fraction": SI(0.0)},
    "scrap": {"fraction": SI(1.5)},
    "sieve": {"default": 1.5},
    "react": {"reactions": (ReactionStep(Reaction("Ni + H2SO4(aq) -> NiSO4(aq) + H2(g)"), "Ni", 1.5),)},
    "dissolve": {"solution_density": None},
    "redissolve": {"molality": None},
    "oxidise": {"excess": SI(-0.1)},
    "crystallize": {"products": {"NiSO4·6H2O": 1.2}},
    "precipitate": {"ammonia_recovery": SI(2.0)},
    "wash": {"wash_efficiency": SI(1.5)},
    "dry": {"moisture": SI(1.0)},
    "calcine": {"lithium_ratio": SI(0.9)},
    "calcine_carbonate": {"temperature": None},
    "calcine_nitrogen": {"atmosphere": "vacuum"},
    "one_pot": {"reagent_fate": "recycled"},
    "one_pot_waste": {"reagent_recovery": SI(-0.1)},
    "ship": {"mode": "teleport"},
    "leach": {"reductant_excess": SI(-0.5), "molality": None},
    "extract": {"extracted": {"NiSO4(aq)": 1.5}},
}


def test_every_operation_class_has_an_example():
    classes = {getattr(ops, name) for name in ops.__all__} - {ops.Operation, ops.Feed, ops.Product, ops.ReactionStep}
    assert classes <= {type(example) for example in EXAMPLES}


@pytest.mark.parametrize("operation", EXAMPLES, ids=lambda op: op.name)
def test_every_operation_passes_the_public_battery(operation):
    # conservation per element, zero feed, doses, sampled = one at a time, multilinear terms, copies, broken
    check_operation(operation, broken=BROKEN[operation.name])


BY_NAME = {example.name: example for example in EXAMPLES}


@pytest.mark.parametrize(
    ("name", "changes", "problem"),
    [
        ("oxidise", {"oxygen_excess": SI(-0.1)}, "oxygen_excess must be >= 0, got -0.1"),
        ("dissolve", {"solution_density": SI(-1.0)}, "solution_density must be > 0, got -1"),
        ("leach", {"reductant_excess": SI(-0.5)}, "reductant_excess must be >= 0, got -0.5"),
        ("one_pot", {"reagent_ratio": SI(-1.0)}, "reagent_ratio must be >= 0, got -1"),
        ("precipitate", {"caustic_excess": SI(float("nan"))}, "caustic_excess must be >= 0, got nan"),
        ("wash", {"temperature": SI(-5.0)}, "temperature must be > 0, got -5"),
        ("wash", {"wash_efficiency": SI(1.5)}, "wash_efficiency must be >= 0 and <= 1, got 1.5"),
        ("ship", {"distance": SI(float("nan"))}, "distance must be >= 0, got nan"),
    ],
)
def test_every_bounded_parameter_is_checked_by_the_base_class(name, changes, problem):
    # bounds are declared once, with the parameter; NaN is outside every bound
    found = dataclasses.replace(BY_NAME[name], **changes).problems()
    field, message = problem.split(" ", 1)
    assert (field, message) in [(p.field, p.message) for p in found]
    assert all(p.unit == name and p.hint for p in found)  # located at the unit's field, with what it means


@pytest.mark.parametrize("operation", EXAMPLES, ids=lambda op: op.name)
def test_pickle_and_repr_round_trip(operation):
    assert pickle.loads(pickle.dumps(operation)) == operation
    namespace = {name: getattr(ops, name) for name in ops.__all__} | {"Reaction": Reaction}
    assert eval(repr(operation), namespace) == operation
    assert dataclasses.replace(operation) == operation


@pytest.mark.parametrize(
    ("make", "field", "expected"),
    [
        (lambda: Washer("wash", cake_moisture=0.2, wash_ratio="5 kg"), "wash.wash_ratio", "m**3/kg"),
        (lambda: Dryer("dry", moisture=0.01, temperature=110), "dry.temperature", "K"),
        (lambda: TransportLeg("ship", distance="12 h"), "ship.distance", "m"),
        (lambda: Dissolver("d", molality="2 mol/L"), "d.molality", "mol/kg"),
    ],
)
def test_bad_units_name_the_parameter_and_its_expected_unit(make, field, expected):
    with pytest.raises(UnitError) as caught:
        make()
    assert caught.value.field == field
    assert caught.value.expected.startswith(expected)
