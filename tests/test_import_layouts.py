"""`marac import` reads the agenda layouts coordinators send, without a mapping file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import yaml
from agenda_files import CASE_HEADINGS, TITLE, csv_file, docx, marac, xlsx

from marac_core.intake.agenda import import_agenda
from marac_core.intake.meeting_file import load_meeting


def meeting_of(path: Path, **options: object) -> dict:
    return import_agenda(path, **options).meeting  # type: ignore[arg-type]


def people(case: dict) -> list[tuple[str, str, str | None]]:
    listed = [("victim", case["victim"]["name"], case["victim"].get("dob"))]
    perpetrators = case.get("perpetrator", [])
    for p in [perpetrators] if isinstance(perpetrators, dict) else perpetrators:
        listed.append(("perpetrator", p["name"], p.get("dob")))
    listed += [("child", c["name"], c.get("dob")) for c in case.get("children", [])]
    return listed


def test_headings_below_a_classification_line_and_a_title_are_found(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [["OFFICIAL-SENSITIVE"], TITLE, [], CASE_HEADINGS,
                                      ["ST-1", "Police", "Sarah JONES", dt.datetime(1991, 3, 14), "Mark JONES",
                                       "01/07/1988", "Lily JONES 22/05/2019"]])
    meeting = meeting_of(path)
    assert meeting["meeting"] == {"area": "Stevenage", "date": "2026-12-03"}
    assert people(meeting["cases"][0]) == [("victim", "Sarah JONES", "1991-03-14"),
                                           ("perpetrator", "Mark JONES", "1988-07-01"),
                                           ("child", "Lily JONES", "2019-05-22")]
    assert meeting["cases"][0]["referring_agency"] == "Police"


def test_a_role_merged_over_its_columns_qualifies_the_headings_under_it(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [
        TITLE,
        [None, "Victim", None, None, "Alleged perpetrator", None],
        ["Ref", "Name", "DOB", "NHS No", "Name", "DOB"],
        ["ST-1", "Sarah JONES", "14/03/1991", "943 476 5919", "Mark JONES", "1/7/88"],
    ], merged=["B2:D2", "E2:F2"])
    case = meeting_of(path)["cases"][0]
    assert case["victim"] == {"name": "Sarah JONES", "dob": "1991-03-14", "nhs_number": "9434765919"}
    assert case["perpetrator"] == {"name": "Mark JONES", "dob": "1988-07-01"}


def test_one_row_per_person_with_a_role_column_and_refs_merged_over_the_case(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [
        TITLE,
        ["Case ref", "Role", "Name", "DOB", "Lives with"],
        ["ST-1", "Victim", "Sarah JONES", "14/03/1991", None],
        [None, "Perp", "Mark JONES", "01/07/1988", None],
        [None, "CYP", "Lily JONES", "22/05/2019", "Mum"],
        ["ST-2", "Victim", "Priya SHAH", "30/09/1995", None],
        ["ST-2", "Alleged perpetrator", "Daniel WEBB", None, None],
        ["ST-2", "Child", "Zara SHAH", "04/04/2018", None],
    ], merged=["A3:A5"])
    cases = meeting_of(path)["cases"]
    assert [c["ref"] for c in cases] == ["ST-1", "ST-2"]
    assert people(cases[0]) == [("victim", "Sarah JONES", "1991-03-14"), ("perpetrator", "Mark JONES", "1988-07-01"),
                                ("child", "Lily JONES", "2019-05-22")]
    assert people(cases[1]) == [("victim", "Priya SHAH", "1995-09-30"), ("perpetrator", "Daniel WEBB", None),
                                ("child", "Zara SHAH", "2018-04-04")]


def test_several_children_in_one_cell_each_with_their_own_date(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [TITLE, CASE_HEADINGS,
                                      ["ST-1", "Police", "Sarah JONES", None, None, None,
                                       "Lily JONES 22/05/2019; Noah JONES (09/09/21)\nMia JONES, 3 Dec 2023"]])
    children = meeting_of(path)["cases"][0]["children"]
    assert children == [{"name": "Lily JONES", "dob": "2019-05-22"}, {"name": "Noah JONES", "dob": "2021-09-09"},
                        {"name": "Mia JONES", "dob": "2023-12-03"}]


def test_children_named_with_ages_and_a_shared_surname_are_all_kept_and_reported(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [TITLE, CASE_HEADINGS,
                                      ["ST-1", "Police", "Sarah JONES", None, None, None, "Lily (5) and Noah (3) JONES"]])
    imported = import_agenda(path)
    assert imported.meeting["cases"][0]["children"] == [{"name": "Lily JONES"}, {"name": "Noah JONES"}]
    notes = [str(n) for n in imported.notes]
    assert any("row 3, column G" in n and "Lily JONES has no date of birth (age 5 given)" in n for n in notes)
    assert any("Noah JONES has no date of birth (age 3 given)" in n for n in notes)


def test_children_names_and_dates_in_two_columns_are_paired_in_order(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [TITLE, ["Ref", "Victim", "Child(ren)", "Children DOB"],
                                      ["ST-1", "Sarah JONES", "Lily JONES\nTom JONES", "22/05/2019\n02/02/2016"]])
    assert people(meeting_of(path)["cases"][0])[1:] == [("child", "Lily JONES", "2019-05-22"),
                                                         ("child", "Tom JONES", "2016-02-02")]


def test_numbered_child_columns(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [TITLE, ["Ref", "Victim", "Child 1 name", "Child 1 DOB", "Child 2 name",
                                              "Child 2 DOB"],
                                      ["ST-1", "Sarah JONES", "Lily JONES", "22/05/2019", "Tom JONES", "02/02/2016"]])
    assert people(meeting_of(path)["cases"][0])[1:] == [("child", "Lily JONES", "2019-05-22"),
                                                         ("child", "Tom JONES", "2016-02-02")]


def test_surname_first_with_a_comma_and_aliases_are_read(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [TITLE, ["Ref", "Victim", "Victim AKA", "Perpetrator"],
                                      ["ST-1", "JONES, Sarah (née BROWN)", "Sally SMITH", "WEBB, Daniel aka Danny WEBB"]])
    case = meeting_of(path)["cases"][0]
    assert case["victim"] == {"name": "Sarah JONES", "aliases": ["Sarah BROWN", "Sally SMITH"]}
    assert case["perpetrator"] == {"name": "Daniel WEBB", "aliases": ["Danny WEBB"]}


def test_a_postcode_is_taken_from_the_address_and_children_get_the_household_they_live_with(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [TITLE, ["Ref", "Victim", "Victim address", "Perpetrator", "Perp address",
                                              "Children", "Living with"],
                                      ["ST-1", "Sarah JONES", "12 Oak Road, Stevenage sg1  2ab", "Mark JONES",
                                       "3 Ash Close, Hitchin SG4 9XY", "Lily JONES 22/05/2019", "Father"],
                                      ["ST-2", "Priya SHAH", "1 High St, AL1 1AA", None, None, "Zara SHAH 04/04/2018",
                                       "resides with maternal grandmother, 7 Elm Way, LU1 2BB"]])
    cases = meeting_of(path)["cases"]
    assert cases[0]["victim"]["postcode"] == "SG1 2AB"
    assert cases[0]["perpetrator"]["postcode"] == "SG4 9XY"
    assert cases[0]["children"][0]["postcode"] == "SG4 9XY"
    assert cases[1]["children"][0]["postcode"] == "LU1 2BB"


def test_a_two_digit_year_is_read_so_that_nobody_is_born_after_the_meeting(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [TITLE, ["Ref", "Victim", "DOB", "Children"],
                                      ["ST-1", "Sarah JONES", "14.3.91", "Lily JONES 22/05/19"],
                                      ["ST-2", "Ann LEE", "1.1.26", "Ben LEE 3.12.26"]])
    cases = meeting_of(path)["cases"]
    assert cases[0]["victim"]["dob"] == "1991-03-14"
    assert cases[0]["children"][0]["dob"] == "2019-05-22"
    assert cases[1]["victim"]["dob"] == "2026-01-01"
    assert cases[1]["children"][0]["dob"] == "2026-12-03"  # born on the meeting's day: not the future


def test_csv_with_semicolons_in_windows_1252(tmp_path: Path) -> None:
    path = csv_file(tmp_path / "a.csv", [TITLE, ["Ref", "Victim", "DOB"], ["ST-1", "Zoë O’NEILL", "14/03/1991"]],
                    delimiter=";", encoding="cp1252")
    assert meeting_of(path)["cases"][0]["victim"] == {"name": "Zoë O’NEILL", "dob": "1991-03-14"}


def test_csv_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = csv_file(tmp_path / "a.csv", [["Ref", "Victim", "DOB"], ["ST-1", "Zoë JONES", "14/03/1991"]],
                    encoding="utf-8-sig")
    assert meeting_of(path, area="Stevenage", date=dt.date(2026, 12, 3))["cases"][0]["victim"]["name"] == "Zoë JONES"


def test_the_tables_of_a_word_document_with_merged_refs(tmp_path: Path) -> None:
    path = docx(tmp_path / "a.docx", [
        ("Doncaster MARAC 03/12/2026", [["Case No.", "Role", "Full name", "Date of birth"],
                                        ["DN-1", "Victim", "Sarah JONES", "14/03/1991"],
                                        [None, "Child", "Lily JONES", "22/05/2019"]]),
        ("continued", [["Case No.", "Role", "Full name", "Date of birth"],
                       ["DN-2", "Victim", "Chloe BROWN", "19/08/2009"]]),
    ], merge_down=[(0, 0, 1, 2)])
    meeting = meeting_of(path)
    assert meeting["meeting"]["area"] == "Doncaster"
    assert [(c["ref"], len(people(c))) for c in meeting["cases"]] == [("DN-1", 2), ("DN-2", 1)]


def test_cli_writes_a_meeting_file_the_reader_loads_and_the_mapping_beside_it(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [TITLE, CASE_HEADINGS,
                                      ["ST-1", "Police", "Sarah JONES", "14/03/1991", "Mark JONES", None, "Lily JONES"]])
    out = tmp_path / "meeting.yaml"
    result = marac("import", path, "--procedure", "herts-childrens", "-o", out)
    assert result.exit_code == 0, result.stderr
    meeting = load_meeting(out)
    assert meeting.meeting.procedure == "herts-childrens"
    assert [p.name for _, _, p in meeting.cases[0].people()] == ["Sarah JONES", "Mark JONES", "Lily JONES"]
    assert "child Lily JONES has no date of birth" in result.stderr  # the preview tells what was unsure
    assert "ST-1 (Police)" in result.stderr
    assert max(len(line) for line in result.stderr.splitlines()) <= 80
    mapping = yaml.safe_load((tmp_path / "meeting.mapping.yaml").read_text())
    assert mapping["Victim name"] == "victim.name" and mapping["DOB"] == "perpetrator.dob"


def test_cli_prints_yaml_or_json_when_no_output_is_given(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [TITLE, ["Ref", "Victim"], ["ST-1", "Sarah JONES"]])
    as_yaml = marac("import", path)
    assert yaml.safe_load(as_yaml.stdout)["cases"][0]["victim"]["name"] == "Sarah JONES"
    as_json = marac("import", path, "--json", "--area", "Hitchin", "--date", "2026-12-10")
    assert json.loads(as_json.stdout)["meeting"] == {"area": "Hitchin", "date": "2026-12-10"}


def test_what_was_not_taken_is_listed_with_where_it_is(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [
        TITLE,
        ["Case ref", "Role", "Name", "DOB", "Lives with", "Favourite colour"],
        ["ST-1", "Victim", "Sarah JONES", "14/03/1991", None, "blue"],
        [None, "Other adult", "Jean JONES", None, None, None],
        [None, "Child", "Lily JONES", "unborn", "Aunt Mary", None],
        ["Case ref", "Role", "Name", "DOB", "Lives with", None],
        ["Part 2: repeat cases"],
        ["ST-2", "Victim", "Priya SHAH", "30/09/1995", None, None],
    ])
    imported = import_agenda(path)
    assert [len(people(c)) for c in imported.meeting["cases"]] == [2, 1]
    notes = [str(n) for n in imported.notes]
    assert "sheet 'Agenda', row 2, column F: heading 'Favourite colour' not recognised: column not read" in notes
    assert "sheet 'Agenda', row 4, column B: row skipped: role 'Other adult' is no victim, perpetrator or child" in notes
    assert "sheet 'Agenda', row 5, column C: child Lily JONES has no date of birth (unborn)" in notes
    assert "sheet 'Agenda', row 5, column C: Lily JONES lives with 'Aunt Mary': no address taken" in notes
    assert "sheet 'Agenda', row 6: row skipped: the headings repeated" in notes
    assert "sheet 'Agenda', row 7: row skipped: a title or section line ('Part 2: repeat cases')" in notes


def test_two_people_of_one_name_told_apart_by_their_dates_of_birth_are_both_kept(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [TITLE, ["Ref", "Victim", "Perpetrator", "Children"],
                                      ["ST-1", "Sarah JONES", "Mark JONES 01/07/1988; Mark JONES 02/02/1960", None]])
    assert [p["dob"] for p in meeting_of(path)["cases"][0]["perpetrator"]] == ["1988-07-01", "1960-02-02"]


def test_forename_and_surname_columns_make_one_name(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [TITLE, ["Ref", "Victim forename", "Victim surname", "Victim DOB"],
                                      ["ST-1", "Sarah", "Jones", "14/03/1991"]])
    assert meeting_of(path)["cases"][0]["victim"] == {"name": "Sarah JONES", "dob": "1991-03-14"}


def test_a_cell_that_names_nobody_adds_nobody_and_says_so(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [TITLE, ["Ref", "Victim", "Perpetrator", "Children"],
                                      ["ST-1", "Sarah JONES", "Unknown", "None"],
                                      ["ST-2", "Priya SHAH", "Daniel WEBB", "Lily Shah (5), Tom Shah (8)"]])
    imported = import_agenda(path)
    first, second = imported.meeting["cases"]
    assert "perpetrator" not in first and "children" not in first
    assert "sheet 'Agenda', row 3, column C: 'Unknown' read as nobody" in [str(n) for n in imported.notes]
    assert [c["name"] for c in second["children"]] == ["Lily Shah", "Tom Shah"]
