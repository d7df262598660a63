"""The nearest known key to a misspelt one: `childen` -> did you mean children?"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel

from marac_core.model.meeting import Case, DeclaredFields, Meeting, Outcome


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin is None and not isinstance(annotation, types.UnionType):
        return []
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found += _models_in(arg)
    return found


def model_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel]:
    """The model whose mapping holds the last key of ``loc`` (a pydantic error location)."""
    model = root
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        inner = _models_in(field.annotation) if field is not None else []
        if not inner:
            break
        model = inner[0]
    return model


def known_keys(model: type[BaseModel], declared: DeclaredFields | None = None) -> list[str]:
    keys = [f.alias or name for name, f in model.model_fields.items()]
    extra = {Meeting: declared.meeting, Case: declared.case, Outcome: declared.outcome}.get(model) if declared else None
    if extra is not None:
        keys += [f.alias or name for name, f in extra.model_fields.items()]
    return keys


def nearest(word: str, choices: list[str]) -> str | None:
    found = difflib.get_close_matches(word.casefold(), [c.casefold() for c in choices], n=1, cutoff=0.6)
    if not found:
        return None
    return next(c for c in choices if c.casefold() == found[0])


def unknown_key_message(root: type[BaseModel], loc: tuple[int | str, ...], declared: DeclaredFields | None = None) -> str:
    key = str(loc[-1]) if loc else ""
    keys = known_keys(model_at(root, loc), declared)
    suggestion = nearest(key, keys)
    if suggestion:
        return f"unknown key (did you mean {suggestion}?)"
    return f"unknown key (known here: {', '.join(keys)})"
