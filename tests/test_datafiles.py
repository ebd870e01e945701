import pytest

from flowsheet import datafiles
from flowsheet.errors import DataFileError


@pytest.fixture
def data_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(datafiles, "data_dir", lambda: tmp_path)
    datafiles.read_table.cache_clear()
    yield tmp_path
    datafiles.read_table.cache_clear()


def test_unknown_source_names_file_line_and_column(data_folder):
    (data_folder / "bad_source.csv").write_text("species,value,source\nH2O,1,ciaaw2021\nNaOH,2,nowhere\n")
    with pytest.raises(DataFileError) as caught:
        datafiles.read_table("bad_source.csv")
    assert str(caught.value).startswith("bad_source.csv:3: source: 'nowhere' is not a key of sources.toml\n  hint: ")


def test_empty_required_cell(data_folder):
    (data_folder / "empty_cell.csv").write_text("species,value,source\nH2O,,ciaaw2021\n")
    with pytest.raises(DataFileError, match="empty_cell.csv:2: value: empty"):
        datafiles.read_table("empty_cell.csv", required=("value", "source"))


def test_missing_column(data_folder):
    (data_folder / "no_source.csv").write_text("species,value\nH2O,1\n")
    with pytest.raises(DataFileError, match="no_source.csv:1: columns missing from the header: source"):
        datafiles.read_table("no_source.csv")


def test_non_numeric_cell(data_folder):
    (data_folder / "text_number.csv").write_text("species,value,source\nH2O,one,ciaaw2021\n")
    row = datafiles.read_table("text_number.csv")[0]
    with pytest.raises(DataFileError, match="text_number.csv:2: value: 'one' is not a number"):
        row.number("value")


def test_every_shipped_table_reads_with_its_sources_known():
    from flowsheet.datafiles import data_dir

    tables = sorted(p.relative_to(data_dir()).as_posix() for p in data_dir().rglob("*.csv"))
    assert "energy/kilns.csv" in tables
    assert "thermo/solution_enthalpy.csv" in tables
    for table in tables:
        assert datafiles.read_table(table), table  # raises on an unknown source key or an empty source


def test_a_sources_file_that_is_not_toml_is_refused_at_its_line(tmp_path):
    (tmp_path / "sources.toml").write_text('[mine]\ncite = "a"\n[broken\n')
    with pytest.raises(DataFileError) as caught:
        datafiles.sources(tmp_path)
    assert caught.value.line == 3
    assert "is not valid TOML" in str(caught.value)


def test_a_dangling_sources_link_is_refused_not_skipped(tmp_path):
    (tmp_path / "sources.toml").symlink_to(tmp_path / "nowhere.toml")
    with pytest.raises(DataFileError, match="no such file"):
        datafiles.sources(tmp_path)
