"""Mass balances solved exactly, checked against closed forms derived by hand."""

from dataclasses import dataclass

import numpy as np
import pytest

from flowsheet import Flowsheet, solve
from flowsheet.errors import SolveError
from flowsheet.operations import EvaporativeCrystallizer, Feed, Mixer, Operation, Product, Splitter, Washer
from flowsheet.operations.base import ALL_INLETS, as_vector_scalar
from tests.conftest import NA, NI, H, O, S
from tests.flowsheets import joined

WATER = 2 * H + O  # g/mol


def _loop(recycle, feed):
    sheet = Flowsheet("loop")
    sheet.add(
        Feed("feed", feed),
        Mixer("mix"),
        Splitter("split", fractions={"recycle": recycle, "purge": 1 - recycle}),
        Product("purge"),
    )
    sheet.connect("feed", "mix.in1")
    sheet.connect("mix", "split")
    sheet.connect("split.recycle", "mix.in2")
    sheet.connect("split.purge", "purge")
    return sheet


def test_recycle_with_purge_is_solved_exactly():
    # at steady state the mixer carries F / (1 - r)
    results = solve(_loop(0.7, {"NiSO4(aq)": "1 mol/s", "H2O(l)": "50 mol/s"}), "1 kg")
    components = results.components
    mixed = results.flow("mix.product->split.feed")
    fed = results.flow("feed.out->mix.in1")
    assert mixed == pytest.approx(fed / (1 - 0.7), rel=1e-12)
    assert results.iterations == 1
    assert results.closure.worst < 1e-14
    assert components.labels == ("NiSO4(aq)", "H2O(l)")


def test_crystalliser_with_mother_liquor_recycle_and_bleed():
    # salt into the crystalliser S = F + r (1 - y) S, so crystals y S = y F / (1 - r (1 - y))
    y, r, feed = 0.6, 0.8, 1.0
    sheet = _crystalliser_loop(y, r)
    results = solve(sheet, "1 kg", product="NiSO4·6H2O")
    crystals = results.flow("cryst.crystals->crystals.in")[results.components.index("NiSO4·6H2O")]
    fed = results.flow("feed.out->mix.in1")[results.components.index("NiSO4(aq)")]
    assert crystals / fed == pytest.approx(y / (1 - r * (1 - y)), rel=1e-12)
    # mother liquor water = dissolved salt left / molality: (1 - y) S / 3 mol/kg / M_w
    salt_in = fed / (1 - r * (1 - y)) * feed
    liquor = results.flow("cryst.mother_liquor->split.feed")
    assert liquor[results.components.index("H2O(l)")] == pytest.approx(
        (1 - y) * salt_in / 3.0 / (WATER / 1000), rel=1e-12
    )


def _crystalliser_loop(y, r):
    sheet = joined(
        "crystalliser",
        [
            Feed("feed", {"NiSO4(aq)": "1 mol/s", "H2O(l)": "40 mol/s"}, temperature="40 degC"),
            Mixer("mix"),
            EvaporativeCrystallizer("cryst", products={"NiSO4·6H2O": y}, molality="3 mol/kg", temperature="40 degC"),
            Splitter("split", fractions={"recycle": r, "bleed": 1 - r}),
            Product("crystals"),
            Product("bleed", kind="wastewater"),
            Product("vapor", kind="emission"),
        ],
        [
            ("feed", "mix.in1"),
            ("mix", "cryst"),
            ("cryst.mother_liquor", "split"),
            ("split.recycle", "mix.in2"),
            ("split.bleed", "bleed"),
            ("cryst.crystals", "crystals"),
            ("cryst.vapor", "vapor"),
        ],
    )
    return sheet


def test_filtrate_recycle_through_a_nonlinear_washer_matches_the_closed_form():
    # A slurry (P mol Ni(OH)2, liquor of mass m0 holding S0 mol Na2SO4) meets recycled filtrate.
    # The cake holds L = m_s w / (1 - w) kg of liquor, a fraction f = L / m of the liquor mass m
    # entering the filter; a fraction r of the filtrate returns. Liquor mass balance:
    # m = m0 + r (m - L)  =>  m = (m0 - r L) / (1 - r);  salt: S = S0 / (1 - r (1 - f)).
    p, water0, salt0, w, r = 1.0, 100.0, 1.0, 0.2, 0.5
    m_solid = p * (NI + 2 * O + 2 * H) / 1000
    m0 = (water0 * WATER + salt0 * (2 * NA + S + 4 * O)) / 1000
    held = m_solid * w / (1 - w)
    liquor = (m0 - r * held) / (1 - r)
    fraction = held / liquor
    salt = salt0 / (1 - r * (1 - fraction))

    sheet = _washer_loop(p, water0, salt0, w, r)
    results = solve(sheet, "1 kg", product="Ni(OH)2")
    scale = results.flow("slurry.out->mix.in1")[results.components.index("Ni(OH)2(s)")] / p
    into_filter = results.flow("mix.product->filter.slurry")
    cake = results.flow("filter.cake->cake.in")
    na2so4 = results.components.index("Na2SO4(aq)")
    assert into_filter[na2so4] / scale == pytest.approx(salt, rel=1e-10)
    assert cake[na2so4] / scale == pytest.approx(fraction * salt, rel=1e-10)
    assert 2 < results.iterations < 40
    assert results.closure.worst < 1e-12


