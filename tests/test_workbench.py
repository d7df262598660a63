"""The workbench over plain HTTP: who may use it, what it refuses, and that the meeting file stays the truth."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from workbench.harness import Served, csrf_of, demo_copy, start, start_demo

from marac_core.intake.meeting_file import load_meeting

NAMES = ("Sarah", "JONES", "Jones", "Chloe", "BROWN", "Mark", "Lily", "Jordan", "SMITH", "Priya")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_copy(tmp_path_factory.mktemp("workbench"))


@pytest.fixture(scope="module")
def served(folder: Path) -> Iterator[Served]:
    server = start_demo(folder)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def rep(served: Served) -> Iterator[httpx.Client]:
    client = httpx.Client(base_url=served.base, timeout=60, follow_redirects=True)
    assert client.get(served.url).status_code == 200  # follows the redirect with the session cookie
    yield client
    client.close()


def test_a_request_without_the_token_or_session_is_refused(served: Served) -> None:
    for path in ("/", "/meetings/1", "/meetings/1/cases/1", "/followup", "/audit", "/static/workbench.js"):
        assert httpx.get(served.base + path).status_code == 401, path
    assert httpx.get(served.base + "/?token=not-the-token").status_code == 403


def test_the_one_time_token_becomes_a_session_and_cannot_be_used_again(served: Served, rep: httpx.Client) -> None:
    # ``rep`` has used the token: anyone else holding the printed URL is refused.
    again = httpx.get(served.url)
    assert again.status_code == 403
    assert served.url.startswith("http://127.0.0.1:")
    cookie = next(c for c in rep.cookies.jar)
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert (cookie.get_nonstandard_attr("SameSite") or "").lower() == "strict"


def test_the_token_never_stays_in_the_address_bar(served: Served, folder: Path) -> None:
    fresh = start(folder, "rdash-meeting.yaml", "--sandbox", "records.yaml", "--state", "state-token")
    try:
        first = httpx.get(fresh.url)
        assert first.status_code == 303
        assert first.headers["location"] == "/"
        assert "httponly" in first.headers["set-cookie"].lower()
    finally:
        fresh.stop()


def test_every_page_sends_a_strict_content_security_policy(rep: httpx.Client) -> None:
    page = rep.get("/meetings/1")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text and " on" + "click=" not in page.text and 'style="' not in page.text


def test_a_form_without_the_csrf_token_changes_nothing(rep: httpx.Client, folder: Path) -> None:
    before = (folder / "rdash-meeting.yaml").read_bytes()
    for path, data in (("/meetings/1/cases/2/outcome", {"summary": "forged"}),
                       ("/meetings/1/reviews", {"review": "DN-0412/perpetrator-0/systmone", "decision": "reject"}),
                       ("/meetings/1/apply", {"phase": "before"}),
                       ("/followup/done", {"obligation": "x", "note": "forged"})):
        assert rep.post(path, data=data).status_code == 403, path
        assert rep.post(path, data={**data, "csrf": "0" * 64}).status_code == 403, path
    assert (folder / "rdash-meeting.yaml").read_bytes() == before


def test_no_name_reaches_a_url(rep: httpx.Client) -> None:
    for path in ("/", "/meetings/1", "/meetings/1/cases/1", "/meetings/1/reviews", "/followup", "/meetings/2"):
        page = rep.get(path).text
        for url in re.findall(r'(?:href|action|hx-post|hx-get)="([^"]*)"', page):
            assert not any(name.casefold() in url.casefold() for name in NAMES), (path, url)


def test_the_outcome_is_saved_to_the_meeting_file_strictly_valid(rep: httpx.Client, folder: Path) -> None:
    page = rep.get("/meetings/1/cases/2").text
    saved = rep.post("/meetings/1/cases/2/outcome", data={
        "csrf": csrf_of(page), "summary": "Both under 18; school involved.", "risk_factors": "Stalking\nThreats",
        "action-0-agency": "RDaSH", "action-0-text": "Offer a CAMHS assessment", "action-0-person": "Chloe BROWN",
        "action-0-due": "2026-12-10"}, headers={"hx-request": "true"})
    assert saved.status_code == 200 and "Saved to the meeting file" in saved.text
    meeting = load_meeting(folder / "rdash-meeting.yaml")  # as marac check reads it
    outcome = meeting.cases[1].outcome
    assert outcome is not None and outcome.summary == "Both under 18; school involved."
    assert outcome.risk_factors == ["Stalking", "Threats"]
    assert outcome.actions[0].person == "Chloe BROWN" and str(outcome.actions[0].due) == "2026-12-10"
    assert (folder / "rdash-meeting.yaml").read_text().startswith("meeting:")
    check = subprocess.run([sys.executable, "-m", "marac_core.cli.main", "check", "rdash-meeting.yaml"], cwd=folder,
                           capture_output=True, text=True)
    assert check.returncode in (0, 2)  # `marac check` may not be in this version; where it is, the file passes
    if "No such command" not in check.stderr:
        assert check.returncode == 0, check.stderr


def test_a_typo_in_the_outcome_is_refused_with_its_reason_and_the_file_kept(rep: httpx.Client, folder: Path) -> None:
    before = (folder / "rdash-meeting.yaml").read_bytes()
    page = rep.get("/meetings/1/cases/2").text
    refused = rep.post("/meetings/1/cases/2/outcome", data={
        "csrf": csrf_of(page), "summary": "Kept on screen", "action-0-agency": "RDaSH", "action-0-text": "Visit",
        "action-0-due": "2026-13-40", "save": "yes"})
    assert refused.status_code == 400
    assert "Not saved" in refused.text and "actions[0].due" in refused.text
    assert "Kept on screen" in refused.text and "2026-13-40" in refused.text  # nothing the rep typed is lost
    assert (folder / "rdash-meeting.yaml").read_bytes() == before
    as_typed = rep.post("/meetings/1/cases/2/outcome", data={
        "csrf": csrf_of(page), "action-0-agency": "RDaSH", "action-0-text": "Visit", "action-0-due": "tomorrow"},
        headers={"hx-request": "true"})
    assert as_typed.status_code == 400 and "Not saved" in as_typed.text and "actions[0].due" in as_typed.text
    assert (folder / "rdash-meeting.yaml").read_bytes() == before


def test_an_action_half_typed_is_kept_on_screen_while_the_rest_is_saved(rep: httpx.Client, folder: Path) -> None:
    page = rep.get("/meetings/1/cases/2").text
    held = load_meeting(folder / "rdash-meeting.yaml").cases[1].outcome
    actions_before = held.actions if held else []
    rows = {f"action-{i}-{name}": str(getattr(a, name) or "") for i, a in enumerate(actions_before)
            for name in ("agency", "text", "due", "person")}  # the rows already saved, as the page sends them
    new = len(actions_before)
    saved = rep.post("/meetings/1/cases/2/outcome", data={
        "csrf": csrf_of(page), "summary": "Saved while typing", **rows, f"action-{new}-agency": "RDaSH"},
        headers={"hx-request": "true"})
    assert saved.status_code == 200 and f"Action {new + 1}: saved once it has" in saved.text
    outcome = load_meeting(folder / "rdash-meeting.yaml").cases[1].outcome
    assert outcome is not None and outcome.summary == "Saved while typing" and outcome.actions == actions_before


def test_an_action_for_someone_not_on_the_case_is_refused(rep: httpx.Client, folder: Path) -> None:
    before = (folder / "rdash-meeting.yaml").read_bytes()
    page = rep.get("/meetings/1/cases/2").text
    refused = rep.post("/meetings/1/cases/2/outcome", data={
        "csrf": csrf_of(page), "action-0-agency": "RDaSH", "action-0-text": "Visit",
        "action-0-person": "Sarah JONES"}, headers={"hx-request": "true"})
    assert refused.status_code == 400 and "not one of this case" in refused.text
    assert (folder / "rdash-meeting.yaml").read_bytes() == before


def test_uploaded_minutes_stay_in_the_meeting_folder_whatever_their_name(rep: httpx.Client, folder: Path) -> None:
    page = rep.get("/meetings/1/cases/2").text
    saved = rep.post("/meetings/1/cases/2/outcome", data={"csrf": csrf_of(page), "summary": "With minutes"},
                     files={"minutes": ("../../../../etc/evil.pdf", b"%PDF-1.4 minutes", "application/pdf")},
                     headers={"hx-request": "true"})
    assert saved.status_code == 200, saved.text
    meeting = load_meeting(folder / "rdash-meeting.yaml")
    minutes = meeting.cases[1].outcome.minutes  # type: ignore[union-attr]
    assert minutes == "minutes/case-2-minutes.pdf"
    assert (folder / minutes).read_bytes() == b"%PDF-1.4 minutes"
    assert not list(folder.parent.glob("evil*")) and not Path("/etc/evil.pdf").exists()


def test_minutes_of_a_type_that_is_not_a_document_are_refused(rep: httpx.Client, folder: Path) -> None:
    before = (folder / "rdash-meeting.yaml").read_bytes()
    page = rep.get("/meetings/1/cases/2").text
    refused = rep.post("/meetings/1/cases/2/outcome", data={"csrf": csrf_of(page)},
                       files={"minutes": ("run.sh", b"#!/bin/sh", "text/x-sh")}, headers={"hx-request": "true"})
    assert refused.status_code == 400 and "expected one of" in refused.text
    assert (folder / "rdash-meeting.yaml").read_bytes() == before


def test_a_new_meeting_from_an_uploaded_meeting_file_lives_under_the_state_folder(rep: httpx.Client,
                                                                                 folder: Path) -> None:
    data = yaml.safe_load((folder / "herts-meeting.yaml").read_text())
    for case in data["cases"]:
        case.pop("outcome", None)  # its minutes are in the other folder
    text = yaml.safe_dump(data, sort_keys=False)
    page = rep.get("/").text
    created = rep.post("/meetings/new", data={"csrf": csrf_of(page)},
                       files={"file": ("../outside.yaml", text.encode(), "application/yaml")}, follow_redirects=False)
    assert created.status_code == 303
    number = int(created.headers["location"].rsplit("/", 1)[1])
    kept = list((folder / "state" / "workbench" / "meetings").glob("*/meeting.yaml"))
    assert len(kept) == 1 and yaml.safe_load(kept[0].read_text()) == yaml.safe_load(text)
    assert not (folder.parent / "outside.yaml").exists()
    assert rep.get(f"/meetings/{number}").status_code == 200


def test_an_invalid_uploaded_meeting_is_refused_naming_the_field_and_nothing_kept(rep: httpx.Client,
                                                                                  folder: Path) -> None:
    page = rep.get("/").text
    held = set((folder / "state" / "workbench" / "meetings").glob("*"))
    bad = b"meeting: {area: Stevenage, date: 2026-02-30}\ncases: []\n"
    refused = rep.post("/meetings/new", data={"csrf": csrf_of(page)}, files={"file": ("m.yaml", bad, "text/yaml")})
    assert refused.status_code == 400 and "meeting.date" in refused.text
    assert set((folder / "state" / "workbench" / "meetings").glob("*")) == held


def test_bad_input_on_the_command_line_exits_2_with_one_line_and_serves_nothing(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "marac_core.cli.main", "workbench", "missing.yaml", "--no-browser"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.strip().count("\n") == 0 and "missing.yaml" in run.stderr


def test_the_server_log_holds_no_personal_data(rep: httpx.Client, served: Served) -> None:
    for path in ("/meetings/1", "/meetings/1/cases/1", "/meetings/2/cases/1", "/followup"):
        rep.get(path)
    log = served.stderr_path.read_text()
    assert not any(name in log for name in NAMES), log


def test_the_demo_opens_in_the_workbench(tmp_path: Path) -> None:
    """``scripts/demo --workbench`` (``marac demo --workbench``): the README's first command, in the browser."""
    process = subprocess.Popen([sys.executable, "-m", "marac_core.cli.main", "demo", "--workbench", "--no-browser",
                                "--state", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("workbench http://127.0.0.1:"), process.stderr.read() if process.poll() else line
        url = line.split()[1]
        with httpx.Client(base_url=url.split("/?")[0], follow_redirects=True, timeout=60) as client:
            listed = client.get(url).text
            assert "Stevenage" in listed and "Doncaster" in listed
            meeting = client.get("/meetings/2").text
            assert "DN-0412" in meeting and "to review" in meeting
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert (tmp_path / "demo-meetings" / "rdash-meeting.yaml").exists()


def test_a_step_done_with_a_note_keeps_the_note_and_no_plaintext_of_it(rep: httpx.Client, folder: Path) -> None:
    page = rep.get("/meetings/1?phase=before").text
    applied = rep.post("/meetings/1/apply", data={"csrf": csrf_of(page), "phase": "before"})
    assert applied.status_code == 200
    for _ in range(600):  # the page polls; so does the rep's browser (each answer is observed, never a sleep)
        if "apply-finished" in applied.text or "apply-running" not in applied.text:
            break
        applied = rep.get(str(applied.url))
    assert "apply-finished" in applied.text
    todo = rep.get("/followup").text
    obligation = re.search(r'<section class="wb-todo[^"]*"[^>]*data-obligation="([0-9a-f]+)"', todo)
    assert obligation and 'class="wb-done"' in todo
    note = "Rang Kim Patel about Sarah"
    done = rep.post("/followup/done", data={"csrf": csrf_of(todo), "obligation": obligation.group(1), "note": note})
    assert done.status_code == 200 and note in done.text and "marked-done" in done.text
    status = subprocess.run([sys.executable, "-m", "marac_core.cli.main", "status", "rdash-meeting.yaml", "--state",
                             "state", "--json"], cwd=folder, capture_output=True, text=True)
    assert any(r["id"] == obligation.group(1) and r["state"] == "done by hand" for r in yaml.safe_load(status.stdout))
    for held in (folder / "state").rglob("*"):
        if held.is_file():
            assert note.encode() not in held.read_bytes(), held


def test_a_step_marked_done_without_saying_what_was_done_is_refused(rep: httpx.Client) -> None:
    todo = rep.get("/followup").text
    refused = rep.post("/followup/done", data={"csrf": csrf_of(todo), "obligation": "0" * 20, "note": " "})
    assert refused.status_code == 400 and "say what was done" in refused.text


def test_the_calendar_export_names_no_one(rep: httpx.Client) -> None:
    exported = rep.get("/followup/calendar.ics")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in exported.content
    assert not any(name.encode() in exported.content for name in NAMES)


def test_the_audit_log_is_shown_with_its_verification(rep: httpx.Client) -> None:
    page = rep.get("/audit").text
    assert 'id="audit-verdict"' in page and "intact" in page and "done by hand" in page


def test_a_request_for_another_host_name_is_refused(served: Served, rep: httpx.Client) -> None:
    """A web page elsewhere that rebinds its own name to 127.0.0.1 reaches nothing."""
    port = served.base.rsplit(":", 1)[1]
    assert rep.get("/", headers={"host": f"attacker.example:{port}"}).status_code == 400


def test_two_applies_at_once_write_each_alert_once(folder: Path) -> None:
    """The rep presses Carry out twice (or two tabs do): every record still gets one alert, one tick, one note."""
    import json

    fresh = start(folder, "rdash-meeting.yaml", "--sandbox", "records.yaml", "--state", "state-twice")
    try:
        with httpx.Client(base_url=fresh.base, follow_redirects=True, timeout=120) as client:
            page = client.get(fresh.url).text
            first = client.post("/meetings/1/apply", data={"csrf": csrf_of(page), "phase": "before"})
            second = client.post("/meetings/1/apply", data={"csrf": csrf_of(page), "phase": "before"})
            for job in (first, second):
                answer = job
                for _ in range(600):  # observed: each poll answers at once, finished or not
                    if "apply-running" not in answer.text:
                        break
                    answer = client.get(str(job.url))
                assert "apply-finished" in answer.text, answer.text[:500]
    finally:
        fresh.stop()
    dump = subprocess.run([sys.executable, "-m", "marac_core.cli.main", "sandbox", "dump", "--state", "state-twice",
                           "--json"], cwd=folder, capture_output=True, text=True, check=True)
    held = json.loads(dump.stdout)
    alerts = [(a["record"], a["text"]) for a in held["systmone"]["alerts"]]
    assert alerts and len(alerts) == len(set(alerts))
    ticks = [json.dumps(t, sort_keys=True, default=str) for t in held["systmone"]["template_ticks"]]
    assert len(ticks) == len(set(ticks))


def test_the_session_ends_when_the_server_stops(folder: Path) -> None:
    first = start(folder, "rdash-meeting.yaml", "--sandbox", "records.yaml", "--state", "state-session")
    try:
        with httpx.Client(base_url=first.base, follow_redirects=True, timeout=60) as client:
            client.get(first.url)
            session = dict(client.cookies)
            assert client.get("/").status_code == 200
    finally:
        first.stop()
    second = start(folder, "rdash-meeting.yaml", "--sandbox", "records.yaml", "--state", "state-session")
    try:
        assert httpx.get(second.base + "/", cookies=session).status_code == 401
    finally:
        second.stop()


def test_the_outcome_form_saves_without_javascript(rep: httpx.Client, folder: Path) -> None:
    page = rep.get("/meetings/1/cases/2").text
    saved = rep.post("/meetings/1/cases/2/outcome", data={"csrf": csrf_of(page), "summary": "Saved by the button",
                                                         "save": "yes"}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].startswith("/meetings/1/cases/2?saved=1")
    outcome = load_meeting(folder / "rdash-meeting.yaml").cases[1].outcome
    assert outcome is not None and outcome.summary == "Saved by the button"
    assert "Saved by the button" in rep.get(saved.headers["location"]).text


def test_a_new_meeting_from_the_coordinators_spreadsheet_is_imported_and_kept_as_a_checked_meeting_file(
        rep: httpx.Client, folder: Path) -> None:
    # The rep uploads the agenda as it arrived; nothing is retyped, and every person on it is kept.
    from marac_core.cli.demo import bundled
    from marac_core.cli.demo.agendas import AGENDAS

    agenda = bundled() / AGENDAS["herts-meeting.yaml"]
    held = set((folder / "state" / "workbench" / "meetings").glob("*/meeting.yaml"))
    page = rep.get("/").text
    created = rep.post("/meetings/new", data={"csrf": csrf_of(page), "procedure": "herts-childrens"},
                       files={"file": ("agenda.xlsx", agenda.read_bytes(), "application/octet-stream")},
                       follow_redirects=False)
    assert created.status_code == 303, created.text
    kept = set((folder / "state" / "workbench" / "meetings").glob("*/meeting.yaml")) - held
    assert len(kept) == 1
    imported = yaml.safe_load(kept.pop().read_text())
    assert imported["meeting"]["procedure"] == "herts-childrens"
    hand_written = yaml.safe_load((bundled() / "herts-meeting.yaml").read_text())
    people = [(c["ref"], c["victim"]["name"], [ch["name"] for ch in c.get("children", [])]) for c in imported["cases"]]
    assert people == [(c["ref"], c["victim"]["name"], [ch["name"] for ch in c.get("children", [])])
                      for c in hand_written["cases"]]
    shown = rep.get(created.headers["location"])
    assert shown.status_code == 200, shown.text[-2000:]
