"""The audit log: every write recorded, and any edited, reordered or removed entry detected."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from marac_core.cli.demo import bundled
from marac_core.cli.main import main

DEMO = bundled()


def marac(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout


@pytest.fixture
def state(tmp_path: Path) -> Path:
    code, out = marac("apply", DEMO / "rdash-meeting.yaml", "--sandbox", DEMO / "records.yaml", "--state", tmp_path,
                      "--on", "2026-12-03", "--json")
    assert code == 0
    return tmp_path


def verify(state: Path, *extra: object) -> tuple[int, dict]:
    code, out = marac("audit", "verify", "--state", state, "--json", *extra)
    return code, json.loads(out)


def test_every_write_is_in_the_audit_log_with_who_when_record_and_obligation(state: Path) -> None:
    code, report = verify(state)
    assert code == 0 and report["intact"]
    with sqlite3.connect(state / "ledger.sqlite") as db:
        rows = db.execute("SELECT actor, at, record, obligation, outcome FROM audit").fetchall()
        done = db.execute("SELECT count(*) FROM obligations WHERE state = 'done'").fetchone()[0]
    assert len(rows) == done == report["entries"]
    assert all(actor and at and obligation and outcome == "done" for actor, at, _, obligation, outcome in rows)


@pytest.mark.parametrize("tamper", [
    "UPDATE audit SET record = 'S1-0000' WHERE seq = 2",
    "DELETE FROM audit WHERE seq = 3",
    "UPDATE audit SET seq = -2 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3;"
    " UPDATE audit SET seq = 3 WHERE seq = -2",
    "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)",
])
def test_tampering_is_detected(state: Path, tamper: str) -> None:
    with sqlite3.connect(state / "ledger.sqlite") as db:
        db.executescript(tamper)
    code, report = verify(state)
    assert code == 1 and not report["intact"]


def test_a_rewritten_chain_is_caught_by_the_head_noted_down_earlier(state: Path) -> None:
    _, before = verify(state)
    with sqlite3.connect(state / "ledger.sqlite") as db:
        db.execute("DELETE FROM audit")
        db.execute("DELETE FROM audit_head")
    code, report = verify(state, "--expect", before["head"])
    assert code == 1 and "rewritten" in report["reason"]


def test_two_writers_interleaving_keep_one_unbroken_chain(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from marac_core.state.audit import AuditLog, in_transaction

    engine = create_engine(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    first, second = AuditLog(engine), AuditLog(engine)

    def line(n: int) -> dict[str, str]:
        return {"meeting": "m", "obligation": f"o{n}", "system": "s", "record": "r", "action": "alert",
                "outcome": "done"}

    for n in range(6):
        (first if n % 3 else second).append(**line(n))  # each writer's remembered head goes stale

    class Refused(Exception):
        pass

    def append_then_fail(db: object) -> None:
        first.append_in(db, **line(99))  # type: ignore[arg-type]
        raise Refused

    with pytest.raises(Refused):
        in_transaction(engine, append_then_fail)  # rolled back after the append
    second.append(**line(7))
    first.append(**line(8))
    checked = first.verify()
    assert checked.intact, checked.reason
    assert [e["obligation"] for e in first.entries()] == ["o0", "o1", "o2", "o3", "o4", "o5", "o7", "o8"]
