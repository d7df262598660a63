"""Reading a meeting file for the procedure it will be planned with.

The procedure is chosen first (``--procedure``, else ``meeting.procedure`` as written), because
the keys it declares are the only extra keys the file may hold.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from marac_core.intake.meeting_file import parse_meeting, raw_procedure, read_meeting_data
from marac_core.intake.suggest import nearest, unknown_key_message
from marac_core.model.errors import InputError
from marac_core.model.meeting import DeclaredFields, MeetingFile
from marac_core.plugins.procedure import Procedure
from marac_core.plugins.registry import Registry


def declared_fields(procedure: Procedure | type[Procedure]) -> DeclaredFields:
    return DeclaredFields(procedure.meeting_fields, procedure.case_fields, procedure.outcome_fields)


def procedure_named(registry: Registry, name: str | None, override: str | None, source: str) -> Procedure:
    known = ", ".join(sorted(registry.procedures))
    name = override or name
    if not name:
        raise InputError(source, f"no procedure given (use --procedure; known: {known})", "meeting.procedure")
    if name not in registry.procedures:
        where = None if override else "meeting.procedure"
        raise InputError("--procedure" if override else source, f"unknown procedure {name!r} (known: {known})", where)
    return registry.procedures[name]


def read_meeting(registry: Registry, path: Path, override: str | None = None,
                 on: dt.date | None = None) -> tuple[MeetingFile, Procedure]:
    """The meeting file, read strictly for its procedure, and that procedure (InputError if either is bad)."""
    data = read_meeting_data(path)
    named = raw_procedure(data)
    if named is None and override is None:
        _misspelt_procedure(data, str(path))
    procedure = procedure_named(registry, named, override, str(path))
    return parse_meeting(path, data, declared_fields(procedure), on), procedure


def _misspelt_procedure(data: dict[str, Any], source: str) -> None:
    """`meetng:` or `procdure:` is a typo to name, not a missing procedure."""
    for key in data:
        if key not in ("meeting", "cases") and nearest(str(key), ["meeting", "cases"]):
            raise InputError(source, unknown_key_message(MeetingFile, (str(key),)), str(key))
    meeting = data.get("meeting")
    if isinstance(meeting, dict):
        for key in meeting:
            if key != "procedure" and nearest(str(key), ["procedure"]) == "procedure":
                raise InputError(source, "unknown key (did you mean procedure?)", f"meeting.{key}")


def meeting_from_data(data: dict[str, Any], procedure: Procedure | type[Procedure], *,
                      source: str = "meeting.yaml", on: dt.date | None = None) -> MeetingFile:
    """A meeting given as a mapping, read strictly for ``procedure`` as a meeting file would be
    (its declared keys and nothing else, and the meeting file's rules; no attachment checks)."""
    from marac_core.intake.meeting_file import validate_meeting
    from marac_core.intake.meeting_rules import check_meeting

    meeting = validate_meeting(data, declared_fields(procedure), Path(source))
    check_meeting(meeting, source, on or meeting.meeting.date)
    return meeting


def read_as_checked(path: Path, on: dt.date | None = None) -> MeetingFile:
    """The meeting file as `marac check` reads it: for the procedure it names (whose declared keys
    it may hold), or for the core's keys alone when it names none."""
    from marac_core.intake.meeting_file import load_meeting
    from marac_core.plugins.registry import load

    if raw_procedure(read_meeting_data(path)) is None:
        return load_meeting(path, on=on)
    return read_meeting(load(), path, None, on)[0]
