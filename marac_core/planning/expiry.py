"""Alerts lapse: once an alert this runner added has passed its expiry date, it is expired.

Procedures say how long an alert lasts (RDaSH 4.2: "Alerts should have a
12-month expiry"); the runner remembers what it added, so the follow-up phase
can expire each one on time, whatever the procedure.
"""

from __future__ import annotations

import datetime as dt

from marac_core.model import calendar
from marac_core.model.obligations import MANUAL, Obligation, obligation_id
from marac_core.plugins.procedure import PlanContext
from marac_core.state.ledger import Entry

ADDED = ("done", "already_done")


def expiries(context: PlanContext, alerts: list[Entry]) -> list[Obligation]:
    """An expire_alert obligation for each alert that has reached its expiry date by ``context.on``."""
    out = []
    for entry in alerts:
        if entry.action != "alert" or not entry.expires or entry.state not in ADDED + ("manual_done",):
            continue
        expires = dt.date.fromisoformat(entry.expires)
        if expires > context.on:
            continue
        by_hand = entry.state == "manual_done" or not entry.receipt
        system = MANUAL if by_hand else entry.system
        text = (f"Expire the MARAC alert added to record {entry.record} in {entry.system} for the meeting of "
                f"{context.date.isoformat()}: its expiry date {expires.isoformat()} has passed.")
        out.append(Obligation(
            id=obligation_id(context.area, context.date.isoformat(), context.procedure, "expiry", entry.id),
            case=entry.case_ref, role=entry.role, person=_person(context, entry), person_key=entry.person_key,  # type: ignore[arg-type]
            system=system, record=entry.record, action="task" if by_hand else "expire_alert", text=text,
            target=entry.receipt, due=calendar.at(expires, calendar.END_OF_DAY), phase=context.phase,
            rule=f"{context.procedure}: alert expiry",
        ))
    return out


def _person(context: PlanContext, entry: Entry) -> str | None:
    """The person's name from the meeting file (the ledger keeps only their position on the case)."""
    if not entry.person_key:
        return None
    role, _, index = entry.person_key.partition("-")
    try:
        case = context.meeting.case(entry.case_ref)
    except StopIteration:
        return None
    for listed_role, position, person in case.people():
        if listed_role == role and str(position) == index:
            return person.name
    return None
