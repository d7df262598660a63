"""The demo's two agendas, as coordinators send them (all people fictional, the same as in the
hand-written meeting files beside them): Stevenage one row per case, Doncaster one row per person.

``scripts/make_demo_agendas`` writes them; the XLSX files are shipped beside this module.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

AGENDAS = {"herts-meeting.yaml": "stevenage-agenda.xlsx", "rdash-meeting.yaml": "doncaster-agenda.xlsx"}


def stevenage(path: Path) -> None:
    """One row per case, under a classification line and a title; "Victim" and "Perpetrator"
    merged over their columns; children in one cell."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Agenda"
    sheet.append(["OFFICIAL-SENSITIVE: do not forward"])
    sheet.append(["Stevenage MARAC: 3 December 2026, 10:00"])
    sheet.append([None, None, "Victim", None, None, "Alleged perpetrator", None, "Children", None])
    sheet.merge_cells("C3:E3")
    sheet.merge_cells("F3:G3")
    sheet.merge_cells("H3:I3")
    sheet.append(["MARAC ref", "Referring agency", "Name", "D.O.B.", "Address", "Name", "DOB",
                  "Names and DOBs", "Living with"])
    sheet.append(["ST-0101", "Police", "JONES, Sarah", dt.datetime(1991, 3, 14), "12 Elm Way, Stevenage",
                  "Mark JONES", "01/07/1988", "Lily JONES 22/05/2019; Tom JONES (02.02.16)", "Mother"])
    sheet.append(["ST-0102", "IDVA", "Priya SHAH", "30 Sep 1995", "Flat 3, Hill Court, Stevenage",
                  "Daniel WEBB", "not known", "Aisha SHAH 11/11/21, Zara SHAH 04/04/2018", "Mother"])
    for column, width in zip("ABCDEFGHI", (11, 16, 16, 12, 28, 20, 12, 40, 12)):
        sheet.column_dimensions[column].width = width
    book.save(path)


def doncaster(path: Path) -> None:
    """One row per person with a role column; each case's ref merged over its people's rows."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Cases"
    sheet.append(["Doncaster MARAC", None, None, None, None])
    sheet.append(["Meeting date: 03/12/2026", None, None, None, None])
    sheet.append([])
    sheet.append(["Case No.", "Referrer", "Role", "Full name", "Date of birth", "NHS No."])
    rows = [
        ("DN-0412", "Police", "Victim", "Sarah JONES", dt.datetime(1991, 3, 14), "943 476 5919"),
        (None, None, "Alleged perpetrator", "Mark JONES", "1/7/1988", None),
        (None, None, "Child", "Lily JONES", "22.05.19", None),
        ("DN-0413", "IDVA", "Victim", "Chloe BROWN", "19/08/2009", None),
        (None, None, "Perp", "SMITH, Jordan", "5 Jan 2008", None),
    ]
    for row in rows:
        sheet.append(list(row))
    sheet.merge_cells("A5:A7")
    sheet.merge_cells("B5:B7")
    sheet.merge_cells("A8:A9")
    sheet.merge_cells("B8:B9")
    for column, width in zip("ABCDEF", (10, 10, 20, 18, 14, 14)):
        sheet.column_dimensions[column].width = width
    book.save(path)


def write_all(folder: Path) -> list[Path]:
    written = []
    for maker, name in ((stevenage, AGENDAS["herts-meeting.yaml"]), (doncaster, AGENDAS["rdash-meeting.yaml"])):
        maker(folder / name)
        written.append(folder / name)
    return written
