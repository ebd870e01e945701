"""Reconciliation against element balances: the closed form by hand, the tests, observability."""

import pytest

from flowsheet import Flowsheet, solve
from flowsheet.errors import FlowsheetError
from flowsheet.operations import Feed, Mixer, Product, Splitter
from flowsheet.reconciliation import Measurement, reconcile


def _split():
    # one stream of nickel sulfate split in two: a = b + c for every element
    sheet = Flowsheet("split")
    sheet.add(
        Feed("a", {"NiSO4(aq)": "1 mol/s", "H2O(l)": "50 mol/s"}),
        Splitter("split", fractions={"b": 0.6, "c": 0.4}),
        Product("b"),
        Product("c"),
    )
    sheet.connect("a", "split")
    sheet.connect("split.b", "b")
    sheet.connect("split.c", "c")
    return solve(sheet, "1 kg", product="NiSO4(aq)")  # the structure: streams and the elements each can carry


def test_three_streams_reconcile_as_by_hand():
    # Ni measured in a, b, c: 100, 60, 38 kg/s, each sd 1. The imbalance a - b - c = 2 is spread by the
    # weights: x = y - V A^T (A V A^T)^-1 A y with A = [1, -1, -1], A V A^T = 3, so each moves by 2/3
    measured = [
        Measurement("a", "Ni", 100.0, 1.0),
        Measurement("split.b", "Ni", 60.0, 1.0),
        Measurement("split.c", "Ni", 38.0, 1.0),
    ]
    found = reconcile(_split(), measured)
    assert found.measurements["reconciled"].tolist() == pytest.approx([100 - 2 / 3, 60 + 2 / 3, 38 + 2 / 3], rel=1e-12)
    assert found.chi_square == pytest.approx(4 / 3, rel=1e-12)  # (A y)^2 / (A V A^T) = 4 / 3
    assert found.degrees_of_freedom == 1
    assert found.critical == pytest.approx(3.841, abs=1e-3)  # chi-square, 1 degree of freedom, 95 %
    assert not found.gross_error
    # cov(r) = V A^T (A V A^T)^-1 A V has diagonal 1/3: z = (2/3) / sqrt(1/3) = 2 / sqrt(3) for all three,
    # and z^2 = chi-square, as it must with one balance
    assert found.measurements["z"].abs().tolist() == pytest.approx([2 / 3**0.5] * 3, rel=1e-9)


def test_unequal_weights_move_the_least_certain_measurement_most():
    measured = [
        Measurement("a", "Ni", 100.0, 0.5),
        Measurement("split.b", "Ni", 60.0, 0.5),
        Measurement("split.c", "Ni", 38.0, 2.0),
    ]
    found = reconcile(_split(), measured)
    # A V A^T = 0.25 + 0.25 + 4 = 4.5; c moves by 4 * 2 / 4.5, a and b by 0.25 * 2 / 4.5
    assert found.measurements["adjustment"].tolist() == pytest.approx([-1 / 9, 1 / 9, 16 / 9], rel=1e-12)


def test_a_gross_error_is_flagged_and_rejects_the_global_test():
    measured = [
        Measurement("a", "Ni", 100.0, 1.0),
        Measurement("split.b", "Ni", 60.0, 1.0),
        Measurement("split.c", "Ni", 30.0, 1.0),
    ]
    found = reconcile(_split(), measured)
    assert found.gross_error  # chi-square 100 / 3 = 33.3 > 3.84
    # with one balance no measurement can be told from the others: dropping any leaves nothing to test
    assert not found.measurements["flagged"].any()


def test_serial_elimination_finds_the_one_bad_measurement_of_a_redundant_chain():
    # Ni measured five times along a chain that carries it whole: a, split.b and split.c around the
    # splitter, then twice more downstream of b. The 8-sd error in one of them is flagged; no other is
    sheet = Flowsheet("chain")
    sheet.add(
        Feed("a", {"Ni": "1 mol/s"}),
        Splitter("split", fractions={"b": 0.6, "c": 0.4}),
        Mixer("m1", inlet_names=("b",)),
        Mixer("m2", inlet_names=("b",)),
        Product("b"),
        Product("c"),
    )
    for pair in ("a split", "split.b m1.b", "m1 m2.b", "m2 b", "split.c c"):
        sheet.connect(*pair.split())
    results = solve(sheet, "1 kg", product="Ni")
    measured = [
        Measurement("a", "Ni", 100.0, 1.0),
        Measurement("split.b", "Ni", 60.3, 1.0),
        Measurement("m1", "Ni", 59.6, 1.0),
        Measurement("m2", "Ni", 68.0, 1.0),
        Measurement("split.c", "Ni", 40.2, 1.0),
    ]
    found = reconcile(results, measured)
    assert found.measurements["flagged"].tolist() == [False, False, False, True, False]
    # without it the rest agree: the global test on what is kept accepts
    assert found.chi_square < found.critical
    # and the flagged stream is estimated from the balance: b's 60 or so, not the 68 measured
    assert found.measurements.loc["m2 Ni", "reconciled"] == pytest.approx(60.0, abs=0.5)


