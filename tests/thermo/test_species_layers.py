"""Species data in layers: a user's folder and a route's own species go on the package's, every value sourced."""

import json

import pytest

from flowsheet.batch import solve_route
from flowsheet.cli import main
from flowsheet.errors import DataFileError, RouteFileError
from flowsheet.route_file import load_route
from flowsheet.thermo import default_data, package_data
from tests.test_route_file import GOOD

NMC955 = "LiNi0.9Mn0.05Co0.05O2"


def _folder(tmp_path, source="mydata"):
    folder = tmp_path / "species"
    (folder / "thermo").mkdir(parents=True)
    (folder / "sources.toml").write_text('[mydata]\ncite = "Measurements of the user\'s own lab, 2026"\n')
    (folder / "thermo" / "formation_enthalpy.csv").write_text(
        "species,phase,name,dHf_298,unit,source,estimate\n"
        f"{NMC955},s,NMC955,-640.0,kJ/mol,{source},yes\n"
        "NiSO4,aq,nickel sulfate (aqueous),-950.0,kJ/mol,mydata,no\n"  # replaces the dHf, keeps the heat capacity
    )
    (folder / "thermo" / "heat_capacity.csv").write_text(
        f"species,phase,cp,unit,t_min,t_max,source,estimate\n{NMC955},s,85.5,J/(mol*K),273.15,1273.15,mydata,yes\n"
    )
    return folder


def test_a_folder_adds_a_species_and_replaces_one_and_says_so(tmp_path):
    folder = _folder(tmp_path)
    data = package_data().with_folder(folder)
    added = data.species(NMC955)
    assert added.formation_enthalpy == -640.0e3
    assert added.heat_capacity.cp(500.0) == pytest.approx(85.5)
    assert f"{folder / 'thermo' / 'formation_enthalpy.csv'}:2" in added.sources["formation_enthalpy"]
    replaced = data.species("NiSO4(aq)")
    assert replaced.formation_enthalpy == -950.0e3
    assert replaced.heat_capacity is package_data().species("NiSO4(aq)").heat_capacity  # kept from below
    assert data.overridden == (f"NiSO4(aq) from {folder.resolve()}",)
    assert package_data().species("NiSO4(aq)").formation_enthalpy == -963.27e3  # the package's are untouched
    assert package_data().species(NMC955).name == "estimated layered oxide LiMO2"  # not the folder's


def test_a_route_solved_with_a_folder_reports_the_replacement_and_its_heat(tmp_path):
    route_file = tmp_path / "good.yaml"
    route_file.write_text(GOOD)
    plain = solve_route(load_route(route_file))
    layered = solve_route(load_route(route_file, data_folders=[_folder(tmp_path)]))
    assert layered["species"]["overridden"] == [f"NiSO4(aq) from {(tmp_path / 'species').resolve()}"]
    assert plain["species"]["overridden"] == []
    # the dissolver makes 1 mol NiSO4(aq) per mol; per kg of NiSO4 (154.7494 g/mol): 6.4620 mol, each 13.27 kJ
    # less negative (-950.00 against -963.27 kJ/mol): the duty rises by 6.4620 * 13.27 kJ = 85.75 kJ = 0.08575 MJ
    moles = 1000 / 154.7494
    rise = layered["units"]["dissolve"]["duty"]["value"] - plain["units"]["dissolve"]["duty"]["value"]
    assert rise == pytest.approx(moles * 13.27e-3, rel=1e-9)


def test_a_folder_row_without_a_known_source_is_refused_at_its_line(tmp_path):
    folder = _folder(tmp_path, source="nobody")
    with pytest.raises(DataFileError, match=r"formation_enthalpy.csv:2: source: 'nobody' is not a key of sources.toml"):
        package_data().with_folder(folder)


def test_folders_listed_in_the_environment_are_loaded_for_every_route(tmp_path, monkeypatch):
    monkeypatch.setenv("FLOWSHEET_DATA", str(_folder(tmp_path)))
    assert default_data().species(NMC955).name == "NMC955"
    monkeypatch.delenv("FLOWSHEET_DATA")
    assert default_data().species(NMC955).name == "estimated layered oxide LiMO2"


