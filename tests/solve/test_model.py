"""A compiled model takes its parameters by route-file path, in any unit of the right dimension, converted at the door."""

import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import flowsheet
from flowsheet.errors import FlowsheetError, UnitError
from flowsheet.operations import Product
from flowsheet.units import Quantity

ROUTE = flowsheet.load_route(Path(__file__).parents[2] / "routes" / "nmc811_sulfate.yaml")
VARY = ["units.filter.wash_ratio", "units.calcine.temperature", "units.filter.cake_moisture", "prices.Ni"]
MODEL = flowsheet.compile(ROUTE, vary=VARY)


def _si(values):
    return MODEL.solve_si({path: np.atleast_1d(value) for path, value in values.items()}).kpis


@pytest.mark.parametrize(
    ("path", "given", "si"),
    [
        ("units.filter.wash_ratio", Quantity([5, 10], "L/kg"), [0.005, 0.010]),  # m3/kg
        ("units.filter.wash_ratio", Quantity([5, 10], "mL/g"), [0.005, 0.010]),
        ("units.filter.wash_ratio", ["5 L/kg", "0.01 m**3/kg"], [0.005, 0.010]),
        ("units.calcine.temperature", Quantity(800, "degC"), [1073.15]),
        ("units.calcine.temperature", Quantity(1472, "degF"), [1073.15]),
        ("units.calcine.temperature", "1073.15 K", [1073.15]),
        ("prices.Ni", "18000 USD/t", [18.0]),  # USD/kg
        ("units.filter.cake_moisture", [0.2, 0.25], [0.2, 0.25]),  # dimensionless: plain numbers
    ],
)
def test_a_value_in_any_unit_of_its_dimension_solves_as_the_si_number(path, given, si):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no unit stripped anywhere
        found = MODEL.solve({path: given}).kpis
    expected = _si({path: np.array(si)})
    for kpi in ("water_fresh", "energy_total", "cost", "impurity_S_precursor"):
        np.testing.assert_allclose(found[kpi], expected[kpi], rtol=1e-12, atol=0)


@given(st.lists(st.floats(3.0, 10.0), min_size=1, max_size=4))
@settings(max_examples=20, deadline=None)
def test_any_wash_ratio_in_litres_per_kg_is_the_same_solve_as_in_cubic_metres(litres):
    in_litres = MODEL.solve({"units.filter.wash_ratio": Quantity(litres, "L/kg")}).kpis["water_fresh"]
    in_si = _si({"units.filter.wash_ratio": np.array(litres) / 1000})["water_fresh"]
    np.testing.assert_allclose(in_litres, in_si, rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"units.filter.wash_ratio": [5, 10]}, "units.filter.wash_ratio expects m**3/kg, got '[5, 10]': a bare number"),
        (
            {"units.filter.wash_ratio": Quantity(5, "kg")},
            "units.filter.wash_ratio expects m**3/kg ([length] ** 3 / [mass])",
        ),
        ({"prices.Ni": 18}, "prices.Ni expects USD/kg, got '18': a bare number has no unit"),
        ({"units.filter.occluded_fraction": 0.1}, "units.filter.occluded_fraction expects one of"),
        ({"units.filter.wash_ratio": ["5 L/kg"] * 2, "units.filter.cake_moisture": [0.1, 0.2, 0.3]}, "lengths differ"),
    ],
)
def test_a_value_the_model_cannot_read_is_refused_with_what_it_expects(values, words):
    with pytest.raises(UnitError) as caught:
        MODEL.solve(values)
    assert words in str(caught.value)


def test_a_bare_number_is_refused_with_the_unit_to_write_it_in():
    with pytest.raises(UnitError) as caught:
        MODEL.solve({"units.filter.wash_ratio": 5})
    assert "hint: give it with its unit, e.g. '5 L/kg' or a pint Quantity" in str(caught.value)


@pytest.mark.parametrize("path", ["units.nowhere.x", "units.filter.colour", "filter.wash_ratio", "prices."])
def test_a_path_that_names_no_parameter_is_refused_when_compiled(path):
    with pytest.raises(FlowsheetError, match="names no parameter|is not one"):
        flowsheet.compile(ROUTE, vary=[path])


def test_solve_converts_a_quantity_it_is_given_instead_of_dropping_its_unit():
    # was: the magnitudes 5 and 10 taken as m3/kg, 4759 and 9506 kg of fresh water per kg of cathode
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = flowsheet.solve(ROUTE.flowsheet, "1 kg", ROUTE.spec.product,
                                  {"units.filter.wash_ratio": Quantity([5, 10], "L/kg")})  # fmt: skip
    np.testing.assert_allclose(results.kpis["water_fresh"], MODEL.solve(
        {"units.filter.wash_ratio": ["5 L/kg", "10 L/kg"]}).kpis["water_fresh"], rtol=1e-12)  # fmt: skip
    assert results.kpis["water_fresh"][1] - results.kpis["water_fresh"][0] == pytest.approx(
        5 * ROUTE.flowsheet.operation("filter").wash_ratio * 0 + 5 * 0.9494, rel=1e-3
    )  # 5 L/kg more on 0.9494 kg pCAM


def test_the_model_defaults_to_the_routes_uncertain_parameters_basis_and_product():
    model = flowsheet.compile(ROUTE)
    assert model.vary == tuple(ROUTE.uncertain)
    assert (model.basis, model.product) == (ROUTE.spec.basis, ROUTE.spec.product)
    assert model.solve().kpis["product"][0] == pytest.approx(1.0)


def test_solve_is_the_compiled_models_solve_and_reads_the_same_paths_and_units():
    # one spelling: solve(sheet, samples=...) takes route-file paths with units, as a model does
    with pytest.raises(UnitError) as caught:
        flowsheet.solve(ROUTE.flowsheet, samples={"filter.wash_ratio": ["5 L/kg"]})
    assert "hint: write units.filter.wash_ratio" in str(caught.value)
    with pytest.raises(UnitError, match="a bare number has no unit"):
        flowsheet.solve(ROUTE.flowsheet, samples={"units.filter.wash_ratio": [0.005]})
    solved = flowsheet.solve(ROUTE.flowsheet, "1 kg", ROUTE.spec.product, {"units.filter.wash_ratio": ["5 L/kg"]})
    compiled = flowsheet.compile(ROUTE, vary=["units.filter.wash_ratio"]).solve({"units.filter.wash_ratio": "5 L/kg"})
    np.testing.assert_array_equal(solved.flows, compiled.flows)


def test_the_models_of_one_flowsheet_share_its_plans_until_it_changes():
    sheet = flowsheet.load_route("routes/nmc811_sulfate.yaml").flowsheet
    first, second = flowsheet.compile(sheet), flowsheet.compile(sheet)
    first.solve()
    assert second.plans is first.plans
    assert first.plans.plans  # the plan of the nominal solve, kept
    sheet.operation("filter")  # reading changes nothing
    assert flowsheet.compile(sheet).plans is first.plans
    sheet.add(Product("spare"))  # a change: what was built for the flowsheet before no longer applies
    assert first.plans.of(sheet).plans == {}
