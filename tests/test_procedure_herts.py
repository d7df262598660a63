"""Hertfordshire children's services MARAC tasks: one test (or more) per paragraph asking for a record or email action.

Each test is named after the section of the guidance it proves. Plans are made by the harness (no
systems, no HTTP): ``found`` gives each person's LCS and EHM answers directly.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from marac_core.api import Obligation
from marac_core.builtin import herts_childrens as herts
from marac_core.testing import FAILED, REVIEW, ProcedureHarness, assert_complete, only, record
from marac_core.testing import meeting as base_meeting

HERTS_TEXT = (Path(__file__).parent / "procedure_texts" / "hertfordshire-childrens-services-marac.txt").read_text(
    encoding="utf-8")
# LCS, EHM, email and Livelink each have an adapter unless a test says otherwise.
HARNESS = ProcedureHarness(herts.PROCEDURE, installed={"lcs", "ehm", "email", "livelink"})

AREA = "Watford and St Albans"
DATE = "3 December 2026"
KIM, KIM_TM = "kim.patel@example.org", "jo.reed@example.org"
ANN = "ann.lee@example.org"
IAN = "ian.ifst@example.org"

CASE = {
    "ref": "WA-0101",
    "victim": {"name": "Sarah JONES", "dob": "1991-03-14"},
    "perpetrator": {"name": "Mark JONES", "dob": "1988-07-01"},
    "children": [
        {"name": "Lily JONES", "dob": "2019-05-22"},   # open on LCS (Assessment)
        {"name": "Tom JONES", "dob": "2016-02-02"},    # open on EHM only (Early Intervention)
        {"name": "Ivy JONES", "dob": "2014-09-09"},    # open to IFST on LCS
        {"name": "Ned JONES", "dob": "2012-01-01"},    # has an LCS record, not open
        {"name": "Zoe JONES", "dob": "2024-04-04"},    # no record anywhere
    ],
}
FOUND: dict[tuple[str, str], Any] = {
    ("Lily JONES", "lcs"): record("LCS-1", "Lily Jones", team="Assessment", worker=KIM, manager=KIM_TM),
    ("Tom JONES", "ehm"): record("EHM-2", "Tom Jones", team="Early Intervention", worker=ANN, manager=None),
    ("Ivy JONES", "lcs"): record("LCS-3", "Ivy Jones", team="IFST North", worker=IAN),
    ("Ned JONES", "lcs"): record("LCS-4", "Ned Jones", open=False, worker=None, manager=None),
}
OUTCOME = {
    "summary": "Risk discussed; safety planning with IDVA.",
    "risk_factors": ["Threats to kill"],
    "actions": [
        {"agency": "Children's Services", "text": "Social worker to visit", "due": "2026-12-10",
         "person": "Lily JONES"},
        {"agency": "Police", "text": "Attend address"},
    ],
    "minutes": "minutes/WA-2026-12-03.pdf",
}
LCS_STATEMENT = (
    "Please note that the above information is confidential and must not be shared with anybody including "
    "the family; the perpetrator cannot know they were discussed at the MARAC. If you feel it necessary for "
    "safeguarding purposes to use information, then you must first obtain consent directly from the agency "
    "that provided the information (i.e. IDVA, Probation, and Police) or consent from the MARAC chair. If you "
    "need contact details for professionals who attended MARAC please contact the MARAC coordinator "
    "(marac@example.org) for further information."
)
EARLY_HELP_STATEMENT = (
    "Please find attached MARAC minutes, (which are password protected). Please note that the minutes are "
    "confidential and must not be shared with anybody including the family; the perpetrator cannot know they "
    "were discussed at the MARAC. If you feel it necessary for safeguarding purposes to use information within "
    "the minutes, then you must first obtain consent directly from the agency that provided the information "
    "(i.e. IDVA, Probation, and Police) or consent from the MARAC chair. If you need contact details for "
    "professionals who attended MARAC please contact the MARAC coordinator (marac@example.org) for further "
    "information. Please now upload the full minutes onto Livelink."
)
LILY_SUMMARY = ("Summary: Risk discussed; safety planning with IDVA.\n"
                "Actions:\n- Social worker to visit (due 10/12/2026)")


def meeting(cases: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return base_meeting(cases, **{"area": AREA, "representative": {"name": "A Rep", "email": "a.rep@example.org"},
                                  **extra})


def case(**changes: Any) -> dict[str, Any]:
    return {**CASE, **changes}


def with_outcome(**changes: Any) -> dict[str, Any]:
    return case(outcome={**OUTCOME, **changes})


def only_child(name: str, **changes: Any) -> dict[str, Any]:
    """The case with one of its children only (and no outcome entries naming the others: they are no people of it)."""
    others = {c["name"] for c in CASE["children"] if c["name"] != name}
    outcome = changes.get("outcome")
    if isinstance(outcome, dict):
        changes["outcome"] = {**outcome,
                              "actions": [a for a in outcome.get("actions", []) if a.get("person") not in others],
                              "children": [c for c in outcome.get("children", []) if c.get("name") not in others]}
    return case(children=[c for c in CASE["children"] if c["name"] == name], **changes)


def herts_plan(cases: list[dict[str, Any]], phase: str, found: dict[tuple[str, str], Any] | None = None,
               **options: Any) -> list[Obligation]:
    obligations = HARNESS.plan(meeting(cases, **options.pop("meeting", {})), phase,  # type: ignore[arg-type]
                               FOUND if found is None else found, **options)
    assert_complete(obligations)  # every obligation can be carried out as planned
    return obligations


def keys(obligations: list[Obligation]) -> Counter[tuple[str, str | None, str, str | None, str]]:
    """What a rep sees: which rule, for whom, in which system and record, doing what."""
    return Counter((o.rule, o.person, o.system, o.record, o.action) for o in obligations)


def local(day: str, hour: int, minute: int = 0) -> dt.datetime:
    """A UK wall-clock time."""
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=ZoneInfo("Europe/London"))


# -- mandated wording, against the guidance's own text -----------------------------------------------

def test_herts_3_case_note_layout_is_reproduced_exactly() -> None:
    assert f"LCS Case note title ‘{herts.BEFORE_NOTE_TITLE}.’ {herts.BEFORE_NOTE_REASON} " in HERTS_TEXT
    assert f"In detailed notes, put the following: “{herts.BEFORE_NOTE_DETAIL}”." in HERTS_TEXT
    # Curly apostrophes, as in the source.
    assert "Children’s Services" in herts.BEFORE_NOTE_DETAIL and "this month’s MARAC" in herts.BEFORE_NOTE_DETAIL


def test_herts_5_1_statement_is_reproduced_exactly() -> None:
    assert f"the following statement needs to be added:\n“{herts.LCS_STATEMENT}”\n" in HERTS_TEXT


def test_herts_5_2_statement_is_reproduced_exactly() -> None:
    assert f"with the below statement:\n“{herts.EARLY_HELP_STATEMENT}”\n" in HERTS_TEXT


@pytest.mark.parametrize("statement", [herts.LCS_STATEMENT, herts.EARLY_HELP_STATEMENT])
def test_herts_5_coordinator_address_goes_in_the_empty_parenthesis_only_when_known(statement: str) -> None:
    assert herts.with_coordinator(statement, None) == statement
    filled = herts.with_coordinator(statement, "marac@example.org")
    assert filled == statement.replace("coordinator ( for", "coordinator (marac@example.org) for")
    assert filled.count("(marac@example.org)") == 1


# -- §2 and §4: nothing for the rep to record ----------------------------------------------------------

def test_herts_2_and_4_ask_nothing_of_the_rep_in_a_record_system() -> None:
    rules: set[str] = set()
    for phase in ("before", "after", "followup"):
        rules |= {o.rule for o in herts_plan([with_outcome()], phase)}
    assert not [r for r in rules if r.startswith(("herts §2", "herts §4"))]
    assert rules <= {"herts §1", "herts §3 (2)", "herts §3 (3)", "herts §3 (4)", "herts §5 (1)", "herts §5 (2)",
                     "herts §5 (3)", "herts §6 (1)", "herts §6 (2)", "herts §6 (3)"}


# -- §3: before the meeting --------------------------------------------------------------------------

def test_herts_3_before_the_meeting_exactly_per_child() -> None:
    obligations = herts_plan([CASE], "before")
    assert keys(obligations) == Counter({
        ("herts §3 (3)", "Lily JONES", "lcs", "LCS-1", "case_note"): 1,
        ("herts §3 (3)", "Tom JONES", "ehm", "EHM-2", "case_note"): 1,
        ("herts §3 (3)", "Ivy JONES", "lcs", "LCS-3", "case_note"): 1,
        ("herts §3 (3)", None, "email", None, "email"): 3,   # one per allocated worker
        ("herts §3 (2)", "Ned JONES", "manual", None, "task"): 1,
        ("herts §3 (2)", "Zoe JONES", "manual", None, "task"): 1,
        ("herts §3 (4)", None, "manual", None, "task"): 1,
    })
    assert sorted(tuple(o.to) for o in only(obligations, action="email")) == [(ANN,), (IAN,), (KIM,)]
    assert all(o.due == local("2026-12-03", 10) for o in obligations)
    assert all(o.waiting_for is None for o in obligations)


def test_herts_3_adults_on_the_agenda_are_not_looked_up_or_recorded() -> None:
    for phase in ("before", "after", "followup"):
        obligations = herts_plan([with_outcome()], phase)
        assert {o.role for o in obligations} <= {"child", None}


def test_herts_3_3_open_child_gets_the_marac_case_note_in_the_given_layout() -> None:
    note = only(herts_plan([CASE], "before"), rule="herts §3 (3)", action="case_note", record="LCS-1")[0]
    assert note.title == "MARAC"
    assert note.text == f"{herts.BEFORE_NOTE_REASON}\n\n{herts.BEFORE_NOTE_DETAIL}"
    assert note.text.startswith("Reason for contact: MARAC meeting will be held. See detailed notes")
    assert note.text.endswith("- Known risk factors to be shared at meeting")


def test_herts_3_3_child_open_only_on_ehm_gets_the_note_on_ehm() -> None:
    obligations = herts_plan([only_child("Tom JONES")], "before")
    assert keys(obligations) == Counter({
        ("herts §3 (3)", "Tom JONES", "ehm", "EHM-2", "case_note"): 1,
        ("herts §3 (3)", None, "email", None, "email"): 1,
        ("herts §3 (4)", None, "manual", None, "task"): 1,
    })


def test_herts_3_3_open_on_lcs_and_ehm_the_note_goes_on_lcs() -> None:
    found = {**FOUND, ("Lily JONES", "ehm"): record("EHM-9", "Lily Jones", team="Early Help", worker=ANN)}
    obligations = herts_plan([only_child("Lily JONES")], "before", found)
    assert [(o.system, o.record) for o in only(obligations, action="case_note")] == [("lcs", "LCS-1")]
    assert only(obligations, action="email")[0].to == [KIM]


def test_herts_3_3_allocated_worker_informed_by_one_email_listing_their_children() -> None:
    found = {**FOUND, ("Ned JONES", "lcs"): record("LCS-4", "Ned Jones", team="Child in Need", worker=KIM)}
    obligations = herts_plan([case(children=[CASE["children"][0], CASE["children"][3]])], "before", found)
    emails = only(obligations, action="email")
    assert len(emails) == 1
    assert emails[0].to == [KIM] and emails[0].cc == [] and emails[0].attachments == []
    assert emails[0].title == f"MARAC {DATE}: request for an update (case WA-0101)"
    assert emails[0].text == (f"{herts.BEFORE_NOTE_DETAIL}\n\nChild(ren):\n"
                              "- Lily JONES (LCS LCS-1)\n- Ned JONES (LCS LCS-4)")


def test_herts_3_3_no_allocated_worker_email_gives_a_task_to_inform_the_worker() -> None:
    found = {**FOUND, ("Lily JONES", "lcs"): record("LCS-1", "Lily Jones", team="Assessment", worker=None)}
    obligations = herts_plan([only_child("Lily JONES")], "before", found)
    assert keys(obligations) == Counter({
        ("herts §3 (3)", "Lily JONES", "lcs", "LCS-1", "case_note"): 1,
        ("herts §3 (3)", "Lily JONES", "manual", None, "task"): 1,
        ("herts §3 (4)", None, "manual", None, "task"): 1,
    })
    task = only(obligations, action="task", rule="herts §3 (3)")[0]
    assert task.text.startswith("No allocated worker's email is on lcs for Lily JONES: inform the allocated worker")


@pytest.mark.parametrize("team", ["IFST", "MASH", "SASH", "Early Intervention"])
def test_herts_3_3_children_in_ifst_sash_mash_or_early_intervention_are_open_so_get_the_note(team: str) -> None:
    found = {("Lily JONES", "lcs"): record("LCS-1", "Lily Jones", team=team, worker=KIM)}
    obligations = herts_plan([only_child("Lily JONES")], "before", found)
    assert keys(obligations)[("herts §3 (3)", "Lily JONES", "lcs", "LCS-1", "case_note")] == 1


def test_herts_3_2_child_not_open_gets_a_summary_task_and_no_record_write() -> None:
    obligations = herts_plan([only_child("Ned JONES"), case(ref="WA-0102", children=[CASE["children"][4]])],
                             "before")
    assert keys(obligations) == Counter({
        ("herts §3 (2)", "Ned JONES", "manual", None, "task"): 1,
        ("herts §3 (2)", "Zoe JONES", "manual", None, "task"): 1,
        ("herts §3 (4)", None, "manual", None, "task"): 2,
    })
    assert only(obligations, person="Ned JONES")[0].text == (
        "Ned JONES is not open to Children's Services: complete a summary of information to take to the "
        "meeting and share.")


def test_herts_3_4_take_the_summary_and_agenda_once_per_case_with_children() -> None:
    no_children = case(ref="WA-0103", children=None)
    obligations = herts_plan([CASE, no_children], "before")
    tasks = only(obligations, rule="herts §3 (4)")
    assert [(t.case, t.text) for t in tasks] == [("WA-0101", "Take the completed summary and agenda to the MARAC.")]
    assert only(obligations, case="WA-0103") == []


def test_herts_3_4_still_asked_when_the_childrens_records_are_in_review() -> None:
    found = {("Lily JONES", "lcs"): REVIEW}
    obligations = herts_plan([only_child("Lily JONES")], "before", found)
    assert keys(obligations) == Counter({("herts §3 (4)", None, "manual", None, "task"): 1})


def test_herts_3_victim_or_perpetrator_under_18_is_a_child_to_childrens_services() -> None:
    young = case(victim={"name": "Amy YOUNG", "dob": "2009-12-04"},      # 16 on the meeting day
                 perpetrator={"name": "Ben YOUNG", "dob": "2008-12-03"},  # 18 on the meeting day
                 children=None)
    found = {("Amy YOUNG", "lcs"): record("LCS-7", "Amy Young", team="Child in Need", worker=KIM),
             ("Ben YOUNG", "lcs"): record("LCS-8", "Ben Young", team="Child in Need", worker=KIM)}
    obligations = herts_plan([young], "before", found)
    assert keys(obligations) == Counter({
        ("herts §3 (3)", "Amy YOUNG", "lcs", "LCS-7", "case_note"): 1,
        ("herts §3 (3)", None, "email", None, "email"): 1,
        ("herts §3 (4)", None, "manual", None, "task"): 1,
    })
    assert only(obligations, action="case_note")[0].role == "victim"


# -- §1 and §5: after the meeting -----------------------------------------------------------------------

def test_herts_5_after_the_meeting_exactly_per_child() -> None:
    obligations = herts_plan([with_outcome()], "after")
    assert keys(obligations) == Counter({
        ("herts §5 (1)", "Lily JONES", "lcs", "LCS-1", "case_note"): 1,
        ("herts §5 (1)", "Lily JONES", "lcs", "LCS-1", "upload_document"): 1,
        ("herts §1", "Lily JONES", "email", None, "email"): 1,
        ("herts §5 (2)", "Tom JONES", "email", None, "email"): 1,
        # Ivy (IFST): no action stated for the Safeguarding rep. Zoe: no record and no action.
        ("herts §6 (2)", "Ned JONES", "lcs", "LCS-4", "case_note"): 1,
    })
    assert all(o.waiting_for is None for o in obligations)


def test_herts_5_1_lcs_child_case_note_entitled_marac_and_date_copying_worker_and_manager() -> None:
    note = only(herts_plan([with_outcome()], "after"), rule="herts §5 (1)", action="case_note")[0]
    assert note.title == f"MARAC {DATE}"
    assert note.cc == [KIM, KIM_TM]
    assert note.text == f"{LILY_SUMMARY}\n\n{LCS_STATEMENT}"
    assert note.text.endswith(LCS_STATEMENT)  # "At the end of the case note"
    assert note.due == local("2026-12-04", 17)


def test_herts_5_1_no_actions_for_childrens_services_says_so() -> None:
    quiet = with_outcome(actions=[{"agency": "Police", "text": "Attend address"}])
    note = only(herts_plan([quiet], "after"), rule="herts §5 (1)", action="case_note")[0]
    assert note.text.startswith("Summary: Risk discussed; safety planning with IDVA.\n"
                                "Actions: none for Children's Services.\n\n")


def test_herts_5_1_upload_minutes_into_a_case_note_once_received() -> None:
    upload = only(herts_plan([with_outcome()], "after"), action="upload_document")[0]
    assert (upload.system, upload.record, upload.attachments) == ("lcs", "LCS-1", ["minutes/WA-2026-12-03.pdf"])
    assert upload.title == f"MARAC {DATE} minutes"
    assert upload.waiting_for is None
    waiting = only(herts_plan([with_outcome(minutes=None)], "after"), action="upload_document")[0]
    assert waiting.attachments == [] and waiting.waiting_for == "the minutes"
    assert waiting.id == upload.id


def test_herts_5_1_case_note_and_email_wait_for_the_outcome() -> None:
    obligations = herts_plan([only_child("Lily JONES")], "after")
    assert {(o.rule, o.action): o.waiting_for for o in obligations} == {
        ("herts §5 (1)", "case_note"): "the meeting's outcome (summary and actions)",
        ("herts §5 (1)", "upload_document"): "the minutes",
        ("herts §1", "email"): "the meeting's outcome (summary and actions)",
    }


def test_herts_1_allocated_worker_on_lcs_emailed_the_actions_agreed() -> None:
    email = only(herts_plan([with_outcome()], "after"), rule="herts §1")[0]
    assert email.to == [KIM] and email.attachments == []
    assert email.title == f"MARAC {DATE}: actions agreed (case WA-0101)"
    assert email.text == (f"Lily JONES was discussed at the {AREA} MARAC on {DATE}.\n\n"
                          f"{LILY_SUMMARY}\n\n{LCS_STATEMENT}")


def test_herts_1_no_allocated_worker_email_gives_a_task_not_silence() -> None:
    found = {**FOUND, ("Lily JONES", "lcs"): record("LCS-1", "Lily Jones", team="Assessment", worker=None,
                                                    manager=KIM_TM)}
    obligations = herts_plan([only_child("Lily JONES", outcome=OUTCOME)], "after", found)
    assert keys(obligations) == Counter({
        ("herts §5 (1)", "Lily JONES", "lcs", "LCS-1", "case_note"): 1,
        ("herts §5 (1)", "Lily JONES", "lcs", "LCS-1", "upload_document"): 1,
        ("herts §1", "Lily JONES", "manual", None, "task"): 1,
    })
    assert only(obligations, action="case_note")[0].cc == [KIM_TM]


def test_herts_5_2_ehm_child_gets_minutes_email_with_statement() -> None:
    email = only(herts_plan([with_outcome()], "after"), rule="herts §5 (2)")[0]
    assert email.to == [ANN] and email.cc == []
    assert email.attachments == ["minutes/WA-2026-12-03.pdf"]
    assert email.title == f"MARAC {DATE} minutes (case WA-0101)"
    assert email.text == f"Tom JONES was heard at the {AREA} MARAC on {DATE}.\n\n{EARLY_HELP_STATEMENT}"
    assert email.due == local("2026-12-04", 17)
    assert email.waiting_for is None


@pytest.mark.parametrize("team", ["SASH", "MASH North", "Early Intervention", "Early Help Hub"])
def test_herts_5_2_children_open_to_sash_mash_or_early_intervention_on_lcs_take_the_email_route(team: str) -> None:
    found = {("Lily JONES", "lcs"): record("LCS-1", "Lily Jones", team=team, worker=KIM)}
    obligations = herts_plan([only_child("Lily JONES", outcome=OUTCOME)], "after", found)
    assert keys(obligations) == Counter({("herts §5 (2)", "Lily JONES", "email", None, "email"): 1})
    assert only(obligations)[0].to == [KIM]


def test_herts_5_2_email_waits_for_the_minutes() -> None:
    email = only(herts_plan([with_outcome(minutes=None)], "after"), rule="herts §5 (2)")[0]
    assert email.attachments == [] and email.waiting_for == "the minutes"
    email = only(herts_plan([case()], "after"), rule="herts §5 (2)")[0]
    assert email.waiting_for == "the minutes"


def test_herts_5_2_no_worker_email_gives_a_task() -> None:
    found = {("Tom JONES", "ehm"): record("EHM-2", "Tom Jones", team="Early Intervention", worker=None)}
    obligations = herts_plan([only_child("Tom JONES", outcome=OUTCOME)], "after", found)
    assert keys(obligations) == Counter({("herts §5 (2)", "Tom JONES", "manual", None, "task"): 1})


def test_herts_5_statements_keep_the_empty_parenthesis_when_no_coordinator_address_is_known() -> None:
    obligations = herts_plan([with_outcome()], "after", meeting={"coordinator": None})
    note = only(obligations, rule="herts §5 (1)", action="case_note")[0]
    assert note.text.endswith(herts.LCS_STATEMENT)
    assert "coordinator ( for further information." in note.text
    email = only(obligations, rule="herts §5 (2)")[0]
    assert email.text.endswith(herts.EARLY_HELP_STATEMENT)


def test_herts_5_3_ifst_child_no_actions_for_the_rep_unless_stated() -> None:
    ivy = only_child("Ivy JONES", outcome=OUTCOME)
    for phase in ("after", "followup"):
        assert herts_plan([ivy], phase) == []
    stated = only_child("Ivy JONES", outcome={**OUTCOME, "actions": [
        {"agency": "Children's Services", "text": "Safeguarding rep to share minutes with IFST manager",
         "person": "Ivy JONES"}]})
    obligations = herts_plan([stated], "after")
    assert keys(obligations) == Counter({("herts §5 (3)", "Ivy JONES", "manual", None, "task"): 1})
    assert obligations[0].text == ("Action stated at the meeting for Ivy JONES (open to IFST): Safeguarding rep to "
                                   "share minutes with IFST manager")
    assert obligations[0].due == local("2026-12-04", 17)
    assert herts_plan([stated], "followup") == []


def test_herts_5_3_an_action_for_ifst_itself_is_their_own_reps_not_the_safeguarding_reps() -> None:
    own = only_child("Ivy JONES", outcome={**OUTCOME, "actions": [
        {"agency": "IFST", "text": "IFST worker to visit", "person": "Ivy JONES"}]})
    assert herts_plan([own], "after") == []


def test_herts_5_3_an_action_naming_no_child_is_not_stated_for_an_ifst_child() -> None:
    unnamed = only_child("Ivy JONES", outcome={**OUTCOME, "actions": [
        {"agency": "Children's Services", "text": "Share the safety plan"}]})
    assert herts_plan([unnamed], "after") == []


def test_herts_5_the_rep_has_no_livelink_step() -> None:
    for phase in ("before", "after", "followup"):
        assert not [o for o in herts_plan([with_outcome()], phase) if o.system == "livelink"]


# -- §6: actions completed ------------------------------------------------------------------------------

def test_herts_6_1_actions_checked_within_72_hours_and_fed_back_within_a_week() -> None:
    outcome = {**OUTCOME, "actions": [{"agency": "Children's Services", "text": "Social worker to visit"}]}
    obligations = herts_plan([case(outcome=outcome)], "followup")
    # The action names nobody, so it concerns each open child of the case; IFST's own rep feeds back for Ivy.
    assert keys(obligations) == Counter({
        ("herts §6 (1)", "Lily JONES", "manual", None, "task"): 2,
        ("herts §6 (1)", "Tom JONES", "manual", None, "task"): 2,
    })
    lily = sorted(only(obligations, person="Lily JONES"), key=lambda o: o.due)
    assert [o.due for o in lily] == [local("2026-12-06", 10), local("2026-12-10", 10)]
    assert lily[0].text == ("Check that the allocated worker has completed the action and will complete a MARAC "
                            "case note copying in the Safeguarding MARAC representative (within 72 hours): "
                            "Social worker to visit")
    assert lily[1].text == "Feed back to MARAC on the action (within a week): Social worker to visit"
    tom = sorted(only(obligations, person="Tom JONES"), key=lambda o: o.due)
    assert "case note on EHM and email the IFST MARAC representative" in tom[0].text


def test_herts_6_1_no_childrens_services_action_nothing_to_follow_up() -> None:
    police = with_outcome(actions=[{"agency": "Police", "text": "Attend address"}])
    assert herts_plan([police], "followup") == []
    assert herts_plan([CASE], "followup") == []


def test_herts_6_2_not_open_no_action_note_on_the_case_summary() -> None:
    note = only(herts_plan([with_outcome()], "after"), rule="herts §6 (2)")[0]
    assert (note.system, note.record, note.action, note.title) == ("lcs", "LCS-4", "case_note", "MARAC")
    assert note.section == "case_summary"  # type: ignore[attr-defined]
    assert note.text == (f"Ned JONES was heard at the {AREA} MARAC on {DATE}. Should the child be opened to "
                         "Children’s Services in the future or should the information be required, contact the "
                         "MARAC chair/co-ordinator (marac@example.org) or the attending worker (A Rep) to share "
                         "details of the case.")
    assert note.due == local("2026-12-04", 17)


def test_herts_6_2_note_goes_on_ehm_when_the_only_record_is_there() -> None:
    found = {("Ned JONES", "ehm"): record("EHM-4", "Ned Jones", open=False)}
    obligations = herts_plan([only_child("Ned JONES", outcome=OUTCOME)], "after", found)
    assert keys(obligations) == Counter({("herts §6 (2)", "Ned JONES", "ehm", "EHM-4", "case_note"): 1})


def test_herts_6_2_no_record_no_case_summary_to_note() -> None:
    assert herts_plan([only_child("Zoe JONES", outcome=OUTCOME)], "after") == []


def test_herts_6_2_waits_for_the_outcome() -> None:
    obligations = herts_plan([only_child("Ned JONES")], "after")
    assert keys(obligations) == Counter({("herts §6 (2)", "Ned JONES", "manual", None, "task"): 1})
    assert obligations[0].waiting_for == "the meeting's outcome"


def test_herts_6_3_new_referral_minutes_emailed_to_the_assessment_team_within_24_hours() -> None:
    referral = only_child("Zoe JONES", outcome={**OUTCOME, "children": [{"name": "Zoe JONES", "new_referral": True}]})
    obligations = herts_plan([referral], "after",
                             meeting={"assessment_team": {"name": "Assessment", "email": "assess@example.org"}})
    assert keys(obligations) == Counter({("herts §6 (3)", "Zoe JONES", "email", None, "email"): 1})
    email = obligations[0]
    assert email.to == ["assess@example.org"]
    assert email.attachments == ["minutes/WA-2026-12-03.pdf"]
    assert email.due == local("2026-12-04", 10)
    assert email.waiting_for is None
    assert email.title == f"MARAC {DATE}: new referral and Child and Family Assessment"
    assert email.text == (
        f"It was agreed at the {AREA} MARAC on {DATE} that a new referral should be generated and a Child and "
        "Family Assessment completed for Zoe JONES. Please ensure that a referral is opened within 24 hours, "
        "generated by the team themselves, not via Gateway.\n\n"
        "Summary: Risk discussed; safety planning with IDVA.\nActions: none for Children's Services.")


def test_herts_6_3_new_referral_summary_sent_even_before_the_minutes_arrive() -> None:
    referral = only_child("Ned JONES", outcome={**OUTCOME, "minutes": None,
                                                "children": [{"name": "Ned JONES", "new_referral": True}]})
    obligations = herts_plan([referral], "after",
                             meeting={"assessment_team": {"email": "assess@example.org"}})
    assert [(o.action, o.attachments, o.waiting_for) for o in obligations] == [("email", [], None)]


def test_herts_6_3_no_assessment_team_address_gives_a_task() -> None:
    referral = only_child("Zoe JONES", outcome={**OUTCOME, "children": [{"name": "Zoe JONES", "new_referral": True}]})
    obligations = herts_plan([referral], "after")
    assert keys(obligations) == Counter({("herts §6 (3)", "Zoe JONES", "manual", None, "task"): 1})
    assert obligations[0].due == local("2026-12-04", 10)


def test_herts_6_3_other_actions_for_a_child_not_open_are_tasks() -> None:
    acted = only_child("Ned JONES", outcome={**OUTCOME, "actions": [
        {"agency": "Children's Services", "text": "Check school attendance", "person": "Ned JONES"}]})
    obligations = herts_plan([acted], "after")
    assert keys(obligations) == Counter({("herts §6 (3)", "Ned JONES", "manual", None, "task"): 1})
    assert obligations[0].text == "Action agreed at MARAC for Ned JONES (not open): Check school attendance"


# -- due times --------------------------------------------------------------------------------------

def test_herts_after_meeting_work_due_next_working_day_past_bank_holidays() -> None:
    # Thursday 24 December 2026: Christmas Day, the weekend and Boxing Day (substitute, Monday 28th) follow.
    obligations = herts_plan([with_outcome()], "after", meeting={"date": "2026-12-24"})
    assert {o.due for o in obligations} == {local("2026-12-29", 17)}


def test_herts_6_1_hours_and_a_week_count_on_the_uk_wall_clock_across_the_clock_change() -> None:
    # Friday 23 October 2026, 10:00 BST; the clocks go back on Sunday 25 October.
    outcome = {**OUTCOME, "actions": [{"agency": "CS", "text": "Visit", "person": "Lily JONES"}]}
    obligations = herts_plan([only_child("Lily JONES", outcome=outcome)], "followup",
                             meeting={"date": "2026-10-23"})
    assert sorted(o.due.isoformat() for o in obligations if o.due) == [
        "2026-10-26T10:00:00+00:00", "2026-10-30T10:00:00+00:00"]


def test_herts_due_times_are_uk_local_and_default_to_nine_when_no_time_is_given() -> None:
    obligations = herts_plan([CASE], "before", meeting={"date": "2026-07-02", "time": None})
    assert {o.due.isoformat() for o in obligations if o.due} == {"2026-07-02T09:00:00+01:00"}


# -- look-ups and ids ----------------------------------------------------------------------------------

@pytest.mark.parametrize("answer", [REVIEW, FAILED])
@pytest.mark.parametrize("system", ["lcs", "ehm"])
def test_herts_lookup_in_review_or_failed_gives_no_obligation_for_that_child(answer: str, system: str) -> None:
    found = {**FOUND, ("Lily JONES", system): answer}
    for phase in ("before", "after", "followup"):
        obligations = herts_plan([with_outcome()], phase, found)
        assert only(obligations, person="Lily JONES") == []
        assert [o for o in obligations if KIM in o.to] == []


def test_herts_ehm_not_installed_gives_a_manual_lookup_task_per_child() -> None:
    obligations = herts_plan([CASE], "before", installed={"lcs", "email"})
    lookups = only(obligations, rule="herts-childrens: look-up")
    assert sorted(o.person for o in lookups) == ["Ivy JONES", "Lily JONES", "Ned JONES", "Tom JONES", "Zoe JONES"]
    assert lookups[0].text.startswith("No ehm adapter is installed: look ")
    # LCS still decides for the children it knows; Tom (only on EHM) is looked up by hand.
    assert only(obligations, person="Tom JONES", rule="herts §3 (2)") != []
    assert keys(only(obligations, action="case_note")) == Counter({
        ("herts §3 (3)", "Lily JONES", "lcs", "LCS-1", "case_note"): 1,
        ("herts §3 (3)", "Ivy JONES", "lcs", "LCS-3", "case_note"): 1,
    })


def test_herts_no_system_installed_leaves_only_manual_lookups_and_the_agenda_task() -> None:
    obligations = herts_plan([only_child("Lily JONES")], "before", installed={"email"})
    assert keys(obligations) == Counter({
        ("herts-childrens: look-up", "Lily JONES", "manual", None, "task"): 2,
        ("herts §3 (4)", None, "manual", None, "task"): 1,
    })


def test_herts_obligation_ids_are_stable_distinct_and_follow_the_record() -> None:
    ids: list[str] = []
    for phase in ("before", "after", "followup"):
        first = [o.id for o in herts_plan([with_outcome(), case(ref="WA-0102", outcome=OUTCOME)], phase)]
        again = [o.id for o in herts_plan([with_outcome(), case(ref="WA-0102", outcome=OUTCOME)], phase)]
        assert first == again
        assert all(re.fullmatch(r"[0-9a-f]{20}", i) for i in first)
        ids += first
    assert len(set(ids)) == len(ids)
    moved = {**FOUND, ("Lily JONES", "lcs"): record("LCS-99", "Lily Jones", team="Assessment", worker=KIM)}
    one = only(herts_plan([CASE], "before"), person="Lily JONES", action="case_note")[0]
    other = only(herts_plan([CASE], "before", moved), person="Lily JONES", action="case_note")[0]
    assert one.id != other.id
