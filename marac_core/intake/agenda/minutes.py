"""Reading the minutes' action tables (DOCX, XLSX, or a PDF whose tables are real tables): for each
case, the actions agreed: agency, action, timescale, and whom it concerns.

A table belongs to the case whose ref is in a column of it, on a line of it, in the text above it,
or in its sheet's name.
The timescale becomes a due date ("within 72 hours" from the meeting's day, "2 weeks", "10/12/2026");
one that is not a time ("next MARAC", "ongoing") gives no due date, and is kept in the action's text.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import math
import re
from dataclasses import dataclass

from marac_core.intake.agenda.cells import CellError, date_in, text_of
from marac_core.intake.agenda.files import Password, open_document
from marac_core.intake.agenda.headings import normalise
from marac_core.intake.agenda.table import Note, Table
from marac_core.model.errors import InputError

ACTION_HEADINGS: dict[str, tuple[str, ...]] = {
    "agency": ("agency", "agencies", "lead agency", "responsible agency", "action owner", "owner", "by whom",
               "who", "responsible", "lead", "agency responsible"),
    "text": ("action", "actions", "action agreed", "agreed action", "agreed actions", "actions agreed", "task",
             "description", "action required"),
    "due": ("timescale", "timescales", "by when", "due", "due date", "deadline", "target date", "when",
            "completion date", "time scale", "date due"),
    "person": ("person", "for", "re", "regarding", "subject", "name", "about", "in respect of", "concerning",
               "child", "person concerned", "for whom"),
    "ref": ("case", "case ref", "ref", "marac ref", "case no", "case number", "marac no", "case reference"),
}
_NO_TIME = re.compile(r"^(?:|-+|n/?a|ongoing|on\s*going|next\s+marac.*|tbc|tba|as\s+required|as\s+needed|"
                      r"when\s+possible|none)$", re.I)
_NOW = re.compile(r"^(?:immediate(?:ly)?|today|asap|same\s+day|urgent(?:ly)?|at\s+once|now)$", re.I)
_SPAN = re.compile(r"(\d+)\s*(hours?|hrs?|working\s+days?|days?|weeks?|wks?|months?)", re.I)


@dataclass
class MinutesAction:
    ref: str
    agency: str
    text: str
    due: dt.date | None
    person: str | None    # as the minutes write it
    where: str            # the row, for messages
    person_where: str     # the person's cell


def _heading_of(text: str) -> str | None:
    words = normalise(text)
    return next((field for field, names in ACTION_HEADINGS.items() if words in names), None)


def due_from(timescale: str, meeting: dt.date) -> tuple[dt.date | None, bool]:
    """(due date, whether the timescale was read as a time)."""
    text = text_of(timescale).strip(" .")
    if _NO_TIME.match(text):
        return None, not text
    if _NOW.match(text):
        return meeting, True
    try:
        found = date_in(text, meeting + dt.timedelta(days=365 * 20))
    except CellError:
        found = None
    if found:
        return found[0], True
    m = _SPAN.search(text)
    if m:
        count, unit = int(m[1]), m[2].lower()
        if unit.startswith(("hour", "hr")):
            return meeting + dt.timedelta(days=math.ceil(count / 24)), True
        if unit.startswith("working"):
            day = meeting
            while count:
                day += dt.timedelta(days=1)
                count -= day.weekday() < 5
            return day, True
        if unit.startswith("day"):
            return meeting + dt.timedelta(days=count), True
        if unit.startswith(("week", "wk")):
            return meeting + dt.timedelta(weeks=count), True
        month = meeting.month - 1 + count
        year, month = meeting.year + month // 12, month % 12 + 1
        return dt.date(year, month, min(meeting.day, calendar.monthrange(year, month)[1])), True
    return None, False


def _tables(path_kind: str, data: bytes, source: str) -> list[Table]:
    if path_kind == "docx":
        from marac_core.intake.agenda.word import read_document
        return read_document(data, source)
    if path_kind == "xlsx":
        from marac_core.intake.agenda.sheets import read_workbook
        return read_workbook(data, source)
    if path_kind == "pdf":
        return _pdf_tables(data, source)
    raise InputError(source, "minutes are read from a DOCX, an XLSX or a PDF with real tables")


def _pdf_tables(data: bytes, source: str) -> list[Table]:
    import pdfplumber

    tables: list[Table] = []
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many kinds for a damaged file
        raise InputError(source, f"not a readable PDF ({type(exc).__name__})") from None
    with pdf:
        for page_number, page in enumerate(pdf.pages, start=1):
            top = 0.0
            for found in page.find_tables():
                x0, table_top, x1, bottom = found.bbox
                above = page.crop((0, top, page.width, max(top + 0.1, table_top))).extract_text() or ""
                rows = [list(r) for r in found.extract()]
                name = f"{len(tables) + 1} (page {page_number})"
                tables.append(Table(source, "table", name, rows, lettered=False,
                                    above=[line for line in above.splitlines() if line.strip()]))
                top = bottom
    return tables


def _ref_in(text: str, refs: list[str]) -> str | None:
    """The last of the meeting's refs written in the text."""
    best: tuple[int, str] | None = None
    for ref in refs:
        for m in re.finditer(rf"(?<![\w-]){re.escape(ref)}(?![\w-])", text, re.I):
            if best is None or m.start() > best[0]:
                best = (m.start(), ref)
    return best[1] if best else None


