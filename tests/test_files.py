"""Files written whole or not at all, with the mode a plain open() gives."""

import os

import pytest

from flowsheet.files import write_atomically


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
