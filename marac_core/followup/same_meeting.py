"""A meeting file whose area, date or time was corrected after it was applied is the same meeting.

The ledger knows a meeting by its procedure, date and area; corrected, the file
would name a new meeting, and every alert would be written a second time
beside the first (issue 12, point 6). It is recognised instead by what it is
about: the same procedure, a date within four weeks, exactly the same case
refs, and the same victim in each case (the keyed marks of Repeats; without a
key, the same area or the same date). Only a single such meeting is taken.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from marac_core.followup.repeats import identities, victims_table
from marac_core.model.meeting import MeetingFile
from marac_core.state.ledger import Ledger

WITHIN = dt.timedelta(days=28)


def _area(text: str) -> str:
    return " ".join(text.split()).casefold()


def recognise(ledger: Ledger, meeting: MeetingFile, procedure: str, own: str, key: bytes | None) -> str | None:
    """The ledger's meeting this file corrects, if exactly one is the same meeting."""
    refs = {case.ref for case in meeting.cases}
    found = []
    for held in ledger.meetings():
        if held["procedure"] != procedure or held["meeting"] == own:
            continue
        if abs(dt.date.fromisoformat(held["date"]) - meeting.meeting.date) > WITHIN:
            continue
        if {e.case_ref for e in ledger.entries(held["meeting"]).values()} != refs:
            continue
        with ledger.engine.connect() as db:
            rows = db.execute(select(victims_table.c.case_ref, victims_table.c.identity).where(
                victims_table.c.meeting == held["meeting"])).all() if key is not None else []
        if rows:
            marks: dict[str, set[str]] = {}
            for case_ref, identity in rows:
                marks.setdefault(case_ref, set()).add(identity)
            same = all(identities(case.victim, key) & marks.get(case.ref, set()) for case in meeting.cases)  # type: ignore[arg-type]
        else:
            same = _area(held["area"]) == _area(meeting.meeting.area) or held["date"] == meeting.meeting.date.isoformat()
        if same:
            found.append(held)
    return found[0]["meeting"] if len(found) == 1 else None
