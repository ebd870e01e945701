"""Every reference a user can follow resolves: inside the repository, or to a public source."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
SHIPPED = [
    *ROOT.glob("flowsheet/**/*.py"),
    *ROOT.glob("routes/*.yaml"),
    *ROOT.glob("data/**/*.csv"),
    *ROOT.glob("data/**/*.toml"),
    *ROOT.glob("data/**/*.py"),
    *ROOT.glob("notebooks/*.ipynb"),
    *ROOT.glob("benchmarks/*.py"),
    *ROOT.glob("benchmarks/*.md"),
    ROOT / "README.md",
    ROOT / "pyproject.toml",
]
OUTSIDE = re.compile(
    r"(\.\./(?!docs/)|/work/|/tmp/|/home/|(?<![A-Za-z])[A-Za-z]:\\\\)|\bshared/|reference-data\.md|peers\.md|design\.md"
)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_reference_points_outside_the_repository(path):
    text = path.read_text(encoding="utf-8")
    found = [m.group(0) for m in OUTSIDE.finditer(text)]
    assert not found, f"{path.relative_to(ROOT)} refers outside the repository: {found[:3]}"


def test_repository_paths_cited_in_routes_and_data_exist():
    project = r"(?:data/(?:thermo|energy|transport|recycling)|routes|notebooks|flowsheet|tests)"
    cited = re.compile(rf"(?<![\w/])({project}/[\w./-]+\.(?:csv|yaml|toml|py|ipynb|md))")
    for path in [*ROOT.glob("routes/*.yaml"), *ROOT.glob("data/**/*.csv"), ROOT / "README.md"]:
        for match in cited.finditer(path.read_text(encoding="utf-8")):
            assert (ROOT / match.group(1)).exists(), f"{path.relative_to(ROOT)} cites {match.group(1)}, not in the repo"
