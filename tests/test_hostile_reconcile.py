"""Hostile measurements files: each ends in one located error or a stated, checked result, never an internal error.

The command is driven as a user runs it (``flowsheet reconcile ROUTE CSV``) where the exit status and
what is printed matter; the rest goes through :func:`read_measurements` with the solved route, the
same path the command takes. A hypothesis fuzz of the CSV grammar closes the file: only a
FlowsheetError escapes, and whatever is accepted is finite wherever it is observable.
"""

import functools
import math
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowsheet.batch import solve_loaded
from flowsheet.cli import main
from flowsheet.errors import DataFileError, FlowsheetError
from flowsheet.reconciliation import MAX_BYTES, MAX_MEASUREMENTS, MIN_SD, read_measurements, reconcile
from flowsheet.route_file import load_route
from tests.conftest import LONG, count_outcome
from tests.test_reconciliation import HOUR, _chain

ROUTE = str(Path(__file__).parents[1] / "routes" / "nmc811_sulfate.yaml")
HEADER = "stream,quantity,value,sd,unit\n"
GOOD_ROWS = "filter.cake,Ni,500,5,kg/h\ndry.dry,Ni,500,5,kg/h\ncalcine.product,Ni,505,5,kg/h\n"


@functools.cache
def _route():
    return solve_loaded(load_route(ROUTE))


def _command(capsys, path) -> tuple[int, str, str]:
    code = main(["reconcile", ROUTE, str(path)])
    out, err = capsys.readouterr()
    assert "internal error" not in err
    assert "Traceback" not in err
    return code, out, err


def _refused(path, results=None) -> DataFileError:
    with pytest.raises(DataFileError) as caught:
        read_measurements(path, _route() if results is None else results)
    assert caught.value.path == str(path)
    return caught.value


def _write(tmp_path, text, name="measured.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---- through the command: exit status, file:line on stderr


def test_a_5e14_kg_per_hour_reading_is_flagged_by_the_command(tmp_path, capsys):
    path = _write(
        tmp_path, HEADER + "filter.cake,Ni,5e14,5,kg/h\ndry.dry,Ni,500,5,kg/h\ncalcine.product,Ni,505,5,kg/h\n"
    )
    code, out, _ = _command(capsys, path)
    assert code == 0
    # three readings of one Ni flow: the wild one's |z| is twice the others' (see test_reconciliation)
    assert "gross error suspected in filter.cake Ni (set aside)" in out
    assert "global test accepts" in out  # 500 and 505 left: chi-square (5^2) / (2 * 5^2) = 0.5
    assert out.count("GROSS ERROR?") == 1


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [
        (HEADER.encode() + "filter.cake,Ni,500,5,kg/h\ndry.dry,Ni,5é0,5,kg/h\n".encode("latin-1"), 3, "not UTF-8"),
        (HEADER.encode() + b"filter.cake,Ni,500,5,kg/h\x00\n", 2, "binary"),
        (b"", 1, "is empty"),
        (HEADER.encode(), 1, "holds no measurements"),
        (HEADER.encode() + b"filter.cake,Ni,-500,5,kg/h\n", 2, "value: '-500' is negative"),
        (HEADER.encode() + b"filter.cake,Ni,500,-5,kg/h\n", 2, "sd: '-5' is not positive"),
        (HEADER.encode() + b"filter.cake,Ni,500,0,kg/h\n", 2, "sd: '0' is not positive"),
        (HEADER.encode() + b"filter.cake,Ni,nan,5,kg/h\n", 2, "value: 'nan' is not a number"),
        (HEADER.encode() + b"filter.cake,Ni,500,inf,kg/h\n", 2, "sd: 'inf' is not a number"),
        (HEADER.encode() + b"filter.cake,Ni,1e999,5,kg/h\n", 2, "value: '1e999' is not a finite number"),
        (HEADER.encode() + b"filter.cake,Ni,500,5,kg\n", 2, "unit: 'kg' is a mass, not a flow"),
        (HEADER.encode() + b"nowhere,Ni,500,5,kg/h\n", 2, "stream: no stream 'nowhere'"),
        (HEADER.encode() + b"filter.cake,Xx,500,5,kg/h\n", 2, "quantity: 'Xx' is neither a total nor an element"),
    ],
    ids=["latin-1", "nul", "empty", "header-only", "negative", "negative-sd", "zero-sd", "nan", "inf", "overflow",
         "mass-not-flow", "unknown-stream", "unknown-element"],
)  # fmt: skip
def test_a_bad_file_is_one_located_error_with_exit_1(tmp_path, capsys, content, line, words):
    path = tmp_path / "measured.csv"
    path.write_bytes(content)
    code, out, err = _command(capsys, path)
    assert code == 1
    assert out == ""
    assert err.startswith(f"error: {path}:{line}: ")
    assert words in err
    assert "hint:" in err


