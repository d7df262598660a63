"""Reading a workbook (XLSX) into tables: each sheet's cells, merged cells filled in."""

from __future__ import annotations

import io
from typing import Any

from marac_core.intake.agenda.table import Table
from marac_core.model.errors import InputError


def read_workbook(data: bytes, source: str) -> list[Table]:
    import openpyxl

    # Not read_only: only a loaded sheet knows its merged cells (a case ref merged over the rows of
    # its people, a "Victim" heading over its columns). A 1,500-row agenda loads in well under 5 s.
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError(source, f"not a readable XLSX workbook ({type(exc).__name__})") from None
    tables = []
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        rows: list[list[Any]] = [list(r) for r in sheet.iter_rows(values_only=True)]
        for merged in sheet.merged_cells.ranges:
            value = sheet.cell(merged.min_row, merged.min_col).value
            for r in range(merged.min_row, min(merged.max_row, len(rows)) + 1):
                for c in range(merged.min_col, merged.max_col + 1):
                    row = rows[r - 1]
                    row.extend([None] * (c - len(row)))
                    row[c - 1] = value
        tables.append(Table(source, "sheet", sheet.title, rows))
    book.close()
    return tables
