"""Input that can never misdirect or lose a write (issue 12): each test is named for the harm it prevents.

Every refusal: exit 2, one line naming the file and field, nothing looked up, no state created.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from strict_harness import HERTS, RDASH, folder, marac, run, written

from marac_core.intake.attachments import read_attachment
from marac_core.intake.config import load_config
from marac_core.matching.decide import match_person
from marac_core.model.errors import InputError
from marac_core.model.meeting import Person
from marac_core.model.names import comma_reading, name_key, split_name
from marac_core.model.records import Candidate

VICTIM = "victim: {name: Sarah JONES, dob: 1991-03-14, nhs_number: \"9434765919\"}"


def refused(tmp_path: Path, text: str, *words: str, command: str = "plan") -> None:
    ran = run(command, tmp_path, text)
    assert ran.one_line_error("meeting.yaml", *words), (ran.code, ran.stderr)
    assert not ran.state.exists(), "state was created before the refusal"


# -- 1. identifiers and NHS numbers are evidence, never authority ----------------------------

def test_identifier_of_the_perpetrators_record_on_the_victim_goes_to_review_not_written(tmp_path: Path) -> None:
    text = RDASH.replace(VICTIM, VICTIM[:-1] + ", identifiers: {systmone: S1-9002}}")
    ran = run("apply", tmp_path, text, "--phase", "before")
    assert ran.code == 0, ran.stderr
    victim = [r for r in ran.json["obligations"] if r["case"] == "DN-0412" and r["role"] == "victim"]
    assert all(o["record"] != "S1-9002" for o in victim)
    plan = run("plan", tmp_path / "again", text, "--phase", "before").json
    review = next(r for r in plan["reviews"] if r["case"] == "DN-0412" and r["role"] == "victim")
    assert "record id given" in review["reason"] and "does not agree" in review["reason"]
    assert any("DN-0412 victim (systmone)" in w and "S1-9002" in w for w in plan["warnings"])
    # The perpetrator's record holds only what the unchanged meeting writes on it.
    normal = run("apply", tmp_path / "normal", RDASH, "--phase", "before")
    assert written(ran.state).get("systmone/S1-9002") == written(normal.state).get("systmone/S1-9002")
    assert "systmone/S1-9001" not in written(ran.state)  # the victim waits for the rep's review


def test_identifier_that_agrees_with_the_person_is_used(tmp_path: Path) -> None:
    text = RDASH.replace(VICTIM, VICTIM[:-1] + ", identifiers: {systmone: S1-9001}}")
    plan = run("plan", tmp_path, text, "--phase", "before").json
    assert {o["record"] for o in plan["obligations"] if o["case"] == "DN-0412" and o["role"] == "victim" and o["system"] == "systmone"} == {
        "S1-9001"}
    assert not [r for r in plan["reviews"] if r["case"] == "DN-0412" and r["role"] == "victim"]


def test_nhs_number_one_digit_off_does_not_lose_the_victim_it_searches_by_name_and_says_so(tmp_path: Path) -> None:
    plan = run("plan", tmp_path, RDASH.replace("9434765919", "9434765918"), "--phase", "before").json
    assert {o["record"] for o in plan["obligations"] if o["case"] == "DN-0412" and o["role"] == "victim" and o["system"] == "systmone"} == {
        "S1-9001"}
    assert any("DN-0412 victim (systmone)" in w and "check digit" in w for w in plan["warnings"])


def test_nhs_number_that_finds_nobody_falls_back_to_name_and_dob_and_never_silently_drops_the_victim(
        tmp_path: Path) -> None:
    # 9434765870 passes its check digit but is no one's: the victim's record (another NHS number)
    # is found by name and date of birth and shown for review, never silently "not known".
    plan = run("plan", tmp_path, RDASH.replace("9434765919", "9434765870"), "--phase", "before").json
    assert any("DN-0412 victim (systmone)" in w and "found no record" in w for w in plan["warnings"])
    review = next(r for r in plan["reviews"] if r["case"] == "DN-0412" and r["role"] == "victim")
    assert "S1-9001" in {c["record"] for c in review["candidates"]}


def test_mark_jones_comma_smith_is_never_confidently_matched_to_mark_smith() -> None:
    assert comma_reading("Mark JONES,SMITH") == "ambiguous"
    assert comma_reading("JONES, Sarah") == comma_reading("Jones, Sarah") == "surname_first"
    assert split_name("JONES, Sarah") == ("Sarah", "JONES")
    person = Person(name="Mark JONES,SMITH", dob="1988-07-01")
    smith = Candidate(record="R1", name="Mark Smith", dob="1988-07-01")
    assert match_person(person, [smith]).status == "review"
    assert match_person(person, [smith], "R1").status == "review"
    plain = Person(name="JONES, Sarah", dob="1991-03-14")
    assert match_person(plain, [Candidate(record="R2", name="Sarah Jones", dob="1991-03-14")]).status == "matched"


# -- 2. attachments stay inside the meeting's folder ---------------------------------------------

@pytest.mark.parametrize("minutes", ["../../../../etc/passwd", "/etc/passwd", "link-out.pdf", "minutes/../../x.pdf"])
def test_minutes_outside_the_meetings_folder_are_never_uploaded_or_emailed(tmp_path: Path, minutes: str) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside.pdf"
    outside.write_bytes(b"not the minutes")
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "link-out.pdf").symlink_to(outside)
    text = RDASH.replace("minutes: minutes/DN-2026-12-03.pdf", f"minutes: {json.dumps(minutes)}")
    refused(tmp_path, text, "cases[0].outcome.minutes", command="apply")


def test_an_attachment_swapped_for_a_symlink_after_the_check_is_not_read(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "minutes").mkdir()
    kept = tmp_path / "minutes" / "m.pdf"
    kept.write_bytes(b"%PDF minutes")
    secret = tmp_path.parent / f"{tmp_path.name}-secret"
    secret.write_bytes(b"someone else's file")
    assert read_attachment(tmp_path, "minutes/m.pdf") == b"%PDF minutes"
    import marac_core.intake.attachments as attachments

    checked = attachments.inside_folder

    def check_then_swap(folder: Path, attached: str) -> Path:
        real = checked(folder, attached)
        kept.unlink()
        kept.symlink_to(secret)  # between the check and the read
        return real

    monkeypatch.setattr(attachments, "inside_folder", check_then_swap)
    with pytest.raises(InputError, match="changed while being attached"):
        read_attachment(tmp_path, "minutes/m.pdf")


def test_a_folder_swapped_for_a_symlink_after_the_check_is_not_read(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "minutes").mkdir()
    (tmp_path / "minutes" / "m.pdf").write_bytes(b"%PDF minutes")
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    (elsewhere / "m.pdf").write_bytes(b"someone else's file")
    import marac_core.intake.attachments as attachments

    checked = attachments.inside_folder

    def check_then_swap(folder: Path, attached: str) -> Path:
        real = checked(folder, attached)
        os.rename(tmp_path / "minutes", tmp_path / "was-minutes")
        (tmp_path / "minutes").symlink_to(elsewhere)
        return real

    monkeypatch.setattr(attachments, "inside_folder", check_then_swap)
    with pytest.raises(InputError, match="changed while being attached"):
        read_attachment(tmp_path, "minutes/m.pdf")


# -- 3. nothing the rep wrote is silently dropped ---------------------------------------------------

def test_childen_misspelt_is_refused_so_the_children_never_vanish_from_the_plan(tmp_path: Path) -> None:
    text = RDASH.replace("    children:\n      - {name: Lily JONES, dob: 2019-05-22}",
                         "    childen:\n      - {name: Lily JONES, dob: 2019-05-22}")
    refused(tmp_path, text, "cases[0].childen", "unknown key", "did you mean children?")


@pytest.mark.parametrize(("old", "new", "field", "hint"), [
    ("    referring_agency: Police", "    refering_agency: Police", "cases[0].refering_agency", "referring_agency"),
    ("  area: Doncaster", "  area: Doncaster\n  arae: x", "meeting.arae", "area"),
    ("{name: Mark JONES, dob: 1988-07-01}", "{name: Mark JONES, dbo: 1988-07-01}", "cases[0].perpetrator.dbo", "dob"),
    ("      summary: Free text", "      sumary: Free text", "cases[0].outcome.sumary", "summary"),
    ("person: Sarah JONES}", "persn: Sarah JONES}", "cases[0].outcome.actions[0].persn", "person"),
])
def test_any_misspelt_key_is_refused_with_the_nearest_known_one(tmp_path: Path, old: str, new: str, field: str,
                                                                hint: str) -> None:
    assert old in RDASH
    refused(tmp_path, RDASH.replace(old, new, 1), field, f"did you mean {hint}?")


def test_an_action_for_a_misspelt_person_is_refused_naming_the_nearest_so_it_never_vanishes(tmp_path: Path) -> None:
    text = RDASH.replace("Sarah JONES, dob: 1991", "Jayden O'NEILL, dob: 1991").replace(
        "person: Sarah JONES}", "person: Jaden ONeill}")
    refused(tmp_path, text, "cases[0].outcome.actions[0].person", "Jaden ONeill", "did you mean Jayden O'NEILL?")


def test_an_action_naming_the_person_in_other_capitals_reaches_their_note(tmp_path: Path) -> None:
    text = RDASH.replace("Sarah JONES, dob: 1991", "Jayden O'NEILL, dob: 1991").replace(
        "person: Sarah JONES}", "person: JAYDEN O'NEILL}")
    assert name_key("Jayden O'NEILL") == name_key("JAYDEN O'NEILL") == name_key("O'Neill, Jayden")
    ran = run("check", tmp_path, text)
    assert ran.code == 0, ran.stderr


def test_an_outcome_child_named_differently_is_refused_so_the_childs_alert_never_waits_for_ever(
        tmp_path: Path) -> None:
    text = RDASH.replace("- {name: Lily JONES, in_contact: true}", "- {name: Lilly JONES, in_contact: true}")
    refused(tmp_path, text, "cases[0].outcome.children[0].name", "did you mean Lily JONES?")


def test_a_key_given_twice_is_refused_so_the_victim_never_gets_the_perpetrator_alert(tmp_path: Path) -> None:
    text = RDASH.replace("    perpetrator: {name: Mark JONES, dob: 1988-07-01}\n",
                         "    perpetrator: {name: Mark JONES, dob: 1988-07-01}\n"
                         "    perpetrator: {name: Sarah JONES, dob: 1991-03-14}\n")
    refused(tmp_path, text, "cases[0].perpetrator", "given twice")


def test_a_key_given_twice_in_json_is_refused(tmp_path: Path) -> None:
    meeting = tmp_path / "meeting.json"
    meeting.write_text('{"meeting": {"area": "Doncaster", "area": "Leeds", "date": "2026-12-03", '
                       '"procedure": "rdash"}, "cases": []}', encoding="utf-8")
    code, _, err = marac("check", meeting, "--on", "2026-12-01")
    assert code == 2 and "meeting.json" in err and "'area' given twice" in err


def test_the_same_child_listed_twice_is_refused_so_one_record_never_gets_two_alerts(tmp_path: Path) -> None:
    text = RDASH.replace("      - {name: Lily JONES, dob: 2019-05-22}\n",
                         "      - {name: Lily JONES, dob: 2019-05-22}\n      - {name: LILY JONES}\n")
    refused(tmp_path, text, "cases[0].children[1]", "listed twice")


def test_one_person_as_victim_and_perpetrator_is_refused_so_her_record_never_gets_both_alerts(
        tmp_path: Path) -> None:
    text = RDASH.replace("{name: Mark JONES, dob: 1988-07-01}", "{name: Sarah JONES, dob: 1991-03-14}")
    refused(tmp_path, text, "cases[0].perpetrator", "two roles")


def test_a_father_and_son_of_one_name_are_two_people_but_an_action_for_that_name_is_refused(
        tmp_path: Path) -> None:
    text = RDASH.replace("{name: Lily JONES, dob: 2019-05-22}", "{name: Mark JONES}").replace(
        "- {name: Lily JONES, in_contact: true}", "- {name: Mark JONES, in_contact: true}")
    assert run("check", tmp_path, text).code == 0
    refused(tmp_path / "b", text.replace("person: Sarah JONES}", "person: Mark JONES}"),
            "cases[0].outcome.actions[0].person", "2 people")


@pytest.mark.parametrize(("old", "new", "field", "words"), [
    ("date: 2026-12-03", "date: 1900-12-03", "meeting.date", "more than 5 years"),
    ("date: 2026-12-03", "date: 9999-12-03", "meeting.date", "more than 5 years"),
    ("{name: Lily JONES, dob: 2019-05-22}", "{name: Lily JONES, dob: 2027-05-22}", "cases[0].children[0].dob",
     "after the meeting"),
    ("dob: 1988-07-01", "dob: 1888-07-01", "cases[0].perpetrator.dob", "before 1900"),
])
def test_implausible_dates_are_refused_before_alerts_are_written_already_expired(
        tmp_path: Path, old: str, new: str, field: str, words: str) -> None:
    refused(tmp_path, RDASH.replace(old, new, 1), field, words, command="apply")


@pytest.mark.parametrize(("old", "new", "field", "words"), [
    ("{name: Mark JONES,", r'{name: "Mark\rJONES",', "cases[0].perpetrator.name", "carriage return"),
    ("{name: Mark JONES,", r'{name: "Mark\nJONES",', "cases[0].perpetrator.name", "line break"),
    ("{name: Mark JONES,", r'{name: "Mark\0JONES",', "cases[0].perpetrator.name", "NUL"),
    ("{name: Mark JONES,", r'{name: "Mark \e[31mJONES",', "cases[0].perpetrator.name", "escape"),
    ("ref: DN-0412", r'ref: "DN-\r\n0412"', "cases[0].ref", "carriage return"),
    ("text: Offer a mental", r'text: "Offer\u202e a mental', "cases[0].outcome.actions[0].text", "U+202E"),
])
def test_control_characters_in_names_refs_and_text_are_refused_before_any_write(
        tmp_path: Path, old: str, new: str, field: str, words: str) -> None:
    assert old in RDASH
    text = RDASH.replace(old, new, 1)
    if old.startswith("text:"):
        text = text.replace("mental health assessment,", 'mental health assessment",', 1)
    refused(tmp_path, text, field, words, command="apply")


def test_a_summary_over_several_lines_is_free_text_and_allowed(tmp_path: Path) -> None:
    text = RDASH.replace("      summary: Free text summary of the discussion.",
                         "      summary: |\n        First point.\n        Second point.")
    assert run("check", tmp_path, text).code == 0
    cr = RDASH.replace("summary: Free text summary of the discussion.", r'summary: "First point.\r\nSecond."')
    refused(tmp_path / "cr", cr, "cases[0].outcome.summary", "carriage return")


# -- 4. procedure-declared fields only -----------------------------------------------------------

def test_a_procedure_reads_only_the_extra_fields_it_declares(tmp_path: Path) -> None:
    assert run("check", tmp_path, HERTS).code == 0
    refused(tmp_path / "typo", HERTS.replace("assessment_team:", "assesment_team:"),
            "meeting.assesment_team", "did you mean assessment_team?")
    rdash = RDASH.replace("  coordinator:", "  assessment_team: {name: A, email: a@example.org}\n  coordinator:")
    refused(tmp_path / "rdash", rdash, "meeting.assessment_team", "unknown key")
    refused(tmp_path / "bad", HERTS.replace("{name: Assessment Team Stevenage,", "{nme: Assessment Team Stevenage,"),
            "meeting.assessment_team.nme", "did you mean name?")


def test_an_email_address_in_the_meeting_file_that_is_two_addresses_is_refused(tmp_path: Path) -> None:
    refused(tmp_path, RDASH.replace("email: marac@example.org}", "email: \"marac@example.org, x@else.example\"}"),
            "meeting.coordinator.email", "not a single valid email address")


# -- 5. addresses from a record system --------------------------------------------------------------

def test_a_workers_email_holding_two_addresses_is_never_sent_to_the_step_becomes_manual(tmp_path: Path) -> None:
    records = tmp_path / "records.yaml"
    from strict_harness import RECORDS

    records.write_text(RECORDS.read_text().replace("{name: Kim Patel, email: kim.patel@example.org}",
                                                   "{name: Kim Patel, email: 'kim.patel@example.org, "
                                                   "someone@else.example'}"))
    ran = run("apply", tmp_path, HERTS, records=records)
    assert ran.code == 0, ran.stderr
    held = written(ran.state)
    assert not [k for k in held if "someone@else.example" in k or "kim.patel" in k]
    tasks = [o for o in ran.json["obligations"] if o["action"] == "task" and "not a single valid email" in o["text"]]
    assert tasks and all(o["status"] == "manual" for o in tasks)


# -- 6. the records and config files ----------------------------------------------------------------

def test_a_records_file_with_an_empty_name_is_refused_before_the_sandbox_is_seeded(tmp_path: Path) -> None:
    records = tmp_path / "records.yaml"
    records.write_text("systmone:\n  - {id: S1-1, name: '', dob: 1990-01-01}\n", encoding="utf-8")
    ran = run("plan", tmp_path, RDASH, records=records)
    assert ran.one_line_error("records.yaml", "systmone[0].name", "empty") and not ran.state.exists()


def test_a_misspelt_key_in_the_records_file_is_refused(tmp_path: Path) -> None:
    records = tmp_path / "records.yaml"
    records.write_text("systmone:\n  - {id: S1-1, name: Amy Lee, nhs_numbr: '9434765919'}\n", encoding="utf-8")
    ran = run("plan", tmp_path, RDASH, records=records)
    assert ran.one_line_error("records.yaml", "systmone[0].nhs_numbr", "did you mean nhs_number?")
    assert not ran.state.exists()


@pytest.mark.parametrize("key", ["api_key", "apiKey", "token", "access_token", "client_secret", "smtp_password"])
def test_a_secret_looking_config_key_is_refused_so_secrets_stay_in_the_keyring(tmp_path: Path, key: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[systems.systmone]\nbase_url = "https://fhir.example.nhs.uk"\n{key} = "x"\n')
    with pytest.raises(InputError, match=rf"systems\.systmone\.{key}: looks like a secret.*keyring"):
        load_config(config)


def test_a_misspelt_config_section_is_refused_with_the_nearest(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[sytems.systmone]\nbase_url = "https://fhir.example.nhs.uk"\n')
    with pytest.raises(InputError, match=r"sytems: unknown key \(did you mean systems\?\)"):
        load_config(config)


def test_the_demo_meetings_pass_the_strict_reading(tmp_path: Path) -> None:
    for text in (RDASH, HERTS):
        ran = run("check", tmp_path, text)
        assert ran.code == 0, ran.stderr


def test_nothing_is_looked_up_for_a_refused_meeting(tmp_path: Path) -> None:
    # The sandbox is never started: no state directory and no emulator data.
    meeting = folder(tmp_path, RDASH.replace("children:", "childen:", 1))
    code, _, err = marac("apply", meeting, "--sandbox", tmp_path / "absent-records.yaml", "--state", tmp_path / "s")
    assert code == 2 and "childen" in err and not (tmp_path / "s").exists()


def test_one_record_id_given_for_two_people_is_refused_so_neither_gets_the_others_alert(tmp_path: Path) -> None:
    text = RDASH.replace(VICTIM, VICTIM[:-1] + ", identifiers: {systmone: S1-9002}}").replace(
        "{name: Mark JONES, dob: 1988-07-01}", "{name: Mark JONES, dob: 1988-07-01, identifiers: {systmone: S1-9002}}")
    refused(tmp_path, text, "cases[0].perpetrator", "two roles")


def test_a_record_id_that_is_not_found_falls_back_to_the_search_and_the_plan_says_so(tmp_path: Path) -> None:
    text = RDASH.replace(VICTIM, VICTIM[:-1] + ", identifiers: {systmone: S1-0000}}")
    plan = run("plan", tmp_path, text, "--phase", "before").json
    assert {o["record"] for o in plan["obligations"]
            if o["case"] == "DN-0412" and o["role"] == "victim" and o["system"] == "systmone"} == {"S1-9001"}
    assert any("S1-0000" in w and "not found" in w for w in plan["warnings"])


def test_an_error_message_never_carries_a_control_character_to_the_terminal() -> None:
    assert str(InputError("a\nb.yaml", "bad \x1b[31mred", "f")) == "a\\nb.yaml: f: bad \\x1b[31mred"


def test_case_and_outcome_fields_a_procedure_declares_are_read_and_others_refused(tmp_path: Path) -> None:
    from pydantic import BaseModel, ConfigDict

    from marac_core.api import extra_fields
    from marac_core.intake.meeting_file import parse_meeting, read_meeting_data
    from marac_core.model.meeting import DeclaredFields

    class CaseFields(BaseModel):
        model_config = ConfigDict(extra="forbid")
        assessment_team: str | None = None

    class OutcomeFields(BaseModel):
        model_config = ConfigDict(extra="forbid")
        strategy_meeting: bool = False

    declared = DeclaredFields(case=CaseFields, outcome=OutcomeFields)
    text = RDASH.replace("    referring_agency: Police\n", "    referring_agency: Police\n    assessment_team: North\n")
    text = text.replace("      summary: Free text", "      strategy_meeting: true\n      summary: Free text")
    meeting = parse_meeting(folder(tmp_path, text), read_meeting_data(tmp_path / "meeting.yaml"), declared)
    case = meeting.cases[0]
    assert extra_fields(case).assessment_team == "North"  # type: ignore[union-attr]
    assert extra_fields(case.outcome).strategy_meeting is True  # type: ignore[arg-type, union-attr]
    assert extra_fields(meeting.cases[1]).assessment_team is None  # type: ignore[union-attr]
    assert extra_fields(meeting.meeting) is None  # declares no meeting fields
    typo = folder(tmp_path / "t", text.replace("assessment_team: North", "assesment_team: North"))
    with pytest.raises(InputError, match=r"meeting\.yaml: cases\[0\]\.assesment_team: unknown key "
                                         r"\(did you mean assessment_team\?\)"):
        parse_meeting(typo, read_meeting_data(typo), declared)
    wrong = folder(tmp_path / "w", text.replace("strategy_meeting: true", "strategy_meeting: perhaps"))
    with pytest.raises(InputError, match=r"cases\[0\]\.outcome\.strategy_meeting"):
        parse_meeting(wrong, read_meeting_data(wrong), declared)
