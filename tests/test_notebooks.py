"""Every notebook runs top to bottom on a fresh install; their last cells assert the figures they show."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


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
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_its_checks_pass(path):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": path.parent}})
    client.execute()  # raises CellExecutionError, with the failing cell, on any error or failed assert
    assert any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    if path.stem == "01_quickstart":  # the flowsheet drawing shows as SVG
        [drawing] = [cell for cell in notebook.cells if "flowsheet.draw(" in cell.source]
        assert any("image/svg+xml" in output.get("data", {}) for output in drawing.outputs)
