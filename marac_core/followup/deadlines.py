"""``marac due``: what is due and overdue across every meeting in the ledger.

Reads only the ledger (no record system, no meeting file), so it is fast and
works offline. Alerts the runner added appear again on their expiry date,
when the follow-up phase must expire them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from marac_core.model import calendar
from marac_core.state.ledger import FINISHED, STATE_NAMES, WITHDRAWN, Entry, Ledger


@dataclass(frozen=True)
class Deadline:
    meeting: str
    area: str
    meeting_date: str
    id: str
    case: str
    role: str | None
    system: str
    record: str | None
    action: str
    rule: str
    due: dt.datetime
    state: str
    overdue: bool

    def public(self) -> dict[str, Any]:
        return {**self.__dict__, "due": self.due.isoformat()}


def deadlines(ledger: Ledger, now: dt.datetime, within_days: int | None = None) -> list[Deadline]:
    meetings = {m["meeting"]: m for m in ledger.meetings()}
    found: list[Deadline] = []
    horizon = now + dt.timedelta(days=within_days) if within_days is not None else None
    for meeting, entry in ledger.all_entries():
        item = _deadline(entry, now)
        if item is None:
            continue
        due, action, state = item
        if horizon is not None and due > horizon:
            continue
        info = meetings.get(meeting, {"area": "", "date": ""})
        found.append(Deadline(meeting, info["area"], info["date"], entry.id, entry.case_ref, entry.role,
                              entry.system, entry.record, action, entry.rule, due, state, due < now))
    found.sort(key=lambda d: (d.due, d.meeting, d.case, d.id))
    return found


def _deadline(entry: Entry, now: dt.datetime) -> tuple[dt.datetime, str, str] | None:
    if entry.state == WITHDRAWN:
        return None
    if entry.state not in FINISHED:
        if entry.due is None:
            return None
        return entry.due, entry.action, STATE_NAMES.get(entry.state, entry.state)
    if entry.action == "alert" and entry.expires:
        # An added alert comes due again when it must be expired (follow-up phase).
        return calendar.at(dt.date.fromisoformat(entry.expires), calendar.END_OF_DAY), "expire_alert", "to expire"
    return None


def to_ics(items: list[Deadline]) -> bytes:
    """An iCalendar file of the deadlines, for the rep's calendar. Case refs and record ids only, no names."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//marac//deadlines//EN")
    cal.add("version", "2.0")
    stamp = dt.datetime.now(dt.timezone.utc)
    for item in items:
        event = Event()
        event.add("uid", f"{item.id}-{item.action}@marac")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.due)
        event.add("dtend", item.due + dt.timedelta(minutes=30))
        event.add("summary", f"MARAC {item.area} {item.meeting_date}: {item.action} ({item.case})")
        event.add("description", f"{item.rule}; {item.system} {item.record or ''}; obligation {item.id}")
        cal.add_component(event)
    return cal.to_ical()
