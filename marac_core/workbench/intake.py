"""A new meeting from an upload: the coordinator's agenda, or a meeting file.

Uploads are kept under the state folder, each meeting in its own folder named by
a random id (the uploaded file's name is never used as a path), so nothing can be
written outside it and its minutes live beside it, as the core requires.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from marac_core.model.errors import InputError
from marac_core.planning.meeting_input import read_as_checked
from marac_core.workbench.cells import Cell, cells_of

MEETING_TYPES = (".yaml", ".yml", ".json")
AGENDA_TYPES = (".xlsx", ".csv", ".docx")
MAX_BYTES = 25 * 1024 * 1024


def agenda_to_meeting(agenda: Path, procedure: str | None = None) -> tuple[dict[str, Any], list[Any]]:
    """The agenda file turned into a meeting file's mapping (spec section 2), as ``marac import`` reads it,
    and what the import was unsure of (its notes: see workbench.cells)."""
    from marac_core.intake.agenda import import_agenda

    imported = import_agenda(agenda, procedure=procedure)
    return imported.meeting, list(imported.notes)


def new_meeting(imported_dir: Path, filename: str, content: bytes,
                procedure: str | None = None) -> tuple[Path, list[Cell]]:
    """Keep the upload; return the meeting file it becomes and the cells the agenda's import was unsure of.

    InputError, and nothing kept, if it is not valid."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in MEETING_TYPES + AGENDA_TYPES:
        raise InputError(filename or "upload", f"expected a meeting file ({', '.join(MEETING_TYPES)}) or an agenda "
                                               f"({', '.join(AGENDA_TYPES)})")
    if not content:
        raise InputError(filename, "the uploaded file is empty")
    if len(content) > MAX_BYTES:
        raise InputError(filename, "the uploaded file is larger than 25 MB")
    folder = imported_dir / secrets.token_hex(8)
    folder.mkdir(parents=True)
    unsure: list[Cell] = []
    try:
        if suffix in AGENDA_TYPES:
            agenda = folder / f"agenda{suffix}"
            agenda.write_bytes(content)
            import yaml

            data, notes = agenda_to_meeting(agenda, procedure)
            unsure = cells_of(notes, data, {})
            (folder / "meeting.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                                                 encoding="utf-8")
        elif suffix == ".json":
            import json

            import yaml

            try:
                data = json.loads(content.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise InputError(filename, f"not valid JSON: {error}") from None
            (folder / "meeting.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                                                 encoding="utf-8")
        else:
            (folder / "meeting.yaml").write_bytes(content)
        try:
            read_as_checked(folder / "meeting.yaml")
        except InputError as error:
            raise InputError(filename, error.message, error.field) from None
    except BaseException:
        for leftover in folder.iterdir():
            leftover.unlink()
        os.rmdir(folder)
        raise
    return folder / "meeting.yaml", unsure
