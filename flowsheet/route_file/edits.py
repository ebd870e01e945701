"""Resolving ``extends``: the parent route, then ``set``, ``remove`` and ``disconnect``."""

from __future__ import annotations

import copy
import difflib
import os
import re
from pathlib import Path
from typing import Any

from flowsheet.errors import RouteFileError
from flowsheet.route_file.text import Origins, read_yaml

Issue = tuple[int, str, str, str]
"""An edit that could not be applied: ``(line, field, problem, hint)``."""

EDIT_KEYS = ("extends", "set", "remove", "disconnect")

ROUTE_PATH = "FLOWSHEET_ROUTE_PATH"
"""Environment variable listing (by ``os.pathsep``) further folders a route may extend files from."""

SHIPPED = Path(__file__).resolve().parents[2] / "routes"
"""The routes shipped with a source checkout: any route may extend them."""


def allowed_folders() -> list[Path]:
    """Folders besides a route's own that its ``extends`` may reach: the shipped routes and ``FLOWSHEET_ROUTE_PATH``."""
    listed = [Path(p) for p in os.environ.get(ROUTE_PATH, "").split(os.pathsep) if p]
    return [folder.resolve() for folder in (SHIPPED, *listed) if folder.is_dir()]


def load_document(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict, Origins, list[Issue]]:
    """Read a route file and resolve its ``extends`` chain into one mapping with origins.

    Also returns the edits (``set``, ``remove``, ``disconnect``) that could not be applied, each
    ``(line, field, problem, hint)`` of this file; a parent's are given at the ``extends`` line.
    """
    data, origins = read_yaml(path)
    shown = str(path)
    if "extends" not in data:
        for key in EDIT_KEYS[1:]:
            if key in data:
                raise RouteFileError.one(
                    shown,
                    origins[(key,)][1],
                    key,
                    "only a route that 'extends' another may edit it",
                    "add 'extends: parent.yaml', or write the value in place",
                )
        return data, origins, []
    for key, kind, example in (
        ("set", dict, "set: {units.calcine.temperature: 850 degC}"),
        ("remove", list, "remove: [units.ship]"),
        ("disconnect", list, "disconnect: ['ship -> slurry.feed']"),
    ):
        value = data.get(key)
        if value is not None and not isinstance(value, kind):
            what = "a mapping of dotted paths to values" if kind is dict else "a list"
            raise RouteFileError.one(shown, origins[(key,)][1], key, f"must be {what}", f"e.g. {example}")
    line = origins[("extends",)][1]
    if not isinstance(data["extends"], str):
        raise RouteFileError.one(
            shown, line, "extends", "must be the path of another route file", "e.g. extends: nmc811_sulfate.yaml"
        )
    parent_path = path.parent / data["extends"]
    roots = [path.parent.resolve(), *allowed_folders()]
    if not any(parent_path.resolve().is_relative_to(root) for root in roots):
        raise RouteFileError.one(
            shown,
            line,
            "extends",
            "names a file outside this route's folder and the allowed folders",
            f"extend a route in this folder or below it, or list its folder in {ROUTE_PATH}",
        )
    seen = [p.resolve() for p in (*chain, path)]
    if parent_path.resolve() in seen:
        cycle = " -> ".join(p.name for p in (*chain, path, parent_path))
        raise RouteFileError.one(
            shown, line, "extends", f"extends cycle: {cycle}", "one of them must not extend the other"
        )
    if not parent_path.exists():
        raise RouteFileError.one(
            shown,
            line,
            "extends",
            f"no route file {data['extends']!r} beside this one",
            "give its path relative to this file",
        )
    try:
        merged, merged_origins, inherited = load_document(parent_path, (*chain, path))
    except RouteFileError as err:
        raise RouteFileError(shown, _at_extends(line, str(err.path), err.issues)) from err
    merged, merged_origins = copy.deepcopy(merged), dict(merged_origins)
    for key, value in data.items():
        if key in EDIT_KEYS:
            continue
        if key in ("sites", "feeds", "products", "units") and isinstance(value, dict):
            target = merged.setdefault(key, {})
            for name, entry in value.items():
                target[name] = entry
                _replace_origins(merged_origins, origins, (key, name))
        elif key in ("streams", "sources") and isinstance(value, list):
            # added to the parent's; a source with the parent's key replaces it (the variant's figures
            # still rest on the parent's sources, so they are kept)
            items = merged.setdefault(key, [])
            for i, entry in enumerate(value):
                keyed = [j for j, e in enumerate(items) if key == "sources" and _source_key(e) == _source_key(entry)]
                at = keyed[0] if keyed and _source_key(entry) is not None else len(items)
                items[at : at + 1] = [entry]
                _replace_origins(merged_origins, {}, (key, at))
                merged_origins.update({(key, at, *k[2:]): v for k, v in origins.items() if k[:2] == (key, i)})
        else:
            merged[key] = value
            _replace_origins(merged_origins, origins, (key,))
    issues = _at_extends(line, str(parent_path), inherited) + apply_edits(data, origins, merged, merged_origins, shown)
    return merged, merged_origins, issues


