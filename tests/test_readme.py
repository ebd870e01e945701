"""The README's lists and contracts, checked against the code so that they cannot drift from it."""

import json
import re
from pathlib import Path

from flowsheet import operations
from flowsheet.cli import main
from flowsheet.operations import Operation
from flowsheet.route_file import unit_types

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SULFATE = str(ROOT / "routes" / "nmc811_sulfate.yaml")


def _paragraph(starts: str) -> str:
    """The README paragraph (up to the next blank line) that holds `starts`."""
    at = README.index(starts)
    end = README.find("\n\n", at)
    return README[README.rfind("\n\n", 0, at) + 2 : end]


def test_the_readme_names_every_unit_operation_class():
    # "Unit operations (`flowsheet.operations`: Feed, Product, ...) are joined"
    listed = _paragraph("Unit operations (`flowsheet.operations`:").split("`flowsheet.operations`:", 1)[1]
    named = set(re.findall(r"\b[A-Z][A-Za-z]+\b", listed.split(")", 1)[0]))
    classes = {
        name
        for name in operations.__all__
        if isinstance(getattr(operations, name), type)
        and issubclass(getattr(operations, name), Operation)
        and name != "Operation"  # the base class, described in its own section
    }
    assert named == classes


def test_the_readme_names_every_route_file_unit_type():
    # "`units` (each with a `type`, one of `dissolver`, ...; its `site`"
    listed = _paragraph("`units` (each with a `type`").split("`type`", 1)[1].split(";", 1)[0]
    assert set(re.findall(r"`([a-z_]+)`", listed)) == set(unit_types())


def _keys(value: object) -> set[str]:
    """Every key of every mapping in `value`, at any depth."""
    if isinstance(value, dict):
        return {*value, *(key for item in value.values() for key in _keys(item))}
    if isinstance(value, list):
        return {key for item in value for key in _keys(item)}
    return set()


def test_the_readme_json_contract_names_every_key_run_writes(capsys):
    assert main(["run", SULFATE, "--format", "json"]) == 0
    (summary,) = json.loads(capsys.readouterr().out)
    # keys of the contract, not of data: below "kpis", "units", "yields", "legs" and "closure.elements" the
    # keys are names of KPIs, units, legs and elements (the README writes them "<name>"), so only their values count
    by_name = [summary["kpis"], summary["units"], summary["yields"], summary["closure"]["elements"], summary["legs"]]
    written = {*summary, *_keys(summary["basis"]), *summary["closure"], *_keys(summary["species"])}
    written |= _keys(summary["costs"]) | set(summary["per_kwh"]) | _keys(summary["per_kwh"]["specific_energy"])
    written |= _keys(summary["upstream"])
    written |= _keys(summary["specifications"])
    by_name.append(summary["per_kwh"]["kpis"])
    written |= {key for mapping in by_name for item in mapping.values() for key in _keys(item)}
    block = README.split("`--format json` is a stable contract", 1)[1].split("```", 2)[1]
    documented = set(re.findall(r'"([a-z_][a-z0-9_]*)":', block))
    assert written - documented == set(), "keys run writes that the README's contract leaves out"
    assert documented - written == set(), "keys the README's contract names that run does not write"


def test_the_readme_says_every_step_of_the_ci_script():
    # .ci/run: the README's two commands, then each benchmark's smoke run; the README names each
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    benchmarks = re.findall(r"(benchmarks/\w+\.py --quick)", script)
    assert benchmarks, "the CI script runs no benchmark: update this test and the README"
    said = _paragraph("`.ci/run` runs")
    assert "exactly" not in said
    for step in benchmarks:
        assert f"`{step}`" in said, step
