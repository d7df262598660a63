"""marac apply: exactly once through the adapters, whatever faults and crashes happen (issue 3)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from marac_core.cli.demo import bundled
from marac_core.cli.main import main

DEMO = bundled()
RECORDS = DEMO / "records.yaml"
RDASH = DEMO / "rdash-meeting.yaml"
HERTS = DEMO / "herts-meeting.yaml"
AFTER = "2026-12-03"


def marac(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout


def apply(meeting: Path, state: Path, *extra: str) -> tuple[int, dict]:
    code, out = marac("apply", str(meeting), "--sandbox", str(RECORDS), "--state", str(state), "--on", AFTER,
                      "--json", *extra)
    return code, json.loads(out)


def writes(state: Path) -> Counter:
    """Every write the sandbox systems hold, as comparable tuples (ids the systems assign left out)."""
    code, out = marac("sandbox", "dump", "--state", str(state), "--json")
    assert code == 0
    held = json.loads(out)
    found: Counter = Counter()
    for system, contents in held.items():
        for kind, items in contents.items():
            if not isinstance(items, list):
                continue
            for item in items:
                kept = {k: v for k, v in item.items() if k in ("record", "title", "text", "expires", "status",
                                                             "boxes", "to", "cc", "subject", "body", "attachments",
                                                             "filename")}
                if str(kept.get("subject", "")).endswith(": password"):
                    kept["body"] = "(the archive's password, which differs per runner key)"
                found[(system, kind, json.dumps(kept, sort_keys=True))] += 1
    return found


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> Counter:
    state = tmp_path_factory.mktemp("clean")
    for meeting in (RDASH, HERTS):
        code, _ = apply(meeting, state)
        assert code == 0
    return writes(state)


def test_apply_writes_each_obligation_and_reports_done(expected: Counter) -> None:
    kinds = Counter((system, kind) for system, kind, _ in expected.elements())
    assert kinds[("systmone", "alerts")] == 3  # victim, perpetrator and the child in contact: after-meeting run
    assert kinds[("lcs", "case_notes")] == 2
    assert kinds[("email", "messages")] == 5  # two minutes emails each with a password message, one action email
    assert all(count == 1 for count in expected.values()), "a write landed twice"


def test_apply_twice_gives_identical_records_and_the_second_run_does_nothing_new(tmp_path: Path,
                                                                                  expected: Counter) -> None:
    code, first = apply(RDASH, tmp_path)
    assert code == 0 and first["summary"]["done"] > 0
    after_first = writes(tmp_path)
    code, second = apply(RDASH, tmp_path)
    assert code == 0
    assert second["summary"]["done"] == 0
    assert second["summary"]["already_done"] == first["summary"]["done"]
    assert writes(tmp_path) == after_first


def test_with_30_percent_transient_faults_everything_is_done_within_three_runs_without_duplicates(
        tmp_path: Path, expected: Counter) -> None:
    for meeting in (RDASH, HERTS):
        for run in range(3):
            code, report = apply(meeting, tmp_path, "--sandbox-fault-rate", "0.3", "--sandbox-seed", str(run + 7))
            if code == 0:
                break
        assert code == 0, report["summary"]
    assert writes(tmp_path) == expected


def test_a_write_the_system_acknowledged_survives_the_runner_being_killed(tmp_path: Path) -> None:
    state = tmp_path / "state"
    process = _start_apply(RDASH, state, latency_ms=0)
    # Wait until the emulated SystmOne has acknowledged a write, then kill the runner at once.
    deadline = time.monotonic() + 60
    database = state / "sandbox" / "systmone.sqlite"
    import sqlite3

    while time.monotonic() < deadline:
        if database.exists():
            try:
                with sqlite3.connect(database) as db:
                    count = db.execute("SELECT count(*) FROM docs WHERE collection LIKE '%Flag%' "
                                       "OR doc LIKE '%\"Flag\"%'").fetchone()[0]
            except sqlite3.Error:
                count = 0
            if count:
                break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert sum(1 for (system, kind, _) in writes(state).elements() if kind == "alerts") >= 1


def _start_apply(meeting: Path, state: Path, latency_ms: int, concurrency: int = 8) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "marac_core.cli.main", "apply", str(meeting), "--sandbox", str(RECORDS), "--state",
         str(state), "--on", AFTER, "--json", "--sandbox-latency-ms", str(latency_ms),
         "--concurrency", str(concurrency)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _writes_held(state: Path) -> int:
    """How many documents the emulated systems hold (each acknowledged write adds at least one)."""
    import sqlite3

    total = 0
    for database in (state / "sandbox").glob("*.sqlite"):
        try:
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as db:
                total += db.execute("SELECT count(*) FROM docs").fetchone()[0]
        except sqlite3.Error:
            continue
    return total


def test_runs_killed_at_random_moments_then_completed_leave_every_write_exactly_once(
        tmp_path: Path, expected: Counter) -> None:
    """Each run is killed right after the sandbox acknowledged a new write (and a random moment more, up to
    one request's latency and 5 ms), so the kills land mid-run on any machine, however fast or loaded: often between a write landing
    and the ledger recording it, which is what reconciliation by marker exists for. Runs go on until one
    finishes by itself (or six were killed)."""
    rng = random.Random(20261203)
    state = tmp_path / "state"
    kills = 0
    for meeting in (RDASH, HERTS):
        code, _ = marac("plan", str(meeting), "--sandbox", str(RECORDS), "--state", str(state), "--on", AFTER)
        assert code == 0  # the sandbox is seeded: from here on, new documents are writes
        for _ in range(6):
            before = _writes_held(state)
            # One request in flight, so that a kill stops a run between two writes rather than after a burst;
            # each write then takes at least the latency, so the kill lands before the run has finished the
            # meeting however quick the runner is (at no latency a loaded machine's watcher could be too late).
            latency_ms = rng.choice([5, 10, 20])
            process = _start_apply(meeting, state, latency_ms=latency_ms, concurrency=1)
            while process.poll() is None and _writes_held(state) <= before:
                time.sleep(0.002)
            # A random moment within about one more request: a fixed 20 ms let a run at no latency finish
            # the meeting before it could be killed, now that a write costs the runner a few ms.
            time.sleep(rng.uniform(0, (latency_ms + 5) / 1000))
            if process.poll() is not None:
                process.wait()
                break  # it finished: everything of this meeting is written
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
        code, report = apply(meeting, state)
        assert code == 0, report["summary"]
    assert kills >= 6, "the runs finished before they could be killed; the test proved nothing"
    assert writes(state) == expected


def test_nothing_of_the_after_phase_is_written_before_the_meeting_has_taken_place(tmp_path: Path) -> None:
    code, report = apply(RDASH, tmp_path, "--phase", "after", "--on", "2026-12-02")
    statuses = {o["status"] for o in report["obligations"] if o["system"] not in ("manual",)}
    assert code == 0 and statuses == {"skipped"}
    assert all("not before the meeting" in o["detail"] for o in report["obligations"] if o["status"] == "skipped"
               and o.get("waiting_for") is None)
    assert writes(tmp_path) == Counter()


def test_apply_reports_the_time_it_spent_looking_up_and_writing(tmp_path: Path) -> None:
    code, report = apply(RDASH, tmp_path)
    assert code == 0
    timing = report["timing"]
    assert set(timing) == {"looking_up_s", "writing_s"}
    assert all(isinstance(v, float) and v > 0 for v in timing.values())
