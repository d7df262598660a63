"""Dudley children's community health, Safeguarding Children SOP 3 (MARAC): a test (or more) per paragraph.

Each test is named after the paragraph of the SOP it proves ("why", "who", "when (1)-(3)", "filing");
docs/procedures.md gives the choices made where the text is ambiguous. Planned with the procedure
harness of marac_core.testing (no systems), except the end-to-end test of the attachments.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from marac_core.api import Obligation
from marac_core.builtin import dudley_childrens_health as dudley
from marac_core.cli.demo import bundled
from marac_core.cli.main import main
from marac_core.testing import (
    FAILED,
    MANUAL,
    REVIEW,
    ProcedureHarness,
    assert_complete,
    assert_none,
    meeting,
    one,
    only,
    record,
)

SYSTEM = "systmone"
HARNESS = ProcedureHarness(dudley.PROCEDURE)
HV = "hv.lee@example.nhs.uk"
CASE: dict[str, Any] = {
    "ref": "DY-0301",
    "victim": {"name": "Sarah JONES", "dob": "1991-03-14"},
    "perpetrator": {"name": "Mark JONES", "dob": "1988-07-01"},
    "children": [{"name": "Lily JONES", "dob": "2019-05-22"}, {"name": "Tom JONES", "dob": "2016-02-02"}],
    "part_a": "forms/DY-0301-part-a.pdf",
}
FOUND = {
    ("Lily JONES", SYSTEM): record("S1-31", "Lily Jones", worker=HV),
    ("Tom JONES", SYSTEM): record("S1-32", "Tom Jones", worker=HV),
}
OUTCOME = {
    "summary": "Discussed.",
    "actions": [
        {"agency": "Health Visiting", "text": "Increase contacts to fortnightly", "person": "Lily JONES"},
        {"agency": "School Nursing", "text": "Offer drop-in sessions"},
        {"agency": "Police", "text": "Attend address", "person": "Sarah JONES"},
    ],
    "part_b": "forms/DY-0301-part-b.pdf",
}
DATE = "3 December 2026"


def plan(cases: list[dict[str, Any]], phase: str, found: dict | None = None, **options: Any) -> list[Obligation]:
    obligations = HARNESS.plan(meeting(cases, area="Dudley"), phase,  # type: ignore[arg-type]
                               FOUND if found is None else found, **options)
    assert_complete(obligations)  # each obligation has what its action needs
    return obligations


def with_outcome(**changes: Any) -> dict[str, Any]:
    return {**CASE, "outcome": {**OUTCOME, **changes}}


# -- "Who does the procedure apply to": children's practitioners, the child health record ----------------

def test_who_the_children_are_looked_up_in_the_child_health_record_not_the_adults() -> None:
    parsed = HARNESS.context(meeting([CASE], area="Dudley"), "before").meeting
    looked_up = [(listed.person.name, system) for listed, system in dudley.PROCEDURE.people(parsed, "before")]
    assert looked_up == [("Lily JONES", SYSTEM), ("Tom JONES", SYSTEM)]


def test_who_a_victim_under_18_is_a_child_to_childrens_health_too() -> None:
    young = {**CASE, "victim": {"name": "Amy SMITH", "dob": "2010-01-01"}, "children": []}
    parsed = HARNESS.context(meeting([young], area="Dudley"), "before").meeting
    assert [listed.role for listed, _ in dudley.PROCEDURE.people(parsed, "before")] == ["victim"]


def test_who_no_record_is_touched_for_a_child_unknown_closed_or_in_review() -> None:
    closed = {("Lily JONES", SYSTEM): record("S1-31", "Lily Jones", open=False), ("Tom JONES", SYSTEM): REVIEW}
    for phase in ("before", "after"):
        for found in ({}, closed):
            # Only the recommendations remain ("when" (3)): agreed for the trust whoever holds the child.
            rules = {o.rule for o in plan([with_outcome()], phase, found)}
            assert rules <= {"dudley SOP3 when (3) recommendations"}, rules


def test_who_a_failed_lookup_plans_nothing_for_that_child_and_others_go_on() -> None:
    found = {**FOUND, ("Tom JONES", SYSTEM): FAILED}
    obligations = plan([CASE], "before", found)
    assert_none(obligations, person="Tom JONES")
    assert only(obligations, person="Lily JONES")


# -- "When" (2): the MARAC Notification Form Part A, before the meeting -------------------------------------

def test_when_2_part_a_is_answered_from_the_child_health_record_before_the_meeting() -> None:
    task = one(plan([CASE], "before"), rule="dudley SOP3 when (2) Part A", person="Lily JONES")
    assert task.action == "task" and "MARAC Notification Form Part A" in task.text
    assert "Child Health Record" in task.text
    assert task.due is not None and task.due.isoformat() == "2026-12-03T10:00:00+00:00"


# -- "The entire document (Part A and B) will be filed in the Child Health Record" ---------------------------

def test_filing_part_a_goes_into_each_childs_record_before_the_meeting() -> None:
    obligations = plan([CASE], "before")
    uploads = only(obligations, rule="dudley SOP3 filing Part A")
    assert {(u.record, tuple(u.attachments)) for u in uploads} == {
        ("S1-31", ("forms/DY-0301-part-a.pdf",)), ("S1-32", ("forms/DY-0301-part-a.pdf",))}
    assert all(u.action == "upload_document" and u.system == SYSTEM and u.waiting_for is None for u in uploads)
    assert uploads[0].title == f"MARAC Notification Form Part A: Dudley MARAC {DATE}"


def test_filing_part_a_waits_for_the_form_until_the_meeting_file_gives_it() -> None:
    without = {k: v for k, v in CASE.items() if k != "part_a"}
    upload = one(plan([without], "before"), rule="dudley SOP3 filing Part A", person="Lily JONES")
    assert upload.attachments == [] and upload.waiting_for is not None and "cases[].part_a" in upload.waiting_for


def test_filing_part_b_goes_into_each_childs_record_by_the_next_working_day() -> None:
    uploads = only(plan([with_outcome()], "after"), rule="dudley SOP3 filing Part B")
    assert {u.record for u in uploads} == {"S1-31", "S1-32"}
    assert all(u.attachments == ["forms/DY-0301-part-b.pdf"] for u in uploads)
    assert uploads[0].due is not None and uploads[0].due.isoformat() == "2026-12-04T17:00:00+00:00"


def test_filing_part_b_waits_for_the_form() -> None:
    for case in (CASE, with_outcome(part_b=None)):
        upload = one(plan([case], "after"), rule="dudley SOP3 filing Part B", person="Lily JONES")
        assert upload.attachments == [] and "cases[].outcome.part_b" in (upload.waiting_for or "")


def test_filing_a_form_from_outside_the_meetings_folder_is_refused() -> None:
    for outside in ("/etc/passwd", "../other-meeting/part-b.pdf", "C:\\Users\\rep\\part-b.pdf"):
        with pytest.raises(ValueError, match="meeting's folder"):
            dudley.OutcomeFields(part_b=outside)
        with pytest.raises(ValueError, match="meeting's folder"):
            dudley.CaseFields(part_a=outside)


def test_filing_a_mistyped_form_field_is_refused_not_dropped() -> None:
    with pytest.raises(ValueError, match="part_bb"):
        dudley.OutcomeFields.model_validate({"part_bb": "forms/x.pdf"})


# -- "Why we have a procedure": Part B shared with the trust's practitioners involved with the child ---------

def test_why_part_b_is_shared_once_with_the_practitioner_involved_with_the_children() -> None:
    email = one(plan([with_outcome()], "after"), rule="dudley SOP3 why: shared", action="email")
    assert email.to == [HV] and email.attachments == ["forms/DY-0301-part-b.pdf"]
    assert email.title == f"MARAC {DATE}: MARAC Form Part B (case DY-0301)"
    assert "- Lily JONES\n- Tom JONES" in email.text and "do not share it with the family" in email.text
    assert email.due is not None and email.due.isoformat() == "2026-12-04T17:00:00+00:00"


def test_why_part_b_goes_as_its_own_archive_with_a_password_email_worded_for_it() -> None:
    email = one(plan([with_outcome()], "after"), rule="dudley SOP3 why: shared", action="email")
    protected = dudley.PROCEDURE.protected(email)
    assert protected.archive == "MARAC-Part-B.zip"
    assert protected.notice(email.title or "", "pw") == (
        "The password for the MARAC Form Part B sent in a separate message is: pw")


def test_why_without_a_practitioners_email_part_b_goes_to_the_configured_mailbox_or_is_a_task() -> None:
    no_email = {("Lily JONES", SYSTEM): record("S1-31", "Lily Jones", worker=None)}
    task = one(plan([with_outcome()], "after", no_email), rule="dudley SOP3 why: shared")
    assert task.action == "task" and "by hand" in task.text
    email = one(plan([with_outcome()], "after", no_email, settings={"practitioners_mailbox": "0-19@example.nhs.uk"}),
                rule="dudley SOP3 why: shared")
    assert email.action == "email" and email.to == ["0-19@example.nhs.uk"]


def test_why_the_share_waits_for_part_b() -> None:
    email = one(plan([with_outcome(part_b=None)], "after"), rule="dudley SOP3 why: shared", action="email")
    assert email.attachments == [] and "MARAC Form Part B" in (email.waiting_for or "")


# -- "When" (3): Part B's recommendations for further action -------------------------------------------------

def test_when_3_each_recommendation_for_the_trusts_practitioners_is_a_task_once() -> None:
    tasks = only(plan([with_outcome()], "after"), rule="dudley SOP3 when (3) recommendations")
    assert sorted((t.person or "", t.text) for t in tasks) == [
        ("", "Recommendation from the MARAC Form Part B (School Nursing): Offer drop-in sessions"),
        ("Lily JONES", "Recommendation from the MARAC Form Part B for Lily JONES (Health Visiting): "
                       "Increase contacts to fortnightly"),
    ]


def test_when_3_a_recommendation_with_a_due_date_is_due_at_its_end_of_day() -> None:
    actions = [{"agency": "Health Visiting", "text": "Visit", "due": "2026-12-10"}]
    task = one(plan([with_outcome(actions=actions)], "after"), rule="dudley SOP3 when (3) recommendations")
    assert task.due is not None and task.due.isoformat() == "2026-12-10T17:00:00+00:00"


def test_when_3_which_agencies_are_the_trusts_is_a_setting() -> None:
    actions = [{"agency": "0-19 Service", "text": "Review"}]
    assert not only(plan([with_outcome(actions=actions)], "after"), rule="dudley SOP3 when (3) recommendations")
    tasks = only(plan([with_outcome(actions=actions)], "after", settings={"trust_agencies": r"0-19"}),
                 rule="dudley SOP3 when (3) recommendations")
    assert len(tasks) == 1


def test_when_3_a_setting_that_is_not_a_regular_expression_is_refused() -> None:
    with pytest.raises(ValueError, match="not a regular expression"):
        dudley.Settings(trust_agencies="(health")


def test_when_3_part_b_is_shared_within_the_configured_working_days_skipping_bank_holidays() -> None:
    upload = one(plan([with_outcome()], "after", settings={"share_within_working_days": 2}),
                 rule="dudley SOP3 filing Part B", person="Lily JONES")
    assert upload.due is not None and upload.due.isoformat() == "2026-12-07T17:00:00+00:00"  # Thu -> Mon
    christmas = HARNESS.plan(meeting([with_outcome()], area="Dudley", date="2026-12-24"), "after", FOUND)
    upload = one(christmas, rule="dudley SOP3 filing Part B", person="Lily JONES")
    assert upload.due is not None and upload.due.isoformat() == "2026-12-29T17:00:00+00:00"


# -- "When" (1): a referral the practitioner makes ------------------------------------------------------------

def test_when_1_a_referral_made_by_the_trust_adds_nothing_to_the_plan() -> None:
    referred = {**CASE, "referring_agency": "Health Visiting"}
    assert [o.rule for o in plan([referred], "before")] == [o.rule for o in plan([CASE], "before")]


# -- the kit: the public API only, manual mode, no adapter, stable ids ---------------------------------------

def test_the_procedure_imports_marac_only_through_the_public_api() -> None:
    tree = ast.parse(Path(dudley.__file__).read_text(encoding="utf-8"))
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert {m for m in modules if m.startswith("marac_core")} == {"marac_core.api"}


def test_in_manual_mode_each_step_says_to_find_the_record_by_hand() -> None:
    upload = one(plan([CASE], "before", {("Lily JONES", SYSTEM): MANUAL}), rule="dudley SOP3 filing Part A")
    assert upload.record is None and "look them up by hand" in (upload.model_extra or {})["condition"]


def test_with_no_systmone_adapter_each_child_is_a_manual_lookup() -> None:
    obligations = plan([CASE], "before", installed={"email"})
    assert [o.person for o in obligations] == ["Lily JONES", "Tom JONES"]
    assert all(o.rule == "dudley-childrens-health: look-up" for o in obligations)


def test_ids_are_stable_across_plans() -> None:
    for phase in ("before", "after"):
        assert [o.id for o in plan([with_outcome()], phase)] == [o.id for o in plan([with_outcome()], phase)]


# -- end to end: settings from the config file, the archive and password email through the sandbox ---------

def test_part_b_goes_by_email_as_its_own_archive_through_the_whole_runner(tmp_path: Path) -> None:
    (tmp_path / "forms").mkdir()
    shutil.copy(bundled() / "minutes" / "DN-2026-12-03.pdf", tmp_path / "forms" / "part-b.pdf")
    meeting_file = tmp_path / "meeting.yaml"
    meeting_file.write_text(textwrap.dedent("""
        meeting: {area: Dudley, date: 2026-12-03, time: "10:00", procedure: dudley-childrens-health}
        cases:
          - ref: DY-0301
            victim: {name: Sarah JONES, dob: 1991-03-14}
            children: [{name: Lily JONES, dob: 2019-05-22}]
            outcome: {summary: Discussed., part_b: forms/part-b.pdf}
    """), encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text('[procedures.dudley-childrens-health]\npractitioners_mailbox = "0-19@example.nhs.uk"\n',
                      encoding="utf-8")
    state = tmp_path / "state"
    result = CliRunner().invoke(main, ["apply", str(meeting_file), "--sandbox", str(bundled() / "records.yaml"),
                                       "--state", str(state), "--config", str(config), "--on", "2026-12-03",
                                       "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    done = {o["rule"]: o["status"] for o in json.loads(result.stdout)["obligations"]}
    assert done["dudley SOP3 why: shared"] == "done" and done["dudley SOP3 filing Part B"] == "done"
    dumped = CliRunner().invoke(main, ["sandbox", "dump", "--state", str(state), "--json"], catch_exceptions=False)
    messages = json.loads(dumped.stdout)["email"]["messages"]
    part_b = one_message(messages, lambda m: m["attachments"])
    assert part_b["attachments"] == ["MARAC-Part-B.zip"] and part_b["to"] == ["0-19@example.nhs.uk"]
    notice = one_message(messages, lambda m: " ".join(m["subject"].split()).endswith(": password"))
    assert notice["body"].startswith("The password for the MARAC Form Part B sent in a separate message is: ")


def test_a_mistyped_setting_in_the_config_file_is_refused_before_anything_is_looked_up(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[procedures.dudley-childrens-health]\npractitioner_mailbox = "0-19@example.nhs.uk"\n',
                      encoding="utf-8")
    meeting_file = tmp_path / "meeting.yaml"
    meeting_file.write_text("meeting: {area: Dudley, date: 2026-12-03, procedure: dudley-childrens-health}\n"
                            "cases: [{ref: DY-1, victim: {name: Sarah JONES}}]\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["plan", str(meeting_file), "--sandbox", str(bundled() / "records.yaml"),
                                       "--state", str(tmp_path / "state"), "--config", str(config)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"marac: {config}: procedures.dudley-childrens-health.practitioner_mailbox: "
                                     "unknown key (did you mean practitioners_mailbox?)")
    assert not (tmp_path / "state").exists()


def one_message(messages: list[dict[str, Any]], wanted: Any) -> dict[str, Any]:
    found = [m for m in messages if wanted(m)]
    assert len(found) == 1, [m["subject"] for m in messages]
    return found[0]


def test_the_meeting_date_used_here_is_a_thursday() -> None:
    # The working-day expectations above (Thu 3 Dec 2026 -> Fri 4, Mon 7) rest on this.
    assert dt.date(2026, 12, 3).weekday() == 3


@pytest.mark.parametrize(("where", "written", "said"), [
    ("part_a", "forms/missing.pdf", "file not found"),
    ("part_a", "forms/elsewhere.pdf", "resolves outside the meeting file's folder"),
    ("outcome.part_b", "forms/elsewhere.pdf", "resolves outside the meeting file's folder"),
])
def test_filing_a_form_outside_the_meetings_folder_or_missing_is_refused_before_anything_is_looked_up(
        tmp_path: Path, where: str, written: str, said: str) -> None:
    # Harm prevented: a file from elsewhere on the machine (through a symlink) filed in a child's
    # record, or a missing form found only at apply, after the steps before it were carried out.
    folder = tmp_path / "meeting"
    (folder / "forms").mkdir(parents=True)
    secret = tmp_path / "not-for-the-record.txt"
    secret.write_text("elsewhere")
    (folder / "forms" / "elsewhere.pdf").symlink_to(secret)
    case: dict[str, Any] = {"ref": "DY-0301", "victim": {"name": "Sarah JONES", "dob": "1991-03-14"},
                            "children": [{"name": "Lily JONES", "dob": "2019-05-22"}],
                            "outcome": {"summary": "Discussed."}}
    if where == "part_a":
        case["part_a"] = written
    else:
        case["outcome"]["part_b"] = written
    meeting_file = folder / "meeting.yaml"
    meeting_file.write_text(json.dumps({"meeting": {"area": "Dudley", "date": "2026-12-03",
                                                    "procedure": "dudley-childrens-health"}, "cases": [case]}))
    state = tmp_path / "state"
    result = CliRunner().invoke(main, ["plan", str(meeting_file), "--sandbox", str(bundled() / "records.yaml"),
                                       "--state", str(state), "--on", "2026-12-03"])
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and f"cases[0].{where}" in line and said in line
    assert not state.exists()
