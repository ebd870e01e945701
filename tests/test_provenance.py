"""Where each element of a product came from: through recycles, each unit pooling the atoms it receives."""

from pathlib import Path

import numpy as np
import pytest

from flowsheet import solve
from flowsheet.operations import CoPrecipitator, Feed, Mixer, Product, Splitter, Washer
from flowsheet.provenance import provenance, recycled_content
from flowsheet.route_file import load_route
from tests.flowsheets import joined


def _two_cobalt_feeds(wash_efficiency=1.0):
    # 70 % mined and 30 % recycled cobalt (by mass of Co: the same species, so by moles too);
    # 10 % of the cobalt does not precipitate and returns with 60 % of the filtrate
    sheet = joined(
        "two cobalt feeds",
        [
            Feed("mined", {"CoSO4(aq)": "0.7 mol/s", "H2O(l)": "30 mol/s"}),
            Feed("recycled", {"CoSO4(aq)": "0.3 mol/s", "H2O(l)": "15 mol/s"}, recycled=True),
            Feed("caustic", {"NaOH(aq)": "1 mol", "H2O(l)": "5 mol"}, dosed=True),
            Mixer("mix", inlet_names=("mined", "recycled", "loop")),
            CoPrecipitator("precipitate", product="Co(OH)2", conversion=0.9),
            Washer("filter", cake_moisture=0.2, wash_efficiency=wash_efficiency, wash_ratio="2 L/kg"),
            Feed("wash", {"H2O(l)": "1 mol"}, dosed=True),
            Splitter("split", fractions={"loop": 0.6, "purge": 0.4}),
            Product("cake"),
            Product("purge", kind="wastewater"),
        ],
        [
            ("mined", "mix.mined"),
            ("recycled", "mix.recycled"),
            ("split.loop", "mix.loop"),
            ("mix", "precipitate.feed"),
            ("caustic", "precipitate.caustic"),
            ("precipitate.slurry", "filter.slurry"),
            ("wash", "filter.wash_water"),
            ("filter.cake", "cake"),
            ("filter.filtrate", "split"),
            ("split.purge", "purge"),
        ],
    )
    return sheet


def test_cobalt_from_two_feeds_keeps_its_split_through_a_recycle_loop():
    # an imperfect wash leaves dissolved CoSO4 in the cake: the washer's balance is nonlinear
    results = solve(_two_cobalt_feeds(wash_efficiency=0.9), "1 kg", product="Co(OH)2")
    table = provenance(results, "Co")
    assert table.loc["cake", "mined"] == pytest.approx(0.70, abs=1e-9)
    assert table.loc["cake", "recycled"] == pytest.approx(0.30, abs=1e-9)
    assert table.loc["cake"].sum() == pytest.approx(1.0, abs=1e-12)
    assert results.iterations > 2  # the washer is nonlinear, in the loop


def test_sodium_comes_from_the_dosed_caustic():
    results = solve(_two_cobalt_feeds(), "1 kg", product="Co(OH)2")
    # the washed cake holds no salt; sodium leaves with the purge, all from the caustic
    assert "cake" not in provenance(results, "Na").index


def test_recycled_content_counts_the_metal_not_oxygen_or_hydrogen():
    results = solve(_two_cobalt_feeds(), "1 kg", product="Co(OH)2")
    assert recycled_content(results)["cake"] == pytest.approx(0.30, abs=1e-9)


def test_elements_that_change_compound_keep_shares_between_0_and_1():
    # in the sulfate route S moves from H2SO4 to MSO4 and on to Na2SO4, H between water, acid,
    # caustic and ammonia: each product's shares of each element lie in [0, 1] and sum to 1
    route = load_route(Path(__file__).parents[1] / "routes" / "nmc811_sulfate.yaml")
    results = solve(route.flowsheet, "1 kg", route.spec.product)
    for element in results.components.element_names[:-1]:
        table = provenance(results, element)
        assert ((table >= -1e-12) & (table <= 1 + 1e-12)).all().all(), element
        assert np.allclose(table.sum(axis=1), 1.0, atol=1e-12), element
    # the only feed with sulfur is the acid; the metals and the lithium bring their own elements
    assert provenance(results, "S").loc["cam", "acid"] == pytest.approx(1.0, abs=1e-12)
    assert provenance(results, "Ni").loc["cam", "metals"] == pytest.approx(1.0, abs=1e-12)
    assert provenance(results, "Li").loc["cam", "lithium"] == pytest.approx(1.0, abs=1e-12)


def test_a_unit_pools_the_atoms_it_receives():
    # sodium reaches the cake only as Na2SO4 carried over: all of it from the caustic, and its sulfur
    # (formed from the CoSO4 of both cobalt feeds) 70 / 30 like the cobalt
    results = solve(_two_cobalt_feeds(wash_efficiency=0.9), "1 kg", product="Co(OH)2")
    assert provenance(results, "Na").loc["cake", "caustic"] == pytest.approx(1.0, abs=1e-12)
    assert provenance(results, "S").loc["cake", "mined"] == pytest.approx(0.70, abs=1e-9)


def test_unknown_element():
    results = solve(_two_cobalt_feeds(), "1 kg", product="Co(OH)2")
    with pytest.raises(ValueError, match="'Ni' is not in the flowsheet"):
        provenance(results, "Ni")


def test_trace_shows_every_product_an_element_leaves_by_losses_included(capsys):
    from pathlib import Path

    from flowsheet.batch import solve_loaded
    from flowsheet.cli import main
    from flowsheet.provenance import destinations
    from flowsheet.route_file import load_route
    from tests.conftest import CO, LI, MN, NI, O

    path = Path(__file__).parents[1] / "routes" / "nmc811_recycled.yaml"
    where = destinations(solve_loaded(load_route(path)), "Co")
    # 0.1 Co per formula unit of 1 kg NMC811; the rest of the cobalt leaves by the waste streams
    nmc811 = LI + 0.8 * NI + 0.1 * MN + 0.1 * CO + 2 * O
    assert where.loc["cam", "Co [kg]"] == pytest.approx(0.1 * CO / nmc811, rel=1e-9)
    assert where["share"].sum() == pytest.approx(1.0, rel=1e-12)
    assert set(where["kind"]) == {"product", "waste", "wastewater"}
    assert where.loc["raffinate", "share"] > 0
    assert main(["trace", str(path), "--element", "Co"]) == 0
    out = capsys.readouterr().out
    assert "raffinate  wastewater" in out
