"""The agenda's cells the import was unsure of, settled by the rep in the page.

The cells are the import's own notes (``marac_core.intake.agenda``'s ``Note``). They quote the
agenda, so they are not kept apart from it: when the workbench starts again they are worked out
again from the agenda kept in the meeting's folder. What the rep settled is kept beside the
meeting file in ``settled.json`` by id only (a digest of the cell's place and which value), never
a value: a corrected value goes into the meeting file, checked as ``marac check`` reads it.

Until every cell is settled nobody on the meeting is looked up and nothing is applied (the desk
refuses both): a guessed date of birth or name can match another person's record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marac_core.intake.agenda.table import Note
from marac_core.model.errors import InputError

SETTLED = "settled.json"
AGENDA_NAMES = ("agenda.xlsx", "agenda.csv", "agenda.docx")
KINDS = {"dob": "date of birth", "name": "name", "postcode": "postcode"}


class Unsettled(InputError):
    """The meeting still has agenda cells to settle: nobody is looked up, nothing is applied."""

    def __init__(self, count: int) -> None:
        cells = "1 cell" if count == 1 else f"{count} cells"
        super().__init__("meeting", f"{cells} of the agenda still to check: nobody is looked up and nothing is "
                                    "carried out until each is settled (a guessed date of birth or name can match "
                                    "another person's record)")
        self.count = count


@dataclass
class Cell:
    """One note of the import, as the page offers it to be settled."""

    number: int              # 1-based, in the import's order (the only thing a URL names)
    note: Note
    id: str
    ref: str | None          # the case the value belongs to, as the import made it
    name: str | None         # whose value it is, as the import made it
    settled: str | None = None  # "confirmed" or "corrected"

    @property
    def kind(self) -> str | None:
        """name, dob or postcode: a value the rep may give; None: a note the rep confirms."""
        return self.note.kind if self.note.path else None


def cell_id(note: Note) -> str:
    """A digest of where the cell is and which value: no name or date in it."""
    return hashlib.sha256(f"{note.where}|{note.kind}|{note.path}".encode()).hexdigest()[:20]


def agenda_beside(meeting_path: Path) -> Path | None:
    """The agenda a meeting was made from in the workbench (kept in its folder), if any."""
    return next((meeting_path.parent / n for n in AGENDA_NAMES if (meeting_path.parent / n).is_file()), None)


def cells_of(notes: list[Any], meeting: dict[str, Any], settled: dict[str, str]) -> list[Cell]:
    out = []
    for number, note in enumerate(notes, start=1):
        if not isinstance(note, Note):  # an import that says only a line
            note = Note("", str(note))
        ref = name = None
        if note.path:
            case = meeting["cases"][note.path[1]]
            ref = case.get("ref")
            name = _person(case, note.path)["name"]
        identity = cell_id(note)
        out.append(Cell(number, note, identity, ref, name, settled.get(identity)))
    return out


def read_cells(meeting_path: Path) -> list[Cell]:
    """The cells of a meeting made from an agenda, worked out again from the agenda kept beside it."""
    from marac_core.intake.agenda import import_agenda

    agenda = agenda_beside(meeting_path)
    if agenda is None:
        return []
    try:
        imported = import_agenda(agenda)
    except InputError as error:
        raise InputError("agenda", f"the agenda kept with this meeting cannot be read again: {error.message}",
                         error.field) from None
    return cells_of(imported.notes, imported.meeting, load_settled(meeting_path))


def load_settled(meeting_path: Path) -> dict[str, str]:
    try:
        data = json.loads((meeting_path.parent / SETTLED).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    held = data.get("settled") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in held.items()} if isinstance(held, dict) else {}


def _keep_settled(meeting_path: Path, cells: list[Cell]) -> None:
    settled = {c.id: c.settled for c in cells if c.settled}
    target = meeting_path.parent / SETTLED
    trial = target.with_name(f".{SETTLED}.saving")
    trial.write_text(json.dumps({"settled": settled}, indent=1) + "\n", encoding="utf-8")
    with trial.open("rb") as written:
        os.fsync(written.fileno())
    os.replace(trial, target)


def _person(case: dict[str, Any], path: list[Any]) -> dict[str, Any]:
    held = case[path[2]]
    if len(path) == 5:
        return held[path[3]]
    return held[0] if isinstance(held, list) else held  # one perpetrator may be written as a list of one


def value_given(cell: Cell, text: str) -> str:
    """The rep's value as the meeting file holds it; InputError with the reason when it cannot be one."""
    text = " ".join(text.split())
    label = KINDS.get(cell.kind or "", "value")
    if not text:
        raise InputError("value", f"Enter the {label}")
    if cell.kind == "postcode":
        from marac_core.intake.agenda.cells import CellError, read_postcode

        try:
            postcode = read_postcode(text)
        except CellError:
            postcode = None
        if postcode is None:
            raise InputError("value", f"Enter a UK postcode, like SG1 2AB ({text!r} is not one)")
        return postcode
    return text


def date_given(day: str, month: str, year: str) -> str:
    """A date from the three boxes of a GOV.UK date input, as YYYY-MM-DD."""
    parts = {"day": day.strip(), "month": month.strip(), "year": year.strip()}
    missing = [k for k, v in parts.items() if not v]
    if len(missing) == 3:
        raise InputError("value-day", "Enter the date of birth")
    if missing:
        raise InputError(f"value-{missing[0]}", f"The date of birth must include a {missing[0]}")
    if not all(v.isdigit() for v in parts.values()) or len(parts["year"]) != 4:
        raise InputError("value-day", "The date of birth must be a real date, with a four-digit year")
    try:
        return dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"])).isoformat()
    except ValueError:
        raise InputError("value-day", "The date of birth must be a real date") from None


def settle(meeting_path: Path, cells: list[Cell], cell: Cell, value: str | None) -> None:
    """Confirm the cell as read (``value`` None) or put the rep's value in the meeting file, then keep
    that it was settled. InputError, and nothing saved, if the meeting file would not be valid."""
    if cell.settled:
        raise InputError("cell", "this cell is already settled")
    if value is not None and value != (cell.note.read or None):
        _write_value(meeting_path, cells, cell, value)
        cell.settled = "corrected"
    else:
        cell.settled = "confirmed"
    _keep_settled(meeting_path, cells)


def _write_value(meeting_path: Path, cells: list[Cell], cell: Cell, value: str) -> None:
    import yaml

    from marac_core.cli.agenda import write_checked
    from marac_core.intake.meeting_file import read_meeting_data

    assert cell.note.path is not None and cell.kind is not None
    path = cell.note.path
    data = read_meeting_data(meeting_path)
    cases = data.get("cases") or []
    changed = InputError("meeting", "the meeting file has changed here since the agenda was imported: "
                                    "correct it in the file (nothing was saved)")
    if not (isinstance(cases, list) and path[1] < len(cases) and cases[path[1]].get("ref") == cell.ref):
        raise changed
    try:
        person = _person(cases[path[1]], path)
    except (KeyError, IndexError, TypeError):
        raise changed from None
    renamed = any(c.settled == "corrected" and c.kind == "name" and c.note.path[:-1] == path[:-1]  # type: ignore[index]
                  for c in cells)
    if not renamed and person.get("name") != cell.name:
        raise changed  # never put one person's value on another
    person[cell.kind] = value
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    try:
        write_checked(meeting_path, text)
    except InputError as error:
        raise InputError("value", error.message, error.field) from None
