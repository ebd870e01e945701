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
    assert "+61.24 kJ/mol" in capsys.readouterr().out  # -484.93 - 241.826 + 788.0


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