def _at_extends(line: int, parent: str, issues: list[Issue]) -> list[Issue]:
    """A parent file's issues, given at the child's ``extends`` line with the parent's file and line."""
    return [
        (line, "extends", f"{parent}:{parent_line}: {field + ': ' if field else ''}{problem}", hint)
        for parent_line, field, problem, hint in issues
    ]


def _source_key(entry: Any) -> Any:
    return entry.get("key") if isinstance(entry, dict) else None


def _replace_origins(into: Origins, source: Origins, prefix: tuple) -> None:
    for key in [k for k in into if k[: len(prefix)] == prefix]:
        del into[key]
    into.update({k: v for k, v in source.items() if k[: len(prefix)] == prefix})


_SEGMENT = re.compile(r"\[([^\]]+)\]|([^.\[\]]+)")


def _path(text: str, shown: str = "", line: int = 0, field: str = "") -> tuple[str, ...]:
    """``units.calcine.temperature`` -> its keys; a key with dots in brackets: ``flows[LiOH·H2O]``."""
    keys = tuple(bracket or plain for bracket, plain in _SEGMENT.findall(text))
    if not keys or not all(k.strip() for k in keys) or ".." in text or text.startswith(".") or text.endswith("."):
        raise RouteFileError.one(
            shown, line, field, f"{text!r} is not a dotted path", "e.g. units.calcine.temperature or flows[LiOH·H2O]"
        )
    return keys


def apply_edits(data: dict, origins: Origins, merged: dict, merged_origins: Origins, shown: str) -> list[Issue]:
    """Apply the ``set``, ``remove`` and ``disconnect`` of `data` to `merged`, keeping origins in step.

    Returns every edit that could not be applied, as ``(line, field, problem, hint)``; the others
    are applied, so that the rest of the file is still checked and all its problems reported at once.
    """
    issues: list[Issue] = []
    for entry_path, value in (data.get("set") or {}).items():
        try:
            _set(entry_path, value, origins, merged, merged_origins, shown)
        except RouteFileError as err:
            issues.extend(err.issues)
    for i, entry_path in enumerate(data.get("remove") or []):
        line = origins[("remove", i)][1]
        try:
            keys = _path(str(entry_path), shown, line, "remove")
            parent = _walk(merged, keys[:-1], shown, line, "remove")
            if keys[-1] not in parent:
                raise RouteFileError.one(
                    shown, line, "remove", f"{entry_path!r} is not in the route", _near(keys[-1], parent)
                )
            del parent[keys[-1]]
        except RouteFileError as err:
            issues.extend(err.issues)
    for i, stream in enumerate(data.get("disconnect") or []):
        line = origins[("disconnect", i)][1]
        streams = merged.get("streams", [])
        normal = [_normal(s) for s in streams]
        if _normal(str(stream)) not in normal:
            hint = _near(_normal(str(stream)), dict.fromkeys(normal))
            issues.append((line, "disconnect", f"no stream {stream!r} in the route it extends", hint))
            continue
        index = normal.index(_normal(str(stream)))
        del streams[index]
        shifted = {}
        for key, value in merged_origins.items():
            if key[:1] == ("streams",) and len(key) > 1 and isinstance(key[1], int) and key[1] > index:
                shifted[("streams", key[1] - 1, *key[2:])] = value
            elif not (key[:2] == ("streams", index)):
                shifted[key] = value
        merged_origins.clear()
        merged_origins.update(shifted)
    return issues


def _set(entry_path: str, value: Any, origins: Origins, merged: dict, merged_origins: Origins, shown: str) -> None:
    line = origins[("set", entry_path)][1]
    keys = _path(entry_path, shown, line, "set")
    parent = _walk(merged, keys[:-1], shown, line, f"set.{entry_path}")
    parent[keys[-1]] = value
    prefix = tuple(keys)
    for key in [k for k in merged_origins if k[: len(prefix)] == prefix]:
        del merged_origins[key]
    for key, (file, item_line) in origins.items():
        if key[:2] == ("set", entry_path):
            merged_origins[prefix + key[2:]] = (file, item_line)


def _near(name: str, known: Any) -> str:
    """A "did you mean" hint for a misspelt name among `known` (a mapping's keys), or ""."""
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=3, cutoff=0.6)
    return f"did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def _walk(data: dict, keys: tuple[str, ...], shown: str, line: int, field: str) -> dict:
    node: Any = data
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            hint = _near(key, node) if isinstance(node, dict) else ""
            raise RouteFileError.one(shown, line, field, f"{'.'.join(keys)!r} is not in the route", hint)
        node = node[key]
    if not isinstance(node, dict):
        raise RouteFileError.one(shown, line, field, f"{'.'.join(keys)!r} is not a mapping")
    return node


def _normal(stream: str) -> str:
    return re.sub(r"\s+", "", stream)