def test_unmeasured_flows_are_estimated_where_observable():
    measured = [Measurement("a", "total", 100.0, 1.0), Measurement("split.b", "total", 60.0, 1.0)]
    with pytest.raises(FlowsheetError, match="not redundant"):
        reconcile(_split(), measured)
    measured.append(Measurement("split.c", "total", 38.0, 1.0))
    found = reconcile(_split(), measured)
    flows = found.flows
    # element by element nothing is measured: each element's flow is unobservable, only their sum is
    assert flows.isna().all().all()


def test_a_mixer_with_one_unmeasured_inlet_estimates_it():
    sheet = Flowsheet("mix")
    sheet.add(
        Feed("x", {"Ni": "1 mol/s"}),
        Feed("y", {"Ni": "1 mol/s"}),
        Feed("w", {"Ni": "1 mol/s"}),
        Mixer("mix", inlet_names=("x", "y", "w")),
        Splitter("split", fractions={"p": 0.5, "q": 0.5}),
        Product("p"),
        Product("q"),
    )
    for pair in ("x mix.x", "y mix.y", "w mix.w", "mix split", "split.p p", "split.q q"):
        sheet.connect(*pair.split())
    sheet = solve(sheet, "1 kg", product="Ni")
    measured = [
        Measurement("x", "Ni", 10.0, 0.1),
        Measurement("y", "Ni", 20.0, 0.1),
        Measurement("split.p", "Ni", 25.0, 0.1),
        Measurement("split.q", "Ni", 26.0, 0.1),
        Measurement("mix", "Ni", 51.0, 0.1),
    ]
    found = reconcile(sheet, measured)
    w = found.flows.loc["w.out->mix.w", "Ni [kg/s]"]
    mixed = found.flows.loc["mix.product->split.feed", "Ni [kg/s]"]
    assert w == pytest.approx(mixed - 10.0 - 20.0, abs=1e-9)  # estimated by the balance
    assert mixed == pytest.approx(51.0, abs=0.1)
    assert found.degrees_of_freedom == 1  # five measurements, four independent flows


def test_bad_measurements_are_refused():
    with pytest.raises(FlowsheetError, match="no stream 'nowhere'"):
        reconcile(_split(), [Measurement("nowhere", "Ni", 1.0, 1.0)])
    with pytest.raises(FlowsheetError, match="neither 'total' nor an element"):
        reconcile(_split(), [Measurement("a", "Co", 1.0, 1.0)])
    with pytest.raises(FlowsheetError, match="standard deviation must be positive"):
        reconcile(_split(), [Measurement("a", "Ni", 1.0, 0.0)])


def test_the_command_reads_measurements_in_any_mass_flow_unit(tmp_path, capsys):
    from pathlib import Path

    from flowsheet.cli import main

    route = Path(__file__).parents[1] / "routes" / "nmc811_sulfate.yaml"
    path = tmp_path / "measured.csv"
    # Ni through the dryer and the kiln, in kg/h and t/d: 1 t/d = 41.667 kg/h
    path.write_text(
        "stream,quantity,value,sd,unit\n"
        "filter.cake,Ni,500,5,kg/h\n"
        "dry.dry,Ni,12.3,0.12,t/d\n"
        "calcine.product,Ni,505,5,kg/h\n",
        encoding="utf-8",
    )
    assert main(["reconcile", str(route), str(path)]) == 0
    out = capsys.readouterr().out
    assert "the global test accepts at 95%" in out
    assert "dry.dry Ni" in out
    path.write_text("stream,quantity,value,sd,unit\nfilter.cake,Ni,500,5,kg\n", encoding="utf-8")
    assert main(["reconcile", str(route), str(path)]) == 1
    assert f"{path}:2 value" in capsys.readouterr().err  # wrong unit: named at its line
