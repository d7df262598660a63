"""Writing a rep's meeting file back with only what a save changes changed.

The rep's comments, key order, flow mappings (``{name: ..., dob: ...}``), quoting and blank lines
are theirs: the file is loaded with ruamel.yaml's round-trip mode, the parts that differ between
the data as read and the data meant are edited in place, and the rest is written out as it was.
What is written is read back with the strict reader (``load_yaml``); if it reads as anything but
the data meant, it is refused and nothing is written (never something else saved in its place).
A JSON meeting file has nothing of that kind to keep and is written as JSON.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from difflib import SequenceMatcher
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString, SingleQuotedScalarString
from ruamel.yaml.tokens import CommentToken

from marac_core.intake.strict_yaml import field_path, load_yaml
from marac_core.model.errors import InputError

# Where a new key goes among its siblings: the order the spec writes them in (unknown keys go last).
_ORDER = ("summary", "risk_factors", "actions", "children", "minutes", "agency", "text", "due", "person",
          "name", "in_contact", "new_referral")
_DATE_KEYS = frozenset({"dob", "date", "due"})  # written unquoted, as a hand-written meeting file has them
_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_STR = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()  # how the strict reader (PyYAML, YAML 1.1) reads a plain scalar


def written_back(text: str, suffix: str, old: Any, new: Any, source: str) -> str:
    """The meeting file's new text: ``text`` (read strictly as ``old``) changed to read as ``new``.

    InputError (source, why) when the YAML cannot be written back so that it reads as ``new``.
    """
    if suffix.lower() == ".json":
        return json.dumps(new, indent=2, ensure_ascii=False, default=str) + "\n"
    crlf = "\r\n" in text
    header, body = _header(text.replace("\r\n", "\n"))
    round_trip = _round_trip(body)
    try:
        tree = round_trip.load(body)
        _sync(tree, old, new)
        out = io.StringIO()
        round_trip.dump(tree, out)
    except (YAMLError, TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        raise InputError(source, f"cannot be written back as it is written ({type(exc).__name__}); "
                                 "nothing was changed") from None
    written = header + out.getvalue()
    if crlf:
        written = written.replace("\n", "\r\n")
    differs = first_difference(load_yaml(written, source), new)
    if differs is not None:
        raise InputError(source, "written back it would read differently (its layout could not be kept); "
                                 "nothing was changed", differs or None)
    return written


def first_difference(got: Any, meant: Any, where: tuple[int | str, ...] = ()) -> str | None:
    """The field path where ``got`` first differs from ``meant`` ("" for the whole), or None if equal."""
    if type(got) is not type(meant):
        return field_path(where)
    if isinstance(meant, dict):
        if set(got) != set(meant):  # the order of keys means nothing; a new one goes where it reads well
            return field_path(where)
        for key in meant:
            found = first_difference(got[key], meant[key], where + (str(key),))
            if found is not None:
                return found
        return None
    if isinstance(meant, list):
        if len(got) != len(meant):
            return field_path(where)
        for index, (a, b) in enumerate(zip(got, meant, strict=True)):
            found = first_difference(a, b, where + (index,))
            if found is not None:
                return found
        return None
    return None if got == meant else field_path(where)


def _header(text: str) -> tuple[str, str]:
    """(the comments and blank lines up to and including a leading ``---``, the rest): ruamel.yaml
    does not keep comments before ``---``, so they are kept as text."""
    found = re.match(r"(?:[ \t]*(?:#[^\n]*)?\n)*---[ \t]*(?:#[^\n]*)?\n", text)
    return (found.group(), text[found.end():]) if found else ("", text)


def _round_trip(text: str) -> YAML:
    round_trip = YAML()  # round-trip mode: comments, order, flow style kept
    round_trip.preserve_quotes = True
    round_trip.width = 4096  # never re-fold the rep's long lines
    mapping, sequence, offset = _indents(text)
    round_trip.indent(mapping=mapping, sequence=sequence, offset=offset)
    return round_trip


def _indents(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, dash offset) indents as the file writes them, so untouched lines stay put."""
    lines = [(len(line) - len(line.lstrip(" ")), line.strip()) for line in text.splitlines()]
    lines = [(indent, body) for indent, body in lines if body and not body.startswith("#")]
    mapping, sequence, offset = None, None, None
    for (indent, body), (next_indent, next_body) in zip(lines, lines[1:], strict=False):
        if not re.fullmatch(r"(- )?[^\s#][^#]*:(\s+#.*)?", body):
            continue  # only a key whose value starts on the next line tells an indent
        own = indent + (2 if body.startswith("- ") else 0)
        if next_body.startswith("- "):
            if sequence is None and next_indent >= own:
                offset = next_indent - own
                sequence = offset + len(next_body) - len(next_body[1:].lstrip(" "))  # `-   ref:` too
        elif mapping is None and next_indent > own:
            mapping = next_indent - own
        if mapping is not None and sequence is not None:
            break
    return mapping or 2, sequence or 2, offset or 0


