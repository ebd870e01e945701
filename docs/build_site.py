"""Build the documentation site with every notebook executed: ``python docs/build_site.py [SITE_DIR]``.

The notebooks are run top to bottom (as the test suite runs them) into a scratch copy of
``docs/``, so the site shows their outputs while the repository keeps them without; then
``mkdocs build --strict`` writes the site (default ``site/``).

Plotly charts are made to draw offline. In a kernel plotly's default output is a script that
asks require.js for plotly.js, and a static page (mkdocs-jupyter's, or nbconvert's without a
network) has no require.js, so the chart stays blank. The notebooks are therefore run with
plotly's bare JSON output only (``PLOTLY_RENDERER=plotly_mimetype``), and each chart is given an
HTML view that calls plotly.js directly; the page's first chart carries plotly.js inline
(about 4.6 MB, 1.4 MB gzipped), the others reuse it. The page needs no network and no
require.js, and weighs what it did when the charts were blank (plotly's notebook mode embedded
the same copy of plotly.js, unused).
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import plotly.io
from nbclient import NotebookClient

ROOT = Path(__file__).parents[1]
PLOTLY_JSON = "application/vnd.plotly.v1+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def execute(path: Path) -> nbformat.NotebookNode:
    """Run the notebook at `path` top to bottom, plotly figures output as JSON, and return it."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": path.parent}})
    client.execute(env={**os.environ, "PLOTLY_RENDERER": "plotly_mimetype"})
    return notebook


def draw_plotly_offline(notebook: nbformat.NotebookNode) -> int:
    """Give every plotly figure in `notebook` an HTML view that needs no network; return how many.

    The first figure's view carries plotly.js inline; later ones call the ``Plotly`` it defines,
    as the page's scripts run in order.
    """
    figures = 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            figure = output.get("data", {}).get(PLOTLY_JSON)
            if figure is None:
                continue
            output["data"]["text/html"] = plotly.io.to_html(
                figure,
                include_plotlyjs=figures == 0,
                full_html=False,
                default_width="100%",
                default_height=525,  # plotly's notebook default, for a figure that sets no height
                validate=False,
            )
            figures += 1
    return figures


def static_widgets(notebook: nbformat.NotebookNode) -> int:
    """Show a live widget's static view on the page (no kernel runs there); return how many were replaced.

    An output that carries both a widget view and HTML (``flowsheet.what_if``: the KPIs at each end of
    each slider) keeps the HTML; without the widget's state, the view would be an empty box.
    """
    replaced = 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and "text/html" in data:
                del data[WIDGET_VIEW]
                replaced += 1
    return replaced


def build(site: Path) -> Path:
    """Execute the notebooks, build the site into `site`, and return it."""
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        shutil.copytree(ROOT / "docs", work / "docs")
        (work / "docs" / "notebooks").mkdir()
        for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
            notebook = execute(path)
            draw_plotly_offline(notebook)
            static_widgets(notebook)
            nbformat.write(notebook, work / "docs" / "notebooks" / path.name)
        shutil.copy(ROOT / "mkdocs.yml", work / "mkdocs.yml")
        command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f", str(work / "mkdocs.yml")]
        subprocess.run([*command, "--site-dir", str(site.resolve())], check=True)
    return site


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "site"))
