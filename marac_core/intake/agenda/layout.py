"""Finding the heading row of a table and what each column holds.

The heading row is the row, among the first 30, where the most cells read as headings (at least
two, one of them naming people); rows above it are a title or a classification line. A row of
role names just above it ("Victim" merged over "Name | DOB | Address") qualifies the headings
under it; a heading with no role of its own ("DOB" right of "Perpetrator") takes the role of the
column to its left.
"""

from __future__ import annotations

from dataclasses import dataclass

from marac_core.intake.agenda.cells import text_of
from marac_core.intake.agenda.headings import Field, is_name, normalise, recognise, role_alone
from marac_core.intake.agenda.table import Note, Table

SCANNED_ROWS = 30
Mapping = dict[str, list[Field]]  # normalised heading -> its field for each time it occurs, in order


@dataclass
class Column:
    number: int      # 1-based
    heading: str     # as written (with the group heading above, if any)
    field: Field


@dataclass
class Layout:
    table: Table
    heading_row: int
    columns: list[Column]
    per_person: bool      # one row per person (a role column), else one row per case

    def of(self, role: str, attribute: str, index: int | None = None) -> list[Column]:
        return [c for c in self.columns
                if c.field.role == role and c.field.attribute == attribute and c.field.index == index]

    def case_column(self, attribute: str) -> Column | None:
        return next((c for c in self.columns if c.field.role is None and c.field.attribute == attribute), None)

    def title_lines(self) -> list[str]:
        rows = self.table.rows[:self.heading_row - 1]
        return self.table.above + [" ".join(dict.fromkeys(text_of(v) for v in row if text_of(v))) for row in rows]


def _read_heading(text: str, occurrence: int, mapping: Mapping | None) -> Field | None:
    if mapping is not None:
        given = mapping.get(normalise(text))
        if given:
            return given[min(occurrence, len(given) - 1)]
    return recognise(text)


def _fields_of_row(row: list[object], mapping: Mapping | None) -> list[Field | None]:
    seen: dict[str, int] = {}
    fields = []
    for value in row:
        text = text_of(value)
        key = normalise(text)
        fields.append(_read_heading(text, seen.get(key, 0), mapping) if text else None)
        seen[key] = seen.get(key, 0) + 1
    return fields


def _score(fields: list[Field | None]) -> int:
    useful = [f for f in fields if f is not None and f.attribute != "ignore"]
    if len(useful) < 2 or not any(is_name(f) or (f.role and f.attribute == "name") for f in useful):
        return 0
    return len(useful)


def find_layout(table: Table, mapping: Mapping | None, notes: list[Note]) -> Layout | None:
    """The table's heading row and columns, or None when it has no heading row (not an agenda table)."""
    best, best_row = 0, 0
    for number, row in enumerate(table.rows[:SCANNED_ROWS], start=1):
        # A merged title over the whole width repeats one text in each cell: count it once.
        distinct = list(dict.fromkeys(text_of(v) for v in row if text_of(v)))
        if len(distinct) < 2:
            continue
        score = _score(_fields_of_row(row, mapping))
        if score > best:
            best, best_row = score, number
    if not best:
        return None
    row = table.rows[best_row - 1]
    groups = _group_roles(table.rows[best_row - 2] if best_row > 1 else [], len(row))
    columns: list[Column] = []
    seen: dict[str, int] = {}
    for number, value in enumerate(row, start=1):
        text = text_of(value)
        if not text:
            continue
        group = groups[number - 1]
        alone = recognise(text)
        written = f"{group} {text}" if group and alone is not None and alone.role == "person" else text
        key = normalise(written)
        field = _read_heading(written, seen.get(key, 0), mapping)
        seen[key] = seen.get(key, 0) + 1
        if field is None:
            notes.append(Note(table.where(best_row, number), f"heading {text!r} not recognised: column not read",
                              written=text))
            continue
        columns.append(Column(number, written, field))
    per_person = any(c.field.attribute == "role" for c in columns)
    if not per_person:
        _inherit_roles(table, best_row, columns, notes)
    return Layout(table, best_row, columns, per_person)


def _group_roles(above: list[object], width: int) -> list[str | None]:
    """The role heading over each column, carried right across the span it was merged over."""
    roles: list[str | None] = []
    current: str | None = None
    for number in range(width):
        text = text_of(above[number]) if number < len(above) else ""
        if text:
            current = text if role_alone(text) else None
        roles.append(current)
    return roles


def _inherit_roles(table: Table, heading_row: int, columns: list[Column], notes: list[Note]) -> None:
    role: str | None = None
    index: int | None = None
    for column in columns:
        field = column.field
        if field.role in ("victim", "perpetrator", "children"):
            role, index = field.role, field.index
        elif field.role == "person":
            taken = role or "victim"
            if role is None:
                notes.append(Note(table.where(heading_row, column.number),
                                  f"heading {column.heading!r} names no role: read as the victim's",
                                  written=column.heading))
            column.field = Field(taken, field.attribute, index if taken == role else None)
