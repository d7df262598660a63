"""Repeat MARAC: a victim heard again within 12 months of an earlier meeting (SafeLives' definition).

The ledger keeps, per case, only keyed hashes of the victim's identity (NHS
number, or name with date of birth), never the identity itself.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from sqlalchemy import Column, MetaData, String, Table, and_, delete, insert, select
from sqlalchemy.engine import Engine

from marac_core.matching.decide import nhs_number_valid
from marac_core.model import calendar
from marac_core.model.meeting import MeetingFile, Person
from marac_core.state.inserts import insert_new_rows
from marac_core.state.schema import create_tables

metadata = MetaData()
victims_table = Table(
    "victims",
    metadata,
    Column("meeting", String(256), primary_key=True),
    Column("case_ref", String(128), primary_key=True),
    Column("identity", String(64), primary_key=True),
    Column("date", String(10), nullable=False),
)
WINDOW_MONTHS = 12
_MARKS_AT_ONCE = 500  # marks in one query: well under any database's limit on parameters


def identities(person: Person, key: bytes) -> set[str]:
    marks = set()
    if person.nhs_number and nhs_number_valid(person.nhs_number):
        marks.add(f"nhs:{person.nhs_number}")
    if person.dob is not None:
        name = " ".join(re.sub(r"[^a-z ]", " ", person.name.casefold()).split())
        marks.add(f"name:{name}|{person.dob.isoformat()}")
    return {hmac.new(key, mark.encode(), hashlib.sha256).hexdigest() for mark in marks}


class Repeats:
    def __init__(self, engine: Engine, key: bytes) -> None:
        self.engine = engine
        self.key = key
        create_tables(engine, metadata)

    def record(self, meeting: str, file: MeetingFile) -> None:
        """Keep this meeting's victims' marks; safe when two runs of the meeting record them at once."""
        wanted = {(case.ref, identity) for case in file.cases for identity in identities(case.victim, self.key)}
        with self.engine.begin() as db:
            held = {(r[0], r[1]) for r in db.execute(select(victims_table.c.case_ref, victims_table.c.identity)
                                                     .where(victims_table.c.meeting == meeting))}
            for case_ref, identity in held - wanted:
                db.execute(delete(victims_table).where(and_(
                    victims_table.c.meeting == meeting, victims_table.c.case_ref == case_ref,
                    victims_table.c.identity == identity)))
            # Another run of this meeting may record some at once: each is kept once.
            insert_new_rows(db, insert(victims_table), [
                {"meeting": meeting, "case_ref": case_ref, "identity": identity, "date": file.meeting.date.isoformat()}
                for case_ref, identity in sorted(wanted - held)])

    def earlier(self, meeting: str, file: MeetingFile) -> dict[str, str]:
        """Case ref -> the date of the latest earlier meeting within 12 months that heard the same victim."""
        since = calendar.add_months(file.meeting.date, -WINDOW_MONTHS).isoformat()
        cases_of: dict[str, set[str]] = {}  # a mark -> the refs of this meeting's cases whose victim bears it
        for case in file.cases:
            for mark in identities(case.victim, self.key):
                cases_of.setdefault(mark, set()).add(case.ref)
        marks = sorted(cases_of)
        found: dict[str, str] = {}
        with self.engine.connect() as db:
            # A few hundred marks a query, not a query a case (a 10,000-case plan made 10,000).
            for start in range(0, len(marks), _MARKS_AT_ONCE):
                rows = db.execute(select(victims_table.c.identity, victims_table.c.date).where(and_(
                    victims_table.c.identity.in_(marks[start:start + _MARKS_AT_ONCE]),
                    victims_table.c.meeting != meeting,
                    victims_table.c.date >= since, victims_table.c.date < file.meeting.date.isoformat(),
                )))
                for identity, date in rows:
                    for ref in cases_of[identity]:
                        found[ref] = max(found.get(ref, date), date)
        return found

    def forget(self, meeting: str) -> None:
        with self.engine.begin() as db:
            db.execute(delete(victims_table).where(victims_table.c.meeting == meeting))

