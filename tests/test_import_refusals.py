"""Bad agendas are refused before anything is written: exit 2, one line naming the file, the sheet
(or table), the row and the column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from agenda_files import TITLE, aes_zip, docx, encrypted, marac, seven_zip, xlsx

HEADINGS = ["MARAC ref", "Victim name", "Victim DOB", "Perpetrator", "Children", "Victim NHS no"]


def refused(tmp_path: Path, agenda: Path, *extra: str, env: dict[str, str] | None = None) -> str:
    out = tmp_path / "out" / "meeting.yaml"
    out.parent.mkdir(exist_ok=True)
    result = marac("import", agenda, "-o", out, *extra, env=env)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert list(out.parent.iterdir()) == [], "nothing is written on a refusal"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"marac: {agenda}")
    return lines[0]


def agenda(tmp_path: Path, *rows: list[object], headings: list[str] = HEADINGS) -> Path:
    return xlsx(tmp_path / "agenda.xlsx", [TITLE, headings, *rows])


def test_an_impossible_date_of_birth_is_refused_not_dropped(tmp_path: Path) -> None:
    line = refused(tmp_path, agenda(tmp_path, ["ST-1", "Sarah JONES", "31/02/1990"]))
    assert "sheet 'Agenda', row 3, column C: impossible date '31/02/1990'" in line


def test_a_mistyped_date_is_refused_not_dropped(tmp_path: Path) -> None:
    line = refused(tmp_path, agenda(tmp_path, ["ST-1", "Sarah JONES", "14/03/199"]))
    assert "row 3, column C: cannot read a date" in line


def test_an_impossible_date_in_a_childs_cell_names_that_cell(tmp_path: Path) -> None:
    line = refused(tmp_path, agenda(tmp_path, ["ST-1", "Sarah JONES", None, None, "Lily JONES 30/02/2019"]))
    assert "row 3, column E: impossible date" in line


def test_a_child_born_after_the_meeting_is_refused(tmp_path: Path) -> None:
    line = refused(tmp_path, agenda(tmp_path, ["ST-1", "Sarah JONES", None, None, "Lily JONES 22/05/2027"]))
    assert "row 3, column E: date of birth 2027-05-22 is after the meeting (2026-12-03)" in line


def test_a_row_with_no_victims_name_is_refused_so_no_case_is_lost(tmp_path: Path) -> None:
    line = refused(tmp_path, agenda(tmp_path, ["ST-1", "Sarah JONES"], ["ST-2", None, "14/03/1991", "Mark JONES"]))
    assert "sheet 'Agenda', row 4, column B: a row with no victim's name" in line


def test_a_person_row_with_no_name_is_refused(tmp_path: Path) -> None:
    path = agenda(tmp_path, ["ST-1", "Victim", "Sarah JONES"], ["ST-1", "Child", None, "22/05/2019"],
                  headings=["Ref", "Role", "Name", "DOB"])
    assert "row 4, column C: a row with no name (role Child)" in refused(tmp_path, path)


def test_a_role_not_understood_is_refused_so_a_typo_does_not_drop_a_person(tmp_path: Path) -> None:
    path = agenda(tmp_path, ["ST-1", "Victim", "Sarah JONES"], ["ST-1", "Chlid", "Lily JONES"],
                  headings=["Ref", "Role", "Name"])
    assert "row 4, column B: role 'Chlid' not understood" in refused(tmp_path, path)


def test_a_child_dob_with_no_name_is_refused(tmp_path: Path) -> None:
    path = agenda(tmp_path, ["ST-1", "Sarah JONES", None, "22/05/2019"], headings=["Ref", "Victim", "Children",
                                                                                  "Children DOB"])
    assert "row 3, column D: a date of birth with no name beside it" in refused(tmp_path, path)


def test_more_dates_than_children_is_refused_rather_than_guessing_whose_is_whose(tmp_path: Path) -> None:
    path = agenda(tmp_path, ["ST-1", "Sarah JONES", "Lily JONES", "22/05/2019; 02/02/2016"],
                  headings=["Ref", "Victim", "Children", "Children DOB"])
    assert "row 3, column D: 2 dates of birth for 1 names" in refused(tmp_path, path)


def test_an_nhs_number_that_is_not_ten_digits_is_refused(tmp_path: Path) -> None:
    line = refused(tmp_path, agenda(tmp_path, ["ST-1", "Sarah JONES", None, None, None, "943 476 591"]))
    assert "row 3, column F: not an NHS number" in line


def test_one_person_listed_twice_in_a_case_is_refused(tmp_path: Path) -> None:
    line = refused(tmp_path, agenda(tmp_path, ["ST-1", "Sarah JONES", None, "JONES, Sarah"]))
    assert "row 3, column D: case ST-1: Sarah JONES is listed twice (also at sheet 'Agenda', row 3, column B)" in line


def test_a_case_ref_given_twice_is_refused(tmp_path: Path) -> None:
    line = refused(tmp_path, agenda(tmp_path, ["ST-1", "Sarah JONES"], ["ST-1", "Priya SHAH"]))
    assert "row 4, column A: case ST-1 is also at sheet 'Agenda', row 3" in line


def test_a_file_that_is_not_an_agenda_is_refused(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "budget.xlsx", [["Item", "Cost"], ["Paper", 3]], title="Budget")
    line = refused(tmp_path, path)
    assert "sheet 'Budget', row 1: not an agenda" in line


def test_a_picture_is_not_an_agenda(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    assert "not an agenda" in refused(tmp_path, path)


def test_no_meeting_date_anywhere_asks_for_date(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "agenda.xlsx", [["Stevenage MARAC"], ["Ref", "Victim"], ["ST-1", "Sarah JONES"]])
    assert "row 2: no meeting date above the headings: give it with --date" in refused(tmp_path, path)


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    return agenda(tmp_path, ["ST-1", "Sarah JONES", "14/03/1991"])


def test_a_wrong_password_on_an_office_file_is_refused(tmp_path: Path, plain: Path) -> None:
    path = encrypted(plain, tmp_path / "locked.xlsx", "right horse")
    line = refused(tmp_path, path, "--password-env", "AGENDA_PW", env={"AGENDA_PW": "wrong horse"})
    assert line.endswith("wrong password")


def test_a_wrong_password_on_an_aes_zip_is_refused(tmp_path: Path, plain: Path) -> None:
    path = aes_zip(plain, tmp_path / "agenda.zip", "right horse")
    line = refused(tmp_path, path, "--password-env", "AGENDA_PW", env={"AGENDA_PW": "wrong horse"})
    assert "wrong password" in line


def test_a_wrong_password_on_a_7z_archive_is_refused(tmp_path: Path, plain: Path) -> None:
    path = seven_zip(plain, tmp_path / "agenda.7z", "right horse")
    line = refused(tmp_path, path, "--password-env", "AGENDA_PW", env={"AGENDA_PW": "wrong horse"})
    assert "wrong password" in line


def test_a_protected_file_without_a_password_says_how_to_give_one(tmp_path: Path, plain: Path) -> None:
    path = encrypted(plain, tmp_path / "locked.xlsx", "right horse")
    assert "password-protected: give the password with --password-env VAR" in refused(tmp_path, path)


def test_a_password_variable_that_is_not_set_is_refused(tmp_path: Path, plain: Path) -> None:
    path = encrypted(plain, tmp_path / "locked.xlsx", "right horse")
    result = marac("import", path, "--password-env", "NO_SUCH_VARIABLE_SET")
    assert result.exit_code == 2
    assert "--password-env NO_SUCH_VARIABLE_SET: the environment variable is not set" in result.stderr


def test_a_word_table_names_its_table_row_and_column(tmp_path: Path) -> None:
    path = docx(tmp_path / "agenda.docx", [("Doncaster MARAC 3 December 2026", [["Ref", "Victim", "DOB"],
                                                                                ["DN-1", "Sarah JONES", "32/01/1990"]])])
    assert "table 1, row 2, column 3: impossible date" in refused(tmp_path, path)


def test_a_mapping_with_a_misspelt_field_is_refused_with_the_nearest(tmp_path: Path, plain: Path) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("Victim name: victim.nmae\n")
    result = marac("import", plain, "--mapping", mapping)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"marac: {mapping}: Victim name: 'victim.nmae' is no field (nearest: victim.name)"


def test_an_output_folder_that_does_not_exist_writes_nothing(tmp_path: Path, plain: Path) -> None:
    result = marac("import", plain, "-o", tmp_path / "nowhere" / "m.yaml")
    assert result.exit_code == 2
    assert not (tmp_path / "nowhere").exists()


def test_the_meeting_date_option_bounds_dates_of_birth(tmp_path: Path) -> None:
    path = agenda(tmp_path, ["ST-1", "Sarah JONES", None, None, "Lily JONES 01/12/2026"])
    line = refused(tmp_path, path, "--date", "2026-11-30")
    assert "after the meeting (2026-11-30)" in line
    assert dt.date(2026, 12, 1)  # the child's date, a day after that meeting


def test_a_case_ref_with_nobody_beside_it_is_refused_not_skipped_as_a_title(tmp_path: Path) -> None:
    line = refused(tmp_path, agenda(tmp_path, ["ST-1", "Sarah JONES"], ["ST-2"]))
    assert "row 4, column B: a row with no victim's name" in line
