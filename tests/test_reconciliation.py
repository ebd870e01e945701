"""Reconciliation against element balances: the closed form by hand, the tests, observability."""

import math
from pathlib import Path

import pytest

from flowsheet import Flowsheet, solve
from flowsheet.errors import DataFileError, FlowsheetError
from flowsheet.operations import Feed, Mixer, Product, Splitter
from flowsheet.reconciliation import Measurement, reconcile


def _split(c_kind="product"):
    # one stream of nickel sulfate split in two: a = b + c for every element
    sheet = Flowsheet("split")
    sheet.add(
        Feed("a", {"NiSO4(aq)": "1 mol/s", "H2O(l)": "50 mol/s"}),
        Splitter("split", fractions={"b": 0.6, "c": 0.4}),
        Product("b"),
        Product("c", kind=c_kind),
    )
    sheet.connect("a", "split")
    sheet.connect("split.b", "b")
    sheet.connect("split.c", "c")
    return solve(sheet, "1 kg", product="NiSO4(aq)")  # the structure: streams and the elements each can carry


def test_three_streams_reconcile_as_by_hand():
    # Ni measured in a, b, c: 100, 60, 38 kg/s, each sd 1. The imbalance a - b - c = 2 is spread by the
    # weights: x = y - V A^T (A V A^T)^-1 A y with A = [1, -1, -1], A V A^T = 3, so each moves by 2/3
    found = reconcile(_split(), _around_split((100.0, 60.0, 38.0), (1.0, 1.0, 1.0)))
    assert found.measurements["reconciled"].tolist() == pytest.approx([100 - 2 / 3, 60 + 2 / 3, 38 + 2 / 3], rel=1e-12)
    assert found.chi_square == pytest.approx(4 / 3, rel=1e-12)  # (A y)^2 / (A V A^T) = 4 / 3
    assert found.degrees_of_freedom == 1
    assert found.critical == pytest.approx(3.841, abs=1e-3)  # chi-square, 1 degree of freedom, 95 %
    assert not found.gross_error
    # cov(r) = V A^T (A V A^T)^-1 A V has diagonal 1/3: z = (2/3) / sqrt(1/3) = 2 / sqrt(3) for all three,
    # and z^2 = chi-square, as it must with one balance
    assert found.measurements["z"].abs().tolist() == pytest.approx([2 / 3**0.5] * 3, rel=1e-9)


def test_unequal_weights_move_the_least_certain_measurement_most():
    found = reconcile(_split(), _around_split((100.0, 60.0, 38.0), (0.5, 0.5, 2.0)))
    # A V A^T = 0.25 + 0.25 + 4 = 4.5; c moves by 4 * 2 / 4.5, a and b by 0.25 * 2 / 4.5
    assert found.measurements["adjustment"].tolist() == pytest.approx([-1 / 9, 1 / 9, 16 / 9], rel=1e-12)


def test_a_gross_error_is_flagged_and_rejects_the_global_test():
    found = reconcile(_split(), _around_split((100.0, 60.0, 30.0), (1.0, 1.0, 1.0)))
    assert found.gross_error  # chi-square 100 / 3 = 33.3 > 3.84
    # with one balance no measurement can be told from the others: dropping any leaves nothing to test
    assert not found.measurements["flagged"].any()


def test_serial_elimination_finds_the_one_bad_measurement_of_a_redundant_chain():
    # Ni measured five times along a chain that carries it whole: a, split.b and split.c around the
    # splitter, then twice more downstream of b. The 8-sd error in one of them is flagged; no other is
    results = _chain()
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


def test_bad_measurements_are_refused_all_at_once_at_their_positions():
    with pytest.raises(DataFileError) as caught:
        reconcile(
            _split(),
            [
                Measurement("nowhere", "Ni", 1.0, 1.0),
                Measurement("a", "Co", 1.0, 1.0),
                Measurement("a", "Ni", 1.0, 0.0, line=7, unit="kg/h"),
                Measurement("a", "Ni", -1.0, 1.0),
            ],
        )
    issues = [(line, field) for line, field, _, _ in caught.value.issues]
    assert issues == [(1, "stream"), (2, "quantity"), (7, "sd"), (4, "value")]  # built in code: position, else line
    assert "no stream 'nowhere'" in str(caught.value)
    assert "neither a total nor an element" in str(caught.value)
    # 0 kg/s shown in the row's own unit, with the least accepted: 1e-12 kg/s * 3600 s/h = 3.6e-09 kg/h
    assert "standard deviation 0 kg/h is not positive and at least 3.6e-09 kg/h" in str(caught.value)


