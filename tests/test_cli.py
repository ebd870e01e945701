import subprocess
import sys

import pytest

import flowsheet
from flowsheet.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.strip() == f"flowsheet {flowsheet.__version__}"


def test_formula_prints_molar_mass_and_fractions(capsys):
    assert main(["formula", "NiSO4·6H2O"]) == 0
    out = capsys.readouterr().out
    assert "NiSO4·6H2O: 262.8394 g/mol" in out  # 58.6934 + 32.06 + 10*15.999 + 12*1.008
    assert "0.22331 by mass" in out


def test_balance_prints_masses_per_basis(capsys):
    reaction = "Ni0.8Mn0.1Co0.1SO4 + 2 NaOH + LiOH·H2O + 1/4 O2 -> LiNi0.8Mn0.1Co0.1O2 + Na2SO4 + 5/2 H2O(g)"
    assert main(["balance", reaction, "--basis", "1 kg LiNi0.8Mn0.1Co0.1O2"]) == 0
    out = capsys.readouterr().out
    assert "out Na2SO4" in out
    assert "1.4601 kg" in out
    assert "in  NaOH" in out
    assert "0.8223 kg" in out


def test_balance_proposes_coefficients_with_oxygen(capsys):
    assert main(["balance", "Ni0.8Mn0.1Co0.1(OH)2 + LiOH·H2O -> LiNi0.8Mn0.1Co0.1O2 + H2O(g)"]) == 0
    out = capsys.readouterr().out
    assert "add 1/4 O2 to the reactants" not in out  # only O is off by a multiple of the given coefficients
    assert "proposed: 4 Ni0.8Mn0.1Co0.1(OH)2 + 4 LiOH·H2O + O2 -> 4 LiNi0.8Mn0.1Co0.1O2 + 10 H2O(g)" in out


def test_balance_reports_heat_of_reaction(capsys):
    assert main(["balance", "LiOH·H2O -> LiOH + H2O(g)"]) == 0
    assert "+61.24 kJ per mol of reaction as written" in capsys.readouterr().out  # -484.93 - 241.826 + 788.0


def test_issue_22_balance_says_its_heat_per_mol_of_reaction_as_written_and_per_the_basis(capsys):
    # 2 LiOH·H2O -> 2 LiOH + 2 H2O(g) is the same reaction written twice over: twice the heat per mol of
    # reaction, the same heat per kg. Per 1 kg LiOH: 1000 / 23.948 g/mol (6.94 + 15.999 + 1.008) =
    # 41.757 mol LiOH, 41.757 / 2 mol of the doubled reaction, at 2 * 61.244 kJ: 2557.4 kJ either way
    heat = -484.93 - 241.826 + 788.0  # kJ/mol: ΔfH of LiOH and H2O(g) less that of LiOH·H2O, 61.244
    assert main(["balance", "2 LiOH·H2O -> 2 LiOH + 2 H2O(g)", "--basis", "1 kg LiOH"]) == 0
    out = capsys.readouterr().out
    assert f"{2 * heat:+.2f} kJ per mol of reaction as written" in out  # +122.49
    per_basis = float(out.split("heat of reaction ")[-1].split(" kJ")[0])
    assert per_basis == pytest.approx(1000 / (6.94 + 15.999 + 1.008) * heat, rel=1e-4)  # 2557.4 kJ
    assert "20.88 mol of reaction as written" in out  # 41.757 / 2


def test_issue_22_balance_moves_written_oxygen_to_the_side_the_reaction_needs(capsys):
    # 1/2 O2 written on the left where 1/4 is needed: the hint says so, and the proposal keeps O2 on the left
    assert main(["balance", "Ni(OH)2 + LiOH + 1/2 O2 -> LiNiO2 + 3/2 H2O(g)"]) == 0
    out = capsys.readouterr().out
    assert "hint: write 1/4 O2 among the reactants instead of 1/2" in out
    assert "proposed: 4 Ni(OH)2 + 4 LiOH + O2 -> 4 LiNiO2 + 6 H2O(g)" in out
    # O2 written on both sides: proposed from the other species, O2 placed once
    assert main(["balance", "Ni(OH)2 + LiOH + O2 -> LiNiO2 + H2O(g) + O2"]) == 0
    assert "proposed: 4 Ni(OH)2 + 4 LiOH + O2 -> 4 LiNiO2 + 6 H2O(g)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["formula", "NaXx"], "unknown element 'Xx' at position 3"),
        (["balance", "Ni -> Co"], "no coefficients balance"),
        (["balance", "LiOH·H2O -> LiOH + H2O(g)", "--basis", "1 kgg LiOH"], "--basis expects kg"),
    ],
)
def test_bad_input_exits_1_with_a_message_and_no_traceback(capsys, args, words):
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert words in err
    assert "Traceback" not in err


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: flowsheet" in capsys.readouterr().out


