"""Corrections shown and carried out once, and to-dos a person can read (issue 18, points 3 to 5; issue 12.6)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from marac_core.cli.demo import bundled
from marac_core.cli.main import main
from marac_core.model import calendar

DEMO = bundled()
RECORDS = DEMO / "records.yaml"
RDASH = DEMO / "rdash-meeting.yaml"
AFTER = "2026-12-03"


def marac(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def run(command: str, meeting: Path, state: Path, *extra: object, on: str = AFTER) -> dict:
    code, out, err = marac(command, meeting, "--sandbox", RECORDS, "--state", state, "--on", on, "--json", *extra)
    assert code == 0, err
    return json.loads(out)


def meeting_copy(tmp_path: Path, name: str, *changes: tuple[str, str]) -> Path:
    folder = tmp_path / "meeting"
    if not folder.exists():
        shutil.copytree(DEMO / "minutes", folder / "minutes")
    text = RDASH.read_text()
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    path = folder / name
    path.write_text(text)
    return path


def squash(table: str) -> str:
    """A rich table's text without its borders and the line breaks of its folded cells."""
    return re.sub(r"[\s│┃]", "", table)


def held(state: Path) -> dict:
    code, out, _ = marac("sandbox", "dump", "--state", state, "--json")
    assert code == 0
    return json.loads(out)


def live_alerts(state: Path) -> Counter:
    return Counter(a["record"] for a in held(state)["systmone"]["alerts"] if a["status"] == "active")


