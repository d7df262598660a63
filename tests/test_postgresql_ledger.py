"""A rep and a deputy share a meeting through a PostgreSQL ledger: two applies at once never duplicate a write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres_server import postgresql_url

from marac_core.cli.demo import bundled
from marac_core.state.ledger import Ledger

DEMO = bundled()
RECORDS = DEMO / "records.yaml"


@pytest.fixture(scope="module")
def postgresql() -> Iterator[str]:
    with postgresql_url() as url:
        yield url


def _marac(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "marac_core.cli.main", *map(str, args)], capture_output=True,
                          text=True, env={**os.environ}, timeout=300)


def _writes(state: Path) -> Counter:
    held = json.loads(_marac("sandbox", "dump", "--state", state, "--json").stdout)
    return Counter((system, kind, json.dumps(item, sort_keys=True, default=str))
                   for system, contents in held.items() for kind, items in contents.items()
                   if isinstance(items, list) for item in items
                   if not str(item.get("subject", "")).endswith(": password"))


def test_the_ledger_works_on_postgresql(postgresql: str) -> None:
    ledger = Ledger.at(Path("unused"), postgresql + "?application_name=marac-test")
    try:
        assert ledger.engine.dialect.name == "postgresql"
        assert isinstance(ledger.meetings(), list)
    finally:
        ledger.close()


def test_two_applies_of_one_meeting_at_once_never_duplicate_a_write(postgresql: str, tmp_path: Path) -> None:
    meeting = DEMO / "herts-meeting.yaml"
    state = tmp_path / "state"
    common = ["--sandbox", RECORDS, "--state", state, "--on", "2026-12-03", "--ledger", postgresql,
              "--sandbox-latency-ms", "20", "--json"]
    assert _marac("plan", meeting, *common).returncode == 0  # seeds the shared sandbox once
    runs = [subprocess.Popen([sys.executable, "-m", "marac_core.cli.main", "apply", str(meeting), *map(str, common)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [r.communicate(timeout=300) for r in runs]
    assert all(out for out, _ in outputs), [err[-6000:] for _, err in outputs]
    reports = [json.loads(out) for out, _ in outputs]
    assert all(r.returncode in (0, 1) for r in runs)
    held = _writes(state)
    assert all(count == 1 for count in held.values()), "a write landed twice"
    done = sum(r["summary"]["done"] for r in reports)
    # Every write was made by exactly one of the two runs (password messages belong to their minutes email).
    assert done == len(held)
    # A third run finds everything done, by either of the two.
    final = json.loads(_marac("apply", meeting, *common).stdout)
    assert final["summary"]["done"] == 0 and final["summary"]["failed"] == 0
    # Both runs appended to one audit chain at once: it is unbroken, a line for each write made.
    verified = _marac("audit", "verify", "--ledger", postgresql, "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["entries"] >= done