def _command(path, rows, capsys):
    """``flowsheet reconcile`` of the sulfate route on `rows` of a measurements file: its status, out and err."""
    from pathlib import Path

    from flowsheet.cli import main

    route = Path(__file__).parents[1] / "routes" / "nmc811_sulfate.yaml"
    path.write_text("stream,quantity,value,sd,unit\n" + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    status = main(["reconcile", str(route), str(path)])
    out, err = capsys.readouterr()
    return status, out, err


def test_the_command_reads_measurements_in_any_mass_flow_unit(tmp_path, capsys):
    path = tmp_path / "measured.csv"
    # Ni through the dryer and the kiln, in kg/h and t/d: 1 t/d = 41.667 kg/h
    rows = ["filter.cake,Ni,500,5,kg/h", "dry.dry,Ni,12.3,0.12,t/d", "calcine.product,Ni,505,5,kg/h"]
    status, out, _ = _command(path, rows, capsys)
    assert status == 0
    assert "the global test accepts at 95%" in out
    assert "dry.dry Ni" in out
    assert max(len(line) for line in out.splitlines()) <= 100  # fits a 100-column terminal
    status, _, err = _command(path, ["filter.cake,Ni,500,5,kg"], capsys)
    assert status == 1
    assert f"{path}:2: unit: 'kg' is a mass, not a flow" in err  # named at its line


def _chain():
    # Ni through a splitter and two mixers in a row: split.b, m1 and m2 all carry the same flow b
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
    return solve(sheet, "1 kg", product="Ni")


HOUR = 3600.0  # s/h


def test_a_5e14_kg_per_hour_reading_is_flagged_and_the_correct_ones_are_not():
    # one flow b read three times, sd 5 kg/h each: 500, 505 and 5e14 kg/h. With equal sds the estimate
    # is the mean, r_i = y_i - mean and var(r_i) = sd^2 (1 - 1/3), so z_i = (y_i - mean) / (sd sqrt(2/3)):
    # the 5e14 reading's |z| is twice the others', (2 M - 1005) / 3 against (M - 1005 + ...) / 3.
    # (The old test forced z to 0 where sd sqrt(2/3) = 1.1e-3 kg/s < 1e-12 (1 + 1.4e11 kg/s): the
    # wild reading was kept and a correct one flagged.)
    big, sd = 5e14, 5.0
    measured = [
        Measurement("split.b", "Ni", 500 / HOUR, sd / HOUR, line=2, unit="kg/h"),
        Measurement("m1", "Ni", 505 / HOUR, sd / HOUR, line=3, unit="kg/h"),
        Measurement("m2", "Ni", big / HOUR, sd / HOUR, line=4, unit="kg/h"),
    ]
    found = reconcile(_chain(), measured)
    table = found.measurements
    assert table["flagged"].tolist() == [False, False, True]
    first_z = (2 * big - 1005) / 3 / (sd * (2 / 3) ** 0.5)  # 8.2e13, computed, not forced to 0
    assert table.loc["m2 Ni", "z"] == pytest.approx(first_z, rel=1e-6)
    # set aside, the two left agree: mean 502.5, z = -+(505 - 500) / 2 / (5 sqrt(1/2)) = -+0.707,
    # chi-square = (505 - 500)^2 / (2 * 5^2) = 0.5 on 1 degree of freedom
    assert table["z"].tolist()[:2] == pytest.approx([-(5 / 2) / (5 * 0.5**0.5), (5 / 2) / (5 * 0.5**0.5)], rel=1e-9)
    assert found.chi_square == pytest.approx(0.5, rel=1e-9)
    assert found.degrees_of_freedom == 1
    assert (table["reconciled"] * HOUR).tolist() == pytest.approx([502.5] * 3, rel=1e-9)
    assert not found.gross_error


def test_standard_deviations_1e4_apart_flag_the_wrong_reading_not_the_precise_one():
    # b read 60 (sd 1e-4), 60.2 and 75 (sd 1). By the closed form, exactly: weights w = 1/sd^2,
    # mean = sum(w y) / sum(w), var(r_i) = sd_i^2 - 1/sum(w), z_i = (y_i - mean) / sqrt(var(r_i))
    from fractions import Fraction

    y = [Fraction(60), Fraction(602, 10), Fraction(75)]
    sds = [Fraction(1, 10**4), Fraction(1), Fraction(1)]
    w = [1 / s**2 for s in sds]
    mean = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / sum(w)
    z = [float(yi - mean) / float(si**2 - 1 / sum(w)) ** 0.5 for yi, si in zip(y, sds, strict=True)]
    assert abs(z[2]) > abs(z[0]) > 3  # 15.0 against 10.75: the 75 is the worst, the precise 60 is next
    measured = [
        Measurement(s, "Ni", float(v), float(d)) for s, v, d in zip(("split.b", "m1", "m2"), y, sds, strict=True)
    ]
    found = reconcile(_chain(), measured)
    assert found.measurements["flagged"].tolist() == [False, False, True]
    # the z that flagged it, from the first pass, is kept
    assert found.measurements["z"].iloc[2] == pytest.approx(z[2], rel=1e-6)


def test_a_measurement_nothing_checks_is_not_testable_and_keeps_its_value():
    # split.c is measured once, very loosely (sd 1e5), and a is not measured: nothing else fixes c, so
    # its residual is 0 with variance 0 (not redundant): z is NaN, never flagged, and it is reconciled
    # to its own 40 exactly (the old pseudo-inverse gave -30); a = b + c = 60 + 40 then follows
    measured = [
        Measurement("split.b", "Ni", 60.0, 1e-3),
        Measurement("m1", "Ni", 60.0, 1e-3),
        Measurement("m2", "Ni", 60.0, 1e-3),
        Measurement("split.c", "Ni", 40.0, 1e5),
    ]
    found = reconcile(_chain(), measured)
    row = found.measurements.loc["split.c Ni"]
    assert math.isnan(row["z"])
    assert row["note"] == "not testable"
    assert not row["flagged"]
    assert row["reconciled"] == pytest.approx(40.0, rel=1e-12)
    assert found.flows.loc["a.out->split.feed", "Ni [kg/s]"] == pytest.approx(100.0, rel=1e-12)


def test_a_balance_that_pulls_an_unmeasured_flow_negative_is_named():
    # a = 50 and b = 60 (sd 0.1): c = a - b = -10 is observable, and negative
    measured = [
        Measurement("a", "Ni", 50.0, 0.1),
        Measurement("split.b", "Ni", 60.0, 0.1),
        Measurement("m1", "Ni", 60.0, 0.1),
    ]
    found = reconcile(_chain(), measured)
    assert found.flows.loc["split.c->c.in", "Ni [kg/s]"] == pytest.approx(-10.0, rel=1e-9)
    assert found.negative == ("split.c->c.in Ni",)
    assert "NEGATIVE reconciled flows: split.c->c.in Ni" in str(found)


def test_two_readings_the_tests_cannot_tell_apart_are_both_suspect_and_neither_set_aside():
    # Ni and Co each measured at filter.cake and dry.dry would be two one-balance pairs; here the chain
    # b is read three times (split.b, m1, m2 around equal flows) and a, c once each around the splitter:
    # a = b + c is one balance of a and c with the b's, whose residuals move exactly together
    measured = [
        Measurement("a", "Ni", 130.0, 1.0),
        Measurement("split.c", "Ni", 40.0, 1.0),
        Measurement("split.b", "Ni", 60.0, 1.0),
        Measurement("m1", "Ni", 60.1, 1.0),
        Measurement("m2", "Ni", 59.9, 1.0),
    ]
    found = reconcile(_chain(), measured)
    table = found.measurements
    # a and c enter only a - c - b = 0: their rows of the residual space are parallel, |z_a| = |z_c|
    assert abs(table.loc["a Ni", "z"]) == pytest.approx(abs(table.loc["split.c Ni", "z"]), rel=1e-9)
    assert not table["flagged"].any()
    assert table.loc["a Ni", "note"] == table.loc["split.c Ni", "note"] == "gross error in one of 2 alike?"
    assert found.gross_error


def _around_split(values, sds):
    """Ni measured in a, split.b and split.c."""
    return [
        Measurement(s, "Ni", float(v), float(d))
        for s, v, d in zip(("a", "split.b", "split.c"), values, sds, strict=True)
    ]


def test_reconciled_values_carry_their_standard_deviations_by_hand():
    # cov(ŷ) = V - V a (aᵀ V a)⁻¹ aᵀ V for the one balance a = [1, -1, -1]; with sds 0.5, 0.5, 2:
    # aᵀ V a = 4.5, var(ŷ_a) = 0.25 - 0.25² / 4.5 and var(ŷ_c) = 4 - 4² / 4.5
    found = reconcile(_split(), _around_split((100, 60, 38), (0.5, 0.5, 2.0)))
    expected = [math.sqrt(0.25 - 0.0625 / 4.5), math.sqrt(0.25 - 0.0625 / 4.5), math.sqrt(4 - 16 / 4.5)]
    assert found.measurements["reconciled sd"].tolist() == pytest.approx(expected, rel=1e-12)
    # the flows carry the same: each stream's Ni is one measured quantity here
    assert found.flow_sd["Ni sd [kg/s]"].tolist() == pytest.approx(expected, rel=1e-12)
    assert found.flow_sd["S sd [kg/s]"].isna().all()  # sulfur is measured nowhere: not observable, no spread


def test_the_same_flow_measured_twice_reconciles_to_the_weighted_mean_and_its_spread():
    # a and its split measured; a twice, sds 1 and 2: with b and c exact-ish the two readings of a are pooled
    measured = [
        Measurement("a", "Ni", 100.0, 1.0),
        Measurement("a", "Ni", 103.0, 2.0),
        Measurement("split.b", "Ni", 60.0, 1e-6),
        Measurement("split.c", "Ni", 40.5, 1e-6),
    ]
    found = reconcile(_split(), measured)
    # a is fixed by b + c to 100.5 within 1.4e-6; its sd is theirs, sqrt(2) 1e-6, not the readings'
    assert found.flows.loc["a.out->split.feed", "Ni [kg/s]"] == pytest.approx(100.5, abs=1e-5)
    assert found.flow_sd.loc["a.out->split.feed", "Ni sd [kg/s]"] == pytest.approx(math.sqrt(2) * 1e-6, rel=1e-3)
    pooled = reconcile(_split(), measured[:2] + [Measurement("split.b", "Ni", 60.0, 1.0)])
    # with b alone below a, c is not measured: a is the pooled reading, 1 / sd² = 1 + 1/4
    assert pooled.flow_sd.loc["a.out->split.feed", "Ni sd [kg/s]"] == pytest.approx(1 / math.sqrt(1.25), rel=1e-12)
    assert pooled.flows.loc["a.out->split.feed", "Ni [kg/s]"] == pytest.approx((100 + 103 / 4) / 1.25, rel=1e-12)


def test_the_reconciled_spread_is_what_repeated_surveys_show():
    # an independent check of the covariance: 1,500 noisy surveys of the same true flows
    import numpy as np

    generator = np.random.default_rng(26)
    sds = np.array([0.5, 0.8, 2.0])
    true = np.array([100.0, 60.0, 40.0])
    structure = _split()
    found = []
    for _ in range(1500):
        values = true + generator.normal(0.0, sds)
        found.append(reconcile(structure, _around_split(values, sds)).measurements["reconciled"].to_numpy())
    spread = np.std(found, axis=0, ddof=1)
    stated = reconcile(structure, _around_split(true, sds)).measurements["reconciled sd"].to_numpy()
    assert spread == pytest.approx(stated, rel=0.06)  # 1,500 surveys: a standard deviation to about 2 %


def _separator():
    # a slurry filtered without washing: the cake takes the solid Ni(OH)2 and 30 % liquor, the filtrate the rest
    from flowsheet.operations import Washer

    sheet = Flowsheet("separator")
    sheet.add(
        Feed("slurry", {"Ni(OH)2(s)": "1 mol/s", "NiSO4(aq)": "0.2 mol/s", "H2O(l)": "60 mol/s"}),
        Washer("filter", cake_moisture=0.3),
        Product("cake"),
        Product("filtrate", kind="wastewater"),
    )
    sheet.connect("slurry", "filter.slurry")
    sheet.connect("filter.cake", "cake")
    sheet.connect("filter.filtrate", "filtrate")
    return solve(sheet, "1 kg", product="Ni(OH)2")


def test_totals_with_exact_assays_reconcile_as_the_two_product_formula_says():
    # With the Ni assays f, c, t of feed, cake and filtrate exact, the balances leave one direction:
    # (F, C, T) = λ (1, s, 1 - s), s = (f - t) / (c - t) the two-product formula, and the measured
    # totals y fix λ by weighted least squares: λ = Σ y_i d_i / σ_i² / Σ d_i² / σ_i².
    from flowsheet.reconciliation import element_flows

    structure = _separator()
    streams = {
        "slurry": "slurry.out->filter.slurry",
        "cake": "filter.cake->cake.in",
        "filtrate": "filter.filtrate->filtrate.in",
    }
    flows = {name: element_flows(structure, stream) for name, stream in streams.items()}
    totals = {name: sum(flow.values()) for name, flow in flows.items()}
    assay = {name: flows[name]["Ni"] / totals[name] for name in flows}
    split = (assay["slurry"] - assay["filtrate"]) / (assay["cake"] - assay["filtrate"])
    measured_totals = {"slurry": 1.03 * totals["slurry"], "cake": 0.97 * totals["cake"], "filtrate": totals["filtrate"]}
    sds = {"slurry": 0.02 * totals["slurry"], "cake": 0.01 * totals["cake"], "filtrate": 0.02 * totals["filtrate"]}
    names = {"slurry": "slurry", "cake": "filter.cake", "filtrate": "filter.filtrate"}
    measured = [Measurement(names[n], "total", measured_totals[n], sds[n]) for n in names]
    measured += [Measurement(names[n], "Ni", assay[n], 1e-12 + 1e-9 * assay[n], assay=True) for n in names]
    found = reconcile(structure, measured)
    direction = {"slurry": 1.0, "cake": split, "filtrate": 1.0 - split}
    weight = {n: 1 / sds[n] ** 2 for n in names}
    size = sum(measured_totals[n] * direction[n] * weight[n] for n in names) / sum(
        direction[n] ** 2 * weight[n] for n in names
    )
    reconciled = found.measurements["reconciled"]
    for n in names:
        assert reconciled[f"{names[n]} total"] == pytest.approx(size * direction[n], rel=1e-7)
        assert reconciled[f"{names[n]} Ni"] == pytest.approx(assay[n], rel=1e-7)  # exact assays stay put


def test_measured_assays_and_totals_reconcile_to_flows_that_balance_every_element():
    from flowsheet.reconciliation import element_flows

    structure = _separator()
    names = {"slurry": "slurry.out->filter.slurry", "filter.cake": "filter.cake->cake.in",
             "filter.filtrate": "filter.filtrate->filtrate.in"}  # fmt: skip
    measured = []
    for (name, stream), error in zip(names.items(), (1.02, 0.98, 1.01), strict=True):
        flow = element_flows(structure, stream)
        total = sum(flow.values())
        measured.append(Measurement(name, "total", error * total, 0.02 * total))
        measured.append(
            Measurement(name, "Ni", flow["Ni"] / total * (2.0 - error), 0.01 * flow["Ni"] / total, assay=True)
        )
    found = reconcile(structure, measured)
    table, flows = found.measurements, found.flows
    # the reconciled Ni is the reconciled assay times the reconciled total, and it balances
    for name, stream in names.items():
        assert flows.loc[stream, "Ni [kg/s]"] == pytest.approx(
            table.loc[f"{name} Ni", "reconciled"] * table.loc[f"{name} total", "reconciled"], rel=1e-9
        )
    into = flows.loc["slurry.out->filter.slurry"]
    out = flows.loc["filter.cake->cake.in"] + flows.loc["filter.filtrate->filtrate.in"]
    assert into["Ni [kg/s]"] == pytest.approx(out["Ni [kg/s]"], rel=1e-9)
    assert table["reconciled sd"].notna().all()
    assert found.degrees_of_freedom == 2  # 6 measured, 4 fixed: the split, the slurry's size and two Ni shares...


def test_the_command_reads_assays_in_percent_and_shows_them_in_it(tmp_path, capsys):
    path = tmp_path / "survey.csv"
    # the kiln's product (LiNi0.8Mn0.1Co0.1O2 is 48.6 % Ni by mass) and its feed, totals and assays
    rows = ["dry.dry,total,1180,25,kg/h", "dry.dry,Ni,51.0,0.4,%", "calcine.product,total,1010,20,kg/h"]
    status, out, _ = _command(path, [*rows, "calcine.product,Ni,48.6,0.3,%"], capsys)
    assert status == 0
    assert "calcine.product Ni [%]" in out
    assert "flows in kg/h; an assay in the unit its row names" in out
    assert max(len(line) for line in out.splitlines()) <= 100
    status, _, err = _command(path, ["dry.dry,Ni,151,0.4,%", "dry.dry,total,1,1,%"], capsys)
    assert status == 1
    assert f"{path}:2: value: '151' % is more than the whole stream" in err
    assert f"{path}:3: quantity: a stream's total has no assay" in err


def test_the_flows_the_data_do_not_fix_are_named():
    # Ni around the splitter: a, b and c are fixed; sulfur, oxygen and hydrogen are measured nowhere
    found = reconcile(_split(), _around_split((100, 60, 38), (1, 1, 1)))
    assert "a.out->split.feed Ni" not in found.unobservable
    assert set(found.unobservable) == {f"{s} {e}" for s in found.flows.index for e in ("S", "O", "H")}


def test_clean_surveys_set_off_the_global_test_about_as_often_as_its_level_says():
    # 200 surveys of the five-reading chain with noise alone: at 95 % about 5 % reject, within 2-9 %
    import numpy as np

    generator = np.random.default_rng(2612)
    results, truth = _chain(), np.array([100.0, 60.0, 60.0, 60.0, 40.0])
    names = ("a", "split.b", "m1", "m2", "split.c")
    alarms = 0
    for _ in range(200):
        values = truth + generator.normal(0.0, 1.0, 5)
        found = reconcile(results, [Measurement(n, "Ni", float(v), 1.0) for n, v in zip(names, values, strict=True)])
        alarms += bool(found.measurements["flagged"].any() or found.gross_error)
    assert 0.02 <= alarms / 200 <= 0.09


def test_a_stock_that_grows_over_the_survey_is_the_balance_of_what_came_in_and_went_out():
    # Ni into the splitter 100 kg/s, out 60 + 30: the unit held 10 kg/s more over the survey. Its stock,
    # read at 500 and 5,500 kg over 500 s (sd 10 kg each), grew by 10 kg/s, sd √200 / 500; with it the
    # balance a - b - c - accumulation = 0 holds the readings as they are: nothing to adjust
    measured = [*_around_split((100, 60, 30), (1, 1, 1))]
    measured += [
        Measurement("split", "Ni", 500.0, 10.0, time="start"),
        Measurement("split", "Ni", 5500.0, 10.0, time="end"),
    ]
    found = reconcile(_split(), measured, period=500.0)
    table = found.measurements
    assert table.loc["split stock Ni", "measured"] == pytest.approx(10.0, rel=1e-12)
    assert table.loc["split stock Ni", "sd"] == pytest.approx(math.sqrt(200) / 500, rel=1e-12)
    assert table["adjustment"].abs().max() < 1e-9
    assert found.chi_square == pytest.approx(0.0, abs=1e-12)
    assert found.flows.loc["split stock", "Ni [kg/s]"] == pytest.approx(10.0, rel=1e-9)
    # without the stock the same readings disagree: 100 - 60 - 30 = 10 kg/s is an imbalance, 10 / √3 sd's
    assert reconcile(_split(), measured[:3]).chi_square == pytest.approx(100 / 3, rel=1e-12)


def test_a_stock_read_at_one_end_or_without_a_period_is_refused_at_its_line():
    measured = [*_around_split((100, 60, 30), (1, 1, 1)), Measurement("split", "Ni", 500.0, 10.0, line=5, time="start")]
    with pytest.raises(DataFileError, match="a stock's change needs the survey's period"):
        reconcile(_split(), measured)
    with pytest.raises(DataFileError, match=r":5: time: split's Ni stock has no end"):
        reconcile(_split(), measured, period=500.0)


def test_the_command_reads_stocks_with_a_time_column(tmp_path):
    from flowsheet.reconciliation import read_measurements

    path = tmp_path / "survey.csv"
    path.write_text(
        "stream,quantity,value,sd,unit,time\n"
        "a,Ni,100,1,kg/s,\n"
        "split,Ni,0.5,0.01,t,start\n"
        "split,Ni,5.5,0.01,t,end\n"
        "split,Ni,3,0.01,kg/s,end\n"
        "split,Ni,3,0.01,t,\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError) as caught:
        read_measurements(path, _split())
    text = str(caught.value)
    assert ":5: unit: a stock is a mass: 'kg/s' is not" in text
    assert ":6: unit: 't' is a mass, not a flow" in text
    path.write_text("stream,quantity,value,sd,unit,time\nsplit,Ni,0.5,0.01,t,start\nsplit,Ni,5.5,0.01,t,end\n")
    stocks = read_measurements(path, _split())
    assert [(m.time, m.value) for m in stocks] == [("start", 500.0), ("end", 5500.0)]  # in kg


def test_the_command_takes_the_survey_period_for_stocks(tmp_path, capsys):
    from flowsheet.cli import main

    path = tmp_path / "survey.csv"
    # the dryer holds 250 kg more Ni after 8 h: 31.25 kg/h of the 500 in stays, 470 leaves
    rows = [
        "filter.cake,Ni,500,5,kg/h,",
        "dry.dry,Ni,470,5,kg/h,",
        "dry,Ni,1.20,0.02,t,start",
        "dry,Ni,1.45,0.02,t,end",
    ]
    path.write_text("stream,quantity,value,sd,unit,time\n" + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    route = str(Path(__file__).parents[1] / "routes" / "nmc811_sulfate.yaml")
    assert main(["reconcile", route, str(path), "--period", "8 h"]) == 0
    out = capsys.readouterr().out
    assert "dry stock Ni      31.25" in out  # measured: (1450 - 1200) kg / 8 h
    assert "the global test accepts" in out
    assert main(["reconcile", route, str(path)]) == 1
    assert ":4: time: a stock's change needs the survey's period" in capsys.readouterr().err  # its first row


def test_the_accountability_of_an_element_by_hand():
    # a splits into product b and waste c; Ni read 100, 60, 38 (sd 1): â = 100 - 2/3, b̂ = 60 + 2/3, and
    # cov(ŷ) = I - a aᵀ / 3 with a = (1, -1, -1): var â = var b̂ = 2/3, cov(â, b̂) = 1/3. The recovery
    # R = b̂ / â has, to first order, var R = (var b̂ - 2 R cov + R² var â) / â²
    found = reconcile(_split("waste"), _around_split((100, 60, 38), (1, 1, 1)))
    table = found.accountability()
    fed, made = 100 - 2 / 3, 60 + 2 / 3
    recovery = made / fed
    assert table.loc["Ni", "in [kg/s]"] == pytest.approx(fed, rel=1e-12)
    assert table.loc["Ni", "product [kg/s]"] == pytest.approx(made, rel=1e-12)
    assert table.loc["Ni", "other out [kg/s]"] == pytest.approx(38 + 2 / 3, rel=1e-12)
    assert table.loc["Ni", "in sd [kg/s]"] == pytest.approx(math.sqrt(2 / 3), rel=1e-12)
    assert table.loc["Ni", "recovery [-]"] == pytest.approx(recovery, rel=1e-12)
    variance = (2 / 3 - 2 * recovery / 3 + recovery**2 * 2 / 3) / fed**2
    assert table.loc["Ni", "recovery sd [-]"] == pytest.approx(math.sqrt(variance), rel=1e-9)
    # the loss to waste L = ĉ / â alike, with cov(â, ĉ) = 1/3 and var ĉ = 2/3; here R + L = 1, the balance
    loss = (38 + 2 / 3) / fed
    assert table.loc["Ni", "loss [-]"] == pytest.approx(loss, rel=1e-12)
    assert table.loc["Ni", "loss [-]"] + table.loc["Ni", "recovery [-]"] == pytest.approx(1.0, rel=1e-12)
    variance = (2 / 3 - 2 * loss / 3 + loss**2 * 2 / 3) / fed**2
    assert table.loc["Ni", "loss sd [-]"] == pytest.approx(math.sqrt(variance), rel=1e-9)
    from dataclasses import replace

    from flowsheet.reconciliation import reconcile_campaign

    shift = [replace(m, survey="1") for m in _around_split((100, 60, 38), (1, 1, 1))]
    summary = reconcile_campaign(_split("waste"), shift).summary()  # the scrap trend, a survey a row
    assert summary.loc["1", "Ni loss [-]"] == pytest.approx(loss, rel=1e-12)
    assert summary.loc["1", "Ni loss sd [-]"] == pytest.approx(math.sqrt(variance), rel=1e-9)
    assert math.isnan(table.loc["S", "in [kg/s]"])  # measured nowhere
    assert math.isnan(table.loc["S", "in sd [kg/s]"])


def test_the_command_accounts_for_each_element_with_its_recovery(tmp_path, capsys):
    # Ni fed as metal 500 kg/h, in the product 505 and the filter cake 498 (one flow): the product reconciles
    # to 501.5 against a feed of 500 that nothing else checks, so the recovery is 100.30 %
    rows = ["metals,Ni,500,5,kg/h", "calcine.product,Ni,505,5,kg/h", "filter.cake,Ni,498,5,kg/h"]
    status, out, _ = _command(tmp_path / "survey.csv", rows, capsys)
    assert status == 0
    assert "accounted per element (kg/h)" in out
    assert "Ni       500 ± 5  501.5 ± 3.5" in out
    assert "100.30% ±" in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_a_campaign_is_reconciled_survey_by_survey_and_one_that_cannot_be_does_not_stop_the_rest():
    from dataclasses import replace

    from flowsheet.reconciliation import reconcile_campaign

    first = [replace(m, survey="shift 1") for m in _around_split((100, 60, 38), (1, 1, 1))]
    second = [replace(m, survey="shift 2") for m in _around_split((100, 60, 30), (1, 1, 1))]
    third = [replace(m, survey="shift 3") for m in _around_split((100, 60, 40), (1, 1, 1))[:2]]  # no redundancy
    campaign = reconcile_campaign(_split("waste"), first + third + second)
    summary = campaign.summary()
    assert list(summary.index) == ["shift 1", "shift 3", "shift 2"]  # as the file names them
    assert campaign.surveys["shift 1"].chi_square == pytest.approx(4 / 3, rel=1e-12)  # as on its own
    assert summary.loc["shift 2", "global test"] == "rejects"  # 100 - 60 - 30 = 10: 100/3 against 3.84
    assert summary.loc["shift 1", "Ni recovery [-]"] == pytest.approx((60 + 2 / 3) / (100 - 2 / 3), rel=1e-12)
    assert "not redundant" in campaign.failed["shift 3"]
    assert summary.loc["shift 3", "global test"].startswith("not reconciled")


def test_the_command_reconciles_a_campaign_file_a_survey_a_line(tmp_path, capsys):
    rows = [
        "survey,period,stream,quantity,value,sd,unit",
        "d1,8 h,metals,Ni,500,5,kg/h",
        "d1,8 h,calcine.product,Ni,495,5,kg/h",
        "d1,8 h,filter.cake,Ni,498,5,kg/h",
        "d2,8 h,metals,Ni,505,5,kg/h",
    ]
    path = tmp_path / "campaign.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    from flowsheet.cli import main

    assert main(["reconcile", str(Path(__file__).parents[1] / "routes" / "nmc811_sulfate.yaml"), str(path)]) == 0
    out = capsys.readouterr().out
    assert "2 surveys reconciled one by one at 95%" in out
    assert "accepts (0.18 vs 3.84)  99.30% ±" in out
    assert "d2: the measurements are not redundant" in out
    assert max(len(line) for line in out.splitlines()) <= 100
    path.write_text("\n".join([rows[0], rows[4]]) + "\n", encoding="utf-8")  # no survey can be reconciled
    assert main(["reconcile", str(Path(__file__).parents[1] / "routes" / "nmc811_sulfate.yaml"), str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 survey reconciled one by one" in out
    assert "d2      not reconciled, below" in out


def test_assays_and_a_stock_reconcile_together(tmp_path, capsys):
    # the dryer's stock grows while its inlet is weighed and assayed: the linearisation starts the stock at zero
    rows = ["filter.cake,total,1450,15,kg/h,", "filter.cake,Ni,34.0,0.2,%,", "dry.dry,Ni,470,5,kg/h,",
            "dry,Ni,1.20,0.02,t,start", "dry,Ni,1.45,0.02,t,end"]  # fmt: skip
    path = tmp_path / "survey.csv"
    path.write_text("stream,quantity,value,sd,unit,time\n" + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    from flowsheet.cli import main

    route = str(Path(__file__).parents[1] / "routes" / "nmc811_sulfate.yaml")
    assert main(["reconcile", route, str(path), "--period", "8 h"]) == 0
    out = capsys.readouterr().out
    assert "filter.cake Ni [%]" in out
    assert "dry stock Ni" in out


def test_correlated_readings_are_weighed_by_their_covariance_by_hand():
    # a read twice, sds 1 and 2, errors correlated 0.25: V = [[1, 0.5], [0.5, 4]], V⁻¹ = [[4, -0.5], [-0.5, 1]] / 3.75.
    # The estimate weighs the readings by 1ᵀV⁻¹ / 1ᵀV⁻¹1 = (0.875, 0.125), its variance 1 / 1ᵀV⁻¹1 = 0.9375,
    # and chi-square is (y₂ - y₁)² / var(y₂ - y₁) = 16 / (1 + 4 - 2 · 0.5) = 4
    measured = [Measurement("a", "Ni", 100.0, 1.0), Measurement("a", "Ni", 104.0, 2.0)]
    labels = ("a Ni (line 1)", "a Ni (line 2)")
    found = reconcile(_split(), measured, correlations={labels: 0.25})
    assert found.flows.loc["a.out->split.feed", "Ni [kg/s]"] == pytest.approx(100.5, rel=1e-12)
    assert found.flow_sd.loc["a.out->split.feed", "Ni sd [kg/s]"] == pytest.approx(math.sqrt(0.9375), rel=1e-12)
    assert found.chi_square == pytest.approx(4.0, rel=1e-12)
    assert abs(found.measurements["z"].iloc[0]) == pytest.approx(2.0, rel=1e-12)  # z² = chi-square, one check
    independent = reconcile(_split(), measured)
    assert independent.flows.loc["a.out->split.feed", "Ni [kg/s]"] == pytest.approx(100.8, rel=1e-12)  # 4:1 weights
    with pytest.raises(FlowsheetError, match="no measurement 'a Ni'"):
        reconcile(_split(), measured, correlations={("a Ni", "a Ni (line 2)"): 0.5})
    with pytest.raises(FlowsheetError, match="outside"):
        reconcile(_split(), measured, correlations={labels: 1.0})
    # three readings pairwise 0.9, 0.9 and -0.9 cannot hold together: the matrix is not positive definite
    three = _around_split((100, 60, 38), (1, 1, 1))
    impossible = {("a Ni", "split.b Ni"): 0.9, ("a Ni", "split.c Ni"): 0.9, ("split.b Ni", "split.c Ni"): -0.9}
    with pytest.raises(FlowsheetError, match="not positive definite"):
        reconcile(_split(), three, correlations=impossible)


def test_splits_step_by_step_and_a_lab_batch_beside_a_pilot_campaign():
    from dataclasses import replace

    from flowsheet.reconciliation import reconcile_campaign, side_by_side

    # one batch: b's share of a is b̂ / â = (60 + 2/3) / (100 - 2/3), its variance (var b̂ - 2 s cov + s² var â) / â²
    lab = reconcile(_split(), _around_split((100, 60, 38), (1, 1, 1)))
    fed, made = 100 - 2 / 3, 60 + 2 / 3
    share = made / fed
    splits = lab.splits()
    assert splits.loc[("split", "split.b->b.in", "Ni"), "share"] == pytest.approx(share, rel=1e-12)
    variance = (2 / 3 - 2 * share / 3 + share**2 * 2 / 3) / fed**2
    assert splits.loc[("split", "split.b->b.in", "Ni"), "share sd"] == pytest.approx(math.sqrt(variance), rel=1e-9)
    # two shifts of a pilot line, each balanced as read: b takes 55 % and 65 %, so 60 % ± 7.07 % shift to shift
    shifts = [replace(m, survey="1") for m in _around_split((100, 55, 45), (1, 1, 1))]
    shifts += [replace(m, survey="2") for m in _around_split((100, 65, 35), (1, 1, 1))]
    table = side_by_side(lab=lab, pilot=reconcile_campaign(_split(), shifts))
    row = table.loc[("split", "split.b->b.in", "Ni")]
    assert list(table.columns) == ["lab share", "lab sd", "pilot share", "pilot sd"]
    assert row["lab share"] == pytest.approx(share, rel=1e-12)
    assert row["pilot share"] == pytest.approx(0.60, rel=1e-12)
    assert row["pilot sd"] == pytest.approx(0.05 * math.sqrt(2), rel=1e-9)


def test_the_command_reads_correlated_errors_from_their_own_file(tmp_path, capsys):
    # the cake's Ni read twice, sds 5 and 10 kg/h, correlated 0.25: chi-square is (510 - 500)² / var(y₂ - y₁),
    # var = 25 + 100 - 2 · 0.25 · 5 · 10 = 100, so 1; independent, 100 / 125 = 0.8
    rows = ["filter.cake,Ni,500,5,kg/h", "filter.cake,Ni,510,10,kg/h"]
    status, out, _ = _command(tmp_path / "survey.csv", rows, capsys)
    assert status == 0
    assert "chi-square 0.8," in out
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        "first,second,correlation\nfilter.cake Ni (line 2),filter.cake Ni (line 3),0.25\n", encoding="utf-8"
    )
    from flowsheet.cli import main

    route = str(Path(__file__).parents[1] / "routes" / "nmc811_sulfate.yaml")
    assert main(["reconcile", route, str(tmp_path / "survey.csv"), "--correlations", str(pairs)]) == 0
    assert "chi-square 1," in capsys.readouterr().out
    pairs.write_text("first,second,correlation\nfilter.cake Ni,filter.cake Ni (line 3),1.5\n", encoding="utf-8")
    assert main(["reconcile", route, str(tmp_path / "survey.csv"), "--correlations", str(pairs)]) == 1
    err = capsys.readouterr().err
    assert f"{pairs}:2: first: no measurement 'filter.cake Ni'" in err
    assert f"{pairs}:2: correlation: '1.5' is not a number in (-1, 1)" in err


def test_a_campaign_holds_correlations_in_every_survey_that_has_both_readings():
    from dataclasses import replace

    from flowsheet.reconciliation import reconcile_campaign

    # b and c read on one scale, errors correlated 0.5, sds 1: var(a - b - c) = 1 + (1 + 1 + 2 · 0.5) = 4,
    # so chi-square is d² / 4 with d = a - b - c: 2² / 4 = 1 and 4² / 4 = 4 (independent: d² / 3)
    shifts = [replace(m, survey="1") for m in _around_split((100, 60, 38), (1, 1, 1))]
    shifts += [replace(m, survey="2") for m in _around_split((100, 55, 41), (1, 1, 1))]
    pair = {("split.b Ni", "split.c Ni"): 0.5}
    campaign = reconcile_campaign(_split(), shifts, correlations=pair)
    assert campaign.surveys["1"].chi_square == pytest.approx(1.0, rel=1e-12)
    assert campaign.surveys["2"].chi_square == pytest.approx(4.0, rel=1e-12)
    assert reconcile_campaign(_split(), shifts).surveys["2"].chi_square == pytest.approx(16 / 3, rel=1e-12)
    apart = [m for m in shifts if (m.survey, m.stream) != ("2", "split.b")]
    apart = [m for m in apart if (m.survey, m.stream) != ("1", "split.c")]
    with pytest.raises(FlowsheetError, match="no survey measures both 'split.b Ni' and 'split.c Ni'"):
        reconcile_campaign(_split(), apart, correlations=pair)


def test_the_command_reads_correlations_for_a_campaign(tmp_path, capsys):
    from flowsheet.cli import main

    # the cake's and the dried hydroxide's Ni, sds 5 and 10 kg/h, correlated 0.25: var(y₂ - y₁) = 100,
    # so chi-square is 10² / 100 = 1 in shift d1 and 20² / 100 = 4 in d2
    path = tmp_path / "campaign.csv"
    rows = ["d1,filter.cake,Ni,500,5,kg/h", "d1,dry.dry,Ni,510,10,kg/h"]
    rows += ["d2,filter.cake,Ni,500,5,kg/h", "d2,dry.dry,Ni,520,10,kg/h"]
    path.write_text("survey,stream,quantity,value,sd,unit\n" + "\n".join(rows) + "\n", encoding="utf-8")
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("first,second,correlation\nfilter.cake Ni,dry.dry Ni,0.25\n", encoding="utf-8")
    route = str(Path(__file__).parents[1] / "routes" / "nmc811_sulfate.yaml")
    assert main(["reconcile", route, str(path), "--correlations", str(pairs)]) == 0
    out = capsys.readouterr().out
    assert "accepts (1 vs 3.84)" in out
    assert "rejects (4 vs 3.84)" in out
    pairs.write_text("first,second,correlation\nfilter.cake Ni,dry.dry Co,0.25\n", encoding="utf-8")
    assert main(["reconcile", route, str(path), "--correlations", str(pairs)]) == 1
    assert f"{pairs}:2: second: no measurement 'dry.dry Co'" in capsys.readouterr().err


def test_a_wet_total_its_moisture_and_its_dry_total_reconcile_as_least_squares_says():
    # One cake weighed wet (W), dried for its moisture (m) and weighed dry (D): D = W (1 - m) ties
    # the three, and reconciliation is the least squares of the three over that curve. Solved here
    # on its own, over W' and m' alone: min ((W'-W)/σW)² + ((m'-m)/σm)² + ((W'(1-m')-D)/σD)².
    from scipy.optimize import least_squares

    structure = _separator()
    (wet, sd_wet), (moisture, sd_moisture), (dry, sd_dry) = (100.0, 2.0), (0.32, 0.01), (71.0, 1.0)
    measured = [
        Measurement("filter.cake", "total", wet, sd_wet),
        Measurement("filter.cake", "H2O", moisture, sd_moisture, assay=True),
        Measurement("filter.cake", "dry", dry, sd_dry),
    ]
    found = reconcile(structure, measured)

    def residuals(point):
        w, m = point
        return [(w - wet) / sd_wet, (m - moisture) / sd_moisture, (w * (1 - m) - dry) / sd_dry]

    best = least_squares(residuals, [wet, moisture], xtol=1e-15, ftol=1e-15, gtol=1e-15)
    w, m = best.x
    table = found.measurements["reconciled"]
    assert table["filter.cake total"] == pytest.approx(w, rel=1e-9)
    assert table["filter.cake H2O"] == pytest.approx(m, rel=1e-9)
    assert table["filter.cake dry"] == pytest.approx(w * (1 - m), rel=1e-9)
    assert found.chi_square == pytest.approx(2 * best.cost, rel=1e-6)  # the objective at the optimum
    assert found.degrees_of_freedom == 1
    assert found.flows.loc["filter.cake->cake.in", "H2O [kg/s]"] == pytest.approx(w * m, rel=1e-9)


def test_an_assay_of_a_stream_whose_moisture_is_measured_is_of_the_dried_sample():
    # The route's own cake, read exactly: wet total W, moisture m = water / W, and the Ni assay of the
    # dried sample a = Ni / (W - water). Read so, the data agree with the balances (chi-square 0);
    # the cake's Ni is a W (1 - m), and its H counts water's share 2 M_H / M_H2O = 0.1119 of it.
    from flowsheet.chemistry import atomic_weights
    from flowsheet.reconciliation import element_flows

    structure = _separator()
    stream = "filter.cake->cake.in"
    flows = element_flows(structure, stream)
    kinds = structure.components
    water = kinds.index("H2O(l)")
    weight = structure.flow(stream)[water] * kinds.molar_masses[water]  # kg/s of water in the cake
    total = sum(flows.values())
    slurry = element_flows(structure, "slurry.out->filter.slurry")
    measured = [
        Measurement("filter.cake", "total", total, 0.01 * total),
        Measurement("filter.cake", "H2O", weight / total, 0.005, assay=True),
        Measurement("filter.cake", "Ni", flows["Ni"] / (total - weight), 0.002, assay=True),
        Measurement("slurry", "Ni", slurry["Ni"], 0.01 * slurry["Ni"]),
        Measurement("filter.filtrate", "Ni", slurry["Ni"] - flows["Ni"], 0.01 * slurry["Ni"]),
    ]
    found = reconcile(structure, measured)
    assert found.chi_square == pytest.approx(0.0, abs=1e-12)
    ni = flows["Ni"] / (total - weight) * total * (1 - weight / total)
    assert found.flows.loc[stream, "Ni [kg/s]"] == pytest.approx(ni, rel=1e-9)
    masses = atomic_weights()
    share = 2 * masses["H"] / (2 * masses["H"] + masses["O"])
    assert share == pytest.approx(0.1119, abs=1e-4)
    assert found.flows.loc[stream, "H2O [kg/s]"] == pytest.approx(weight, rel=1e-9)
    assert math.isnan(found.flows.loc["slurry.out->filter.slurry", "H2O [kg/s]"])  # not split: its water is in H, O
    wet_basis = [*measured[:2], Measurement("filter.cake", "Ni", flows["Ni"] / total, 0.002, assay=True), *measured[3:]]
    assert reconcile(structure, wet_basis).chi_square > 10  # read as a share of the wet cake, it disagrees


def test_the_command_reads_moisture_and_dry_totals_and_refuses_them_where_no_water_is(tmp_path, capsys):
    path = tmp_path / "survey.csv"
    # the sulfate route's washed cake: ~1,180 kg/h dry hydroxide at 10 % moisture, and the dryer's product
    rows = ["filter.cake,total,1310,25,kg/h", "filter.cake,H2O,10,0.5,%", "dry.dry,total,1180,20,kg/h"]
    status, out, err = _command(path, [*rows, "filter.cake,dry,1175,20,kg/h"], capsys)
    assert status == 0, err
    assert "filter.cake H2O [%]" in out
    assert max(len(line) for line in out.splitlines()) <= 100
    status, _, err = _command(path, ["calcine.product,H2O,1,0.1,%", "filter.cake,dry,3,1,%"], capsys)
    assert status == 1
    assert f"{path}:2: quantity: no water reaches calcine.product" in err
    assert f"{path}:3: quantity: a stream's dry total has no assay" in err


def test_the_command_puts_a_lab_batch_beside_a_pilot_campaign_step_by_step(tmp_path, capsys):
    import numpy as np

    from flowsheet.cli import main

    # The lab batch: Ni of the metal fed (m), the cake (c), the filtrate (f) and the product (p), with
    # m = c + f and c = p. By the constrained least squares of Narasimhan and Jordache (chapter 3),
    # ŷ = y - V Aᵀ (A V Aᵀ)⁻¹ A y, A = [[1, -1, -1, 0], [0, 1, 0, -1]]; the filter sends f̂ / (ĉ + f̂) to the filtrate.
    y, v = np.array([500.0, 498.0, 2.0, 495.0]), np.diag([25.0, 25.0, 0.04, 25.0])
    a = np.array([[1.0, -1.0, -1.0, 0.0], [0.0, 1.0, 0.0, -1.0]])
    m, c, f, p = y - v @ a.T @ np.linalg.solve(a @ v @ a.T, a @ y)
    lab = f / (c + f)
    # two pilot shifts whose filtrates take 12 and 9 of 500 and 505: its mean and shift-to-shift sd
    lab_rows = ["metals,Ni,500,5,kg/h", "filter.cake,Ni,498,5,kg/h", "filter.filtrate,Ni,2,0.2,kg/h"]
    (tmp_path / "lab.csv").write_text(
        "stream,quantity,value,sd,unit\n" + "\n".join([*lab_rows, "calcine.product,Ni,495,5,kg/h"]) + "\n"
    )
    pilot = ["survey,stream,quantity,value,sd,unit"]
    for shift, (fed, cake, filtrate) in (("d1", (500, 488, 12)), ("d2", (505, 496, 9))):
        pilot += [f"{shift},metals,Ni,{fed},5,kg/h", f"{shift},filter.cake,Ni,{cake},5,kg/h"]
        pilot += [f"{shift},filter.filtrate,Ni,{filtrate},0.0001,kg/h", f"{shift},calcine.product,Ni,{cake},5,kg/h"]
    (tmp_path / "pilot.csv").write_text("\n".join(pilot) + "\n")
    route = str(Path(__file__).parents[1] / "routes" / "nmc811_sulfate.yaml")
    beside = ["--beside", str(tmp_path / "lab.csv")]
    assert main(["reconcile", route, str(tmp_path / "pilot.csv"), *beside]) == 0
    out = capsys.readouterr().out
    (row,) = [line for line in out.splitlines() if line.startswith("filter: filter.filtrate Ni")]
    assert f"{lab:.2%} ±" in row
    shares = [12 / 500, 9 / 505]  # the filtrate read 10⁴ times more precisely than the rest: its share is 9 / 505
    assert f"{np.mean(shares):.2%} ± {np.std(shares, ddof=1):.2%}" in row
    assert "calcine" not in out.split("shares of what came in")[1]  # the only outlet takes all in both runs
    assert max(len(line) for line in out.splitlines()) <= 100


def test_a_published_three_metal_two_product_balance_is_reproduced_to_its_printed_precision():
    # L. Lachance and D. Leroux, "Typical reproducibility of metal balances in flotation plants"
    # (slides, presented by S. Gariépy), slide "Simplified statistical data reconciliation",
    # https://www.scribd.com/document/353319033: the Pb, Zn and Cu assays (%) of a feed F, a concentrate
    # C and a tailing T, raw and reconciled to two decimals, and the split C/F = 4.3 % (one decimal).
    # No flow is measured, so the balance is bilinear in the split and the nine assays. The printed
    # table follows from one relative sd for every assay (which one does not matter: scaling every sd
    # alike leaves least squares where it is). Only the element balances matter here, so the three
    # metals are carried by Ni, Co and Mn, and the rest of each stream is free; the feed's total,
    # which nothing checks, sets the scale.
    sheet = Flowsheet("two-product")
    metals = {"NiSO4(aq)": "1 mol/s", "CoSO4(aq)": "1 mol/s", "MnSO4(aq)": "1 mol/s", "H2O(l)": "50 mol/s"}
    sheet.add(Feed("feed", metals), Splitter("cell", fractions={"conc": 0.1, "tail": 0.9}))
    sheet.add(Product("conc"), Product("tail", kind="waste"))
    sheet.connect("feed", "cell")
    sheet.connect("cell.conc", "conc")
    sheet.connect("cell.tail", "tail")
    structure = solve(sheet, "1 kg", product="NiSO4(aq)")
    raw = {"feed": (0.70, 2.98, 0.35), "cell.conc": (13.61, 6.56, 5.11), "cell.tail": (0.18, 2.86, 0.10)}
    printed = {"feed": (0.74, 3.00, 0.33), "cell.conc": (13.03, 6.56, 5.31), "cell.tail": (0.18, 2.84, 0.10)}
    measured = [Measurement("feed", "total", 1.0, 0.01)]
    for stream, assays in raw.items():
        measured += [
            Measurement(stream, metal, value / 100, 0.05 * value / 100, assay=True)
            for metal, value in zip(("Ni", "Co", "Mn"), assays, strict=True)
        ]
    found = reconcile(structure, measured)
    reconciled = found.measurements["reconciled"]
    for stream, assays in printed.items():
        for metal, value in zip(("Ni", "Co", "Mn"), assays, strict=True):
            assert abs(100 * reconciled[f"{stream} {metal}"] - value) <= 0.005 + 1e-9  # half its last digit
    conc = found.flows.loc["cell.conc->conc.in", "Ni [kg/s]"] / reconciled["cell.conc Ni"]
    assert abs(conc / reconciled["feed total"] - 0.043) <= 0.0005
    assert found.degrees_of_freedom == 2  # nine assays, seven unknowns: the split and six grades


def test_a_loss_is_fixed_where_the_outlets_it_sums_are_not():
    # a splits into product b and two wastes c and d; a is read twice (100, 102, sd 1) and b once (60, sd 1).
    # c and d are each free, but their sum is a - b: the loss (c + d) / a = 1 - b / a is known.
    sheet = Flowsheet("three-way")
    sheet.add(
        Feed("a", {"NiSO4(aq)": "1 mol/s", "H2O(l)": "50 mol/s"}),
        Splitter("split", fractions={"b": 0.6, "c": 0.3, "d": 0.1}),
        Product("b"),
        Product("c", kind="waste"),
        Product("d", kind="waste"),
    )
    sheet.connect("a", "split")
    for outlet in "bcd":
        sheet.connect(f"split.{outlet}", outlet)
    structure = solve(sheet, "1 kg", product="NiSO4(aq)")
    found = reconcile(structure, [Measurement("a", "Ni", 100.0, 1.0), Measurement("a", "Ni", 102.0, 1.0),
                                  Measurement("split.b", "Ni", 60.0, 1.0)])  # fmt: skip
    assert "split.c->c.in Ni" in found.unobservable
    assert math.isnan(found.flows.loc["split.c->c.in", "Ni [kg/s]"])
    account = found.accountability().loc["Ni"]
    assert account["in [kg/s]"] == pytest.approx(101.0, rel=1e-12)  # the two readings' mean
    assert account["other out [kg/s]"] == pytest.approx(41.0, rel=1e-12)
    assert account["loss [-]"] == pytest.approx(41 / 101, rel=1e-12)
