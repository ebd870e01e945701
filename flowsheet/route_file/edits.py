"""Resolving ``extends``: the parent route, then ``set``, ``remove`` and ``disconnect``."""

from __future__ import annotations

import copy
import difflib
import os
import re
from pathlib import Path
from typing import Any

from flowsheet import files
from flowsheet.errors import RouteFileError
from flowsheet.route_file.text import Origins, described, dotted, read_yaml

Issue = tuple[int, str, str, str]
"""An edit that could not be applied: ``(line, field, problem, hint)``."""

EDIT_KEYS = ("extends", "set", "remove", "disconnect")

ROUTE_PATH = "FLOWSHEET_ROUTE_PATH"
"""Environment variable listing (by ``os.pathsep``) folders searched for a route named by ``extends`` or a study."""

_PACKAGE = Path(__file__).resolve().parents[1]

INSTALLED_ROUTES = "_routes"
"""Folder below the package into which a wheel installs the shipped routes (``pyproject.toml``, force-include)."""

MARKER = "nmc811_sulfate.yaml"
"""A shipped route whose presence tells the shipped routes' folder from any other folder of that name."""


def _shipped() -> Path | None:
    """The shipped routes: ``flowsheet/_routes`` of an installed wheel, else ``routes/`` of a source checkout."""
    for candidate in (_PACKAGE / INSTALLED_ROUTES, _PACKAGE.parent / "routes"):
        if (candidate / MARKER).is_file():
            return candidate.resolve()
    return None


SHIPPED = _shipped()
"""The routes shipped with the package, found as the data tables are (:func:`flowsheet.datafiles.data_dir`);
``None`` only in a broken install."""


def listed_folders() -> tuple[list[Path], list[str]]:
    """The folders of ``FLOWSHEET_ROUTE_PATH``, resolved, in order; and its entries that are not folders."""
    entries = [p for p in os.environ.get(ROUTE_PATH, "").split(os.pathsep) if p]
    folders = [Path(p).resolve() for p in entries if Path(p).is_dir()]
    return folders, [p for p in entries if not Path(p).is_dir()]


def allowed_folders() -> list[Path]:
    """Folders besides a route's own that a route may be read from: ``FLOWSHEET_ROUTE_PATH``'s, then the shipped routes."""
    folders = [*listed_folders()[0], *([SHIPPED] if SHIPPED is not None else [])]
    return list(dict.fromkeys(folders))


def search_path(own: Path) -> list[Path]:
    """The folders a route's name is looked up in, in order; also the only folders a route is read from.

    Parameters
    ----------
    own : Path
        The folder of the file naming the route (a variant, a study file); kept as given, so
        that a route found there is named relative to it as the user wrote it.

    Returns
    -------
    list of Path
        `own`, then each folder of ``FLOWSHEET_ROUTE_PATH`` in order, then the shipped routes
        (:data:`SHIPPED`); each folder once.
    """
    mine = own.resolve()
    return [own, *(folder for folder in allowed_folders() if folder != mine)]


def looked_in(own: Path) -> str:
    """Where :func:`search_path` looks from `own`, as a hint says it: each folder, in order, and why."""
    listed, not_folders = listed_folders()
    first, *others = search_path(own)
    said = [f"{first.resolve()} (this file's folder)"]
    said += [f"{folder} ({ROUTE_PATH if folder in listed else 'shipped routes'})" for folder in others]
    skipped = f"; skipped {ROUTE_PATH} entries that are not folders: {', '.join(map(files.shown, not_folders))}"
    return "looked in " + ", ".join(said) + (skipped if not_folders else "")


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
    parent_path = _parent(path, data["extends"], line, chain)
    try:
        merged, merged_origins, inherited = load_document(parent_path, (*chain, path))
    except RouteFileError as err:
        raise RouteFileError(shown, _at_extends(line, str(err.path), err.issues)) from err
    merged, merged_origins = copy.deepcopy(merged), dict(merged_origins)
    if "product" in data and data["product"] != merged.get("product") and "capacity" not in data:
        merged.pop("capacity", None)  # what the parent's product stores says nothing of another product
    unmerged: list[Issue] = []
    for key, value in data.items():
        if key in EDIT_KEYS:
            continue
        if key in _ADDED:
            expected, what, example = _ADDED[key]
            if not isinstance(value, expected):
                unmerged.append((origins[(key,)][1], key, f"must be {what}, not {described(value)}", f"e.g. {example}"))
                continue
            if not isinstance(merged.get(key, expected()), expected):
                continue  # the parent's own value is wrong: reported at its line when the route is checked
        if key in ("sites", "prices", "upstream", "feeds", "products", "units"):
            target = merged.setdefault(key, {})
            for name, entry in value.items():
                target[name] = entry
                _replace_origins(merged_origins, origins, (key, name))
        elif key in ("streams", "sources"):
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
    issues = _at_extends(line, str(parent_path), inherited) + unmerged
    issues += apply_edits(data, origins, merged, merged_origins, shown)
    return merged, merged_origins, issues