@pytest.mark.parametrize("kind", ["folder", "fifo", "device"])
def test_what_is_not_a_regular_file_is_refused_before_it_is_opened(tmp_path, capsys, kind):
    if kind == "folder":
        path = tmp_path
    elif kind == "fifo":
        path = tmp_path / "pipe.csv"
        os.mkfifo(path)  # nothing ever writes: opening it would wait for ever
    else:
        path = Path("/dev/zero")  # endless: reading it would never end
    code, _, err = _command(capsys, path)
    assert code == 1
    assert f"error: {path}: is " in err


def test_every_problem_of_a_file_is_reported_at_once_in_the_users_unit(tmp_path, capsys):
    rows = [
        "=cmd|' /C calc'!A0,Ni,500,5,kg/h",  # formula injection as a stream name
        "@SUM(1),Ni,500,5,kg/h",
        "filter.cake,Ni,500,-5,t/d",  # sd negative, in t/d
        "dry.dry,Ni,-1,5,kg/h",
        "calcine.product,Ni,505,5,kg/h",
    ]
    path = _write(tmp_path, HEADER + "\n".join(rows) + "\n")
    code, out, err = _command(capsys, path)
    assert code == 1
    assert [line.split(": ")[0] for line in err.removeprefix("error: ").splitlines() if not line.startswith(" ")] == [
        f"{path}:2",
        f"{path}:3",
        f"{path}:4",
        f"{path}:5",
    ]
    assert "stream: no stream \"=cmd|' /C calc'!A0\"" in err  # quoted as a token, never bare
    assert "stream: no stream '@SUM(1)'" in err
    assert "sd: '-5' is not positive" in err


def test_a_byte_order_mark_before_the_header_is_dropped(tmp_path, capsys):
    path = tmp_path / "measured.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + GOOD_ROWS).encode())
    code, out, _ = _command(capsys, path)
    assert code == 0
    assert "the global test accepts" in out  # 500, 500, 505 with sd 5: chi-square 50/3 / 25 = 0.67


# ---- through read_measurements and reconcile, as the command calls them


def test_a_file_over_the_byte_limit_is_refused_unread(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:  # 100 MB of nothing, without writing it
        handle.truncate(100_000_000)
    found = _refused(path)
    assert found.problem == f"is over {MAX_BYTES:,} bytes, the limit of such a file"


def test_more_rows_than_the_limit_are_refused_at_the_first_row_over(tmp_path):
    path = _write(tmp_path, HEADER + "filter.cake,Ni,500,5,kg/h\n" * (MAX_MEASUREMENTS + 1))
    found = _refused(path)
    assert (found.line, found.problem) == (MAX_MEASUREMENTS + 2, f"more than {MAX_MEASUREMENTS:,} measurements")


@pytest.mark.parametrize("size", [20_000, 140_000])  # over the cell limit; over the csv module's field limit
def test_a_huge_cell_is_refused_at_its_line(tmp_path, size):
    path = _write(tmp_path, HEADER + "filter.cake,Ni,500,5,kg/h\n" + "x" * size + ",Ni,500,5,kg/h\n")
    assert _refused(path).line == 3


def test_a_standard_deviation_below_the_least_is_refused_in_the_users_unit(tmp_path):
    path = _write(tmp_path, HEADER + "filter.cake,Ni,500,1e-300,kg/h\n")
    found = _refused(path)
    assert (found.line, found.field) == (2, "sd")
    # 1e-12 kg/s * 3600 s/h = 3.6e-09 kg/h
    assert found.problem == f"'1e-300' is below the smallest accepted, {MIN_SD * HOUR:.3g} in the row's unit"


def test_a_quantity_measured_twice_counts_twice_and_each_keeps_its_line(tmp_path):
    # filter.cake's Ni read 500 and 510 (sd 5), dry.dry's 505: one flow read three times, so the
    # estimate is the mean 505 and every reading is named by its line
    path = _write(tmp_path, HEADER + "filter.cake,Ni,500,5,kg/h\nfilter.cake,Ni,510,5,kg/h\ndry.dry,Ni,505,5,kg/h\n")
    found = reconcile(_route(), read_measurements(path, _route()), source=str(path))
    table = found.measurements
    assert list(table.index) == ["filter.cake Ni (line 2)", "filter.cake Ni (line 3)", "dry.dry Ni"]
    assert (table["reconciled"] * HOUR).tolist() == pytest.approx([505.0] * 3, rel=1e-9)
    assert found.degrees_of_freedom == 2


def test_standard_deviations_1e4_and_1e27_apart(tmp_path):
    # 1e4 apart: solved, the precise reading is the one believed (weights 1e8 : 1 : 1)
    measured = read_measurements(
        _write(tmp_path, HEADER + "split.b,Ni,60,1e-4,kg/s\nm1,Ni,60.2,1,kg/s\nm2,Ni,59.8,1,kg/s\n"), _chain()
    )
    found = reconcile(_chain(), measured)
    assert found.measurements["reconciled"].tolist() == pytest.approx([60.0] * 3, abs=1e-6)
    # 1e-12 and 1e15 kg/s, the extremes accepted, on readings of one flow: either solved, or one
    # located error at the two lines
    path = _write(tmp_path, HEADER + "split.b,Ni,60,1e-12,kg/s\nm1,Ni,60,1e15,kg/s\nm2,Ni,60,1,kg/s\n", "wide.csv")
    found = _outcome(lambda: reconcile(_chain(), read_measurements(path, _chain()), source=str(path)))
    if isinstance(found, DataFileError):
        assert [line for line, *_ in found.issues] == [2, 3]
    else:
        assert found.measurements["reconciled"].tolist() == pytest.approx([60.0] * 3, rel=1e-9)


def _outcome(call):
    """The result of `call`, or the FlowsheetError it raised; anything else fails the test. Outcomes are counted."""
    try:
        found = call()
    except FlowsheetError as err:
        count_outcome(f"refused: {type(err).__name__}")
        return err
    count_outcome("accepted")
    return found


# ---- the grammar, fuzzed

STREAMS = [
    "a",
    "split.b",
    "m1",
    "m2",
    "split.c",
    "split",
    "nowhere",
    "=1+1",
    "@SUM(1)",
    "",
    " m1 ",
    "a.out->split.feed",
]
QUANTITIES = ["Ni", "total", "Co", "ni", "", "Ni Ni", "TOTAL"]
UNITS = ["kg/s", "kg/h", "t/d", "g/s", "kg", "mol/s", "", "kg/h/h", "%", "1/0", "kg**99/s**99", "degC", "foo"]
NUMBERS = ["60", "40", "100", "0", "-1", "1e15", "1e16", "1e-12", "1e-300", "1e999", "nan", "inf", ".5", "5.", "1_0"]
NUMBERS += ["٣", "0x10", " 7 ", "1e", ""]
cells = st.sampled_from(NUMBERS) | st.floats(min_value=1e-6, max_value=1e6).map(repr) | st.text(max_size=6)


@st.composite
def tables(draw) -> str:
    columns = ["stream", "quantity", "value", "sd", "unit"]
    if draw(st.booleans()):
        columns.append(draw(st.sampled_from(["note", "value", "", "x,y"])))  # extra, repeated or empty
    if draw(st.booleans()):
        columns = draw(st.permutations(columns))
    makers = {
        "stream": st.sampled_from(STREAMS) | st.text(max_size=8),
        "quantity": st.sampled_from(QUANTITIES),
        "value": cells,
        "sd": cells,
        "unit": st.sampled_from(UNITS) | st.text(max_size=5),
    }
    rows = []
    for _ in range(draw(st.integers(0, 7))):
        sound = draw(st.integers(0, 9)) < 9  # most rows read, so that the reconciliation itself is fuzzed
        row = [draw(_valid(name) if sound else makers.get(name, st.text(max_size=4))) for name in columns]
        if draw(st.integers(0, 9)) == 0:
            row = row[: draw(st.integers(0, len(row)))] + draw(st.lists(st.text(max_size=3), max_size=2))
        rows.append(row)
    quote = draw(st.sampled_from(['"', "'", ""]))
    lines = [
        ",".join(f"{quote}{cell}{quote}" if quote and draw(st.booleans()) else cell for cell in row)
        for row in [columns, *rows]
    ]
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines)


