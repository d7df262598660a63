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


def read_csv(data: bytes, source: str) -> list[Table]:
    text = decode(data, source)
    sample = text[:20_000]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [[cell if cell.strip() else None for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    name = source.replace("\\", "/").rsplit("/", 1)[-1]
    return [Table(source, "sheet", name, rows)]