def _sync(node: Any, old: Any, new: Any) -> str:
    """Edit the round-trip container ``node`` (read as ``old``) in place so it reads as ``new``.

    Returns the comment lines that followed it and no longer have an entry of it to follow.
    """
    if isinstance(node, CommentedMap):
        return _sync_mapping(node, old, new)
    if isinstance(node, CommentedSeq):
        return _sync_sequence(node, old, new)
    return ""


def _sync_mapping(node: CommentedMap, old: dict[Any, Any], new: dict[Any, Any]) -> str:
    leftover = ""
    for key in [k for k in node if k not in new]:
        leftover += _delete(node, key, list(node).index(key))
    for key, value in new.items():
        if key in node and key in old:
            if old[key] != value:
                _change(node, key, old[key], value)
            continue
        position = _position(list(node), key)
        at_end = position == len(node) and len(node) > 0
        rest = _take_rest(_tail_slot(node, list(node)[-1])) if at_end else ""
        node.insert(position, key, _fresh(value, key, _flow_of(node)))
        _give_rest(_tail_slot(node, key), rest)
    if leftover and len(node):
        _give_rest(_tail_slot(node, list(node)[-1]), leftover)
        return ""
    return leftover


def _sync_sequence(node: CommentedSeq, old: list[Any], new: list[Any]) -> str:
    as_text = [json.dumps(v, sort_keys=True, default=str) for v in old]
    wanted = [json.dumps(v, sort_keys=True, default=str) for v in new]
    opcodes = SequenceMatcher(None, as_text, wanted, autojunk=False).get_opcodes()
    flow = True if _flow_of(node) else _item_flow(node)  # inside `[...]` all is flow; else as the siblings
    leftover = ""
    for tag, i1, i2, j1, j2 in reversed(opcodes):  # from the end, so earlier indices stay valid
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                _change(node, i, old[i], new[j], flow)
            continue
        for i in reversed(range(i1, i2)):
            leftover += _delete(node, i, i)
        at_end = i1 == len(node) and len(node) > 0 and j2 > j1  # the lines after the list follow the new last
        rest = _take_rest(_tail_slot(node, len(node) - 1)) if at_end else ""
        for offset, value in enumerate(new[j1:j2]):
            node.insert(i1 + offset, _fresh(value, None, flow))
        if j2 > j1:
            _give_rest(_tail_slot(node, i1 + j2 - j1 - 1), rest + leftover)
            leftover = ""
    if leftover and len(node):
        _give_rest(_tail_slot(node, len(node) - 1), leftover)
        return ""
    return leftover


def _change(node: CommentedMap | CommentedSeq, key: Any, old: Any, new: Any, flow: bool | None = None) -> None:
    """One entry's value changed: edited in place where it is a container still, else replaced."""
    value = node[key]
    if _same_kind(value, new) and len(new) and len(old):
        _give_rest(_tail_slot(node, key), _sync(value, old, new))
        return
    rest = _take_rest(_tail_slot(node, key))
    node[key] = _fresh(new, key if isinstance(node, CommentedMap) else None,
                       _flow_of(node) if isinstance(node, CommentedMap) else flow)
    _give_rest(_tail_slot(node, key), rest)


def _delete(node: CommentedMap | CommentedSeq, key: Any, index: int) -> str:
    """Remove one entry; the comment lines after it (they head what follows) stay where they were.

    Returns them if the container is left with no entry to hold them.
    """
    rest = _take_rest(_tail_slot(node, key))
    del node[key]
    if isinstance(node, CommentedMap):
        node.ca.items.pop(key, None)
    if not rest:
        return ""
    if index > 0:
        before = list(node)[index - 1] if isinstance(node, CommentedMap) else index - 1
        _give_rest(_tail_slot(node, before), rest)
    elif len(node):  # nothing before it in its container: the lines go before the entry that is first now
        _give_start(node, rest)
    else:
        return rest
    return ""


