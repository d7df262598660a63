"""Reading the meeting file and the sandbox records file, with one-line errors.

Strict, because a rep's input is the most dangerous part of the product: every refusal here
happens before anyone is looked up and before any state exists (shared/spec/interface.md §2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from marac_core.intake.attachments import inside_folder
from marac_core.intake.meeting_rules import check_meeting
from marac_core.intake.strict_yaml import field_path, load_json, load_yaml, refuse_control_characters
from marac_core.intake.suggest import unknown_key_message
from marac_core.model.errors import InputError
from marac_core.model.attached import attached_values
from marac_core.model.meeting import DeclaredFields, MeetingFile, extra_fields
from marac_core.model.postcodes import postcode_field

# Free text that may run over several lines (a discussion's summary, written into a case note).
# Names, refs, wording that goes into alerts, subjects and headers never may.
MULTI_LINE = frozenset({"cases.[].outcome.summary"})


def _read(path: Path) -> Any:
    return read_text_and_data(path)[1]


def read_text_and_data(path: Path) -> tuple[str, Any]:
    """The file's text and its content parsed strictly (YAML, or JSON by its suffix); one read of both."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(str(path), "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read: {exc}") from None
    if path.suffix.lower() == ".json":
        return text, load_json(text, str(path))
    return text, load_yaml(text, str(path))


_field = field_path


def first_error(path: Path, exc: ValidationError, model: type[BaseModel] = MeetingFile,
                prefix: tuple[int | str, ...] = (), declared: DeclaredFields | None = None) -> InputError:
    error = exc.errors()[0]
    message = error["msg"].removeprefix("Value error, ")
    loc = prefix + tuple(error["loc"])
    if message.startswith("cases[") and ":" in message:
        field, _, message = message.partition(": ")
        return InputError(str(path), message, field)
    kind = error["type"]
    if kind == "extra_forbidden":
        message = unknown_key_message(model, tuple(error["loc"]), declared)
    elif kind == "missing":
        message = "is required"
    elif kind.startswith("date") or kind.startswith("time"):
        message = f"{message} (got {error.get('input')!r})"
    return InputError(str(path), message, _field(loc) or None)


def raw_procedure(data: Any) -> str | None:
    """The procedure a meeting file names, read before the file is validated (its declared fields depend on it)."""
    meeting = data.get("meeting") if isinstance(data, dict) else None
    name = meeting.get("procedure") if isinstance(meeting, dict) else None
    return name.strip() if isinstance(name, str) else None


def read_meeting_data(path: Path) -> Any:
    """The meeting file's content, parsed strictly (no key twice, no control characters)."""
    data = _read(path)
    if not isinstance(data, dict):
        raise InputError(str(path), "expected a mapping with 'meeting' and 'cases'")
    refuse_control_characters(data, str(path), multi_line=MULTI_LINE)
    return data


def _take_declared(holder: Any, model: type[BaseModel] | None) -> dict[str, Any]:
    """Remove the procedure-declared keys from one mapping of the file and return them."""
    if model is None or not isinstance(holder, dict):
        return {}
    names = set(model.model_fields) | {f.alias for f in model.model_fields.values() if f.alias}
    return {key: holder.pop(key) for key in list(holder) if key in names}


def _declared(path: Path, model: type[BaseModel] | None, values: dict[str, Any],
              where: tuple[int | str, ...]) -> BaseModel | None:
    if model is None:
        return None
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise first_error(path, exc, model, where) from None


def parse_meeting(path: Path, data: dict[str, Any], declared: DeclaredFields | None = None,
                  on: dt.date | None = None) -> MeetingFile:
    """Validate parsed meeting-file data: the core's keys, the procedure's declared keys, and the rules."""
    meeting = validate_meeting(data, declared, path)
    check_meeting(meeting, str(path), on or dt.date.today())
    _check_attachments(path, meeting)
    return meeting


def validate_meeting(data: dict[str, Any], declared: DeclaredFields | None = None,
                     path: Path = Path("meeting")) -> MeetingFile:
    """The meeting file's shape: the core's keys and the procedure's declared keys, nothing else.

    Without the rules of meeting_rules nor the attachment checks (see parse_meeting).
    """
    declared = declared or DeclaredFields()
    data = _copy(data)
    meeting_extra = _take_declared(data.get("meeting"), declared.meeting)
    raw_cases = data.get("cases") if isinstance(data.get("cases"), list) else []
    case_extras = [_take_declared(c, declared.case) for c in raw_cases]
    outcome_extras = [_take_declared(c.get("outcome") if isinstance(c, dict) else None, declared.outcome)
                      for c in raw_cases]
    try:
        meeting = MeetingFile.model_validate(data)
    except ValidationError as exc:
        error = first_error(path, exc, declared=declared)
        raise InputError(error.source, error.message, _as_written(exc, data) or error.field) from None
    meeting.meeting._declared = _declared(path, declared.meeting, meeting_extra, ("meeting",))
    for index, case in enumerate(meeting.cases):
        case._declared = _declared(path, declared.case, case_extras[index], ("cases", index))
        if case.outcome is not None:
            case.outcome._declared = _declared(path, declared.outcome, outcome_extras[index],
                                               ("cases", index, "outcome"))
    return meeting


