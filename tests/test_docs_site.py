"""The documentation site: it builds with the notebooks executed, and its plotly charts draw offline.

Building the site runs every notebook again, so those tests are marked ``slow`` (``pytest -m slow``;
CI runs them). The chart check opens each page with a chart in headless Chromium with every host
unreachable and looks for the traces plotly draws as SVG: a blank chart, whatever blanks it
(a script asking for require.js, plotly.js fetched from a CDN, an error in the figure), fails it.
"""

import importlib.util
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _build_site_module():
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "docs" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _figure_output(title: str) -> nbformat.NotebookNode:
    figure = {"data": [{"type": "bar", "x": ["a", "b"], "y": [1, 2]}], "layout": {"title": {"text": title}}}
    return nbformat.v4.new_output("display_data", data={"application/vnd.plotly.v1+json": figure})


def test_a_live_widget_shows_its_static_view_on_the_site():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("view")]
    widget = {"model_id": "x", "version_major": 2, "version_minor": 0}
    both = {"application/vnd.jupyter.widget-view+json": widget, "text/html": "<table></table>", "text/plain": "v"}
    alone = {"application/vnd.jupyter.widget-view+json": widget, "text/plain": "w"}
    notebook.cells[0].outputs = [nbformat.v4.new_output("display_data", data=dict(both)),
                                 nbformat.v4.new_output("display_data", data=dict(alone))]  # fmt: skip
    assert _build_site_module().static_widgets(notebook) == 1
    kept, untouched = notebook.cells[0].outputs
    assert set(kept["data"]) == {"text/html", "text/plain"}  # the table of the what-if's ends
    assert set(untouched["data"]) == set(alone)  # a widget with no static view is left as it is


def test_index_names_every_notebook_and_the_nav_lists_them():
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert sorted(re.findall(r"\(notebooks/(\w+)\.ipynb\)", index)) == NOTEBOOKS
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]
    [notebooks] = [entry["Notebooks"] for entry in nav if "Notebooks" in entry]
    assert sorted(Path(page).stem for entry in notebooks for page in entry.values()) == NOTEBOOKS


def test_plotly_figures_carry_plotly_js_once_and_need_no_require_js():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("a"), nbformat.v4.new_code_cell("b")]
    notebook.cells[0].outputs = [_figure_output("first")]
    notebook.cells[1].outputs = [nbformat.v4.new_output("stream", text="x\n"), _figure_output("second")]
    assert _build_site_module().draw_plotly_offline(notebook) == 2
    first, second = (cell.outputs[-1]["data"]["text/html"] for cell in notebook.cells)
    marker = "* plotly.js v"  # the banner that opens plotly.min.js
    assert first.count(marker) == 1  # once per page, in its first chart
    assert marker not in second
    for html in (first, second):
        assert "Plotly.newPlot" in html
        assert 'require(["plotly"]' not in html  # plotly's notebook mode: blank without require.js
        assert "<script src=" not in html  # nothing fetched


def _browser() -> str:
    found = next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)
    if found is None:
        pytest.fail(f"the chart check needs a headless browser, one of {', '.join(BROWSERS)}: apt-get install chromium")
    return found


def _rendered(browser: str, page: Path) -> str:
    """The page's DOM after its scripts ran, offline: every host name resolves to nothing."""
    with tempfile.TemporaryDirectory() as profile:
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   f"--user-data-dir={profile}", "--host-resolver-rules=MAP * ~NOTFOUND",
                   "--virtual-time-budget=10000", "--dump-dom", page.as_uri()]  # fmt: skip
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


def _drawn_charts(dom: str) -> list[bool]:
    """Per plotly chart on the page: whether plotly drew its traces (bars, lines, a Sankey) as SVG."""
    charts = re.split(r'<div [^>]*\bclass="plotly-graph-div', dom)[1:]
    return [bool(re.search(r'<g class="(trace\b|sankey\b)', chart.split('<div class="jp-', 1)[0])) for chart in charts]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        return _build_site_module().build(tmp_path_factory.mktemp("docs") / "site")


@pytest.mark.slow
def test_the_docs_site_builds_with_executed_notebooks(site):
    # mkdocs --strict: a broken link or page fails the build
    assert (site / "index.html").exists()
    units = (site / "units" / "index.html").read_text(encoding="utf-8")
    assert "| `holding_power` |" not in units  # rendered
    assert "holding_power" in units
    assert {p.parent.name for p in (site / "notebooks").glob("*/index.html")} == set(NOTEBOOKS)
    quickstart = (site / "notebooks" / "01_quickstart" / "index.html").read_text(encoding="utf-8")
    assert "<svg" in quickstart
    assert "salt_crystallize" in quickstart  # the drawing's labels, as SVG text


@pytest.mark.slow
def test_every_plotly_chart_on_the_site_draws_offline(site):
    pages = {p.parent.name: p for p in (site / "notebooks").glob("*/index.html")}
    with_charts = {name: page for name, page in pages.items() if "plotly-graph-div" in page.read_text(encoding="utf-8")}
    # the Sankey of 01, the tornados of 04, the Sobol bars of 08
    assert {"01_quickstart", "04_sensitivity", "08_global_sensitivity"} <= set(with_charts)
    browser = _browser()
    for name, page in sorted(with_charts.items()):
        drawn = _drawn_charts(_rendered(browser, page))
        assert drawn, f"{name}: no chart on the page"
        assert all(drawn), f"{name}: charts drawn {drawn} (False is a blank chart)"
