"""Follow-up: status, manual steps, deadlines across meetings, and alerts expired after 12 months."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from marac_core.cli.demo import bundled
from marac_core.cli.main import main
from marac_core.state.ledger import Ledger

DEMO = bundled()
RECORDS = DEMO / "records.yaml"
RDASH = DEMO / "rdash-meeting.yaml"


def marac(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout


def apply(state: Path, on: str, phase: str | None = None) -> dict:
    extra = ["--phase", phase] if phase else []
    code, out = marac("apply", RDASH, "--sandbox", RECORDS, "--state", state, "--on", on, "--json", *extra)
    assert code == 0, out
    return json.loads(out)


def systmone_alerts(state: Path) -> list[dict]:
    code, out = marac("sandbox", "dump", "--state", state, "--json")
    return json.loads(out)["systmone"]["alerts"]


def test_alerts_come_up_to_expire_after_twelve_months_and_apply_expires_each_once(tmp_path: Path) -> None:
    apply(tmp_path, "2026-12-01")
    assert {a["status"] for a in systmone_alerts(tmp_path)} == {"active"}
    early = apply(tmp_path, "2027-12-02", "followup")
    assert not [o for o in early["obligations"] if o["action"] == "expire_alert"], "expired before its date"
    due = apply(tmp_path, "2027-12-03", "followup")
    expiring = [o for o in due["obligations"] if o["action"] == "expire_alert"]
    assert len(expiring) == 3 and {o["status"] for o in expiring} == {"done"}
    assert {o["person"] for o in expiring} == {"Sarah JONES", "Mark JONES", "Chloe BROWN"}
    assert {a["status"] for a in systmone_alerts(tmp_path)} == {"inactive"}
    again = apply(tmp_path, "2027-12-04", "followup")
    assert {o["status"] for o in again["obligations"] if o["action"] == "expire_alert"} == {"already_done"}


def test_status_shows_each_obligation_state_and_due_time(tmp_path: Path) -> None:
    applied = apply(tmp_path, "2026-12-01")
    code, out = marac("status", RDASH, "--state", tmp_path, "--json")
    assert code == 0
    rows = {r["id"]: r for r in json.loads(out)}
    for obligation in applied["obligations"]:
        row = rows[obligation["id"]]
        assert row["due"] == obligation["due"]
        assert row["state"] == ("done" if obligation["status"] == "done" else "to do")


def test_a_manual_step_marked_done_is_done_and_releases_what_waits_for_it(tmp_path: Path) -> None:
    apply(tmp_path, "2026-12-03")
    followup = apply(tmp_path, "2026-12-04", "followup")
    tasks = [o for o in followup["obligations"] if o["rule"] == "rdash 4.5 actions"]
    email = next(o for o in followup["obligations"] if o["rule"] == "rdash 4.5 confirmation")
    assert email["status"] == "skipped" and tasks
    for task in tasks:
        code, _ = marac("done", task["id"], "--state", tmp_path)
        assert code == 0
    again = apply(tmp_path, "2026-12-04", "followup")
    statuses = {o["id"]: o["status"] for o in again["obligations"]}
    assert {statuses[t["id"]] for t in tasks} == {"already_done"}
    assert statuses[email["id"]] == "done"
    # Each step the rep marked done has its line in the audit log, and the chain is unbroken.
    ledger = Ledger.at(tmp_path)
    try:
        by_hand = {e["obligation"] for e in ledger.audit.entries() if e["outcome"] == "done by hand"}
        assert by_hand == {t["id"] for t in tasks}
        assert ledger.audit.verify().intact
    finally:
        ledger.close()


def test_marking_an_unknown_obligation_done_is_bad_input(tmp_path: Path) -> None:
    apply(tmp_path, "2026-12-01")
    result = CliRunner().invoke(main, ["done", "no-such-id", "--state", str(tmp_path)])
    assert result.exit_code == 2 and "no-such-id" in result.stderr


def test_due_lists_overdue_work_and_upcoming_expiries_and_exports_a_calendar(tmp_path: Path) -> None:
    apply(tmp_path, "2026-12-01")
    code, out = marac("due", "--state", tmp_path, "--on", "2026-12-05", "--json")
    assert code == 0
    items = json.loads(out)["deadlines"]
    overdue = [i for i in items if i["overdue"]]
    assert overdue and all(i["action"] == "task" for i in overdue)  # the research tasks, due at the meeting
    expiries = [i for i in items if i["action"] == "expire_alert"]
    assert len(expiries) == 3 and {i["due"][:10] for i in expiries} == {"2027-12-03"}
    ics = tmp_path / "due.ics"
    code, _ = marac("due", "--state", tmp_path, "--ics", ics)
    text = ics.read_text()
    assert code == 0 and text.count("BEGIN:VEVENT") == len(items)
    # What a calendar shows to others (the summary) names nobody; the event is confidential.
    summaries = [line for line in text.replace("\r\n ", "").splitlines() if line.startswith("SUMMARY")]
    assert len(summaries) == len(items) and not [s for s in summaries if "Sarah" in s or "JONES" in s]
    assert text.count("CLASS:CONFIDENTIAL") == len(items)


def test_the_calendar_parses_and_carries_the_timezone_its_times_refer_to(tmp_path: Path) -> None:
    from icalendar import Calendar

    apply(tmp_path, "2026-12-01")
    code, _ = marac("due", "--state", tmp_path, "--on", "2026-12-05", "--ics", tmp_path / "due.ics")
    assert code == 0
    cal = Calendar.from_ical((tmp_path / "due.ics").read_bytes())
    zones = [c for c in cal.walk("VTIMEZONE")]
    assert [str(z["TZID"]) for z in zones] == ["Europe/London"]
    assert {c.name for c in zones[0].subcomponents} == {"STANDARD", "DAYLIGHT"}
    events = cal.walk("VEVENT")
    assert events and all(e["DTSTART"].params["TZID"] == "Europe/London" for e in events)
    # The person, as the meeting file names them, and the full wording are in the description.
    assert [e for e in events if "case DN-0412, victim Sarah JONES" in str(e["DESCRIPTION"])]


def test_purge_keeps_a_meeting_until_its_alerts_are_expired_and_its_retention_is_over(tmp_path: Path) -> None:
    apply(tmp_path, "2026-12-01")
    code, out = marac("purge", RDASH, "--state", tmp_path, "--on", "2027-01-10")
    assert code == 0 and "retention period" in out
    code, out = marac("purge", RDASH, "--state", tmp_path, "--on", "2028-01-10")
    assert "has not been expired" in out
    apply(tmp_path, "2027-12-03", "followup")
    code, out = marac("purge", "--state", tmp_path, "--on", "2028-01-10")
    assert code == 0 and "purged" in out
    code, out = marac("status", RDASH, "--state", tmp_path, "--json")
    assert json.loads(out) == []
    code, out = marac("audit", "verify", "--state", tmp_path)
    assert code == 0, out  # the audit log is untouched by a purge


def test_an_obligation_the_plan_no_longer_holds_is_withdrawn_and_not_reported_as_owed(tmp_path: Path) -> None:
    undecided = tmp_path / "undecided.yaml"
    shutil.copytree(RDASH.parent / "minutes", tmp_path / "minutes")  # attachments only from the meeting's folder
    text = RDASH.read_text().replace("- {name: Lily JONES, in_contact: true}", "- {name: Lily JONES}")
    undecided.write_text(text)
    code, out = marac("apply", undecided, "--sandbox", RECORDS, "--state", tmp_path, "--on", "2026-12-03", "--json")
    waiting = next(o for o in json.loads(out)["obligations"] if o["rule"] == "rdash 4.6.1 alert")
    assert waiting["status"] == "skipped"  # waiting to know whether the child is in contact
    # The meeting records that the child is not in contact: the alert is no longer asked for.
    undecided.write_text(text.replace("- {name: Lily JONES}", "- {name: Lily JONES, in_contact: false}"))
    code, out = marac("apply", undecided, "--sandbox", RECORDS, "--state", tmp_path, "--on", "2026-12-03", "--json")
    assert code == 0 and waiting["id"] not in {o["id"] for o in json.loads(out)["obligations"]}
    code, out = marac("due", "--state", tmp_path, "--on", "2026-12-05", "--json")
    assert waiting["id"] not in {d["id"] for d in json.loads(out)["deadlines"]}
    code, out = marac("status", undecided, "--state", tmp_path, "--json")
    assert {r["id"]: r["state"] for r in json.loads(out)}[waiting["id"]] == "withdrawn"


def test_what_can_fall_due_is_every_entry_due_reads_and_nothing_more(tmp_path: Path) -> None:
    # Harm prevented: a deadline missing from marac due (an alert never expired, a task never done)
    # because the ledger's query for what can fall due left it out.
    import datetime as dt

    from marac_core.followup.deadlines import _deadline
    from marac_core.model import calendar

    state = tmp_path / "state"
    apply(state, "2026-12-01", "before")
    apply(state, "2026-12-03")
    ledger = Ledger.at(state)
    try:
        entries = ledger.all_entries()
        some = next(e for _, e in entries if e.state == "planned" or e.action == "task")
        marac("done", some.id, "--state", str(state))
        now = dt.datetime.combine(dt.date(2026, 12, 4), dt.time(9), tzinfo=calendar.UK)
        everything = {(m, e.id) for m, e in ledger.all_entries() if _deadline(e, now) is not None}
        coming = {(m, e.id) for m, e in ledger.coming_due()}
        assert everything and coming == everything
        states = {e.state for _, e in ledger.all_entries()}
        assert {"done", "manual"} & states  # the ledger holds carried-out and manual entries to tell apart
    finally:
        ledger.close()
