"""Reading YAML and JSON as a rep wrote them, refusing what would silently lose or change a value.

PyYAML keeps the last of two equal keys in one mapping (``perpetrator:`` written twice: the
first person vanishes) and reads ``2026-12-03`` as its own date type. Here a key given twice is
refused with the path of the mapping and its line, and dates stay text for pydantic to judge.
libyaml's parser (CSafeLoader) is kept where installed: only the walk over the composed
nodes is Python, and constructing values was Python already.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import yaml

from marac_core.model.errors import InputError

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TextDatesLoader(_Base):  # type: ignore[misc]
    """YAML without its own date parsing: dates reach pydantic as text, so an impossible one is a field error."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_MERGE = "tag:yaml.org,2002:merge"


def field_path(parts: tuple[int | str, ...] | list[int | str]) -> str:
    """("cases", 2, "victim", "name") -> cases[2].victim.name"""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _duplicate_keys(node: yaml.Node, path: tuple[int | str, ...]) -> Iterator[tuple[str, str, int]]:
    """(field path, key, line) of each key given twice in one mapping, depth first."""
    stack: list[tuple[yaml.Node, tuple[int | str, ...]]] = [(node, path)]
    seen_nodes: set[int] = set()
    while stack:
        current, where = stack.pop()
        if id(current) in seen_nodes:  # an anchor used twice is one node: walk it once
            continue
        seen_nodes.add(id(current))
        if isinstance(current, yaml.MappingNode):
            keys: set[str] = set()
            children = []
            for key_node, value_node in current.value:
                if key_node.tag == _MERGE:
                    continue  # `<<: *defaults` may be overridden on purpose
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
                if key in keys:
                    yield field_path(where + (key,)), key, key_node.start_mark.line + 1
                keys.add(key)
                children.append((value_node, where + (key,)))
            stack.extend(reversed(children))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(reversed([(child, where + (i,)) for i, child in enumerate(current.value)]))


def load_yaml(text: str, source: str) -> Any:
    loader = _TextDatesLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        for where, key, line in _duplicate_keys(node, ()):
            raise InputError(source, f"key {key!r} given twice in one mapping (line {line}); "
                                     "only one may stay", where)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise InputError(source, f"not valid YAML{at}: {problem}") from None
    finally:
        loader.dispose()


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateJsonKey(key)
        found[key] = value
    return found


class _DuplicateJsonKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def load_json(text: str, source: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_refuse_duplicates)
    except _DuplicateJsonKey as exc:
        raise InputError(source, f"key {exc.key!r} given twice in one object; only one may stay") from None
    except json.JSONDecodeError as exc:
        raise InputError(source, f"not valid JSON (line {exc.lineno}: {exc.msg})") from None


# C0 controls but TAB and LF, DEL, C1 controls (ESC sequences start with one of these), and the
# Unicode marks that reorder or hide text on screen (bidirectional overrides and isolates,
# zero-width characters, the BOM): each can make a name look like another or break a line.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_LINE_BREAK = re.compile("[\n\t\u2028\u2029\x85]")
# Either of the above: almost every text has neither, and is passed by one search.
_SUSPECT = re.compile(f"{_CONTROL.pattern}|{_LINE_BREAK.pattern}")


def control_character(value: str, *, multi_line: bool = False) -> str | None:
    """A description of the first control character in ``value``, or None.

    ``multi_line`` free text (a meeting's summary) may hold line breaks and tabs; nothing else may.
    """
    found = _CONTROL.search(value)
    if found is None and not multi_line:
        found = _LINE_BREAK.search(value.strip())
    if found is None:
        return None
    char = found.group()
    names = {"\r": "a carriage return (CR)", "\n": "a line break (LF)", "\x00": "a NUL character",
             "\x1b": "an escape (ESC) character", "\t": "a tab"}
    return f"holds {names.get(char, f'the control character U+{ord(char):04X}')}"


def refuse_control_characters(data: Any, source: str, *, multi_line: frozenset[str] = frozenset(),
                              prefix: tuple[int | str, ...] = ()) -> None:
    """Refuse any key or text in ``data`` holding a control character (see ``control_character``).

    ``multi_line`` names the fields (their last key, e.g. "summary" under an outcome) allowed line breaks.
    """
    stack: list[tuple[Any, tuple[int | str, ...]]] = [(data, prefix)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            if _SUSPECT.search(value) is None:
                continue
            problem = control_character(value, multi_line=_multi_line(where, multi_line))
            if problem:
                raise InputError(source, problem, field_path(where) or None)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and _SUSPECT.search(key) is not None and (problem := control_character(key)):
                    raise InputError(source, f"a key {problem}", field_path(where) or None)
                stack.append((item, where + (key if isinstance(key, str) else str(key),)))
        elif isinstance(value, list):
            stack.extend((item, where + (i,)) for i, item in enumerate(value))


def _multi_line(where: tuple[int | str, ...], allowed: frozenset[str]) -> bool:
    shape = ".".join("[]" if isinstance(p, int) else p for p in where)
    return shape in allowed
