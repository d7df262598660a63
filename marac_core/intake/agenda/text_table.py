"""Reading a CSV file: any common encoding (a BOM, UTF-8, else Windows-1252), `,` or `;` or tab."""

from __future__ import annotations

import codecs
import csv
import io

from marac_core.intake.agenda.table import Table
from marac_core.model.errors import InputError

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode(data: bytes, source: str) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding)
    if b"\x00" in data:
        raise InputError(source, "not an agenda: a binary file that is no XLSX, DOCX, CSV or archive")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict") if _cp1252(data) else data.decode("latin-1")


def _cp1252(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _delimiter(sample: str) -> str:
    """The delimiter that splits the most lines: a title line above the headings has none, which
    throws csv.Sniffer (it wants every line alike)."""
    lines = sample.splitlines()[:-1] or sample.splitlines()

    def splits(delimiter: str) -> int:
        return sum(len(row) > 1 for row in csv.reader(lines, delimiter=delimiter))

    return max((",", ";", "\t"), key=splits)


def read_csv(data: bytes, source: str) -> list[Table]:
    text = decode(data, source)
    delimiter = _delimiter(text[:20_000])
    rows = [[cell if cell.strip() else None for cell in row]
            for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    name = source.replace("\\", "/").rsplit("/", 1)[-1]
    return [Table(source, "sheet", name, rows)]
