"""Reading the ledger back: a meeting's obligations and their states, and marking manual steps done."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marac_core.model.errors import InputError
from marac_core.planning.meeting_input import read_meeting
from marac_core.plugins.registry import load
from marac_core.state.ledger import STATE_NAMES, meeting_key, open_ledger


def meeting_status(meeting_file: Path, procedure: str | None, state: Path | None, url: str | None) -> list[dict[str, Any]]:
    meeting, chosen = read_meeting(load(), meeting_file, procedure)
    ledger = open_ledger(state, url)
    try:
        entries = ledger.entries(meeting_key(meeting.meeting.area, meeting.meeting.date, chosen.name))
    finally:
        ledger.close()
    rows = [{
        "id": e.id, "case": e.case_ref, "role": e.role, "system": e.system, "record": e.record,
        "action": e.action, "phase": e.phase, "rule": e.rule, "due": e.due.isoformat() if e.due else None,
        "expires": e.expires, "state": STATE_NAMES.get(e.state, e.state), "attempts": e.attempts,
        "error": e.error,
    } for e in entries.values()]
    rows.sort(key=lambda r: (r["due"] or "", r["case"], r["rule"]))
    return rows


def mark(obligation_id: str, state: Path | None, url: str | None, how: str) -> str:
    """``marac done`` (how="done") or ``marac retry`` (how="retry") on one obligation."""
    ledger = open_ledger(state, url)
    try:
        found = ledger.mark_done_by_hand(obligation_id) if how == "done" else ledger.mark_for_retry(obligation_id)
    finally:
        ledger.close()
    if found:
        return f"{obligation_id}: " + ("done" if how == "done" else "will be written again by the next apply")
    if how == "done":
        raise InputError("marac done", f"no obligation with id {obligation_id!r} in the ledger")
    raise InputError("marac retry", f"no obligation {obligation_id!r} is waiting to be checked by hand")