def _washer_loop(p, water0, salt0, w, r):
    """A slurry, a washer and the filtrate's recycle (share `r`), as the closed form above sets it up."""
    return joined(
        "filtrate recycle",
        [
            Feed("slurry", {"Ni(OH)2(s)": f"{p} mol/s", "H2O(l)": f"{water0} mol/s", "Na2SO4(aq)": f"{salt0} mol/s"}),
            Mixer("mix"),
            Washer("filter", cake_moisture=w),
            Splitter("split", fractions={"recycle": r, "purge": 1 - r}),
            Product("cake"),
            Product("purge", kind="wastewater"),
        ],
        [
            ("slurry", "mix.in1"),
            ("mix", "filter.slurry"),
            ("filter.filtrate", "split"),
            ("split.recycle", "mix.in2"),
            ("split.purge", "purge"),
            ("filter.cake", "cake"),
        ],
    )


def test_a_species_with_no_way_out_of_a_loop_is_named():
    with pytest.raises(SolveError) as caught:
        solve(_loop(1.0, {"H2O(l)": "1 mol/s"}), "1 kg")
    assert "H2O(l) accumulate(s) in the recycle loop mix -> split" in str(caught.value)
    assert "add a purge" in caught.value.hint


@dataclass(frozen=True, repr=False)
class Flipper(Operation):
    """Send 90 % to recycle while its feed is small, 10 % once it is large: never settles."""

    outlets = ("recycle", "out")
    nonlinear = True
    state_ports = ("feed",)

    def state_values(self, components, inlets):
        return {"share": np.where(inlets["feed"].sum(axis=-1) > 5.0, 0.1, 0.9)}

    def outlet_maps(self, components, state):
        share = as_vector_scalar(0.9 if state is None else state["share"])[..., None]
        eye = np.eye(len(components))
        return {"recycle": {ALL_INLETS: share * eye}, "out": {ALL_INLETS: (1 - share) * eye}}


def test_a_nonlinear_loop_that_does_not_converge_is_named():
    sheet = Flowsheet("flip")
    sheet.add(Feed("feed", {"H2O(l)": "1 mol/s"}), Mixer("mix"), Flipper("flipper"), Product("out"))
    sheet.connect("feed", "mix.in1")
    sheet.connect("mix", "flipper")
    sheet.connect("flipper.recycle", "mix.in2")
    sheet.connect("flipper.out", "out")
    with pytest.raises(
        SolveError,
        match=r"nonlinear units flipper did not converge in 100 iterations \(loop: mix -> "
        r"flipper",
    ):
        solve(sheet)


def test_negative_flows_are_refused_with_the_stream_and_species():
    from flowsheet.operations import Dryer

    sheet = Flowsheet("too wet")
    sheet.add(
        Feed("solid", {"Ni(OH)2(s)": "1 mol/s"}),
        Dryer("dry", moisture=0.1, temperature="110 degC"),
        Product("dry_solid"),
        Product("vapor", kind="emission"),
    )
    sheet.connect("solid", "dry")
    sheet.connect("dry.dry", "dry_solid")
    sheet.connect("dry.vapor", "vapor")
    with pytest.raises(SolveError) as caught:
        solve(sheet, "1 kg")
    assert "stream 'dry.vapor->vapor.in' would carry" in str(caught.value)
    assert "of H2O(g), from unit 'dry'" in str(caught.value)


@pytest.mark.parametrize("basis", ["1 m", "1 MJ", "-1 kg", "0 kg/h", "nan kg"])
def test_basis_must_be_a_positive_mass_or_mass_rate(basis):
    from flowsheet.errors import UnitError

    with pytest.raises(UnitError, match="basis expects a"):  # a positive mass or mass rate, or a number first
        solve(_loop(0.5, {"H2O(l)": "1 mol/s"}), basis)