def _tail_slot(node: CommentedMap | CommentedSeq, key: Any) -> tuple[dict[Any, Any], Any, int]:
    """Where the comment after an entry is held: in the deepest last entry of a block value."""
    value = node[key]
    if isinstance(value, (CommentedMap, CommentedSeq)) and len(value) and not value.fa.flow_style():
        return _tail_slot(value, list(value)[-1] if isinstance(value, CommentedMap) else len(value) - 1)
    return node.ca.items, key, 2 if isinstance(node, CommentedMap) else 0


def _take_rest(slot: tuple[dict[Any, Any], Any, int]) -> str:
    """The comment lines after the entry's own line, taken off it."""
    items, key, place = slot
    token = (items.get(key) or [None] * 4)[place]
    if not isinstance(token, CommentToken):
        return ""
    first, newline, rest = token.value.partition("\n")
    if not rest:
        return ""
    token.value = first + newline
    return rest


def _give_start(node: CommentedMap | CommentedSeq, rest: str) -> None:
    if node.ca.comment is None:
        node.ca.comment = [None, []]
    node.ca.comment[1] = [CommentToken(rest, CommentMark(0), None), *(node.ca.comment[1] or [])]


def _give_rest(slot: tuple[dict[Any, Any], Any, int], rest: str) -> None:
    if not rest:
        return
    items, key, place = slot
    entry = items.setdefault(key, [None] * 4)
    entry.extend([None] * (place + 1 - len(entry)))
    token = entry[place]
    if isinstance(token, CommentToken):
        token.value = token.value + rest if token.value.endswith("\n") else token.value + "\n" + rest
    else:
        entry[place] = CommentToken("\n" + rest, CommentMark(0), None)


def _position(keys: list[Any], key: Any) -> int:
    if key not in _ORDER:
        return len(keys)
    rank = _ORDER.index(key)
    known = [(i, _ORDER.index(k)) for i, k in enumerate(keys) if k in _ORDER]
    lower = [i for i, r in known if r < rank]
    if lower:
        return max(lower) + 1
    return min((i for i, _ in known), default=len(keys))


def _same_kind(node: Any, value: Any) -> bool:
    return (isinstance(node, CommentedMap) and isinstance(value, dict)) or (
        isinstance(node, CommentedSeq) and isinstance(value, list))


def _flow_of(node: CommentedBase) -> bool:
    return bool(node.fa.flow_style())


def _item_flow(node: CommentedSeq) -> bool | None:
    """The style new mappings in this list take: their siblings', or flow for short ones if none."""
    styles = [v.fa.flow_style() for v in node if isinstance(v, CommentedMap)]
    return bool(styles[-1]) if styles else None


def _fresh(value: Any, key: Any, flow: bool | None) -> Any:
    """A new value in a style that reads well and reads back strictly as ``value``."""
    if isinstance(value, dict):
        mapping = CommentedMap()
        scalars = all(not isinstance(v, (dict, list)) for v in value.values())
        as_flow = flow if flow is not None else (scalars and key is None and len(json.dumps(value)) < 90)
        for k, v in value.items():
            mapping[k] = _fresh(v, k, True if as_flow else None)
        mapping.fa.set_flow_style() if as_flow or not value else mapping.fa.set_block_style()
        return mapping
    if isinstance(value, list):
        sequence = CommentedSeq(_fresh(v, None, True if flow else None) for v in value)
        sequence.fa.set_flow_style() if flow or not value else sequence.fa.set_block_style()
        return sequence
    if isinstance(value, str):
        return _fresh_text(value, key, flow)
    return value


def _fresh_text(value: str, key: Any, flow: bool | None) -> Any:
    if key in _DATE_KEYS and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    if "\n" in value:
        lines = value.split("\n")
        if flow or not value.strip() or value[0].isspace() or value.endswith("\n") or any(
                line != line.rstrip() for line in lines):
            return DoubleQuotedScalarString(value)  # escapes keep every space and line break exactly
        return LiteralScalarString(value)  # `summary: |-` and its lines, as a person would write them
    analysis = yaml.emitter.Emitter(io.StringIO()).analyze_scalar(value)
    plain = analysis.allow_flow_plain if flow else analysis.allow_block_plain
    if plain and value and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == _STR:
        return value
    # `yes`, `0123`, `1:20` are text to the rep, not to YAML 1.1; `:0` in `{...}` is no plain text to PyYAML
    return SingleQuotedScalarString(value) if analysis.allow_single_quoted else DoubleQuotedScalarString(value)
