"""The documentation site builds, with the notebooks executed and the flowsheet drawing shown as SVG."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_the_docs_site_builds_with_executed_notebooks(tmp_path, monkeypatch):
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "docs" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    site = module.build(tmp_path / "site")  # mkdocs --strict: a broken link or page fails it
    assert (site / "index.html").exists()
    assert "| `holding_power` |" not in (site / "units" / "index.html").read_text(encoding="utf-8")  # rendered
    assert "holding_power" in (site / "units" / "index.html").read_text(encoding="utf-8")
    pages = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert {p.parent.name for p in (site / "notebooks").glob("*/index.html")} == pages
    quickstart = (site / "notebooks" / "01_quickstart" / "index.html").read_text(encoding="utf-8")
    assert "<svg" in quickstart
    assert "salt_crystallize" in quickstart  # the drawing's labels, as SVG text
