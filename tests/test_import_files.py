"""The agenda as it arrives: password-protected, in an AES zip or a 7-Zip archive, and a mapping
file that an area writes once for its odd headings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from agenda_files import TITLE, aes_zip, docx, encrypted, marac, seven_zip, xlsx

from marac_core.intake.agenda import import_agenda
from marac_core.intake.agenda.mapping import load_mapping

PASSWORD = "correct horse battery"


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    return xlsx(tmp_path / "plain.xlsx", [TITLE, ["Ref", "Victim", "DOB"], ["ST-1", "Sarah JONES", "14/03/1991"]])


def victim_of(result_stdout: str) -> dict:
    victim = yaml.safe_load(result_stdout)["cases"][0]["victim"]
    return {key: str(value) for key, value in victim.items()}


def test_a_password_protected_workbook_opens_with_the_password_from_the_environment(tmp_path: Path,
                                                                                     plain: Path) -> None:
    path = encrypted(plain, tmp_path / "locked.xlsx", PASSWORD)
    result = marac("import", path, "--password-env", "AGENDA_PW", env={"AGENDA_PW": PASSWORD})
    assert result.exit_code == 0, result.stderr
    assert victim_of(result.stdout) == {"name": "Sarah JONES", "dob": "1991-03-14"}
    assert PASSWORD not in result.stderr + result.stdout


def test_a_password_protected_word_document(tmp_path: Path) -> None:
    plain = docx(tmp_path / "plain.docx", [("Doncaster MARAC 3 Dec 2026", [["Ref", "Victim"], ["DN-1", "Chloe BROWN"]])])
    path = encrypted(plain, tmp_path / "locked.docx", PASSWORD)
    assert import_agenda(path, password=lambda: PASSWORD).meeting["cases"][0]["victim"]["name"] == "Chloe BROWN"


def test_an_aes_zip_holding_the_agenda(tmp_path: Path, plain: Path) -> None:
    path = aes_zip(plain, tmp_path / "agenda.zip", PASSWORD)
    result = marac("import", path, "--password-env", "AGENDA_PW", env={"AGENDA_PW": PASSWORD})
    assert result.exit_code == 0, result.stderr
    assert victim_of(result.stdout)["name"] == "Sarah JONES"


def test_a_7z_archive_with_encrypted_headers_holding_the_agenda(tmp_path: Path, plain: Path) -> None:
    path = seven_zip(plain, tmp_path / "agenda.7z", PASSWORD)
    result = marac("import", path, "--password-env", "AGENDA_PW", env={"AGENDA_PW": PASSWORD})
    assert result.exit_code == 0, result.stderr
    assert victim_of(result.stdout)["dob"] == "1991-03-14"


def test_a_7z_archive_holding_a_password_protected_workbook_uses_the_same_password(tmp_path: Path,
                                                                                    plain: Path) -> None:
    locked = encrypted(plain, tmp_path / "locked.xlsx", PASSWORD)
    path = seven_zip(locked, tmp_path / "agenda.7z", PASSWORD)
    asked: list[int] = []

    def password() -> str:
        asked.append(1)
        return PASSWORD

    assert import_agenda(path, password=password).meeting["cases"][0]["victim"]["name"] == "Sarah JONES"
    assert asked == [1], "the password is asked for once"


def test_an_unprotected_zip_needs_no_password(tmp_path: Path, plain: Path) -> None:
    path = aes_zip(plain, tmp_path / "agenda.zip", None)
    assert import_agenda(path).meeting["cases"][0]["victim"]["name"] == "Sarah JONES"


def test_an_archive_of_two_agendas_is_refused_rather_than_picking_one(tmp_path: Path, plain: Path) -> None:
    import pyzipper

    path = tmp_path / "two.zip"
    with pyzipper.AESZipFile(path, "w") as archive:
        archive.write(plain, "a.xlsx")
        archive.write(plain, "b.xlsx")
    result = marac("import", path)
    assert result.exit_code == 2
    assert "must hold exactly one agenda file" in result.stderr


def test_odd_headings_are_mapped_once_and_the_mapping_is_reused(tmp_path: Path) -> None:
    rows = [TITLE, ["Our no.", "Adult at risk", "Born", "Person harming", "Kids in home"],
            ["ST-1", "Sarah JONES", "14/03/1991", "Mark JONES", "Lily JONES 22/05/2019"]]
    path = xlsx(tmp_path / "odd.xlsx", rows)
    first = import_agenda(path)
    assert "Person harming" not in first.mapping  # not a heading the synonym table knows
    mapping = tmp_path / "area.mapping.yaml"
    mapping.write_text("Our no.: ref\nAdult at risk: victim.name\nBorn: victim.dob\n"
                       "Person harming: perpetrator.name\nKids in home: children.name\n")
    again = import_agenda(path, mapping=load_mapping(mapping))
    case = again.meeting["cases"][0]
    assert case["ref"] == "ST-1"
    assert case["perpetrator"] == {"name": "Mark JONES"}
    assert case["children"] == [{"name": "Lily JONES", "dob": "2019-05-22"}]


def test_the_mapping_written_beside_the_output_reads_the_agenda_the_same_way(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "a.xlsx", [TITLE, ["Ref", "Victim", "DOB", "Perpetrator", "DOB"],
                                      ["ST-1", "Sarah JONES", "14/03/1991", "Mark JONES", "01/07/1988"]])
    out = tmp_path / "m.yaml"
    assert marac("import", path, "-o", out).exit_code == 0
    written = yaml.safe_load((tmp_path / "m.mapping.yaml").read_text())
    assert written["DOB"] == ["victim.dob", "perpetrator.dob"]
    again = marac("import", path, "--mapping", tmp_path / "m.mapping.yaml", "-o", tmp_path / "m2.yaml")
    assert again.exit_code == 0, again.stderr
    assert (tmp_path / "m2.yaml").read_text() == out.read_text()


def test_on_a_terminal_the_password_is_asked_for_with_hidden_input_only_when_needed(
        tmp_path: Path, plain: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import click

    from marac_core.cli.agenda import password_from

    asked: list[dict] = []

    def prompt(text: str, **options: object) -> str:
        asked.append(options)
        return PASSWORD

    monkeypatch.setattr(click, "prompt", prompt)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    import_agenda(plain, password=password_from(None))
    assert asked == [], "an unprotected agenda asks for nothing"
    locked = encrypted(plain, tmp_path / "locked.xlsx", PASSWORD)
    assert import_agenda(locked, password=password_from(None)).meeting["cases"][0]["victim"]["name"] == "Sarah JONES"
    assert asked == [{"hide_input": True, "err": True}]
