"""Outcomes recorded in batches, off the event loop: each still lands with its audit line, in order,
and none is reported before it is committed."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from pathlib import Path

import pytest

from marac_core.model.obligations import Obligation
from marac_core.state.audit import AuditLog
from marac_core.state.ledger import Ledger, Outcome, OutcomeWriter


def obligations(count: int) -> list[Obligation]:
    return [Obligation(id=f"ob-{n}", case="C1", rule="r", system="systmone", record=f"S1-{n}", action="case_note",
                       phase="after", text="Heard at MARAC.") for n in range(count)]


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    ledger = Ledger.at(tmp_path)
    planned = obligations(40)
    ledger.record_plan("m", "Doncaster", dt.date(2026, 12, 3), "rdash", planned)
    ledger.claim_many("m", [(o.id, e) for o, e in zip(planned, ledger.entries("m").values())])
    return ledger


def test_outcomes_come_in_while_one_batch_commits_and_all_land_with_their_audit_lines(ledger: Ledger) -> None:
    planned = obligations(40)
    committed: list[int] = []
    loop_thread: list[bool] = []
    finish_many = ledger.finish_many

    def counted(meeting: str, batch: list[Outcome]) -> None:
        loop_thread.append(threading.current_thread() is threading.main_thread())
        committed.append(len(batch))
        finish_many(meeting, batch)

    ledger.finish_many = counted  # type: ignore[method-assign]

    async def run() -> None:
        writer = ledger.outcomes("m")
        for n, o in enumerate(planned):
            writer.record(o, "done", receipt=f"R-{n}")
            if n % 10 == 0:
                await asyncio.sleep(0)  # the event loop goes on while a batch commits
        await writer.close()

    asyncio.run(run())
    assert sum(committed) == 40 and len(committed) < 40  # batched
    assert not any(loop_thread)  # committed from a worker thread, never on the event loop
    entries = ledger.entries("m")
    assert all(entries[o.id].state == "done" and entries[o.id].receipt == f"R-{n}" for n, o in enumerate(planned))
    checked = ledger.audit.verify()
    assert checked.intact and checked.entries == 40
    assert [e["obligation"] for e in ledger.audit.entries()] == [o.id for o in planned]


def test_a_batch_chains_onto_an_entry_another_writer_appended_meanwhile(ledger: Ledger) -> None:
    planned = obligations(6)
    other = AuditLog(ledger.engine)
    ledger.finish_many("m", [Outcome(o, "done") for o in planned[:2]])
    other.append(meeting="m", obligation="elsewhere", system="s", record=None, action="alert", outcome="done")
    ledger.finish_many("m", [Outcome(o, "failed", error="503") for o in planned[2:]])  # its head is stale
    checked = ledger.audit.verify()
    assert checked.intact, checked.reason
    assert [e["obligation"] for e in ledger.audit.entries()] == ["ob-0", "ob-1", "elsewhere", "ob-2", "ob-3",
                                                                 "ob-4", "ob-5"]


def test_an_outcome_that_could_not_be_recorded_is_not_reported_as_done(ledger: Ledger) -> None:
    # Losing the record of a write must fail the run loudly: the obligation stays claimed, and the
    # next run looks for the write by its marker instead of writing twice.
    def refused(meeting: str, batch: list[Outcome]) -> None:
        raise OSError("disk full")

    ledger.finish_many = refused  # type: ignore[method-assign]

    async def run() -> None:
        writer = ledger.outcomes("m")
        for o in obligations(3):
            writer.record(o, "done", receipt="R")
        await writer.close()

    with pytest.raises(OSError, match="disk full"):
        asyncio.run(run())
    assert {e.state for e in ledger.entries("m").values()} == {"in_flight"}


def _written_row(obligation_id: str, text: str) -> dict[str, object]:
    return {"id": obligation_id, "corrects": None, "kind": None, "target": None,
            "fingerprint": {"text": text}, "sealed": f"sealed {text}"}


def test_what_a_plan_writes_is_kept_in_one_insert_and_a_row_another_run_made_meanwhile_is_updated(
        ledger: Ledger) -> None:
    ledger.record_written("m", [_written_row(f"ob-{n}", "first") for n in range(3)])
    assert {k: w.sealed for k, w in ledger.written("m").items()} == {f"ob-{n}": "sealed first" for n in range(3)}
    # ob-1 made by another run after this one read the ledger: the multi-row insert fails, each row is
    # then put one at a time, and none is lost or left as the other run wrote it.
    with ledger.engine.begin() as db:
        ledger._insert_written(db, "m", [(f"ob-{n}", {"corrects": None, "kind": None, "target": None,
                                                      "fingerprint": '{"text": "second"}', "sealed": "sealed second"})
                                         for n in (1, 3)])
    assert {k: w.sealed for k, w in ledger.written("m").items()} == {
        "ob-0": "sealed first", "ob-1": "sealed second", "ob-2": "sealed first", "ob-3": "sealed second"}


def test_what_a_batch_of_outcomes_wrote_is_kept_for_each_whether_or_not_the_plan_made_its_row(
        ledger: Ledger) -> None:
    # What each obligation wrote is what a corrected meeting is compared with (drift): a batch that
    # kept it for some outcomes and not others would let a changed wording go unnoticed.
    planned = obligations(4)
    ledger.record_written("m", [_written_row(f"ob-{n}", "planned") for n in (0, 1)])  # ob-2, ob-3: no row yet
    ledger.finish_many("m", [Outcome(o, "done", receipt=f"R-{n}", written=({"text": f"wrote {n}"}, f"sealed {n}"))
                             for n, o in enumerate(planned)])
    kept = ledger.written("m")
    assert {k: (w.fingerprint, w.sealed) for k, w in kept.items()} == {
        f"ob-{n}": ({"text": f"wrote {n}"}, f"sealed {n}") for n in range(4)}


def _counting(ledger: Ledger) -> list[int]:
    committed: list[int] = []
    finish_many = ledger.finish_many

    def counted(meeting: str, batch: list[Outcome]) -> None:
        committed.append(len(batch))
        finish_many(meeting, batch)

    ledger.finish_many = counted  # type: ignore[method-assign]
    return committed


def test_outcomes_that_come_in_moments_apart_wait_to_share_one_transaction(ledger: Ledger) -> None:
    # A transaction's CPU is mostly the same whatever it holds: outcomes arriving one by one (as
    # answers do) must not each cost one, which made the ledger a fifth of a run's CPU.
    committed = _counting(ledger)
    planned = obligations(5)

    async def run() -> None:
        writer = OutcomeWriter(ledger, "m", linger=60.0)  # never reached: close() ends the wait
        for o in planned:
            writer.record(o, "done", receipt="R")
            for _ in range(3):
                await asyncio.sleep(0)  # the writer's task runs and waits meanwhile
        assert committed == []
        await asyncio.wait_for(writer.close(), timeout=30)  # at once, not after the minute

    asyncio.run(run())
    assert committed == [5]
    assert {e.state for e in ledger.entries("m").values() if e.id in {o.id for o in planned}} == {"done"}


def test_a_full_batch_is_committed_without_waiting(ledger: Ledger) -> None:
    committed = _counting(ledger)
    planned = obligations(8)

    async def run() -> None:
        writer = OutcomeWriter(ledger, "m", linger=60.0, batch=4)
        for o in planned[:4]:
            writer.record(o, "done")
        while not committed:  # decided by what is observed: the batch commits with no close()
            await asyncio.sleep(0.01)
        assert committed == [4]
        for o in planned[4:]:
            writer.record(o, "done")
        await asyncio.wait_for(writer.close(), timeout=30)

    asyncio.run(asyncio.wait_for(run(), timeout=60))
    assert committed == [4, 4]
