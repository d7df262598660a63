"""Reading the meeting file and the sandbox records file, with one-line errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from marac_core.model.errors import InputError
from marac_core.model.meeting import MeetingFile
from marac_core.model.postcodes import postcode_field


class _TextDatesLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser where installed
    """YAML without its own date parsing: dates reach pydantic as text, so an impossible one is a field error."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(str(path), "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read: {exc}") from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.load(text, Loader=_TextDatesLoader)  # noqa: S506 - a SafeLoader subclass
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise InputError(str(path), f"not valid YAML{where}: {problem}") from None


def _field(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def first_error(path: Path, exc: ValidationError) -> InputError:
    error = exc.errors()[0]
    message = error["msg"].removeprefix("Value error, ")
    if message.startswith("cases[") and ":" in message:
        field, _, message = message.partition(": ")
        return InputError(str(path), message, field)
    kind = error["type"]
    if kind == "missing":
        message = "is required"
    elif kind.startswith("date") or kind.startswith("time"):
        message = f"{message} (got {error.get('input')!r})"
    return InputError(str(path), message, _field(error["loc"]) or None)


def load_meeting(path: Path) -> MeetingFile:
    data = _read(path)
    if not isinstance(data, dict):
        raise InputError(str(path), "expected a mapping with 'meeting' and 'cases'")
    try:
        meeting = MeetingFile.model_validate(data)
    except ValidationError as exc:
        raise first_error(path, exc) from None
    if meeting.cases and any(c.outcome and c.outcome.minutes for c in meeting.cases):
        for index, case in enumerate(meeting.cases):
            if case.outcome and case.outcome.minutes and not (path.parent / case.outcome.minutes).is_file():
                raise InputError(str(path), f"minutes file not found: {case.outcome.minutes}",
                                 f"cases[{index}].outcome.minutes")
    return meeting


class _SeedPerson(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)
    name: str | None = None
    dob: dt.date | None = None
    postcode: str | None = None
    open: bool = False

    _postcode = field_validator("postcode", mode="before")(postcode_field)

    @field_validator("id", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value


class _Records(BaseModel):
    model_config = ConfigDict(extra="allow")

    systems: dict[str, list[_SeedPerson]]


def load_records(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The sandbox records file (spec section 3): system name -> records."""
    data = _read(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(str(path), "expected a mapping of system name to a list of records")
    try:
        parsed = _Records.model_validate({"systems": {k: v or [] for k, v in data.items()}})
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = _field(error["loc"][1:])
        message = "is required" if error["type"] == "missing" else error["msg"].removeprefix("Value error, ")
        raise InputError(str(path), message, loc) from None
    for system, people in parsed.systems.items():
        seen: set[str] = set()
        for index, person in enumerate(people):
            if person.id in seen:
                raise InputError(str(path), f"duplicate record id {person.id!r}", f"{system}[{index}].id")
            seen.add(person.id)
    return {system: [p.model_dump(mode="json", exclude_none=True) for p in people]
            for system, people in parsed.systems.items()}