def read_minutes(path: object, refs: list[str], meeting_date: dt.date,
                 password: Password = lambda: None) -> tuple[list[MinutesAction], list[Note]]:
    from pathlib import Path

    opened = open_document(Path(str(path)), password)
    tables = _tables(opened.kind, opened.data, opened.source)
    actions: list[MinutesAction] = []
    notes: list[Note] = []
    current: str | None = None
    found_any = False
    for table in tables:
        # A sheet named by its case ("ST-0101"), or the text above a Word or PDF table.
        current = _ref_in("\n".join([table.name if table.kind == "sheet" else "", *table.above]), refs) or current
        heading_row, columns = 0, {}
        for number, row in enumerate(table.rows[:10], start=1):
            fields = {_heading_of(text_of(v)): i + 1 for i, v in reversed(list(enumerate(row))) if text_of(v)}
            fields.pop(None, None)
            if "agency" in fields and "text" in fields:
                heading_row, columns = number, fields
                break
            current = _ref_in(" ".join(text_of(v) for v in row), refs) or current
        if not heading_row:
            continue
        found_any = True
        for number in range(heading_row + 1, len(table.rows) + 1):
            cells = {field: text_of(table.cell(number, column)) for field, column in columns.items()}
            line = " ".join(dict.fromkeys(text_of(v) for v in table.rows[number - 1] if text_of(v)))
            if not line:
                continue
            if cells.get("ref"):
                ref = _ref_in(cells["ref"], refs)
                if ref is None:
                    raise table.error(f"case {cells['ref']!r} is not on the meeting", number, columns["ref"])
                current = ref
            elif not cells["agency"] and not cells["text"] or line in refs:
                current = _ref_in(line, refs) or current  # a line naming the next case
                continue
            if not cells["text"]:
                raise table.error("an action with no text", number, columns["text"])
            if not cells["agency"]:
                raise table.error("an action with no agency", number, columns["agency"])
            if current is None:
                raise table.error("no case ref above this table or in it", number)
            text = cells["text"]
            due, read = (None, True) if "due" not in columns else due_from(cells["due"], meeting_date)
            if not read:
                text = f"{text} (timescale: {cells['due']})"
                notes.append(Note(table.where(number, columns["due"]),
                                  f"timescale {cells['due']!r} is no date or time: no due date; kept in the text"))
            person_column = columns.get("person")
            actions.append(MinutesAction(current, cells["agency"], text, due, cells.get("person") or None,
                                         table.where(number), table.where(number, person_column)))
    if not found_any:
        raise InputError(opened.source, "no action table (headings such as 'Agency', 'Action', 'Timescale') found")
    return actions, notes
