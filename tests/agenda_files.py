"""Agendas and minutes the import tests build for themselves: XLSX, CSV, DOCX, encrypted, archived."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

Rows = Sequence[Sequence[Any]]


def xlsx(path: Path, rows: Rows, *, title: str = "Agenda", merged: Sequence[str] = (),
         sheets: dict[str, Rows] | None = None) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for cells in merged:
        sheet.merge_cells(cells)
    for name, more in (sheets or {}).items():
        other = book.create_sheet(name)
        for row in more:
            other.append(list(row))
    book.save(path)
    return path


def csv_file(path: Path, rows: Rows, *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    import csv

    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(
        [["" if v is None else v for v in row] for row in rows])
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def docx(path: Path, tables: Sequence[tuple[str, Rows]], *, merge_down: Sequence[tuple[int, int, int, int]] = ()) -> Path:
    """A Word document: for each table a paragraph above it, then the table.
    ``merge_down`` (table, column, first row, last row), 0-based, merges cells of one column."""
    import docx as python_docx

    document = python_docx.Document()
    for number, (paragraph, rows) in enumerate(tables):
        if paragraph:
            document.add_paragraph(paragraph)
        width = max(len(r) for r in rows)
        table = document.add_table(rows=len(rows), cols=width)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    table.cell(r, c).text = str(value)
        for t, column, first, last in merge_down:
            if t == number:
                table.cell(first, column).merge(table.cell(last, column))
    document.save(path)
    return path


def encrypted(plain: Path, path: Path, password: str) -> Path:
    """A password-protected Office file, as Excel or Word saves one."""
    from msoffcrypto.format.ooxml import OOXMLFile

    with plain.open("rb") as source, path.open("wb") as out:
        OOXMLFile(source).encrypt(password, out)
    return path


def aes_zip(member: Path, path: Path, password: str | None) -> Path:
    import pyzipper

    with pyzipper.AESZipFile(path, "w", compression=pyzipper.ZIP_DEFLATED,
                             encryption=pyzipper.WZ_AES if password else None) as archive:
        if password:
            archive.setpassword(password.encode())
        archive.write(member, member.name)
    return path


def seven_zip(member: Path, path: Path, password: str | None) -> Path:
    import py7zr

    with py7zr.SevenZipFile(path, "w", password=password, header_encryption=bool(password)) as archive:
        archive.write(member, member.name)
    return path


def marac(*args: str, env: dict[str, str] | None = None) -> Result:
    from marac_core.cli.main import main

    return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


TITLE = ["Stevenage MARAC 3 December 2026"]
CASE_HEADINGS = ["MARAC ref", "Referring agency", "Victim name", "Victim DOB", "Perpetrator", "DOB", "Children"]