ROUTE_SPECIES = """
sources: [{key: test, cite: "a route written for the tests"}, {key: mine, cite: "my calorimetry, 2026"}]
species:
  - {formula: NiSO4·2H2O, phase: s, formation_enthalpy: -1501 kJ/mol, heat_capacity: 180 J/(mol*K), t_max: 400 K,
     source: mine}
  - {formula: NiSO4, phase: aq, formation_enthalpy: -960 kJ/mol, heat_capacity: -293 J/(mol*K), t_max: 373.15 K,
     source: mine}
"""


def _route(tmp_path, species=ROUTE_SPECIES):
    text = GOOD.replace('sources: [{key: test, cite: "a route written for the tests"}]\n', species.lstrip("\n"))
    path = tmp_path / "own.yaml"
    path.write_text(text)
    return path


def test_a_route_brings_its_own_species_with_sources(tmp_path):
    route = load_route(_route(tmp_path))
    data = route.flowsheet.species_data
    hydrate = data.species("NiSO4·2H2O")
    assert hydrate.formation_enthalpy == -1501e3
    assert hydrate.sources["formation_enthalpy"] == f"mine ({route.path}: species[0])"
    summary = solve_route(route)
    assert summary["species"]["overridden"] == [f"NiSO4(aq) from {route.path}"]
    assert summary["species"]["layers"] == ["package", route.path]


@pytest.mark.parametrize(
    ("species", "words"),
    [
        (ROUTE_SPECIES.replace(", t_max: 400 K,\n     source: mine}", ", t_max: 400 K}", 1), "source: required key"),
        (ROUTE_SPECIES.replace("source: mine}", "source: nobody}", 1), "'nobody' is not a key of the route's sources"),
    ],
    ids=["no source", "unknown source"],
)
def test_a_route_species_without_a_source_is_refused(tmp_path, species, words):
    path = _route(tmp_path, species)
    with pytest.raises(RouteFileError) as caught:
        load_route(path)
    message = str(caught.value)
    first = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "formula: NiSO4·2H2O" in text)
    assert words in message
    assert f"{path}:{first}: species[0]" in message or f"{path}:{first + 1}: species[0]" in message  # the entry
    assert "hint:" in message


def test_a_route_species_value_in_the_wrong_unit_is_refused_at_its_line(tmp_path):
    species = ROUTE_SPECIES.replace("formation_enthalpy: -1501 kJ/mol", "formation_enthalpy: -1501 kg", 1)
    path = _route(tmp_path, species)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "-1501 kg" in text)
    with pytest.raises(RouteFileError, match=rf":{line}: species\[0\].formation_enthalpy: expects J/mol"):
        load_route(path)


