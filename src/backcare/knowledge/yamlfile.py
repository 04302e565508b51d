"""Read YAML keeping the line of every value, so problems can be reported as ``file:line``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from backcare.knowledge.base import LineMap

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader11Safe(_Loader):  # type: ignore[valid-type,misc]
    """SafeLoader where only ``true``/``false`` are booleans.

    YAML 1.1 reads ``yes``, ``no``, ``on`` and ``off`` as booleans; our answers *are* the words
    "yes" and "no", so they must stay strings.
    """


_Loader11Safe.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _Loader.yaml_implicit_resolvers.items()
}
_Loader11Safe.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class YamlError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load(path: Path) -> tuple[Any, LineMap]:
    """Parse one YAML document; return the data and a map from key paths to 1-based lines."""
    text = path.read_text(encoding="utf-8")
    return loads(text)


def loads(text: str) -> tuple[Any, LineMap]:
    loader = _Loader11Safe(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise YamlError(line, f"not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise YamlError(1, f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    lines: LineMap = {}
    _walk(node, (), lines)
    return data, lines


def _walk(node: yaml.Node, path: tuple[Any, ...], lines: LineMap) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[(*path, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)
