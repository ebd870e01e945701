"""The layering of flowsheet/__init__.py: each layer imports only the layers above it."""

import ast
from pathlib import Path

import flowsheet

PACKAGE = Path(flowsheet.__file__).parent
LAYERS = [
    "errors",
    "files",
    "units",
    "html",
    "uncertainty",
    "datafiles",
    "factors",
    "geography",
    "chemistry",
    "prices",
    "upstream",
    "thermo",
    "components",
    "layout",
    "diagrams",
    "operations",
    "kpis",
    "graph",
    "results",
    "provenance",
    "yields",
    "compliance",
    "solve",
    "testing",
    "route_file",
    "reconciliation",
    "reference",
    "sampling",
    "study",
    "report",
    "batch",
    "cli",
]


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "flowsheet" and parts[1] in LAYERS else None


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_layers_are_listed_in_the_package_docstring():
    for layer in LAYERS:
        assert f"\n    {layer} " in flowsheet.__doc__


def test_no_module_imports_a_lower_layer():
    checked = 0
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "__init__.py":
            continue
        own = relative.parts[0].removesuffix(".py")
        assert own in LAYERS, f"{relative} is in no layer: add it to the docstring and LAYERS"
        for module in _imports(path):
            layer = _layer(module)
            if layer is not None and layer != own:
                assert LAYERS.index(layer) < LAYERS.index(own), f"{relative} imports {module}"
        checked += 1
    assert checked >= 10
