"""Claiming obligations for a run (Ledger.claim_many): many at a time, and each only as it was read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from marac_core.model.obligations import Obligation
from marac_core.state.ledger import Ledger, Outcome


def obligations(count: int) -> list[Obligation]:
    return [Obligation(id=f"ob-{n}", case="C1", rule="r", system="systmone", record=f"S1-{n}", action="alert",
                       phase="after", text="MARAC alert", expires=dt.date(2027, 12, 3)) for n in range(count)]


def planned_ledger(tmp_path: Path, count: int) -> tuple[Ledger, list[Obligation]]:
    ledger = Ledger.at(tmp_path)
    planned = obligations(count)
    ledger.record_plan("m", "Doncaster", dt.date(2026, 12, 3), "rdash", planned)
    return ledger, planned


def test_every_free_obligation_of_a_large_meeting_is_claimed_once(tmp_path: Path) -> None:
    # More obligations than one statement takes: none may be left unclaimed (nothing silently skipped),
    # and a second claim takes none of them (exactly once).
    ledger, planned = planned_ledger(tmp_path, 1_234)
    entries = ledger.entries("m")
    taken = ledger.claim_many("m", [(o.id, entries[o.id]) for o in planned])
    assert taken == {o.id: "planned" for o in planned}
    assert {e.state for e in ledger.entries("m").values()} == {"in_flight"}
    again = ledger.claim_many("m", [(o.id, entries[o.id]) for o in planned])
    assert set(again.values()) == {None}


def test_a_failed_obligation_is_claimed_as_failed_so_the_run_looks_for_an_earlier_write(tmp_path: Path) -> None:
    ledger, planned = planned_ledger(tmp_path, 3)
    entries = ledger.entries("m")
    ledger.claim_many("m", [(planned[0].id, entries[planned[0].id])])
    ledger.finish_many("m", [Outcome(planned[0], "failed", error="POST answered 503")])
    entries = ledger.entries("m")
    taken = ledger.claim_many("m", [(o.id, entries[o.id]) for o in planned])
    assert taken == {planned[0].id: "failed", planned[1].id: "planned", planned[2].id: "planned"}


def test_an_obligation_that_changed_since_it_was_read_is_not_claimed_as_it_was(tmp_path: Path) -> None:
    # Harm prevented: a duplicate alert. This run read the obligation as planned; meanwhile another run
    # took it, and failed after its write may have landed. Claimed as "planned", this run would write
    # again without first looking for that write.
    ledger, planned = planned_ledger(tmp_path, 2)
    read_earlier = ledger.entries("m")
    other_run = Ledger.at(tmp_path)
    other_run.owner = "another-host:4242:other-run"
    other_run.claim_many("m", [(planned[0].id, read_earlier[planned[0].id])])
    other_run.finish_many("m", [Outcome(planned[0], "failed", error="ReadTimeout talking to the system")])
    taken = ledger.claim_many("m", [(o.id, read_earlier[o.id]) for o in planned])
    assert taken == {planned[0].id: None, planned[1].id: "planned"}
    assert ledger.entries("m")[planned[0].id].state == "failed"  # left for the next run, which will look first
