"""A new meeting from an upload: the coordinator's agenda, or a meeting file.

Uploads are kept under the state folder, each meeting in its own folder named by
a random id (the uploaded file's name is never used as a path), so nothing can be
written outside it and its minutes live beside it, as the core requires.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from marac_core.intake.meeting_file import load_meeting
from marac_core.model.errors import InputError

MEETING_TYPES = (".yaml", ".yml", ".json")
AGENDA_TYPES = (".xlsx", ".csv", ".docx")
MAX_BYTES = 25 * 1024 * 1024


def agenda_to_meeting_yaml(agenda: Path) -> str:
    """THE SEAM for ``marac import`` (marac_core/intake/agenda/, being built alongside): the agenda file
    turned into the text of a meeting file (spec section 2). Wire the import's function here."""
    try:
        from marac_core.intake import agenda as importer  # type: ignore[attr-defined]
    except ImportError:
        importer = None
    convert = getattr(importer, "import_agenda_yaml", None) if importer is not None else None
    if convert is None:
        raise InputError(agenda.name, "reading agendas is not available in this version yet: upload a meeting "
                                      "file (YAML), or make one with marac import")
    return str(convert(agenda))


def new_meeting(imported_dir: Path, filename: str, content: bytes) -> Path:
    """Keep the upload and return the meeting file it becomes; InputError, and nothing kept, if it is not valid."""
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
    try:
        if suffix in AGENDA_TYPES:
            agenda = folder / f"agenda{suffix}"
            agenda.write_bytes(content)
            text = agenda_to_meeting_yaml(agenda)
            (folder / "meeting.yaml").write_text(text, encoding="utf-8")
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
            load_meeting(folder / "meeting.yaml")
        except InputError as error:
            raise InputError(filename, error.message, error.field) from None
    except BaseException:
        for leftover in folder.iterdir():
            leftover.unlink()
        os.rmdir(folder)
        raise
    return folder / "meeting.yaml"