def test_console_script_runs_as_a_module():
    done = subprocess.run(
        [sys.executable, "-m", "flowsheet.cli", "formula", "H2O"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "H2O: 18.0150 g/mol" in done.stdout  # 2 * 1.008 + 15.999


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["run", "routes/nmc811_sulfate.yaml", "--time-limit", "-1"], "-1 s is not above 0"),
        (["run", "routes/nmc811_sulfate.yaml", "--time-limit", "nan"], "nan s is not above 0"),
        (["run", "routes/nmc811_sulfate.yaml", "--time-limit", "inf"], "inf s is not above 0"),  # no timer takes it
        (["sweep", "routes/nmc811_sulfate.yaml", "--seed", "-1"], "-1 is not a whole number from 0"),
        (["sweep", "routes/nmc811_sulfate.yaml", "--seed", str(2**64)], "is not a whole number from 0"),
    ],
)
def test_option_values_out_of_bounds_are_usage_errors_before_any_work(capsys, args, words):
    with pytest.raises(SystemExit) as caught:
        main(args)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert words in err
    assert "internal error" not in err


def test_an_empty_basis_for_a_sweep_is_refused_not_read_as_the_routes(capsys):
    assert main(["sweep", "routes/nmc811_sulfate.yaml", "--samples", "10", "--basis", ""]) == 1
    assert "--basis expects a positive mass or mass rate, got '': is empty" in capsys.readouterr().err


def _printed(capsys, monkeypatch, columns, args):
    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(args) == 0
    return capsys.readouterr().out


SPECIES = ["species", "LiNi0.8Mn0.1Co0.1O2", "H2O(g)", "LiNi0.8Co0.15Al0.05O2", "NH3(aq)"]


@pytest.mark.parametrize(
    "args",
    [
        SPECIES,
        ["trace", "routes/nmc811_sulfate.yaml", "--element", "Co"],
        ["compliance", "routes/nmc811_sulfate.yaml"],
    ],
    ids=["species", "trace", "compliance"],
)
def test_issue_22_captions_fit_100_columns_and_break_between_words(capsys, monkeypatch, args):
    wide = _printed(capsys, monkeypatch, 1000, args)
    narrow = _printed(capsys, monkeypatch, 100, args)
    assert max(len(line) for line in wide.splitlines()) > 100  # there was something to wrap
    assert max(len(line) for line in narrow.splitlines()) <= 100
    assert narrow.split() == wide.split()  # the same words in the same order: none cut in two


def test_issue_22_species_shows_how_each_estimate_was_made(capsys, monkeypatch):
    from flowsheet.datafiles import read_table

    out = _printed(capsys, monkeypatch, 1000, SPECIES[:3])  # NMC811 and steam
    line = {row["species"]: row.line for row in read_table("thermo/heat_capacity.csv")}["LiNi0.8Mn0.1Co0.1O2"]
    kopp = {row["element"]: row for row in read_table("thermo/kopp_atomic_heat_capacity.csv")}
    # Kopp's rule: Li, Ni, Mn, Co at the '*' row's 26.0 and 2 O at 16.7: 26.0 * (1 + 0.8 + 0.1 + 0.1) + 2 * 16.7
    cp = float(kopp["*"]["cp"]) * 2 + 2 * float(kopp["O"]["cp"])
    assert cp == pytest.approx(85.4, abs=1e-9)
    heat = next(text for text in out.splitlines() if text.startswith("  heat capacity"))
    assert heat.endswith(f"[Kopp's rule (thermo/heat_capacity.csv:{line})]")  # the rule, not the atoms' table
    lines = f"{kopp['O'].line}, {kopp['*'].line}"
    assert (
        f"= {cp:g} J/(mol*K); atomic values felder2016, Table B.10 (thermo/kopp_atomic_heat_capacity.csv:{lines})"
        in out
    )
    # the formation enthalpy: the layered end members, mole-weighted, each at its file and line
    members = {row["species"]: row for row in read_table("thermo/formation_enthalpy.csv")}
    terms = [(0.8, "LiNiO2"), (0.1, "LiMnO2"), (0.1, "LiCoO2")]
    for share, member in terms:
        value = float(members[member]["dHf_298"])
        assert f"{share:g} × {value:g} {member}(s) (thermo/formation_enthalpy.csv:{members[member].line})" in out
    mixed = sum(share * float(members[member]["dHf_298"]) for share, member in terms)
    assert mixed == pytest.approx(float(members["LiNi0.8Mn0.1Co0.1O2"]["dHf_298"]), abs=5e-4)
    assert f"= {mixed:.6g} kJ/mol" in out
    # a measured value keeps its citation alone
    assert "H2O(g) (steam)" in out
    assert "estimated" not in out.split("H2O(g) (steam)")[1]


def test_issue_22_a_species_estimated_from_its_end_members_says_the_table_lines(capsys, monkeypatch):
    out = _printed(capsys, monkeypatch, 1000, ["species", "LiNi0.9Mn0.05Co0.05O2"])
    assert "[estimate (thermo/end_members.csv:2, 3, 4, 5)]" in out  # the layered oxide family's four rows
    assert "0.9 × -593 LiNiO2(s) (thermo/formation_enthalpy.csv:" in out
