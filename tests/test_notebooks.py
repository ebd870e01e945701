"""Every notebook runs top to bottom on a fresh install; their last cells assert the figures they show.

Each notebook is executed once in the default test run, here; building the docs site executes them
again, and is marked ``slow`` (tests/test_docs_site.py).
"""

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PLOTLY_JSON = "application/vnd.plotly.v1+json"
UNREADABLE = {  # what a reader should not meet in a table or a printed value
    "a 16-digit repr": re.compile(r"\d\.\d{12,}"),  # 0.22330518179542333: round or format it
    "an infinite ratio": re.compile(r"(?<![\w.])-?infx?\b"),  # a ratio to zero: say what it means
    "a negative zero": re.compile(r"(?<![\w.])-0\.0+(?![\d])"),  # a rounded -1e-17
    "freight not spelled t*km": re.compile(r"km \* t|t \* km|\bt km\b"),  # as the command line writes it
}


def shown_text(notebook):
    """Every text the notebook's outputs show: printed text, and each result's HTML view, else its text.

    A result with an HTML view shows it, in Jupyter and on the docs site; its text view is the repr
    (a stream's recreates it, digits and all). A chart is plotly JSON, not text to read.
    """
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if output.output_type == "stream":
                yield output.text
            elif PLOTLY_JSON not in data:
                yield data.get("text/html", data.get("text/plain", ""))


def execute(path):
    """Run the notebook at `path` as the docs site runs it (docs/build_site.py) and return it."""
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "docs" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.execute(path)


def test_the_notebooks_are_stored_without_outputs():
    for path in NOTEBOOKS:  # the docs site and CI execute them; the repository keeps the source only
        notebook = nbformat.read(path, as_version=4)
        assert not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), path.name


@pytest.mark.parametrize(
    ("text", "problem"),
    [("0.22330518179542333", "a 16-digit repr"), ("process waste: infx", "an infinite ratio"),
     ("sulfate / metal    inf", "an infinite ratio"), ("Li  residue  -0.0", "a negative zero"),
     ("adjustment -0.000000", "a negative zero"), ("freight  32.11  km * t", "freight not spelled t*km")],
)  # fmt: skip
def test_unreadable_output_is_recognised(text, problem):
    assert UNREADABLE[problem].search(text)


@pytest.mark.parametrize("text", ["0.2233", "infinite", "4.38x", "-0.05", "0.0", "32.11 t*km", "info"])
def test_readable_output_passes(text):
    assert not any(pattern.search(text) for pattern in UNREADABLE.values())


def test_the_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == [
        "01_quickstart.ipynb",
        "02_sulfate_vs_metal_powder.ipynb",
        "03_validation_against_greet.ipynb",
        "04_sensitivity.ipynb",
        "05_recycled_and_regions.ipynb",
        "06_reconciliation.ipynb",
        "07_sites.ipynb",
        "08_global_sensitivity.ipynb",
        "09_costs.ipynb",
        "10_cradle_to_gate.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_its_checks_pass(path):
    notebook = execute(path)  # raises CellExecutionError, with the failing cell, on any error or failed assert
    assert any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    for text in shown_text(notebook):
        for problem, pattern in UNREADABLE.items():
            assert not pattern.search(text), f"{path.name} shows {problem}: {pattern.search(text).group()!r}"
    if path.stem == "01_quickstart":  # the flowsheet drawing shows as SVG
        [drawing] = [cell for cell in notebook.cells if "flowsheet.draw(" in cell.source]
        assert any("image/svg+xml" in output.get("data", {}) for output in drawing.outputs)
