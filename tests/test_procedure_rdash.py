"""RDaSH MARAC SOP: one test (or more) per paragraph that asks for a record or email action.

Each test is named after the SOP section it proves. Plans are made by the harness (no systems,
no HTTP): ``found`` gives each person's SystmOne answer directly.
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
from marac_core.builtin import rdash
from marac_core.testing import FAILED, REVIEW, ProcedureHarness, assert_complete, only, record
from marac_core.testing import meeting as base_meeting

RDASH_TEXT = (Path(__file__).parent / "procedure_texts" / "rdash-nhs-marac-sop.txt").read_text(encoding="utf-8")
# SystmOne, email and the secure store (Livelink) each have an adapter unless a test says otherwise.
HARNESS = ProcedureHarness(rdash.PROCEDURE, installed={"systmone", "email", "livelink"})


def plan(meeting_file: dict[str, Any], phase: str, found: dict[tuple[str, str], Any],
         **options: Any) -> list[Obligation]:
    """The plan, after checking every obligation in it can be carried out as planned."""
    obligations = HARNESS.plan(meeting_file, phase, found, **options)  # type: ignore[arg-type]
    assert_complete(obligations)
    return obligations


def meeting(cases: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return base_meeting(cases, **{"area": "Doncaster", **extra})

CASE = {
    "ref": "DN-0412",
    "victim": {"name": "Sarah JONES", "dob": "1991-03-14"},
    "perpetrator": {"name": "Mark JONES", "dob": "1988-07-01"},
    "children": [{"name": "Lily JONES", "dob": "2019-05-22"}],
}
OPEN = {
    ("Sarah JONES", "systmone"): record("S1-1", "Sarah Jones"),
    ("Mark JONES", "systmone"): record("S1-2", "Mark Jones"),
    ("Lily JONES", "systmone"): record("S1-3", "Lily Jones"),
}
OUTCOME = {
    "summary": "Discussed.",
    "risk_factors": ["Police warning marker: weapons"],
    "actions": [
        {"agency": "RDaSH CMHT", "text": "Care coordinator to review risk", "person": "Mark JONES"},
        {"agency": "RDaSH 0-19 service", "text": "Increase health visitor visits"},
        {"agency": "Police", "text": "Attend address", "person": "Sarah JONES"},
    ],
    "children": [{"name": "Lily JONES", "in_contact": True}],
    "minutes": "minutes/DN-2026-12-03.pdf",
}
DATE = "3 December 2026"
TEMPLATE_NOTE = (
    "Victim details: Sarah JONES, date of birth 14/03/1991\n"
    "Alleged perpetrator details: Mark JONES, date of birth 01/07/1988\n"
    "Children listed: Lily JONES, date of birth 22/05/2019\n"
    "for further information following the multi-agency risk assessment conference, please contact the "
    "trust Safeguarding team by completing a referral through the SystmOne safeguarding template"
)
VICTIM_ALERT = ("patient to be discussed at Doncaster multi-agency risk assessment conference (MARAC) "
                f"on {DATE} as victim of high-risk domestic abuse.")
PERPETRATOR_ALERT = ("patient to be discussed at Doncaster multi-agency risk assessment conference (MARAC) "
                     f"on {DATE} as alleged perpetrator of high risk domestic abuse. Do not disclosure to patient.")
CHILD_ALERT = ("child discussed at Doncaster multi-agency risk assessment conference (MARAC) "
               f"on {DATE}, child experiencing or at risk of domestic abuse.")


def case(**changes: Any) -> dict[str, Any]:
    return {**CASE, **changes}


def with_outcome(**changes: Any) -> dict[str, Any]:
    return case(outcome={**OUTCOME, **changes})


def keys(obligations: list[Obligation]) -> Counter[tuple[str, str | None, str, str | None, str]]:
    """What a rep sees: which rule, for whom, in which system and record, doing what."""
    return Counter((o.rule, o.role, o.system, o.record, o.action) for o in obligations)


def local(day: str, hour: int, minute: int = 0) -> dt.datetime:
    """A UK wall-clock time."""
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=ZoneInfo("Europe/London"))


# -- mandated wording, against the SOP's own text --------------------------------------------------

def test_4_2_alert_wording_is_reproduced_exactly_from_the_sop() -> None:
    victim = rdash.VICTIM_ALERT.replace("{area}", "(insert area)").replace("{date}", "(insert date)")
    perpetrator = rdash.PERPETRATOR_ALERT.replace("{area}", "(insert area)").replace("{date}", "(insert date)")
    assert f"for victim: {victim}" in RDASH_TEXT
    assert f"for perpetrator: {perpetrator}" in RDASH_TEXT


def test_4_2_perpetrator_wording_keeps_do_not_disclosure_to_patient_as_written() -> None:
    assert "high risk domestic abuse. Do not disclosure to patient." in RDASH_TEXT
    assert rdash.PERPETRATOR_ALERT.endswith(" Do not disclosure to patient.")


def test_4_6_1_child_alert_wording_is_reproduced_exactly_from_the_sop() -> None:
    child = rdash.CHILD_ALERT.replace("{area}", "(insert area)").replace("{date}", "(insert date)")
    assert f"with an expiry date of 12 months: {child}" in RDASH_TEXT


def test_4_2_and_4_6_1_template_contact_line_and_tick_boxes_are_the_sops() -> None:
    section_4_2 = RDASH_TEXT.split("4.2 Responsibilities")[1].split("4.3 Information sharing")[0]
    section_4_6_1 = RDASH_TEXT.split("4.6.1 Recording for children")[1].split("4.7 Deputising")[0]
    assert f"  • {rdash.FURTHER_INFORMATION}\n" in section_4_2
    assert f"  • {rdash.FURTHER_INFORMATION}.\n" in section_4_6_1
    for box in rdash.BOXES["victim"] + rdash.BOXES["perpetrator"]:
        assert f"“{box}”" in section_4_2
    for box in rdash.BOXES["child"]:
        assert f"“{box}”" in section_4_6_1


# -- 4.2: before the meeting -------------------------------------------------------------------------

def test_4_2_victim_and_perpetrator_open_to_trust_services_get_the_alert_before_the_meeting() -> None:
    obligations = plan(meeting([CASE]), "before", OPEN)
    alerts = only(obligations, action="alert")
    assert {(a.role, a.record) for a in alerts} == {("victim", "S1-1"), ("perpetrator", "S1-2")}
    victim = only(alerts, role="victim")[0]
    assert victim.text == VICTIM_ALERT
    perpetrator = only(alerts, role="perpetrator")[0]
    assert perpetrator.text == PERPETRATOR_ALERT
    assert victim.expires == perpetrator.expires == dt.date(2027, 12, 3)
    assert victim.due is not None and victim.due.isoformat() == "2026-12-03T10:00:00+00:00"


def test_4_2_before_the_meeting_exactly_alerts_template_notes_and_research_nothing_else() -> None:
    obligations = plan(meeting([CASE]), "before", OPEN)
    assert keys(obligations) == Counter({
        ("rdash 4.2 alert", "victim", "systmone", "S1-1", "alert"): 1,
        ("rdash 4.2 alert", "perpetrator", "systmone", "S1-2", "alert"): 1,
        ("rdash 4.2 template", "victim", "systmone", "S1-1", "template_ticks"): 1,
        ("rdash 4.2 template", "perpetrator", "systmone", "S1-2", "template_ticks"): 1,
        ("rdash 4.2 research", None, "manual", None, "task"): 1,
    })
    assert all(o.due == local("2026-12-03", 10) for o in obligations)
    assert all(o.waiting_for is None for o in obligations)


def test_4_2_no_alert_on_a_listed_childs_record_until_after_the_meeting() -> None:
    obligations = plan(meeting([CASE]), "before", OPEN)
    assert only(obligations, role="child") == []
    assert not [o for o in obligations if o.record == "S1-3"]


@pytest.mark.parametrize("answer", [record("S1-1", "Sarah Jones", open=False), None])
def test_4_2_no_alert_or_note_for_someone_not_open_to_trust_services(answer: Any) -> None:
    found = {**OPEN, ("Sarah JONES", "systmone"): answer}
    obligations = plan(meeting([CASE]), "before", found)
    assert only(obligations, role="victim") == []
    assert {o.role for o in obligations if o.system == "systmone"} == {"perpetrator"}


def test_4_2_nobody_open_to_trust_services_gives_only_the_research_and_the_meeting_papers() -> None:
    closed = {key: None for key in OPEN}
    assert keys(plan(meeting([with_outcome()]), "before", closed)) == Counter({
        ("rdash 4.2 research", None, "manual", None, "task"): 1})
    assert keys(plan(meeting([with_outcome()]), "after", closed)) == Counter({
        ("rdash 4.2 minutes", None, "livelink", None, "upload_document"): 1,
        ("rdash 4.2 research forms", None, "manual", None, "task"): 1,
    })


def test_4_2_alerts_have_a_12_month_expiry() -> None:
    for day, expires in [("2026-12-03", "2027-12-03"), ("2028-02-29", "2029-02-28"), ("2026-01-31", "2027-01-31")]:
        obligations = plan(meeting([CASE], date=day), "before", OPEN)
        assert {str(a.expires) for a in only(obligations, action="alert")} == {expires}


def test_4_2_template_note_and_ticks_for_victim_and_perpetrator_at_the_time_of_research() -> None:
    obligations = plan(meeting([CASE]), "before", OPEN)
    victim = only(obligations, action="template_ticks", role="victim")[0]
    perpetrator = only(obligations, action="template_ticks", role="perpetrator")[0]
    assert victim.text == perpetrator.text == TEMPLATE_NOTE
    assert victim.boxes == ["subject to MARAC", "victim of domestic abuse"]
    assert perpetrator.boxes == ["subject to MARAC", "perpetrator of domestic abuse"]


def test_4_2_template_note_details_when_not_known_or_several() -> None:
    several = case(
        victim={"name": "Ann SMITH"},
        perpetrator=[{"name": "Bob SMITH", "dob": "1980-01-02"}, {"name": "Carl BROWN"}],
        children=[{"name": "Dee SMITH", "dob": "2015-06-07"}, {"name": "Eve SMITH"}],
    )
    found = {("Ann SMITH", "systmone"): record("S1-9", "Ann Smith")}
    note = only(plan(meeting([several]), "before", found), action="template_ticks")[0]
    assert note.text.splitlines()[:3] == [
        "Victim details: Ann SMITH",
        "Alleged perpetrator details: Bob SMITH, date of birth 02/01/1980; Carl BROWN",
        "Children listed: Dee SMITH, date of birth 07/06/2015; Eve SMITH",
    ]
    alone = case(victim={"name": "Ann SMITH"}, perpetrator=None, children=None)
    note = only(plan(meeting([alone]), "before", found), action="template_ticks")[0]
    assert note.text.splitlines()[1:3] == ["Alleged perpetrator details: not known", "Children listed: none"]


@pytest.mark.parametrize("area, form", [
    ("Doncaster", "Appendix A: Doncaster research form"),
    ("Rotherham", "Appendix B: Rotherham research form"),
    ("North Lincolnshire", None),
])
def test_4_1_and_4_2_research_task_names_the_areas_research_form(area: str, form: str | None) -> None:
    obligations = plan(meeting([CASE], area=area), "before", OPEN)
    task = only(obligations, rule="rdash 4.2 research")
    assert len(task) == 1
    text = task[0].text
    if form:
        assert f"Complete the MARAC research form ({form}); do not attach it to the patient record." in text
    else:
        assert "research form" not in text
    assert ("The 0 to 19 service and Aspire provide their own research." in text) == (area == "Doncaster")


def test_4_2_under_no_circumstance_the_perpetrator_is_told_no_email_but_to_the_administrator() -> None:
    full = with_outcome()
    for phase in ("before", "after", "followup"):
        for o in plan(meeting([full]), phase, OPEN):
            if o.action == "email":
                assert o.to == ["marac@example.org"]
                assert o.cc == []


# -- 4.2: research forms and minutes after the meeting ----------------------------------------------

def test_4_2_research_forms_destroyed_after_the_meeting_and_never_attached_to_the_patient_record() -> None:
    obligations = plan(meeting([with_outcome()]), "after", OPEN)
    destroy = only(obligations, rule="rdash 4.2 research forms")
    assert len(destroy) == 1
    assert destroy[0].action == "task" and destroy[0].system == "manual"
    assert destroy[0].text == ("Destroy or delete the research forms for this case now that the meeting has "
                               "taken place.")
    assert destroy[0].due == local("2026-12-03", 17)
    for phase in ("before", "after", "followup"):
        for o in plan(meeting([with_outcome()]), phase, OPEN):
            assert not (o.system == "systmone" and (o.attachments or o.action == "upload_document"))


def test_4_2_minutes_securely_stored_by_the_safeguarding_team_on_livelink() -> None:
    obligations = plan(meeting([with_outcome()]), "after", OPEN)
    store = only(obligations, rule="rdash 4.2 minutes")
    assert keys(store) == Counter({("rdash 4.2 minutes", None, "livelink", None, "upload_document"): 1})
    assert store[0].attachments == ["minutes/DN-2026-12-03.pdf"]
    assert store[0].waiting_for is None
    assert store[0].title == "MARAC Doncaster 2026-12-03 minutes DN-0412"


def test_4_2_minutes_wait_until_received() -> None:
    obligations = plan(meeting([with_outcome(minutes=None)]), "after", OPEN)
    store = only(obligations, rule="rdash 4.2 minutes")[0]
    assert store.attachments == []
    assert store.waiting_for == "the minutes"


def test_4_2_minutes_without_livelink_are_a_task_never_a_patient_record_upload() -> None:
    obligations = plan(meeting([with_outcome()]), "after", OPEN, installed={"systmone", "email"})
    store = only(obligations, rule="rdash 4.2 minutes")
    assert keys(store) == Counter({("rdash 4.2 minutes", None, "manual", None, "task"): 1})
    assert "Do not attach them to the patient record." in store[0].text


# -- 4.6: recording on the electronic patient record after the meeting ------------------------------

def test_4_6_after_the_meeting_exactly_what_the_sop_asks_and_nothing_else() -> None:
    obligations = plan(meeting([with_outcome()]), "after", OPEN)
    assert keys(obligations) == Counter({
        ("rdash 4.6 risk factors", "victim", "systmone", "S1-1", "alert"): 1,
        ("rdash 4.6 risk factors", "perpetrator", "systmone", "S1-2", "alert"): 1,
        ("rdash 4.6 actions", "victim", "systmone", "S1-1", "case_note"): 1,
        ("rdash 4.6 actions", "perpetrator", "systmone", "S1-2", "case_note"): 1,
        ("rdash 4.6.1 alert", "child", "systmone", "S1-3", "alert"): 1,
        ("rdash 4.6.1 template", "child", "systmone", "S1-3", "template_ticks"): 1,
        ("rdash 4.2 minutes", None, "livelink", None, "upload_document"): 1,
        ("rdash 4.2 research forms", None, "manual", None, "task"): 1,
    })
    # The 4.2 alert and note were placed before the meeting; they are not repeated.
    assert not only(obligations, rule="rdash 4.2 alert") and not only(obligations, rule="rdash 4.2 template")


def test_4_6_nothing_added_to_the_patients_record_without_new_risk_factors_or_trust_actions() -> None:
    quiet = with_outcome(risk_factors=[], actions=[{"agency": "Police", "text": "Attend address"}])
    obligations = plan(meeting([quiet]), "after", OPEN)
    assert [o for o in obligations if o.role in ("victim", "perpetrator")] == []


def test_4_6_additional_risk_factors_flagged_on_victim_and_perpetrator() -> None:
    risks = with_outcome(risk_factors=["Police warning marker: weapons", "Threats to kill"], actions=[])
    obligations = plan(meeting([risks]), "after", OPEN)
    flagged = {o.role: o for o in only(obligations, rule="rdash 4.6 risk factors")}
    stem = ("Additional risk factors raised at Doncaster multi-agency risk assessment conference (MARAC) on "
            f"{DATE}: Police warning marker: weapons; Threats to kill.")
    assert flagged["victim"].text == stem
    assert flagged["perpetrator"].text == stem + " Do not disclose to patient."
    assert flagged["victim"].expires == flagged["perpetrator"].expires == dt.date(2027, 12, 3)
    assert flagged["victim"].record == "S1-1" and flagged["perpetrator"].record == "S1-2"


def test_4_6_specific_trust_actions_noted_on_the_record_of_the_person_they_concern() -> None:
    obligations = plan(meeting([with_outcome(risk_factors=[])]), "after", OPEN)
    notes = {o.role: o for o in only(obligations, rule="rdash 4.6 actions")}
    assert set(notes) == {"victim", "perpetrator"}
    head = f"Actions for trust services agreed at Doncaster multi-agency risk assessment conference (MARAC) on {DATE}:"
    # An action naming nobody concerns the victim; the police's action is not the trust's.
    assert notes["victim"].text == f"{head}\n- Increase health visitor visits"
    assert notes["perpetrator"].text == f"{head}\n- Care coordinator to review risk"
    assert notes["victim"].title == "MARAC"
    assert notes["victim"].attachments == []


def test_4_6_waits_for_the_outcome_when_it_is_not_recorded() -> None:
    obligations = plan(meeting([CASE]), "after", OPEN)
    waiting = only(obligations, rule="rdash 4.6")
    assert {(o.role, o.action, o.system) for o in waiting} == {("victim", "task", "manual"),
                                                                ("perpetrator", "task", "manual")}
    assert all(o.waiting_for == "the meeting's outcome (risk factors and actions)" for o in waiting)
    assert not [o for o in obligations if o.role in ("victim", "perpetrator") and o.system == "systmone"]


def test_4_6_recording_after_the_meeting_due_by_the_end_of_the_meeting_week() -> None:
    obligations = plan(meeting([with_outcome()]), "after", OPEN)
    recording = [o for o in obligations if o.rule != "rdash 4.2 research forms"]
    assert {o.due for o in recording} == {local("2026-12-04", 17)}
    # Thursday 24 December 2026: Christmas Day is the Friday, so the 24th is the week's last working day.
    late = plan(meeting([with_outcome()], date="2026-12-24"), "after", OPEN)
    assert {o.due for o in late} == {local("2026-12-24", 17)}


def test_4_6_minutes_are_never_attached_to_a_patient_record() -> None:
    everything = [with_outcome(), case(ref="DN-0413", outcome={**OUTCOME, "minutes": None})]
    for phase in ("before", "after", "followup"):
        for o in plan(meeting(everything), phase, OPEN):
            if o.system == "systmone":
                assert o.attachments == [] and o.action in ("alert", "template_ticks", "case_note")
                assert "minutes" not in (o.title or "").casefold()


# -- 4.6.1: children listed on the agenda ----------------------------------------------------------

def test_4_6_1_child_alert_only_when_in_contact() -> None:
    in_contact = plan(meeting([with_outcome()]), "after", OPEN)
    alert = only(in_contact, rule="rdash 4.6.1 alert")
    assert len(alert) == 1
    assert (alert[0].role, alert[0].record, alert[0].text) == ("child", "S1-3", CHILD_ALERT)
    assert alert[0].expires == dt.date(2027, 12, 3)
    assert alert[0].waiting_for is None

    away = with_outcome(children=[{"name": "Lily JONES", "in_contact": False}])
    assert only(plan(meeting([away]), "after", OPEN), rule="rdash 4.6.1 alert") == []


@pytest.mark.parametrize("outcome_children", [[], [{"name": "Lily JONES"}], None])
def test_4_6_1_child_alert_waits_until_contact_is_known(outcome_children: Any) -> None:
    listed = with_outcome(children=outcome_children or []) if outcome_children is not None else CASE
    alert = only(plan(meeting([listed]), "after", OPEN), rule="rdash 4.6.1 alert")
    assert len(alert) == 1
    assert alert[0].waiting_for == ("whether the child is in contact with the victim or alleged perpetrator "
                                    "(outcome.children[].in_contact)")


def test_4_6_1_child_contact_is_matched_by_name_whatever_the_case_and_spacing() -> None:
    listed = with_outcome(children=[{"name": "lily  Jones", "in_contact": False}])
    assert only(plan(meeting([listed]), "after", OPEN), rule="rdash 4.6.1 alert") == []


@pytest.mark.parametrize("in_contact", [True, False, None])
def test_4_6_1_child_template_note_and_ticks_for_every_listed_child_open_to_trust_services(in_contact: Any) -> None:
    listed = with_outcome(children=[{"name": "Lily JONES", "in_contact": in_contact}])
    note = only(plan(meeting([listed]), "after", OPEN), rule="rdash 4.6.1 template")
    assert len(note) == 1
    assert (note[0].record, note[0].action, note[0].text) == ("S1-3", "template_ticks", TEMPLATE_NOTE)
    assert note[0].boxes == ["subject to MARAC", "child experienced or at risk of domestic abuse"]
    assert note[0].waiting_for is None


def test_4_6_1_child_not_open_to_trust_services_gets_nothing() -> None:
    found = {**OPEN, ("Lily JONES", "systmone"): record("S1-3", "Lily Jones", open=False)}
    obligations = plan(meeting([with_outcome()]), "after", found)
    assert only(obligations, role="child") == []


def test_4_6_1_victim_or_perpetrator_under_18_follows_the_process_above() -> None:
    young = case(victim={"name": "Amy YOUNG", "dob": "2010-01-01"},
                 perpetrator={"name": "Ben YOUNG", "dob": "2009-06-01"}, children=None,
                 outcome={**OUTCOME, "children": [], "actions": []})
    found = {("Amy YOUNG", "systmone"): record("S1-7", "Amy Young"),
             ("Ben YOUNG", "systmone"): record("S1-8", "Ben Young")}
    before = plan(meeting([young]), "before", found)
    assert keys([o for o in before if o.system == "systmone"]) == Counter({
        ("rdash 4.2 alert", "victim", "systmone", "S1-7", "alert"): 1,
        ("rdash 4.2 alert", "perpetrator", "systmone", "S1-8", "alert"): 1,
        ("rdash 4.2 template", "victim", "systmone", "S1-7", "template_ticks"): 1,
        ("rdash 4.2 template", "perpetrator", "systmone", "S1-8", "template_ticks"): 1,
    })
    assert only(before, record="S1-7", action="alert")[0].text.endswith("as victim of high-risk domestic abuse.")
    after = plan(meeting([young]), "after", found)
    assert not [o for o in after if o.rule.startswith("rdash 4.6.1")]
    assert {o.rule for o in after if o.system == "systmone"} == {"rdash 4.6 risk factors"}


# -- 4.5: actions within the week of the meeting -------------------------------------------------------

def test_4_5_each_trust_action_ensured_by_the_end_of_the_meeting_week() -> None:
    obligations = plan(meeting([with_outcome()]), "followup", OPEN)
    tasks = only(obligations, rule="rdash 4.5 actions")
    assert sorted(t.text for t in tasks) == [
        "Ensure this action is undertaken by the responsible trust service: Care coordinator to review risk",
        "Ensure this action is undertaken by the responsible trust service: Increase health visitor visits",
    ]
    # Thursday 3 December 2026: the week ends on Friday 4 December.
    assert {t.due for t in tasks} == {local("2026-12-04", 17)}


def test_4_5_end_of_meeting_week_skips_a_bank_holiday() -> None:
    # Thursday 24 December 2026: Friday is Christmas Day, so the week's last working day is the 24th.
    obligations = plan(meeting([with_outcome()], date="2026-12-24"), "followup", OPEN)
    assert {t.due for t in only(obligations, rule="rdash 4.5 actions")} == {local("2026-12-24", 17)}


def test_4_5_unless_otherwise_stated_an_actions_own_due_date_counts() -> None:
    dated = with_outcome(actions=[{"agency": "NHS health visiting", "text": "Visit", "due": "2026-12-10"}])
    obligations = plan(meeting([dated]), "followup", OPEN)
    assert only(obligations, rule="rdash 4.5 actions")[0].due == local("2026-12-10", 17)
    assert only(obligations, rule="rdash 4.5 confirmation")[0].due == local("2026-12-10", 17)


def test_4_5_completion_confirmed_in_detail_by_email_to_the_administrator() -> None:
    obligations = plan(meeting([with_outcome()]), "followup", OPEN)
    assert keys(obligations) == Counter({
        ("rdash 4.5 actions", None, "manual", None, "task"): 2,
        ("rdash 4.5 confirmation", None, "email", None, "email"): 1,
    })
    email = only(obligations, rule="rdash 4.5 confirmation")[0]
    assert email.to == ["marac@example.org"]
    assert email.title == f"MARAC {DATE}: actions completed"
    assert email.text == (f"Case DN-0412, Doncaster MARAC on {DATE}.\n"
                          "Confirmation of the completion of the trust's actions:\n"
                          "- Care coordinator to review risk\n- Increase health visitor visits")
    # Sent once every action's task is done (marac done), not before.
    tasks = only(obligations, rule="rdash 4.5 actions")
    assert email.waiting_for is None and sorted(email.after) == sorted(t.id for t in tasks)
    assert email.due == local("2026-12-04", 17)


def test_4_5_without_the_administrators_address_the_confirmation_is_a_task() -> None:
    obligations = plan(meeting([with_outcome()], coordinator=None), "followup", OPEN)
    confirmation = only(obligations, rule="rdash 4.5 confirmation")
    assert keys(confirmation) == Counter({("rdash 4.5 confirmation", None, "manual", None, "task"): 1})
    assert confirmation[0].text == ("Email the MARAC administrator to confirm in detail the completion of all "
                                    "actions.")


def test_4_5_no_trust_actions_nothing_to_follow_up() -> None:
    police_only = with_outcome(actions=[{"agency": "Police", "text": "Attend address"}])
    assert plan(meeting([police_only]), "followup", OPEN) == []
    assert plan(meeting([CASE]), "followup", OPEN) == []


# -- look-ups, due times and ids --------------------------------------------------------------------

@pytest.mark.parametrize("answer", [REVIEW, FAILED])
def test_lookup_in_review_or_failed_gives_no_obligation_for_that_person(answer: str) -> None:
    found = {**OPEN, ("Sarah JONES", "systmone"): answer, ("Lily JONES", "systmone"): answer}
    for phase in ("before", "after"):
        obligations = plan(meeting([with_outcome()]), phase, found)
        assert only(obligations, role="victim") == [] and only(obligations, role="child") == []
        assert only(obligations, role="perpetrator") != []


def test_lookup_systmone_not_installed_gives_a_manual_lookup_task_per_person() -> None:
    obligations = plan(meeting([CASE]), "before", OPEN, installed={"email"})
    assert keys(obligations) == Counter({
        ("rdash: look-up", "victim", "manual", None, "task"): 1,
        ("rdash: look-up", "perpetrator", "manual", None, "task"): 1,
        ("rdash: look-up", "child", "manual", None, "task"): 1,
        ("rdash 4.2 research", None, "manual", None, "task"): 1,
    })
    victim = only(obligations, rule="rdash: look-up", role="victim")[0]
    assert victim.text == ("No systmone adapter is installed: look Sarah JONES up in systmone by hand and carry "
                           "out the RDaSH NHS trust MARAC SOP steps for them there.")


def test_due_times_are_uk_local_and_default_to_nine_when_no_time_is_given() -> None:
    summer = plan(meeting([CASE], date="2026-07-02", time=None), "before", OPEN)
    assert {o.due.isoformat() for o in summer if o.due} == {"2026-07-02T09:00:00+01:00"}


def test_obligation_ids_are_stable_across_plans_and_distinct() -> None:
    cases = [with_outcome(), case(ref="DN-0413", outcome=OUTCOME)]
    for phase in ("before", "after", "followup"):
        first = [o.id for o in plan(meeting(cases), phase, OPEN)]
        again = [o.id for o in plan(meeting(cases), phase, OPEN)]
        assert first == again
        assert len(set(first)) == len(first)
        assert all(re.fullmatch(r"[0-9a-f]{20}", i) for i in first)
    moved = {**OPEN, ("Sarah JONES", "systmone"): record("S1-99", "Sarah Jones")}
    before = only(plan(meeting([CASE]), "before", OPEN), role="victim", action="alert")[0]
    other = only(plan(meeting([CASE]), "before", moved), role="victim", action="alert")[0]
    assert before.id != other.id


def test_obligation_ids_differ_across_phases() -> None:
    ids: list[str] = []
    for phase in ("before", "after", "followup"):
        ids += [o.id for o in plan(meeting([with_outcome()]), phase, OPEN, installed={"email"})]
    assert len(set(ids)) == len(ids)


def test_ids_hold_no_personal_data() -> None:
    for o in plan(meeting([with_outcome()]), "after", OPEN):
        assert "JONES" not in o.id.upper() and "1991" not in o.id