def _as_written(exc: ValidationError, data: Any) -> str | None:
    """The error's field as the file writes it: `perpetrator: {...}` is read as a list of one, not written so."""
    error = exc.errors()[0]
    if error["msg"].removeprefix("Value error, ").startswith("cases["):
        return None
    written: list[int | str] = []
    here = data
    for part in error["loc"]:
        if isinstance(part, int) and isinstance(here, dict):
            continue
        written.append(part)
        try:
            here = here[part]
        except (KeyError, IndexError, TypeError):
            here = None
    return field_path(written) or None


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _check_attachments(path: Path, meeting: MeetingFile) -> None:
    """Every attached file resolves, symlinks followed, inside the meeting file's folder, and exists:
    the minutes, and each field a procedure declares as AttachedFile."""
    checked: set[str] = set()  # one meeting's minutes file is usually every case's
    for field, attached in _attachments(meeting):
        if attached in checked:
            continue
        checked.add(attached)
        try:
            inside_folder(path.parent, attached)
        except InputError as error:
            raise InputError(str(path), error.message, field) from None


def _attachments(meeting: MeetingFile) -> Iterator[tuple[str, str]]:
    """(field as the file writes it, path) of every file the meeting attaches."""
    yield from _declared_attachments("meeting", extra_fields(meeting.meeting))
    for index, case in enumerate(meeting.cases):
        yield from _declared_attachments(f"cases[{index}]", extra_fields(case))
        if case.outcome is None:
            continue
        if case.outcome.minutes:
            yield f"cases[{index}].outcome.minutes", case.outcome.minutes
        yield from _declared_attachments(f"cases[{index}].outcome", extra_fields(case.outcome))


def _declared_attachments(where: str, declared: BaseModel | None) -> list[tuple[str, str]]:
    return [] if declared is None else [(f"{where}.{field}", value) for field, value in attached_values(declared)]


def load_meeting(path: Path, declared: DeclaredFields | None = None, on: dt.date | None = None) -> MeetingFile:
    """Read and validate a meeting file (``declared``: the chosen procedure's extra fields; ``on``: the day acted as of)."""
    return parse_meeting(path, read_meeting_data(path), declared, on)


class _Worker(BaseModel):
    # Not validated as an address: a record system may hold a bad one, and the sandbox must be able
    # to seed it (the runner refuses to send to it; see model/addresses.py).
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    email: str | None = None


class _SeedPerson(BaseModel):
    # What the emulators read from a record (shared/spec/interface.md §3); anything else is a typo.
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    dob: dt.date | None = None
    nhs_number: str | None = None
    aliases: list[str] | None = None
    postcode: str | None = None
    open: bool = False
    team: str | None = None
    allocated_worker: _Worker | None = None
    team_manager: _Worker | None = None
    # Livelink: the folder the person's workspace sits in, and its description.
    parent: str | None = None
    description: str | None = None

    _postcode = field_validator("postcode", mode="before")(postcode_field)

    @field_validator("id", "nhs_number", "parent", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @field_validator("name", mode="before")
    @classmethod
    def _named(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError("is empty: a record needs a name")
        return value


class _Records(BaseModel):
    model_config = ConfigDict(extra="forbid")

    systems: dict[str, list[_SeedPerson]]


def load_records(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The sandbox records file (spec section 3): system name -> records."""
    data = _read(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(str(path), "expected a mapping of system name to a list of records")
    refuse_control_characters(data, str(path))
    try:
        parsed = _Records.model_validate({"systems": {k: v or [] for k, v in data.items()}})
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = _field(error["loc"][1:])
        if error["type"] == "extra_forbidden":
            message = unknown_key_message(_SeedPerson, tuple(error["loc"][3:]))
        elif error["type"] == "missing":
            message = "is required"
        else:
            message = error["msg"].removeprefix("Value error, ")
        raise InputError(str(path), message, loc) from None
    for system, people in parsed.systems.items():
        seen: set[str] = set()
        for index, person in enumerate(people):
            if person.id in seen:
                raise InputError(str(path), f"duplicate record id {person.id!r}", f"{system}[{index}].id")
            seen.add(person.id)
    return {system: [p.model_dump(mode="json", exclude_none=True) for p in people]
            for system, people in parsed.systems.items()}
