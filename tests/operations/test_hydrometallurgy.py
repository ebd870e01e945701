"""Solvent extraction: reagents per sulfate moved, derived from the cation-exchange stoichiometry."""

import pytest

from flowsheet import solve
from flowsheet.operations import Feed, Product, SolventExtraction
from tests.flowsheets import joined


def _extract(extracted):
    sheet = joined(
        "sx",
        [
            Feed("liquor", {"NiSO4(aq)": "1 mol/s", "Al2(SO4)3(aq)": "0.1 mol/s", "H2O(l)": "55 mol/s"}),
            Feed("caustic", {"NaOH(aq)": "1 mol"}, dosed=True),
            Feed("acid", {"H2SO4(aq)": "1 mol"}, dosed=True),
            Feed("water", {"H2O(l)": "1 mol"}, dosed=True),
            SolventExtraction("extract", extracted=extracted, molality="1.7 mol/kg"),
            Product("strip"),
            Product("raffinate", kind="wastewater"),
        ],
        [
            ("liquor", "extract.feed"),
            ("caustic", "extract.caustic"),
            ("acid", "extract.acid"),
            ("water", "extract.water"),
            ("extract.product", "strip"),
            ("extract.raffinate", "raffinate"),
        ],
    )
    return sheet


def test_reagents_follow_the_sulfate_moved_not_the_formula_units():
    # M2+ + 2 HA -> MA2 + 2 H+ (2 NaOH), stripped by 1 H2SO4, per SO4 moved:
    # 0.99 mol NiSO4 (1 SO4 each) + 0.5 * 0.1 mol Al2(SO4)3 (3 SO4 each) = 1.14 mol SO4
    results = solve(_extract({"NiSO4(aq)": 0.99, "Al2(SO4)3(aq)": 0.5}), "1 kg", product="NiSO4(aq)")
    moved = 0.99 * 1 + 0.5 * 0.1 * 3
    scale = results.flow("liquor.out->extract.feed")[results.components.index("NiSO4(aq)")]  # mol per basis
    index = results.components.index
    assert results.flow("caustic.out->extract.caustic")[index("NaOH(aq)")] == pytest.approx(2 * moved * scale)
    assert results.flow("acid.out->extract.acid")[index("H2SO4(aq)")] == pytest.approx(moved * scale)
    raffinate = results.flow("extract.raffinate->raffinate.in")
    assert raffinate[index("Na2SO4(aq)")] == pytest.approx(moved * scale)
    assert results.flow("extract.product->strip.in")[index("Al2(SO4)3(aq)")] == pytest.approx(0.05 * scale)
    assert results.closure.worst < 1e-12


@pytest.mark.parametrize("label", ["H2SO4(aq)", "Na2SO4(aq)", "NiCl2"])
def test_only_metal_sulfates_are_extracted(label):
    problems = SolventExtraction("extract", extracted={label: 0.5}, molality="1 mol/kg").problems()
    assert f"{label} is not a metal sulfate" in " ".join(p.message for p in problems)