def _valid(column: str) -> st.SearchStrategy[str]:
    """Cells that read: the chain's streams, Ni or total, flows and sds in mass flow units."""
    return {
        "stream": st.sampled_from(["a", "split.b", "m1", "m2", "split.c"]),
        "quantity": st.sampled_from(["Ni", "Ni", "total"]),
        "value": st.floats(min_value=0, max_value=1e6).map(repr) | st.sampled_from(["60", "40", "100", "5e14"]),
        "sd": st.floats(min_value=1e-3, max_value=1e3).map(repr) | st.sampled_from(["1", "1e-4", "1e4"]),
        "unit": st.sampled_from(["kg/s", "kg/h", "t/d", "g/s"]),
    }.get(column, st.text(max_size=4))


@settings(max_examples=20_000 if LONG else 300)
@given(tables())
def test_any_measurements_table_is_reconciled_finite_or_refused_clearly(text):
    results = _chain()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "measured.csv"
        path.write_text(text, encoding="utf-8", newline="")
        found = _outcome(lambda: reconcile(results, read_measurements(path, results), source=str(path)))
    if isinstance(found, FlowsheetError):
        if isinstance(found, DataFileError):
            assert found.path == str(path)
            assert all(line >= 0 for line, *_ in found.issues)
        return
    table = found.measurements
    observable = ~table["note"].str.contains("not observable")
    assert np.isfinite(table.loc[observable, ["measured", "sd", "reconciled", "adjustment"]].to_numpy()).all()
    assert np.isfinite(table.loc[table["testable"], "z"]).all()
    assert table.loc[~table["testable"] & ~table["flagged"], "z"].isna().all()  # not testable: no z at all
    assert not (table["flagged"] & ~observable).any()  # a flagged reading is still fixed by the rest
    assert math.isfinite(found.chi_square)
    assert found.degrees_of_freedom >= 1
    flows = found.flows.to_numpy()
    assert np.isfinite(flows[~np.isnan(flows)]).all()
