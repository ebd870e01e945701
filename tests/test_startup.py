"""Start-up: the command line's help and ``formula`` run without the heavy libraries (timed in benchmarks/)."""

import subprocess
import sys

import pytest

HEAVY = ("pint", "pandas", "scipy", "plotly", "pydantic", "numpy")
PROBE = """
import contextlib, io, sys
from flowsheet.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    try:
        main({argv!r})
    except SystemExit:
        pass
print(out.getvalue().splitlines()[0] if out.getvalue() else "")
print(",".join(name for name in {heavy!r} if name in sys.modules))
"""


@pytest.mark.parametrize("argv", [["--help"], ["formula", "NiSO4·6H2O"], ["compare", "--help"]])
def test_the_help_and_formula_load_none_of_the_heavy_libraries(argv):
    probe = PROBE.format(argv=argv, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    first, loaded = done.stdout.splitlines()
    assert loaded == ""  # pint alone takes 0.4 s to import
    assert first.startswith("usage: flowsheet" if "--help" in argv else "NiSO4·6H2O: 262.8394 g/mol")


def test_the_package_names_are_the_functions_even_after_their_modules_are_imported():
    import flowsheet.provenance
    import flowsheet.solve.plan  # binds the module flowsheet.solve on the package, were it not kept off
    from flowsheet import provenance, solve

    assert callable(solve)
    assert solve.__module__ == "flowsheet.solve"
    assert callable(provenance)
    assert flowsheet.provenance is provenance