def test_a_corrected_outcome_is_listed_under_drift_and_corrected_once(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = run("apply", meeting_copy(tmp_path, "first.yaml"), state)
    assert first["drift"] == [] and first["summary"]["failed"] == 0
    corrected = meeting_copy(tmp_path, "corrected.yaml",
                             ("Offer a mental health assessment", "Offer a mental health assessment within 7 days"),
                             ('weapons"]', 'weapons and arson"]'))
    planned = run("plan", corrected, state)
    drift = {(d["record"], d["action"], d["what"]) for d in planned["drift"]}
    assert drift == {("S1-9001", "case_note", "text"), ("S1-9001", "alert", "text"), ("S1-9002", "alert", "text")}
    fixes = [o for o in planned["obligations"] if o.get("corrects")]
    assert {d["id"] for d in planned["drift"]} == {o["corrects"] for o in fixes}
    note = next(o for o in fixes if o["action"] == "case_note")
    assert "It said: - Offer a mental health assessment" in note["text"]
    assert "It now says: - Offer a mental health assessment within 7 days" in note["text"]
    assert sorted(o["action"] for o in fixes) == ["alert", "alert", "case_note", "expire_alert", "expire_alert"]
    # The plan changed nothing: the records still hold the first wording only.
    assert live_alerts(state) == Counter({"S1-9001": 1, "S1-9002": 1, "S1-9003": 1})

    applied = run("apply", corrected, state)
    assert {o["id"] for o in applied["obligations"] if o["status"] == "done"} == {o["id"] for o in fixes}
    alerts = held(state)["systmone"]["alerts"]
    assert live_alerts(state) == Counter({"S1-9001": 1, "S1-9002": 1, "S1-9003": 1})
    assert all("arson" in a["text"] for a in alerts if a["status"] == "active" and a["record"] != "S1-9003")
    notes = [n["text"] for n in held(state)["systmone"]["case_notes"]]
    assert len(notes) == 2 and notes[1].startswith("Amendment to the MARAC case note of ")

    again = run("apply", corrected, state)
    assert again["drift"] == [] and again["summary"]["done"] == 0
    assert len(held(state)["systmone"]["case_notes"]) == 2


def test_the_human_plan_shows_the_drift(tmp_path: Path) -> None:
    state = tmp_path / "state"
    run("apply", meeting_copy(tmp_path, "first.yaml"), state)
    corrected = meeting_copy(tmp_path, "corrected.yaml", ('weapons"]', 'weapons and arson"]'))
    code, out, _ = marac("plan", corrected, "--sandbox", RECORDS, "--state", state, "--on", AFTER)
    assert code == 0 and "Drift" in out and "S1-9002" in out


def test_a_meeting_whose_area_is_corrected_after_apply_ends_with_one_live_alert_per_record(tmp_path: Path) -> None:
    state = tmp_path / "state"
    typo = meeting_copy(tmp_path, "typo.yaml", ("area: Doncaster", "area: Doncastr"))
    run("apply", typo, state)
    fixed = meeting_copy(tmp_path, "fixed.yaml")
    applied = run("apply", fixed, state)
    assert any("taken as a correction" in w for w in applied["warnings"])
    assert {d["action"] for d in applied["drift"]} >= {"alert", "case_note"}
    alerts = held(state)["systmone"]["alerts"]
    assert live_alerts(state) == Counter({"S1-9001": 1, "S1-9002": 1, "S1-9003": 1})
    assert all("Doncaster" in a["text"] for a in alerts if a["status"] == "active")
    again = run("apply", fixed, state)
    assert again["summary"]["done"] == 0
    # What is left is what only the rep can correct (a document's title in Livelink): a task until done.
    waiting = {o["id"]: o for o in again["obligations"] if o.get("corrects")}
    assert all(waiting[i]["action"] == "task" for d in again["drift"] for i in d["corrected_by"])
    for d in again["drift"]:
        for task in d["corrected_by"]:
            assert marac("done", task, "--state", state)[0] == 0
    assert run("plan", fixed, state)["drift"] == []
    # status knows the meeting by its corrected name
    code, out, _ = marac("status", fixed, "--state", state, "--json")
    assert code == 0 and len(json.loads(out)) > 5


def test_a_meeting_whose_date_is_corrected_moves_the_alerts_expiry_without_a_second_alert(tmp_path: Path) -> None:
    state = tmp_path / "state"
    run("apply", meeting_copy(tmp_path, "wrong-date.yaml", ("date: 2026-12-03", "date: 2026-12-02")), state,
        on="2026-12-02")
    applied = run("apply", meeting_copy(tmp_path, "fixed.yaml"), state)
    assert "expires" in {d["what"] for d in applied["drift"]}
    assert live_alerts(state) == Counter({"S1-9001": 1, "S1-9002": 1, "S1-9003": 1})
    assert {a["expires"] for a in held(state)["systmone"]["alerts"] if a["status"] == "active"} == {"2027-12-03"}


def test_status_shows_the_person_what_to_do_in_full_the_hint_and_the_note(tmp_path: Path) -> None:
    state = tmp_path / "state"
    run("apply", RDASH, state)
    code, out, _ = marac("status", RDASH, "--state", state, "--json")
    rows = json.loads(out)
    ticks = next(r for r in rows if r["action"] == "template_ticks")
    assert ticks["person"] == "Lily JONES" and ticks["role"] == "child"
    assert ticks["text"].startswith("Victim details: Sarah JONES, date of birth 14/03/1991")
    task = next(r for r in rows if r["action"] == "task" and r["state"] == "to do")
    assert task["hint"] == f"mark it done with: marac done {task['id']}" and task["text"]
    code, out, _ = marac("done", task["id"], "--state", state, "--note", "Forms shredded on 3 Dec by A Rep")
    assert code == 0
    code, out, _ = marac("status", RDASH, "--state", state, "--json")
    done = next(r for r in json.loads(out) if r["id"] == task["id"])
    assert done["note"] == "Forms shredded on 3 Dec by A Rep" and done["hint"] is None
    # ... kept encrypted: not in the ledger's bytes
    assert b"shredded" not in b"".join(p.read_bytes() for p in state.glob("ledger.sqlite*"))
    code, out, _ = marac("status", RDASH, "--state", state)
    assert "Formsshredded" in squash(out) and "LilyJONES" in squash(out)
    code, out, _ = marac("show", ticks["id"], "--state", state)
    assert code == 0 and ticks["text"] in out


def test_the_human_apply_output_gives_each_manual_steps_hint(tmp_path: Path) -> None:
    code, out, _ = marac("apply", RDASH, "--sandbox", RECORDS, "--state", tmp_path / "s", "--on", AFTER)
    assert code == 0
    code, rows, _ = marac("status", RDASH, "--state", tmp_path / "s", "--json")
    manual = [r for r in json.loads(rows) if r["hint"]]
    assert manual and all(f"maracdone{r['id']}" in squash(out) for r in manual)


def test_done_notes_go_into_the_rdash_confirmation_to_the_marac_administrator(tmp_path: Path) -> None:
    state = tmp_path / "state"
    run("apply", RDASH, state)
    followup = run("apply", RDASH, state, "--phase", "followup", on="2026-12-04")
    actions = [o for o in followup["obligations"] if o["rule"] == "rdash 4.5 actions"]
    assert actions and all(o["status"] == "manual" for o in actions)
    for o in actions:
        assert marac("done", o["id"], "--state", state, "--note", "Assessment offered 4 Dec, accepted")[0] == 0
    run("apply", RDASH, state, "--phase", "followup", on="2026-12-04")
    mails = [m for m in held(state)["email"]["messages"] if "actions completed" in m["subject"]]
    assert len(mails) == 1
    assert "- Offer a mental health assessment\n  Done: Assessment offered 4 Dec, accepted" in mails[0]["body"]


def test_a_due_time_on_a_weekend_or_out_of_hours_moves_to_the_last_working_day_at_1700() -> None:
    saturday = calendar.at(dt.date(2026, 12, 5), dt.time(10, 0))
    assert calendar.in_working_hours(saturday) == calendar.at(dt.date(2026, 12, 4), dt.time(17, 0))
    evening = calendar.at(dt.date(2026, 12, 2), dt.time(19, 30))
    assert calendar.in_working_hours(evening) == calendar.at(dt.date(2026, 12, 2), dt.time(17, 0))
    early = calendar.at(dt.date(2026, 12, 7), dt.time(7, 0))  # a Monday, before work
    assert calendar.in_working_hours(early) == calendar.at(dt.date(2026, 12, 4), dt.time(17, 0))
    boxing_day = calendar.at(dt.date(2026, 12, 28), dt.time(12, 0))  # the substitute bank holiday
    assert calendar.in_working_hours(boxing_day) == calendar.at(dt.date(2026, 12, 24), dt.time(17, 0))
    working = calendar.at(dt.date(2026, 12, 3), dt.time(10, 0))
    assert calendar.in_working_hours(working) == working


def test_no_obligation_of_a_plan_falls_due_outside_working_hours(tmp_path: Path) -> None:
    herts = DEMO / "herts-meeting.yaml"
    for meeting in (RDASH, herts):
        for phase in ("before", "after", "followup"):
            plan = run("plan", meeting, tmp_path / meeting.stem, "--phase", phase)
            for o in plan["obligations"]:
                if o["due"] and o["action"] != "expire_alert":
                    due = dt.datetime.fromisoformat(o["due"]).astimezone(calendar.UK)
                    assert calendar.is_working_day(due.date()) and dt.time(9) <= due.time() <= dt.time(17), o


def test_a_corrected_recipient_gets_a_correction_to_the_earlier_message_once(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = meeting_copy(tmp_path, "first.yaml")
    run("apply", first, state)
    followup = run("apply", first, state, "--phase", "followup", on="2026-12-04")
    for o in followup["obligations"]:
        if o["rule"] == "rdash 4.5 actions":
            assert marac("done", o["id"], "--state", state)[0] == 0
    run("apply", first, state, "--phase", "followup", on="2026-12-04")
    corrected = meeting_copy(tmp_path, "corrected.yaml", ("email: marac@example.org", "email: marac.admin@example.org"))
    applied = run("apply", corrected, state, "--phase", "followup", on="2026-12-04")
    assert [(d["action"], d["what"]) for d in applied["drift"]] == [("email", "recipients")]
    mails = [m for m in held(state)["email"]["messages"] if "actions completed" in m["subject"]]
    assert [m["to"] for m in mails] == [["marac@example.org"], ["marac.admin@example.org"]]
    assert mails[1]["subject"].startswith("Correction to the earlier message: ")
    again = run("apply", corrected, state, "--phase", "followup", on="2026-12-04")
    assert again["drift"] == [] and again["summary"]["done"] == 0


def test_a_person_matched_to_another_record_after_apply_has_the_alert_on_the_first_expired_once(
        tmp_path: Path) -> None:
    # Harm prevented: a MARAC alert left live on a stranger's record (the perpetrator's date of birth was
    # mistyped and matched a namesake), or the correction written twice.
    records = tmp_path / "records.yaml"
    records.write_text(RECORDS.read_text().replace(
        "  - {id: S1-9002, name: Mark Jones, dob: 1988-07-01, open: true}\n",
        "  - {id: S1-9002, name: Mark Jones, dob: 1988-07-01, open: true}\n"
        "  - {id: S1-9902, name: Mark Jones, dob: 1979-11-30, open: true}\n"))
    state = tmp_path / "state"

    def run_on(command: str, meeting: Path) -> dict:
        code, out, err = marac(command, meeting, "--sandbox", records, "--state", state, "--on", AFTER, "--json")
        assert code == 0, err
        return json.loads(out)

    first = run_on("apply", meeting_copy(tmp_path, "first.yaml"))
    assert first["summary"]["failed"] == 0
    assert live_alerts(state)["S1-9002"] == 1
    corrected = meeting_copy(tmp_path, "corrected.yaml", ("{name: Mark JONES, dob: 1988-07-01}",
                                                         "{name: Mark JONES, dob: 1979-11-30}"))
    planned = run_on("plan", corrected)
    moved = [d for d in planned["drift"] if d["what"] == "record"]
    assert {(d["record"], d["action"]) for d in moved} == {("S1-9002", "alert")}
    expiry = [o for o in planned["obligations"] if o.get("corrects") == moved[0]["id"]]
    assert [(o["action"], o["record"]) for o in expiry] == [("expire_alert", "S1-9002")]
    assert "now matched to record S1-9902" in expiry[0]["text"]
    assert live_alerts(state)["S1-9002"] == 1  # the plan changed nothing

    run_on("apply", corrected)
    assert live_alerts(state)["S1-9002"] == 0 and live_alerts(state)["S1-9902"] == 1
    again = run_on("apply", corrected)
    assert again["summary"]["done"] == 0 and [d for d in again["drift"] if d["what"] == "record"] == []
    assert live_alerts(state)["S1-9902"] == 1