_ADDED: dict[str, tuple[type[dict] | type[list], str, str]] = {
    "sites": (dict, "a mapping of sites by name", "sites: {mine: {region: CL}}"),
    "prices": (dict, "a mapping of prices by key", "prices: {Ni: {price: 18000 USD/t, source: lme}}"),
    "upstream": (dict, "a mapping of factors by material", "upstream: {Ni: {co2e: 8 kg CO2e/kg, source: epd}}"),
    "feeds": (dict, "a mapping of feeds by name", "feeds: {soda: {flows: {Na2CO3: 1 mol}, dosed: true}}"),
    "products": (dict, "a mapping of products by name", "products: {slag: {kind: waste}}"),
    "units": (dict, "a mapping of units by name", "units: {mill: {type: mixer}}"),
    "streams": (list, "a list of streams, each added to the parent's", "streams: ['ship -> redissolve.feed']"),
    "sources": (list, "a list of sources, each added to the parent's", "sources: [{key: dai2019, cite: '...'}]"),
}
"""Keys a variant adds to its parent's, entry by entry: what each must be, and an example."""


MAX_NAME = 255
"""Longest name of one folder or file in an ``extends`` path, [characters] (the usual file-system limit)."""

MAX_PATH = 4096
"""Longest ``extends`` path, [characters]."""


def _parent(path: Path, name: str, line: int, chain: tuple[Path, ...]) -> Path:
    """The route file `name` (an ``extends`` value of `path`, at `line`) names, checked before it is read.

    The name is looked up along :func:`search_path`: beside `path`, then in each folder of
    ``FLOWSHEET_ROUTE_PATH``, then in the shipped routes; the first folder holding it gives the
    parent. A route that names itself extends the next file of that name on the path. A name
    that leads out of those folders (``..``, a symbolic link) is not followed there, nor the file
    it leads to opened.

    Raises
    ------
    RouteFileError
        At the ``extends`` line, with where it looked: for a name no file system holds (empty,
        too long, a NUL or another control character), a name found only outside the search
        path, a cycle, or a name that is missing, a folder, or not a regular file.
    """
    shown = str(path)

    def refuse(problem: str, hint: str) -> RouteFileError:
        return RouteFileError.one(shown, line, "extends", problem, hint)

    example = "give the name of a route file in this folder or a shipped one, e.g. extends: nmc811_sulfate.yaml"
    if not name.strip():
        raise refuse("is empty", example)
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise refuse(f"{files.shown(name)} holds a control character (a NUL, a tab, a new line)", example)
    if len(name) > MAX_PATH or any(len(part) > MAX_NAME for part in re.split(r"[/\\]", name)):
        raise refuse(f"{files.shown(name)} is too long for a file name ({MAX_NAME} characters a name)", example)
    folders = search_path(path.parent)
    try:
        roots = [folder.resolve() for folder in folders]
        itself, ancestors = path.resolve(), [p.resolve() for p in chain]
        outside, named_itself = False, False
        for folder in folders[:1] if Path(name).is_absolute() else folders:
            candidate = folder / name
            resolved = candidate.resolve()
            if not any(resolved.is_relative_to(root) for root in roots):
                outside = True  # neither opened nor looked at: a route is read only along the search path
                continue
            if not candidate.exists():
                continue
            if resolved == itself:
                named_itself = True  # a route named as its parent extends the next one of that name
                continue
            if resolved in ancestors:
                cycle = " -> ".join(p.name for p in (*chain, path, candidate))
                raise refuse(f"extends cycle: {cycle}", "one of them must not extend the other")
            if not candidate.is_file():
                what = "a folder" if candidate.is_dir() else "not a regular file (a pipe, a device or a socket)"
                raise refuse(f"{files.shown(name)} is {what}", example)
            return candidate
        if named_itself:
            raise refuse(
                f"extends itself: {path.name} -> {path.name}",
                f"name another route, or put a route of that name on the search path ({looked_in(path.parent)})",
            )
        if outside:
            by_name = Path(name).name
            shipped = SHIPPED is not None and (SHIPPED / by_name).is_file()
            raise refuse(
                f"names a file outside this route's folder, the folders of {ROUTE_PATH} and the shipped routes",
                (f"the shipped routes hold {files.shown(by_name)}: extends: {by_name}; " if shipped else "")
                + f"a route may extend files in those folders or below them, or list its folder in {ROUTE_PATH}; "
                + looked_in(path.parent),
            )
    except (OSError, RuntimeError, ValueError) as err:  # a name too long, a NUL, a loop of links
        if isinstance(err, RouteFileError):
            raise
        raise refuse(f"{files.shown(name)} is not a usable path ({type(err).__name__})", example) from None
    raise refuse(
        f"no route file {files.shown(name)} in this route's folder, {ROUTE_PATH} or the shipped routes",
        f"{looked_in(path.parent)}; give a path relative to this file, or list its folder in {ROUTE_PATH}",
    )


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
            shown,
            line,
            field,
            f"{files.shown(text)} is not a dotted path",
            "e.g. units.calcine.temperature or flows[LiOH·H2O]",
        )
    return keys


