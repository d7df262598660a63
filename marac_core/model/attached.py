"""``AttachedFile``: a field of a procedure's own that names a file to attach (a form, a report).

A procedure declares it as ``part_a: AttachedFile | None = None``. The core then checks it as it
checks the minutes, when the meeting file is read and before anyone is looked up: a file inside the
meeting file's folder (symlinks followed), that exists. A path out of the folder would otherwise be
refused only at apply, after the look-ups, with the steps before it already carried out.
"""

from __future__ import annotations

import typing
from typing import Annotated, Any

from pydantic import BaseModel


class _Attached:
    """The marker of an attached file's field (see ``attached_fields``)."""

    def __repr__(self) -> str:
        return "AttachedFile"


ATTACHED = _Attached()
AttachedFile = Annotated[str, ATTACHED]


def _marked(annotation: Any) -> bool:
    if any(isinstance(m, _Attached) for m in getattr(annotation, "__metadata__", ())):
        return True
    return any(_marked(arg) for arg in typing.get_args(annotation))


def attached_fields(model: type[BaseModel]) -> list[str]:
    """The names of ``model``'s fields declared as AttachedFile (alone, optional, or in a list)."""
    return [name for name, info in model.model_fields.items()
            if any(isinstance(m, _Attached) for m in info.metadata) or _marked(info.annotation)]


def attached_values(obj: BaseModel) -> list[tuple[str, str]]:
    """(field, path) of every attached file ``obj`` names (a list field gives ``name[i]``)."""
    found: list[tuple[str, str]] = []
    for name in attached_fields(type(obj)):
        value = getattr(obj, name, None)
        if isinstance(value, str):
            found.append((name, value))
        elif isinstance(value, (list, tuple)):
            found += [(f"{name}[{i}]", v) for i, v in enumerate(value) if isinstance(v, str)]
    return found