def test_the_species_command_says_where_a_value_came_from(tmp_path, capsys):
    folder = _folder(tmp_path)
    assert main(["species", NMC955, "--data", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"{NMC955}(s) (NMC955)" in out
    assert "formation enthalpy -640.000 kJ/mol" in out
    assert str(folder / "thermo" / "formation_enthalpy.csv") in out
    assert "replaced by a later layer: NiSO4(aq)" in out
    assert main(["species", "LiCoPO4"]) == 1  # in no data, and no end members to estimate it from
    assert "unknown species" in capsys.readouterr().err


def test_run_takes_species_folders_on_the_command_line(tmp_path, capsys):
    route_file = tmp_path / "good.yaml"
    route_file.write_text(GOOD)
    assert main(["run", str(route_file), "--data", str(_folder(tmp_path)), "--format", "json"]) == 0
    [summary] = json.loads(capsys.readouterr().out)
    assert summary["species"]["overridden"][0].startswith("NiSO4(aq) from ")


def test_the_estimator_reproduces_every_shipped_mixed_estimate():
    # the shipped NMC rows were made the same way: ideal mixing of the end members
    from flowsheet.chemistry import Formula
    from flowsheet.thermo.end_members import estimate_from_end_members

    shipped = [
        package_data().species(label)
        for label in (
            "LiNi1/3Mn1/3Co1/3O2", "LiNi0.5Mn0.3Co0.2O2", "LiNi0.6Mn0.2Co0.2O2", "LiNi0.8Mn0.1Co0.1O2",
            "Ni1/3Mn1/3Co1/3(OH)2", "Ni0.5Mn0.3Co0.2(OH)2", "Ni0.6Mn0.2Co0.2(OH)2", "Ni0.8Mn0.1Co0.1(OH)2",
        )
    ]  # fmt: skip
    for item in shipped:
        estimate = estimate_from_end_members(Formula(item.formula.text), package_data())
        # the shipped rows are rounded to 1 J/mol
        assert estimate.formation_enthalpy == pytest.approx(item.formation_enthalpy, abs=0.5), item.label
        assert estimate.heat_capacity.value == pytest.approx(item.heat_capacity.value, rel=1e-9), item.label
        assert estimate.estimated == ("formation_enthalpy", "heat_capacity")


NMC955_ROUTE = """\
extends: {parent}
name: nmc955-sulfate
product: LiNi0.9Mn0.05Co0.05O2
set:
  feeds.metals.flows: {{Ni: 0.9 mol/s, Mn: 0.05 mol/s, Co: 0.05 mol/s}}
  units.precipitate.product: Ni0.9Mn0.05Co0.05(OH)2
  units.calcine.product: LiNi0.9Mn0.05Co0.05O2
  units.calcine.precursor: Ni0.9Mn0.05Co0.05(OH)2
"""


def test_an_nmc955_route_solves_with_no_data_row_added_and_says_it_rests_on_estimates(tmp_path):
    from pathlib import Path

    from tests.conftest import CO, LI, MN, NA, NI, O, S
    from tests.test_routes_shipped import SULFATE

    parent = Path(__file__).parents[2] / "routes" / "nmc811_sulfate.yaml"
    path = tmp_path / "nmc955.yaml"
    path.write_text(NMC955_ROUTE.format(parent=parent))
    route = load_route(path)
    summary = solve_route(route)
    assert package_data().find(NMC955) is not None  # estimated on demand, from the package's end members
    # per kg NMC955: n = 1000 / (Li + 0.9 Ni + 0.05 Mn + 0.05 Co + 2 O) mol of metal
    n = 1000 / (LI + 0.9 * NI + 0.05 * MN + 0.05 * CO + 2 * O)
    shipped = n * (0.9 * SULFATE["Ni"] + 0.05 * SULFATE["Mn"] + 0.05 * SULFATE["Co"]) / 1000
    assert summary["kpis"]["shipped_mass"]["value"] == pytest.approx(shipped, rel=1e-9)
    assert summary["closure"]["mass_relative_error"] < 1e-9
    # one Na2SO4 per metal: what is not waste stays in the washed cake and ends in the cathode
    from flowsheet.solve import solve

    results = solve(route.flowsheet, "1 kg", route.spec.product)
    na2so4 = 2 * NA + S + 4 * O
    left = results.flow("calcine.product->cam.in")[results.components.index("Na2SO4(s)")] * na2so4 / 1000
    assert summary["kpis"]["sodium_sulfate"]["value"] + left == pytest.approx(n * na2so4 / 1000, rel=1e-9)
    estimated = summary["species"]["estimated"]
    assert f"{NMC955}(s): formation_enthalpy, heat_capacity" in estimated
    assert "Ni0.9Mn0.05Co0.05(OH)2(s): formation_enthalpy, heat_capacity" in estimated


def test_an_nca_estimate_mixes_the_end_members_heat_capacity_models():
    # LiNi0.8Co0.15Al0.05O2 = 0.8 LiNiO2 + 0.15 LiCoO2 + 0.05 LiAlO2; gamma-LiAlO2 has a NASA polynomial (JANAF)
    import numpy as np

    from flowsheet.thermo.enthalpy_table import EnthalpyTable, basis

    nca = package_data().species("LiNi0.8Co0.15Al0.05O2")
    ends = [package_data().species(label) for label in ("LiNiO2", "LiCoO2", "LiAlO2")]
    shares = (0.8, 0.15, 0.05)
    assert nca.formation_enthalpy == pytest.approx(
        sum(s * e.formation_enthalpy for s, e in zip(shares, ends, strict=True)), rel=1e-12
    )
    for t in (300.0, 650.0, 1073.15):
        expected = sum(s * e.heat_capacity.enthalpy_change(t) for s, e in zip(shares, ends, strict=True))
        assert nca.heat_capacity.enthalpy_change(t) == pytest.approx(expected, rel=1e-12)
        table = EnthalpyTable([nca])
        g = int(table.segment(np.array(t)))
        assert table.coefficients[g, 0] @ basis(np.array(t), table.anchors[g]) == pytest.approx(expected, abs=1e-6)
    assert nca.heat_capacity.t_max == 1273.15  # where every end member's data end
    assert nca.estimated == ("formation_enthalpy", "heat_capacity")


NCA_ROUTE = """\
extends: {parent}
name: nca-m2cam
product: LiNi0.8Co0.15Al0.05O2
set:
  feeds.metals.flows: {{Ni: 0.8 mol/s, Co: 0.15 mol/s, Al: 0.05 mol/s}}
  units.fire.product: LiNi0.8Co0.15Al0.05O2
  units.fire.feed_species: [Ni, Co, Al]
"""


def test_an_nca_route_from_metal_powders_solves_with_no_data_row_for_nca(tmp_path):
    from pathlib import Path

    from tests.conftest import AL, CO, LI, NI, C, O

    parent = Path(__file__).parents[2] / "routes" / "nmc811_m2cam.yaml"
    path = tmp_path / "nca.yaml"
    path.write_text(NCA_ROUTE.format(parent=parent))
    summary = solve_route(load_route(path))
    metal = 0.8 * NI + 0.15 * CO + 0.05 * AL
    n = 1000 / (LI + metal + 2 * O)  # mol NCA (and mol metal) per kg
    assert summary["kpis"]["shipped_mass"]["value"] == pytest.approx(n * metal / 1000, rel=1e-9)
    # CO2 from Li2CO3 at Li/M 1.03 (0.515 per metal) and the burnt acetic-acid make-up (0.2 per metal, 2 C each)
    co2 = C + 2 * O
    assert summary["kpis"]["co2e_process"]["value"] == pytest.approx(n * (0.515 + 0.2 * 2) * co2 / 1000, rel=1e-9)
    assert summary["closure"]["mass_relative_error"] < 1e-9
    assert summary["species"]["estimated"] == ["LiNi0.8Co0.15Al0.05O2(s): formation_enthalpy, heat_capacity"]


def test_the_species_command_shows_an_estimate_and_its_recipe(capsys):
    assert main(["species", "LiNi0.8Co0.15Al0.05O2"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # as one line: the text wraps to the terminal
    assert "(estimated: formation_enthalpy, heat_capacity)" in out
    assert "0.8 × LiNiO2(s) (thermo/heat_capacity.csv:" in out  # each end member's model at its line
    assert "ideal mixture of its end members' models" in out


# --- physical sense: a value outside its band is refused at its line, or accepted as a marked override ---

FORMATION_HEADER = "species,phase,name,dHf_298,unit,source,estimate,override\n"
CP_HEADER = "species,phase,cp,unit,t_min,t_max,source,estimate,override\n"


def _thermo(tmp_path, formation_rows, cp_rows=""):
    folder = tmp_path / "absurd"
    (folder / "thermo").mkdir(parents=True)
    (folder / "sources.toml").write_text('[mydata]\ncite = "Measurements of the user\'s own lab, 2026"\n')
    (folder / "thermo" / "formation_enthalpy.csv").write_text(FORMATION_HEADER + formation_rows)
    if cp_rows:
        (folder / "thermo" / "heat_capacity.csv").write_text(CP_HEADER + cp_rows)
    return folder


@pytest.mark.parametrize(
    ("formation", "cp", "table", "column", "words"),
    [
        # NiSO4(aq), 6 atoms: 1e9 J/mol is 1.667e5 kJ per mol of atoms, the aqueous band ends at +300
        ("NiSO4,aq,,1e9,J/mol,mydata,no,\n", "", "formation_enthalpy.csv", "dHf_298", "1.667e+05 kJ per mol of atoms"),
        # -1e6 J/(mol K) over 6 atoms: -1.667e5 per atom, below -8 * 3R = -199.5
        ("NiSO4,aq,,-963.27,kJ/mol,mydata,no,\n", "NiSO4,aq,-1e6,J/(mol*K),273.15,373.15,mydata,no,\n",
         "heat_capacity.csv", "cp", "-1.667e+05 per mol of atoms"),
        # NiO, 2 atoms: 1e4 J/(mol K) is 5000 per atom, above 5 * 3R = 124.7
        ("NiO,s,,-239.7,kJ/mol,mydata,no,\n", "NiO,s,1e4,J/(mol*K),273.15,1273.15,mydata,no,\n",
         "heat_capacity.csv", "cp", "5000 per mol of atoms"),
    ],
    ids=["formation enthalpy", "aqueous heat capacity", "solid heat capacity"],
)  # fmt: skip
def test_a_folder_value_outside_its_band_is_refused_at_its_line_with_a_hint(
    tmp_path, formation, cp, table, column, words
):
    folder = _thermo(tmp_path, formation, cp)
    with pytest.raises(DataFileError) as caught:
        package_data().with_folder(folder)
    assert caught.value.path == str(folder.resolve() / "thermo" / table)
    assert caught.value.issues[0][:2] == (2, column)  # the one data row, after the header
    assert words in str(caught.value)
    assert "hint:" in str(caught.value)
    assert "add a column 'override' and write yes in this row" in str(caught.value)


def test_an_override_is_accepted_and_listed_beside_the_replaced_species_in_every_format(tmp_path, capsys):
    folder = _thermo(tmp_path, "NiSO4,aq,,1e9,J/mol,mydata,no,yes\n")
    data = package_data().with_folder(folder)
    assert data.species("NiSO4(aq)").formation_enthalpy == 1e9  # used as given
    table = folder.resolve() / "thermo" / "formation_enthalpy.csv"
    [note] = data.overrides
    assert note.startswith("NiSO4(aq) dHf_298 is 1e+06 kJ/mol")
    assert note.endswith(f"(override at {table}:2)")
    route_file = tmp_path / "good.yaml"
    route_file.write_text(GOOD)
    replaced = f"NiSO4(aq) from {folder.resolve()}"
    outputs = {}
    for fmt in ("table", "csv", "markdown", "json"):
        assert main(["run", str(route_file), "--data", str(folder), "--format", fmt]) == 0
        outputs[fmt] = capsys.readouterr().out
        assert replaced in outputs[fmt], fmt
        assert note in (" ".join(outputs[fmt].split()) if fmt == "table" else outputs[fmt]), fmt  # table: wrapped
    [summary] = json.loads(outputs["json"])
    assert summary["species"]["overrides"] == [note]
    assert summary["species"]["overridden"] == [replaced]
    assert "values outside their plausibility band, accepted as marked overrides:\n  NiSO4(aq)" in outputs["table"]
    assert "\n- NiSO4(aq) dHf_298" in outputs["markdown"]
    import csv
    import io

    rows = list(csv.reader(io.StringIO(outputs["csv"])))
    assert ["nickel-sulfate", "species_replaced", replaced, ""] in rows
    assert ["nickel-sulfate", "species_override", note, ""] in rows


def test_without_replacements_the_table_says_nothing_more(tmp_path, capsys):
    route_file = tmp_path / "good.yaml"
    route_file.write_text(GOOD)
    assert main(["run", str(route_file), "--format", "table"]) == 0
    assert "species replaced" not in capsys.readouterr().out
    assert main(["run", str(route_file), "--format", "csv"]) == 0
    assert "species_" not in capsys.readouterr().out


def test_a_negative_heat_capacity_of_a_solid_is_refused_even_marked_as_an_override(tmp_path):
    folder = _thermo(tmp_path, "NiO,s,,-239.7,kJ/mol,mydata,no,\n", "NiO,s,-5,J/(mol*K),273.15,1273.15,mydata,no,yes\n")
    with pytest.raises(
        DataFileError, match=r"heat_capacity.csv:2: cp: is -5 J/\(mol\*K\) at 273.15 K: a heat capacity"
    ):
        package_data().with_folder(folder)


def test_an_override_of_a_heat_capacity_carries_to_the_species_that_keeps_it(tmp_path):
    # the folder gives NiO a heat capacity outside its band (marked); a second folder replaces only its dHf
    folder = _thermo(
        tmp_path, "NiO,s,,-239.7,kJ/mol,mydata,no,\n", "NiO,s,1e4,J/(mol*K),273.15,1273.15,mydata,no,yes\n"
    )
    second = tmp_path / "second"
    second.mkdir()
    (second / "sources.toml").write_text('[other]\ncite = "another lab"\n')
    (second / "formation_enthalpy.csv").write_text(FORMATION_HEADER + "NiO,s,,-240.0,kJ/mol,other,no,\n")
    data = package_data().with_folder(folder).with_folder(second)
    assert data.species("NiO").formation_enthalpy == -240.0e3
    [note] = data.overrides
    assert note.startswith("NiO(s) cp is 10000 J/(mol*K)")


def _route_with(tmp_path, entries):
    species = 'sources: [{key: test, cite: "t"}, {key: mine, cite: "my calorimetry, 2026"}]\nspecies:\n' + entries
    return _route(tmp_path, species)


@pytest.mark.parametrize(
    ("entry", "field", "words"),
    [
        ("formation_enthalpy: 1e9 J/mol, heat_capacity: -293 J/(mol*K)", "formation_enthalpy", "kJ per mol of atoms"),
        ("formation_enthalpy: -960 kJ/mol, heat_capacity: -1e6 J/(mol*K)", "heat_capacity", "per mol of atoms"),
    ],
)
def test_a_route_species_outside_its_band_is_refused_at_its_line(tmp_path, entry, field, words):
    path = _route_with(tmp_path, f"  - {{formula: NiSO4, phase: aq, {entry}, t_max: 373.15 K, source: mine}}\n")
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "formula: NiSO4," in text)
    with pytest.raises(RouteFileError) as caught:
        load_route(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: species[0].{field}: is ")
    assert words in message
    assert "write override: true in this entry" in message


def test_a_route_species_marked_override_is_used_and_listed(tmp_path, capsys):
    entry = (
        "formation_enthalpy: 1e9 J/mol, heat_capacity: -293 J/(mol*K), t_max: 373.15 K, source: mine, override: true"
    )
    path = _route_with(tmp_path, f"  - {{formula: NiSO4, phase: aq, {entry}}}\n")
    route = load_route(path)
    assert route.flowsheet.species_data.species("NiSO4(aq)").formation_enthalpy == 1e9
    for fmt in ("table", "json"):
        assert main(["run", str(path), "--format", fmt]) == 0
        out = " ".join(capsys.readouterr().out.split())  # the table wraps long notes to the terminal
        assert f"NiSO4(aq) from {path}" in out
        assert "NiSO4(aq) formation_enthalpy is 1e+06 kJ/mol" in out
        assert f"(override at {path}: species[0])" in out


def test_the_same_species_twice_in_a_route_is_refused_at_the_second(tmp_path):
    entry = "formation_enthalpy: -960 kJ/mol, heat_capacity: -293 J/(mol*K), t_max: 373.15 K, source: mine"
    path = _route_with(
        tmp_path,
        f"  - {{formula: NiSO4, phase: aq, {entry}}}\n  - {{formula: NiSO4, phase: s, {entry.replace('-293', '100')}}}\n"
        f"  - {{formula: NiSO4, phase: aq, {entry}}}\n",
    )
    lines = [i for i, text in enumerate(path.read_text().splitlines(), 1) if "formula: NiSO4," in text]
    with pytest.raises(RouteFileError) as caught:
        load_route(path)
    assert caught.value.issues == [
        (
            lines[2],
            "species[2].formula",
            "NiSO4(aq) is given twice (first as species[0])",
            "keep one entry per formula and phase",
        )
    ]  # the solid of the same formula is another species


def test_a_bad_folder_in_the_environment_says_where_it_was_named(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FLOWSHEET_DATA", str(tmp_path / "nowhere"))
    assert main(["species", "H2O"]) == 1
    assert "(a folder listed in FLOWSHEET_DATA)" in capsys.readouterr().err  # not on the command line