def apply_edits(data: dict, origins: Origins, merged: dict, merged_origins: Origins, shown: str) -> list[Issue]:
    """Apply the ``set``, ``remove`` and ``disconnect`` of `data` to `merged`, keeping origins in step.

    Returns every edit that could not be applied, as ``(line, field, problem, hint)``; the others
    are applied, so that the rest of the file is still checked and all its problems reported at once.
    """
    issues: list[Issue] = []
    settings = data.get("set") or {}
    for entry_path, value in settings.items():
        try:
            _set(entry_path, value, origins, merged, merged_origins, shown)
        except RouteFileError as err:
            issues.extend(err.issues)
    _forget_old_places(settings, merged)
    for i, entry_path in enumerate(data.get("remove") or []):
        line = origins[("remove", i)][1]
        try:
            keys = _path(str(entry_path), shown, line, "remove")
            parent = _walk(merged, keys[:-1], shown, line, "remove")
            if keys[-1] not in parent:
                raise RouteFileError.one(
                    shown, line, "remove", f"{files.shown(entry_path)} is not in the route", _near(keys[-1], parent)
                )
            del parent[keys[-1]]
        except RouteFileError as err:
            issues.extend(err.issues)
    for i, stream in enumerate(data.get("disconnect") or []):
        line = origins[("disconnect", i)][1]
        streams = merged.get("streams", [])
        normal = [_normal(str(s)) for s in streams] if isinstance(streams, list) else []
        if _normal(str(stream)) not in normal:
            hint = _near(_normal(str(stream)), dict.fromkeys(normal))
            issues.append((line, "disconnect", f"no stream {files.shown(stream)} in the route it extends", hint))
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


PLACE_FIELDS = ("port", "inland", "inland_mode")
"""What a site says about where it is, besides its region."""


def _forget_old_places(settings: dict, merged: dict) -> None:
    """A site moved to another region leaves its port and inland leg behind, unless the same edit sets them."""
    set_paths = set()
    for path in settings:
        try:
            set_paths.add(_path(str(path)))
        except RouteFileError:
            continue  # reported where the edit was applied
    sites = merged.get("sites")
    if not isinstance(sites, dict):
        return
    for name, site in sites.items():
        if ("sites", name, "region") in set_paths and isinstance(site, dict):
            for key in PLACE_FIELDS:
                if ("sites", name, key) not in set_paths:
                    site.pop(key, None)


def _set(entry_path: str, value: Any, origins: Origins, merged: dict, merged_origins: Origins, shown: str) -> None:
    line = origins[("set", entry_path)][1]
    keys = _path(entry_path, shown, line, "set")
    parent = _walk(merged, keys[:-1], shown, line, f"set.{dotted(keys)}")
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
    return f"did you mean {', '.join(files.shown(c) for c in close)}?" if close else ""


def _walk(data: dict, keys: tuple[str, ...], shown: str, line: int, field: str) -> dict:
    node: Any = data
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            hint = _near(key, node) if isinstance(node, dict) else ""
            raise RouteFileError.one(shown, line, field, f"{files.shown('.'.join(keys))} is not in the route", hint)
        node = node[key]
    if not isinstance(node, dict):
        raise RouteFileError.one(shown, line, field, f"{files.shown('.'.join(keys))} is not a mapping")
    return node


def _normal(stream: str) -> str:
    return re.sub(r"\s+", "", stream)
