"""A table as read from any file kind: its name, and its cells with their coordinates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from marac_core.model.errors import InputError


def column_letter(number: int) -> str:
    """1 -> A, 27 -> AA (as a spreadsheet names its columns)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Table:
    """One sheet of a workbook, a CSV file, or one table of a Word document.

    ``rows[i][j]`` is the value of row i+1, column j+1: text, a number, a date or None.
    A merged cell's value is in every cell it covers.
    """

    source: str           # the file, as the user named it
    kind: str             # "sheet" or "table"
    name: str             # the sheet's name, or the table's number
    rows: list[list[Any]] = field(default_factory=list)
    lettered: bool = True  # spreadsheet columns are letters; a Word table's are numbers
    above: list[str] = field(default_factory=list)  # a Word document's paragraphs before the table

    def where(self, row: int, column: int | None = None) -> str:
        """``sheet 'Agenda', row 4, column C``: how the user finds the cell."""
        place = f"{self.kind} {self.name!r}" if self.kind == "sheet" else f"{self.kind} {self.name}"
        place += f", row {row}"
        if column is not None:
            place += f", column {column_letter(column) if self.lettered else column}"
        return place

    def error(self, message: str, row: int, column: int | None = None) -> InputError:
        return InputError(self.source, message, self.where(row, column))

    def cell(self, row: int, column: int) -> Any:
        cells = self.rows[row - 1] if 0 < row <= len(self.rows) else []
        return cells[column - 1] if 0 < column <= len(cells) else None

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


@dataclass
class Note:
    """Something the import was unsure of: shown in the preview, never silently dropped.

    A note about one person's value says which (``kind``: name, dob or postcode), what the cell
    has (``written``), what was made of it (``read``; None: nothing), the values it could be when
    there are several (``readings``), and where in the meeting file it went (``path``, set once the
    meeting is built), so the rep can settle it (the workbench does). Any other note is confirmed.
    """

    where: str
    message: str
    written: str | None = None
    kind: str | None = None
    read: str | None = None
    readings: list[str] = field(default_factory=list)
    path: list[str | int] | None = None
    person: dict[str, Any] | None = field(default=None, repr=False, compare=False)  # until ``path`` is set

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message
