import pytest

from flowsheet import datafiles
from flowsheet.errors import DataFileError


@pytest.fixture
def data_folder(tmp_path, monkeypatch):
    # its own sources, read afresh: the tests pass alone as in the whole suite, whatever was read before
    (tmp_path / "sources.toml").write_text('[ciaaw2021]\ncite = "IUPAC/CIAAW 2021"\n[mine]\ncite = "a table of ours"\n')
    monkeypatch.setattr(datafiles, "data_dir", lambda: tmp_path)
    datafiles.read_table.cache_clear()
    datafiles.sources.cache_clear()
    yield tmp_path
    datafiles.read_table.cache_clear()
    datafiles.sources.cache_clear()


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


PORT_HEADER = "port,name,region,default,inland_mode,inland_distance,unit,source\n"


@pytest.fixture
def transport_folder(data_folder):
    from flowsheet import geography

    (data_folder / "transport").mkdir()
    geography.ports.cache_clear()
    yield data_folder / "transport"
    geography.ports.cache_clear()


@pytest.mark.parametrize(
    ("rows", "where", "words"),
    [
        ("AAXXX,a,AA,yes,road,10,km,mine\nAAXXX,b,AA,no,,,,mine\n", "ports.csv:3: port", "AAXXX is listed twice"),
        ("AAXXX,a,AA,maybe,road,10,km,mine\n", "ports.csv:2: default", "must be yes or no, got 'maybe'"),
        ("AAXXX,a,AA,yes,road,10,km,mine\nAAYYY,b,AA,yes,road,5,km,mine\n", "ports.csv:3: default",
         "region AA already has a default port (line 2)"),
        ("AAXXX,a,AA,yes,ship,10,km,mine\n", "ports.csv:2: inland_mode", "a default port needs its inland mode"),
        ("AAXXX,a,AA,yes,road,10,kg,mine\n", "ports.csv:2 inland_distance", "expects m"),
    ],
)  # fmt: skip
def test_a_malformed_port_row_is_refused_at_its_file_and_line(transport_folder, rows, where, words):
    from flowsheet import geography
    from flowsheet.errors import FlowsheetError

    (transport_folder / "ports.csv").write_text(PORT_HEADER + rows)
    with pytest.raises(FlowsheetError) as caught:
        geography.ports()
    assert where in str(caught.value)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("roller_hearth,shell_size,10,m**2,mine", "kiln_figures.csv:2: figure: unknown figure 'shell_size'"),
        ("roller_hearth,shell_area,10,kg,mine", "kiln_figures.csv:2 value expects m**2"),
        ("roller_hearth,shell_area,ten,m**2,mine", "kiln_figures.csv:2 value"),
    ],
)
def test_a_malformed_kiln_figure_is_refused_at_its_file_and_line(data_folder, row, words):
    from flowsheet import factors
    from flowsheet.errors import FlowsheetError

    (data_folder / "energy").mkdir()
    (data_folder / "energy" / "kiln_figures.csv").write_text("kiln,figure,value,unit,source\n" + row + "\n")
    factors.kiln_figures.cache_clear()
    try:
        with pytest.raises(FlowsheetError) as caught:
            factors.kiln_figures()
        assert words in str(caught.value)
    finally:
        factors.kiln_figures.cache_clear()
