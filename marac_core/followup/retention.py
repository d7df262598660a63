"""``marac purge``: a meeting's data leaves the runner's state once its retention period is over.

A meeting is kept while anything is still owed for it (an alert not yet
expired, an obligation not done) and for the retention period after its date;
then its obligations, review decisions, repeat-MARAC marks and research packs
are removed. The audit log keeps its entries: it holds ids only, and removing
entries would break the chain it exists to protect.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete

from marac_core.followup.repeats import victims_table
from marac_core.followup.research import ResearchPacks
from marac_core.model import calendar
from marac_core.state.ledger import (
    Ledger,
    meetings_table,
    obligations_table,
    reviews_table,
)

DEFAULT_RETENTION_MONTHS = 13
SETTLED = ("done", "already_done", "manual_done")


@dataclass(frozen=True)
class Verdict:
    meeting: str
    purged: bool
    reason: str


def _owed(ledger: Ledger, meeting: str) -> str | None:
    """An alert added for the meeting and not yet expired (each expiry ends exactly one alert)."""
    entries = ledger.entries(meeting).values()
    added = Counter((e.system, e.record) for e in entries
                    if e.action == "alert" and e.state in SETTLED and e.expires)
    expired = Counter((e.system, e.record) for e in entries
                      if e.action == "expire_alert" and e.state in SETTLED)
    for (system, record), count in added.items():
        if expired[(system, record)] < count:
            return f"an alert on {system} {record} has not been expired yet"
    return None


def purge(ledger: Ledger, state_dir: Path, on: dt.date, only: str | None = None,
          retention_months: int = DEFAULT_RETENTION_MONTHS) -> list[Verdict]:
    verdicts = []
    for meeting in ledger.meetings():
        key = meeting["meeting"]
        if only is not None and key != only:
            continue
        held_until = calendar.add_months(dt.date.fromisoformat(meeting["date"]), retention_months)
        if on < held_until:
            verdicts.append(Verdict(key, False, f"kept until {held_until.isoformat()} (retention period)"))
            continue
        owed = _owed(ledger, key)
        if owed:
            verdicts.append(Verdict(key, False, f"kept: {owed}"))
            continue
        with ledger.engine.begin() as db:
            for table in (obligations_table, reviews_table, victims_table, meetings_table):
                db.execute(delete(table).where(table.c.meeting == key))
        ResearchPacks(state_dir, b"").destroy(key)
        verdicts.append(Verdict(key, True, "purged"))
    return verdicts
