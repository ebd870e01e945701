"""Reading YAML with the file and line of every key and item; aliases refused."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from flowsheet import files
from flowsheet.errors import RouteFileError

MAX_BYTES = 1_000_000
"""Largest route file read, [bytes]."""

MAX_DEPTH = 20
"""Deepest nesting of mappings and lists in a route file."""

_COLLECTION_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")

Origins = dict[tuple, tuple[str, int]]


class _SafeComposer(yaml.SafeLoader):
    """A safe loader that refuses aliases, so no document can expand beyond its text."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.get_event()
            raise yaml.MarkedYAMLError(
                problem=ALIASES,
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)


# YAML 1.2 booleans: only true and false. YAML 1.1's yes/no/on/off would read Norway's region code NO
# as False.
_SafeComposer.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_SafeComposer.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

_FAST_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = _SafeComposer
"""libyaml's parser with the same resolvers where PyYAML was built with it (ten times faster): it composes
an alias into the node it names, which :class:`_Builder` then meets twice and refuses."""
if getattr(yaml, "__with_libyaml__", False):

    class _FastComposer(yaml.CSafeLoader):
        yaml_implicit_resolvers = _SafeComposer.yaml_implicit_resolvers

    _FAST_LOADER = _FastComposer

ALIASES = "YAML aliases (*name) are not allowed in route files; use 'extends' to reuse a route"


def read_yaml(path: Path) -> tuple[Any, Origins]:
    """Read one YAML file into plain data and the (file, line) of every key and item."""
    return parse_yaml(files.read_text(path, MAX_BYTES, RouteFileError), str(path))


def parse_yaml(text: str, shown: str) -> tuple[Any, Origins]:
    """Parse the YAML `text` of the file `shown` into plain data and the (file, line) of every key and item."""
    if not text.strip():
        raise RouteFileError.one(shown, 1, "", "is empty", "start from a shipped route in routes/")
    try:
        node = yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else 1
        hint = "check the indentation and the quotes of that line; a value with ': ' or '#' needs quotes"
        raise RouteFileError.one(shown, line, "", f"is not valid YAML: {err.problem}", hint) from None
    except yaml.YAMLError as err:
        raise RouteFileError.one(shown, 1, "", f"is not valid YAML: {err}") from None
    except RecursionError:
        raise RouteFileError.one(shown, 1, "", f"nests deeper than {MAX_DEPTH} levels") from None
    if not isinstance(node, yaml.MappingNode):
        line = node.start_mark.line + 1 if node is not None else 1
        raise RouteFileError.one(
            shown, line, "", "must be a mapping of keys (name:, units:, ...)", "start from a route in routes/"
        )
    origins: Origins = {}
    return _Builder(shown).construct(node, (), origins, 1), origins


class _Builder:
    """Plain data from one document's nodes, each node met once: a node met twice was an alias."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.seen: set[int] = set()
        self.scalars = yaml.constructor.SafeConstructor()

    def construct(self, node: yaml.Node, path: tuple, origins: Origins, where: int) -> Any:
        """`where` is the line of the key the node stands under, where an alias is said to be."""
        if id(node) in self.seen:
            hint = "write the values out where they are used"
            raise RouteFileError.one(self.shown, where, "", f"is not valid YAML: {ALIASES}", hint)
        self.seen.add(id(node))
        return _construct(self, node, path, origins, self.shown)


def _construct(builder: _Builder, node: yaml.Node, path: tuple, origins: Origins, shown: str) -> Any:
    origins.setdefault(path, (shown, node.start_mark.line + 1))
    line = node.start_mark.line + 1
    if len(path) > MAX_DEPTH:
        raise RouteFileError.one(shown, line, dotted(path[:3]), f"nests deeper than {MAX_DEPTH} levels")
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _COLLECTION_TAGS:
        hint = "remove the tag: route files hold plain values"
        raise RouteFileError.one(
            shown, line, dotted(path), f"YAML tag {files.shown(node.tag)} is not allowed in route files", hint
        )
    if isinstance(node, yaml.MappingNode):
        found: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            key = builder.construct(key_node, (*path, "<key>"), {}, line)
            if not isinstance(key, str | int | float) or isinstance(key, bool):
                raise RouteFileError.one(shown, line, dotted(path), "keys must be text")
            key = str(key)
            if key in found:
                raise RouteFileError.one(
                    shown, line, dotted((*path, key)), "appears twice in the same mapping", "keep one of the two"
                )
            origins[(*path, key)] = (shown, line)
            found[key] = builder.construct(value_node, (*path, key), origins, line)
        return found
    if isinstance(node, yaml.SequenceNode):
        return [builder.construct(item, (*path, i), origins, line) for i, item in enumerate(node.value)]
    try:
        return builder.scalars.construct_object(node)
    except ValueError:  # a whole number longer than Python converts (4,300 digits)
        raise RouteFileError.one(
            shown, node.start_mark.line + 1, dotted(path), "is a number too long to read", "write it in fewer digits"
        ) from None
    except yaml.constructor.ConstructorError:
        raise RouteFileError.one(
            shown,
            node.start_mark.line + 1,
            dotted(path),
            f"YAML tag {files.shown(node.tag)} is not allowed in route files",
            "remove the tag: route files hold plain values",
        ) from None


def dotted(path: tuple) -> str:
    """A key path as people write it: ``units.filter.wash_ratio``, ``streams[3]``, ``flows[LiOH·H2O]``.

    Each key is cut to a short token, its control characters escaped (:func:`~flowsheet.files.shown`):
    an error names a key, it never repeats a line of the file.
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
            continue
        key = files.shown(part)[1:-1]
        if "." in key:
            text += f"[{key}]"
        else:
            text += f".{key}" if text else key
    return text


def described(value: Any) -> str:
    """What a YAML value is, in words, with a short token of it: ``null``, ``true/false``, ``number 1.5``, ``text '0.9 mi'``, ``list``, ``mapping``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"number {value!r}" if len(repr(value)) <= 20 else "number"
    if isinstance(value, str):
        return f"text {files.shown(value)}"
    return "list" if isinstance(value, list) else "mapping" if isinstance(value, dict) else type(value).__name__
