"""Reading the tables of a Word document (DOCX), and the text before each (a case ref above a table)."""

from __future__ import annotations

import io
from typing import Any

from marac_core.intake.agenda.table import Table
from marac_core.model.errors import InputError


def read_document(data: bytes, source: str) -> list[Table]:
    """Each table, with the paragraphs between it and the table before it (``Table.above``)."""
    import docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds for a damaged file
        raise InputError(source, f"not a readable DOCX document ({type(exc).__name__})") from None
    found: list[Table] = []
    before: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            before.append(Paragraph(block, document).text)
        elif tag == "tbl":
            table = DocxTable(block, document)
            # A merged cell is the same cell in each grid position it covers: its text is repeated.
            rows: list[list[Any]] = [[cell.text or None for cell in row.cells] for row in table.rows]
            found.append(Table(source, "table", str(len(found) + 1), rows, lettered=False,
                               above=[t for t in before if t.strip()]))
            before = []
    return found
