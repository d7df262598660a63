"""A procedure's own settings: the config file's ``[procedures.NAME]`` section, checked by the procedure's model.

Checked when a run opens, before anything is looked up: a key the model does not know is refused
(with the nearest known one), never dropped, and so is a section for a procedure not installed.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from marac_core.intake.config import Config
from marac_core.model.errors import InputError
from marac_core.plugins.procedure import Procedure


def _nearest(word: str, known: list[str]) -> str:
    close = difflib.get_close_matches(word, known, n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _known_keys(model: type[BaseModel]) -> list[str]:
    keys = []
    for name, info in model.model_fields.items():
        keys.append(name)
        if isinstance(info.alias, str):
            keys.append(info.alias)
    return keys


def check_section(source: str, name: str, model: type[BaseModel] | None, given: Mapping[str, Any] | None) -> Any:
    """One procedure's settings from its section (None for a procedure that takes none)."""
    where = f"procedures.{name}"
    if model is None:
        if given:
            first = next(iter(given))
            raise InputError(source, f"unknown key: procedure {name} takes no settings", f"{where}.{first}")
        return None
    known = _known_keys(model)
    for key in given or {}:
        if key not in known:
            raise InputError(source, f"unknown key{_nearest(key, known)}", f"{where}.{key}")
    try:
        return model.model_validate(dict(given or {}))
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in (where, *error["loc"]))
        message = "required in the config file" if error["type"] == "missing" else error["msg"]
        raise InputError(source, message, field) from None


def settings_for(config: Config, procedures: Mapping[str, Procedure], chosen: Procedure) -> Any:
    """The chosen procedure's settings; every section present is checked, whichever procedure it is for."""
    for name, given in config.procedures.items():
        if name not in procedures:
            known = sorted(procedures)
            hint = _nearest(name, known) or f" (installed: {', '.join(known)})"
            raise InputError(config.source, f"no procedure {name!r} is installed{hint}", f"procedures.{name}")
        if name != chosen.name:
            check_section(config.source, name, procedures[name].settings_model, given)
    return check_section(config.source, chosen.name, chosen.settings_model, config.procedures.get(chosen.name))
