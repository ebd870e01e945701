"""Inputs read bounded and typed, outputs refused over inputs and written whole, with the mode a plain open() gives."""

import os
from pathlib import Path

import pytest

from flowsheet.errors import FlowsheetError, InputFileError
from flowsheet.files import check_output, read_csv, read_text, shown, write_atomically


def test_text_and_bytes_land_whole_with_the_users_umask(tmp_path):
    umask = os.umask(0o027)
    try:
        write_atomically(tmp_path / "a.txt", "NiSO4·6H2O\n")
        write_atomically(tmp_path / "b.bin", memoryview(b"\x00\x01"))
    finally:
        os.umask(umask)
    assert (tmp_path / "a.txt").read_bytes() == "NiSO4·6H2O\n".encode()
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o666 & ~0o027  # 0o640, as open() would make it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin"]  # no temporary left


def test_a_write_that_fails_leaves_neither_file_nor_temporary(tmp_path):
    with pytest.raises(TypeError):
        write_atomically(tmp_path / "c.txt", 42)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_the_process_umask_is_never_changed_while_writing(tmp_path, monkeypatch):
    def no_umask(mask):  # a write that set the umask, even to put it back, would race with other threads
        raise AssertionError("os.umask called")

    monkeypatch.setattr(os, "umask", no_umask)
    write_atomically(tmp_path / "a.txt", "x")
    assert (tmp_path / "a.txt").read_text() == "x"


def test_the_content_is_flushed_to_disk_before_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    write_atomically(tmp_path / "a.txt", "x")
    assert events[:2] == ["fsync", "replace"]  # the file's data, then the rename (then the folder's entry)


@pytest.mark.parametrize(
    ("content", "words", "line"),
    [
        (b"a,b\n1,caf\xe9\n", "is not UTF-8 text (byte 0xe9)", 2),  # Latin-1
        (b"a,b\n1,\x002\n", "is binary", 2),
        (b"", "is empty: no header", 1),
        (b"a,b\n1,2,3\n", "has 3 cells for 2 columns", 2),
        (b'a,b\n1,"2\n', "is not a readable CSV table", 2),
        (b"a,b\n1," + b"9" * 20_000 + b"\n", "b: is over 10,000 characters", 2),
        (b"x,y\n1,2\n", "columns missing from the header: a, b", 1),
    ],
)
def test_a_bad_csv_is_refused_at_its_line(tmp_path, content, words, line):
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError) as caught:
        read_csv(path, ("a", "b"), 1_000_000)
    assert caught.value.line == line
    assert words in str(caught.value)
    assert "\n  hint: " in str(caught.value)


def test_a_csv_with_a_byte_order_mark_reads_its_header(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("\ufeffa,b\n1,2\n".encode())
    assert read_csv(path, ("a", "b"), 1_000) == [(2, {"a": "1", "b": "2"})]


@pytest.mark.parametrize("kind", ["folder", "fifo", "device", "missing", "too_big"])
def test_only_a_regular_file_within_its_limit_is_read(tmp_path, kind):
    path = tmp_path / "in.csv"
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)  # opening it would wait for a writer
    elif kind == "device":
        path = Path("/dev/zero")  # reading it would never end
    elif kind == "too_big":
        path.write_bytes(b"a" * 1001)
    with pytest.raises(InputFileError) as caught:
        read_text(path, 1000)
    assert str(caught.value).startswith(f"{path}: ")
    assert str(caught.value).count("\n  hint: ") == 1  # one problem, said once


def test_an_error_quotes_a_short_token_of_the_input_never_more():
    line = "root:x:0:0:root:/root:/bin/bash" * 10
    assert shown(line) == repr(line[:39] + "…")  # 40 characters, the last an ellipsis
    assert shown("NiSO4") == "'NiSO4'"


@pytest.mark.parametrize("case", ["input", "same_file_by_link", "folder", "under_a_file", "system", "temporary"])
def test_an_output_over_an_input_or_in_a_wrong_place_is_refused(tmp_path, case):
    source = tmp_path / "route.yaml"
    source.write_text("keep me")
    target = {
        "input": source,
        "same_file_by_link": tmp_path / "link.yaml",
        "folder": tmp_path,
        "under_a_file": source / "out.parquet",
        "system": Path("/proc/self/out.parquet"),
        "temporary": tmp_path / ".out.parquet.1a2b.tmp",
    }[case]
    if case == "same_file_by_link":
        os.link(source, target)
    with pytest.raises(FlowsheetError):
        check_output(target, [source])
    assert source.read_text() == "keep me"


def test_an_output_elsewhere_is_accepted_resolved(tmp_path):
    assert check_output(tmp_path / "sub" / "out.parquet", [tmp_path / "route.yaml"]) == tmp_path / "sub" / "out.parquet"


def test_a_run_never_writes_its_output_over_the_route_it_read(tmp_path, capsys):
    from flowsheet.cli import main

    route = tmp_path / "nmc811-sulfate.json"  # the name `run --format json` gives the route's own output file
    text = (Path(__file__).parents[1] / "routes" / "nmc811_sulfate.yaml").read_text(encoding="utf-8")
    route.write_text(text, encoding="utf-8")
    assert main(["run", str(route), "--format", "json", "--output", str(tmp_path)]) == 1
    assert "is an input of this command" in capsys.readouterr().err
    assert route.read_text(encoding="utf-8") == text
