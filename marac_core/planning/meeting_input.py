"""Reading a meeting file for the procedure it will be planned with.

The procedure is chosen first (``--procedure``, else ``meeting.procedure`` as written), because
the keys it declares are the only extra keys the file may hold.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from marac_core.intake.meeting_file import parse_meeting, raw_procedure, read_meeting_data
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
    procedure = procedure_named(registry, raw_procedure(data), override, str(path))
    return parse_meeting(path, data, declared_fields(procedure), on), procedure
