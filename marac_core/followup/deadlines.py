"""``marac due``: what is due and overdue across every meeting in the ledger.

Reads only the ledger (no record system, no meeting file), so it is fast and
works offline. Alerts the runner added appear again on their expiry date,
when the follow-up phase must expire them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from marac_core.model import calendar
from marac_core.state.ledger import FINISHED, MANUAL_STATES, STATE_NAMES, WITHDRAWN, Entry, Ledger
from marac_core.state.sealing import Sealer


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
    # Decrypted from what the ledger keeps (None without the runner's key): the person as the meeting
    # file named them, what the obligation says in full, the rep's note, and how to mark a manual step done.
    person: str | None = None
    text: str | None = None
    note: str | None = None
    hint: str | None = None

    def public(self) -> dict[str, Any]:
        return {**self.__dict__, "due": self.due.isoformat()}


def deadlines(ledger: Ledger, now: dt.datetime, within_days: int | None = None,
              sealer: Sealer | None = None) -> list[Deadline]:
    found = _deadlines(ledger, now, within_days)
    if sealer is None or not found:
        return found
    written = ledger.all_written()
    readable = []
    for item in found:
        kept = written.get((item.meeting, item.id))
        content = (sealer.open(kept.sealed) or {}) if kept else {}
        note = (sealer.open(kept.note) or {}).get("note") if kept else None
        text = content.get("text")
        if item.action == "expire_alert" and text:
            text = f"Expire the alert, which expires on its own date, that says: {text}"
        readable.append(replace(item, person=content.get("person"), text=text, note=note))
    return readable


def _deadlines(ledger: Ledger, now: dt.datetime, within_days: int | None = None) -> list[Deadline]:
    meetings = {m["meeting"]: m for m in ledger.meetings()}
    found: list[Deadline] = []
    horizon = now + dt.timedelta(days=within_days) if within_days is not None else None
    for meeting, entry in ledger.coming_due():
        item = _deadline(entry, now)
        if item is None:
            continue
        due, action, state = item
        if horizon is not None and due > horizon:
            continue
        info = meetings.get(meeting, {"area": "", "date": ""})
        manual = entry.state in MANUAL_STATES and (entry.system == "manual" or entry.action == "task")
        found.append(Deadline(meeting, info["area"], info["date"], entry.id, entry.case_ref, entry.role,
                              entry.system, entry.record, action, entry.rule, due, state, due < now,
                              hint=f"mark it done with: marac done {entry.id}" if manual else None))
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
    """An iCalendar file of the deadlines, for the rep's calendar, with the VTIMEZONE its times refer to
    (RFC 5545 requires it; Outlook may refuse an entry without it)."""
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
        # The summary is what a calendar shows to whoever sees the rep's diary (delegates, free/busy
        # viewers): case ref, role and what to do, no name. The person and the full wording are in the
        # description, and the event is marked confidential (Outlook shows it as private).
        event.add("summary", f"MARAC {item.area} {item.meeting_date}: case {item.case}"
                             f"{' ' + item.role if item.role else ''}: {item.action.replace('_', ' ')} "
                             f"({item.system})")
        event.add("class", "CONFIDENTIAL")
        lines = [f"case {item.case}" + (f", {item.role} {item.person or ''}".rstrip() if item.role else ""),
                 item.text or item.rule, "", f"{item.action} in {item.system} {item.record or ''}".rstrip(),
                 f"state: {item.state}", f"obligation {item.id}"]
        if item.note:
            lines.append(f"note: {item.note}")
        if item.hint:
            lines.append(item.hint)
        event.add("description", "\n".join(lines))
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()

