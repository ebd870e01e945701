"""Build the documentation site with every notebook executed: ``python docs/build_site.py [SITE_DIR]``.

The notebooks are run top to bottom (as the test suite runs them) into a scratch copy of
``docs/``, so the site shows their outputs while the repository keeps them without; then
``mkdocs build --strict`` writes the site (default ``site/``).
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).parents[1]


def build(site: Path) -> Path:
    """Execute the notebooks, build the site into `site`, and return it."""
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        shutil.copytree(ROOT / "docs", work / "docs")
        (work / "docs" / "notebooks").mkdir()
        for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
            notebook = nbformat.read(path, as_version=4)
            client = NotebookClient(
                notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": path.parent}}
            )
            client.execute()
            nbformat.write(notebook, work / "docs" / "notebooks" / path.name)
        shutil.copy(ROOT / "mkdocs.yml", work / "mkdocs.yml")
        command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f", str(work / "mkdocs.yml")]
        subprocess.run([*command, "--site-dir", str(site.resolve())], check=True)
    return site


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "site"))
