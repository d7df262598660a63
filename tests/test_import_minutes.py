"""`marac import-minutes`: the minutes' action tables into each case's outcome.actions."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from agenda_files import docx, marac, xlsx

from marac_core.intake.agenda.minutes import due_from
from marac_core.cli.agenda import read_strictly

DEMO = Path(__file__).resolve().parent.parent / "marac_core" / "cli" / "demo"
HEADINGS = ["Agency", "Action", "Timescale", "Person"]


@pytest.fixture
def meeting(tmp_path: Path) -> Path:
    """The demo's Stevenage meeting without its actions, in a folder of its own."""
    import yaml

    data = yaml.safe_load((DEMO / "herts-meeting.yaml").read_text())
    for case in data["cases"]:
        case["outcome"].pop("actions", None)
    shutil.copytree(DEMO / "minutes", tmp_path / "minutes")
    path = tmp_path / "meeting.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def minutes_docx(tmp_path: Path, rows_0101: list[list[str]], rows_0102: list[list[str]] | None = None) -> Path:
    tables = [("Case 1: ST-0101", [HEADINGS, *rows_0101])]
    if rows_0102 is not None:
        tables.append(("Case 2: ST-0102 (IDVA referral)", [HEADINGS, *rows_0102]))
    return docx(tmp_path / "minutes.docx", tables)


def actions(path: Path) -> dict[str, list[dict]]:
    return {c.ref: [a.model_dump(mode="json", exclude_none=True) for a in (c.outcome.actions if c.outcome else [])]
            for c in read_strictly(path).cases}


def test_actions_of_each_case_table_are_shown_and_written_only_with_write(tmp_path: Path, meeting: Path) -> None:
    minutes = minutes_docx(tmp_path, [["Children's Services", "Home visit", "within 72 hours", "Lily"]],
                           [["IDVA", "Safety plan review", "2 weeks", "SHAH, Priya"],
                            ["Police", "Check warning markers", "next MARAC", ""]])
    before = meeting.read_text()
    shown = marac("import-minutes", minutes, "--meeting", meeting)
    assert shown.exit_code == 0, shown.stderr
    assert "3 actions to add" in shown.stderr and "Nothing written" in shown.stderr
    assert meeting.read_text() == before
    written = marac("import-minutes", minutes, "--meeting", meeting, "--write")
    assert written.exit_code == 0, written.stderr
    assert actions(meeting) == {
        "ST-0101": [{"agency": "Children's Services", "text": "Home visit", "due": "2026-12-06",
                     "person": "Lily JONES"}],
        "ST-0102": [{"agency": "IDVA", "text": "Safety plan review", "due": "2026-12-17", "person": "Priya SHAH"},
                    {"agency": "Police", "text": "Check warning markers (timescale: next MARAC)"}],
    }


def test_importing_the_same_minutes_twice_adds_each_action_once(tmp_path: Path, meeting: Path) -> None:
    minutes = minutes_docx(tmp_path, [["Children's Services", "Home visit", "10/12/2026", "Lily JONES"]])
    for _ in range(2):
        assert marac("import-minutes", minutes, "--meeting", meeting, "--write").exit_code == 0
    assert len(actions(meeting)["ST-0101"]) == 1


def test_an_action_for_someone_not_on_the_case_is_refused_with_the_nearest_name(tmp_path: Path,
                                                                               meeting: Path) -> None:
    minutes = minutes_docx(tmp_path, [["Children's Services", "Home visit", "7 days", "Lilly JONNES"]])
    before = meeting.read_text()
    result = marac("import-minutes", minutes, "--meeting", meeting, "--write")
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"marac: {minutes}: table 1, row 2, column 4: 'Lilly JONNES' is no person "
                                     "of case ST-0101 (nearest: Lily JONES)")
    assert meeting.read_text() == before


def test_a_person_of_another_case_is_refused(tmp_path: Path, meeting: Path) -> None:
    minutes = minutes_docx(tmp_path, [["Children's Services", "Home visit", "7 days", "Zara SHAH"]])
    result = marac("import-minutes", minutes, "--meeting", meeting)
    assert result.exit_code == 2 and "'Zara SHAH' is no person of case ST-0101" in result.stderr


def test_an_xlsx_of_actions_with_a_case_column(tmp_path: Path, meeting: Path) -> None:
    minutes = xlsx(tmp_path / "actions.xlsx", [["MARAC actions 3 December 2026"],
                                               ["Case ref", "Lead agency", "Action agreed", "By when", "Re"],
                                               ["ST-0102", "Health", "GP to be informed", "immediately", "Victim"],
                                               ["ST-0101", "School", "DSL to be told", "5 working days", "Tom"]])
    assert marac("import-minutes", minutes, "--meeting", meeting, "--write").exit_code == 0
    got = actions(meeting)
    assert got["ST-0102"] == [{"agency": "Health", "text": "GP to be informed", "due": "2026-12-03",
                               "person": "Priya SHAH"}]
    assert got["ST-0101"] == [{"agency": "School", "text": "DSL to be told", "due": "2026-12-10", "person": "Tom JONES"}]


def test_a_pdf_whose_tables_are_real_tables(tmp_path: Path, meeting: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.cell(text="Case ST-0101")
    pdf.ln(10)
    with pdf.table() as table:
        for row in (HEADINGS, ["Police", "Flag the address", "1 month", "Sarah JONES"]):
            cells = table.row()
            for value in row:
                cells.cell(value)
    path = tmp_path / "minutes.pdf"
    pdf.output(str(path))
    assert marac("import-minutes", path, "--meeting", meeting, "--write").exit_code == 0
    assert actions(meeting)["ST-0101"] == [{"agency": "Police", "text": "Flag the address", "due": "2027-01-03",
                                           "person": "Sarah JONES"}]


def test_minutes_with_no_action_table_are_refused(tmp_path: Path, meeting: Path) -> None:
    minutes = docx(tmp_path / "minutes.docx", [("ST-0101", [["Present", "Agency"], ["A Rep", "RDaSH"]])])
    result = marac("import-minutes", minutes, "--meeting", meeting)
    assert result.exit_code == 2 and "no action table" in result.stderr


@pytest.mark.parametrize(("timescale", "due"), [
    ("within 72 hours", dt.date(2026, 12, 6)), ("24 hrs", dt.date(2026, 12, 4)), ("2 weeks", dt.date(2026, 12, 17)),
    ("1 month", dt.date(2027, 1, 3)), ("10/12/26", dt.date(2026, 12, 10)), ("ASAP", dt.date(2026, 12, 3)),
    ("5 working days", dt.date(2026, 12, 10)), ("next MARAC", None), ("ongoing", None),
])
def test_timescales_become_due_dates_from_the_meeting_day(timescale: str, due: dt.date | None) -> None:
    assert due_from(timescale, dt.date(2026, 12, 3))[0] == due


def test_a_workbook_with_one_sheet_per_case(tmp_path: Path, meeting: Path) -> None:
    minutes = xlsx(tmp_path / "actions.xlsx", [["Agency", "Action", "Timescale"], ["Police", "Flag address", "ASAP"]],
                   title="ST-0102", sheets={"ST-0101": [["Agency", "Action"], ["School", "Inform DSL"]]})
    assert marac("import-minutes", minutes, "--meeting", meeting, "--write").exit_code == 0
    got = actions(meeting)
    assert got["ST-0102"] == [{"agency": "Police", "text": "Flag address", "due": "2026-12-03"}]
    assert got["ST-0101"] == [{"agency": "School", "text": "Inform DSL"}]
