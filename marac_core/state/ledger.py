"""The ledger: each obligation's intent and outcome, durable, shared safely between runs.

It holds no personal data: obligations are known by their ids, case refs,
roles, systems, record ids and actions, never by names or dates of birth.

Exactly-once rests on three rules:
- an obligation is *claimed* (state ``in_flight``) in one atomic UPDATE before
  its write, so two runs, even on two machines sharing PostgreSQL, never both
  write it;
- a claim left behind by a run that died is taken over only after the write is
  looked for in the record system by its marker (reconciliation);
- ``done`` is recorded after the system acknowledged the write.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    create_engine,
    event,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from marac_core.model.calendar import UK
from marac_core.model.errors import InputError
from marac_core.state.audit import AuditLog, in_transaction
from marac_core.state.inserts import insert_new_rows
from marac_core.state.schema import create_tables

if TYPE_CHECKING:  # Only a type here: importing it (and pydantic with it) would slow ``marac due``.
    from marac_core.model.obligations import Obligation

LEASE = dt.timedelta(seconds=120)

metadata = MetaData()
obligations_table = Table(
    "obligations",
    metadata,
    Column("meeting", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("case_ref", String(128), nullable=False),
    Column("role", String(16)),
    Column("person_key", String(32)),
    Column("system", String(64), nullable=False),
    Column("record", String(128)),
    Column("action", String(32), nullable=False),
    Column("phase", String(16), nullable=False),
    Column("rule", String(128), nullable=False),
    Column("due", DateTime(timezone=True)),
    Column("expires", String(10)),
    Column("state", String(16), nullable=False, default="planned"),
    Column("receipt", String(256)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("owner", String(128)),
    Column("lease_until", DateTime(timezone=True)),
    Column("updated", DateTime(timezone=True), nullable=False),
)
reviews_table = Table(
    "reviews",
    metadata,
    Column("meeting", String(64), primary_key=True),
    Column("case_ref", String(128), primary_key=True),
    Column("person", String(32), primary_key=True),
    Column("system", String(64), primary_key=True),
    Column("decision", String(16), nullable=False),
    Column("record", String(128)),
    Column("updated", DateTime(timezone=True), nullable=False),
)
meetings_table = Table(
    "meetings",
    metadata,
    Column("meeting", String(64), primary_key=True),
    Column("area", String(128), nullable=False),
    Column("date", String(10), nullable=False),
    Column("procedure", String(64), nullable=False),
)

# What each obligation wrote (state/sealing.py): keyed hashes to compare, its wording encrypted, the
# rep's note encrypted; and, for a correction, the obligation it corrects.
written_table = Table(
    "written",
    metadata,
    Column("meeting", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("corrects", String(64)),
    # "replaces": carries the corrected content (a new alert, an amending note); "retracts": ends what was
    # written (the expiry of a wrongly worded alert); None: an obligation of the plan itself.
    Column("kind", String(16)),
    Column("target", String(256)),
    Column("fingerprint", Text),
    Column("sealed", Text),
    Column("note", Text),
    Column("updated", DateTime(timezone=True), nullable=False),
)
# A meeting file corrected after it was applied (its area or date) keeps the ledger's meeting it corrects.
aliases_table = Table(
    "meeting_aliases",
    metadata,
    Column("alias", String(64), primary_key=True),
    Column("meeting", String(64), nullable=False),
)

FINISHED = ("done", "already_done", "manual_done")
# How states read to a rep (status, due).
STATE_NAMES = {"planned": "to do", "in_flight": "in progress", "manual_done": "done by hand",
               "uncertain": "check by hand"}
# Still owed: a manual step in one of these states waits for ``marac done``.
MANUAL_STATES = ("planned", "failed")
# No longer asked for by the plan (e.g. the meeting's outcome changed); nothing is owed.
WITHDRAWN = "withdrawn"

# The statements run for every obligation, built once: building and keying a statement
# anew on each call cost more than running it (about 1 ms of the 4 ms an obligation took).
_t = obligations_table.c
# An Entry's columns, in its fields' order (and the meeting first): rows become entries by position.
_ENTRY_COLUMNS = [_t.meeting, _t.id, _t.state, _t.receipt, _t.attempts, _t.error, _t.owner, _t.lease_until,
                  _t.case_ref, _t.role, _t.person_key, _t.system, _t.record, _t.action, _t.phase, _t.rule, _t.due,
                  _t.expires]
_ENTRY = select(*_ENTRY_COLUMNS).where(_t.meeting == bindparam("w_meeting"), _t.id == bindparam("w_id"))
_ENTRIES = select(*_ENTRY_COLUMNS).where(_t.meeting == bindparam("w_meeting"))
_ALL_ENTRIES = select(*_ENTRY_COLUMNS)
# What can still fall due (followup.deadlines): open with a due time, or a carried-out alert that must be
# expired. The rest of a year's ledger (most of it) is never read for ``marac due``.
_COMING_DUE = select(*_ENTRY_COLUMNS).where(_t.state != WITHDRAWN, or_(
    and_(_t.state.not_in(FINISHED), _t.due.is_not(None)),
    and_(_t.state.in_(FINISHED), _t.action == "alert", _t.expires.is_not(None))))
_INSERT_OBLIGATION = insert(obligations_table)
_CLAIM_VALUES = {"state": "in_flight", "owner": bindparam("w_owner"), "lease_until": bindparam("w_lease"),
                 "attempts": _t.attempts + 1, "updated": bindparam("w_now")}
# Free obligations are claimed many at a time, each only if it is still in the state the run read
# (planned, or failed by an earlier attempt, which must be looked for before writing again).
_CLAIMABLE = ("planned", "failed")
_CLAIM_IN_STATE = update(obligations_table).where(
    _t.meeting == bindparam("w_meeting"), _t.id.in_(bindparam("w_ids", expanding=True)),
    _t.state == bindparam("w_state"),
).values(**_CLAIM_VALUES)
# Which of them this claim took: this run's owner and this claim's lease (a portable RETURNING).
_CLAIMED = select(_t.id).where(
    _t.meeting == bindparam("w_meeting"), _t.id.in_(bindparam("w_ids", expanding=True)),
    _t.state == "in_flight", _t.owner == bindparam("w_owner"), _t.lease_until == bindparam("w_lease"))
_CLAIMS_AT_ONCE = 500  # ids in one statement: well under any database's limit on parameters
_CLAIM_ABANDONED = update(obligations_table).where(
    _t.meeting == bindparam("w_meeting"), _t.id == bindparam("w_id"), _t.state == "in_flight",
    _t.owner == bindparam("w_previous"),
).values(**_CLAIM_VALUES)
_FINISH = update(obligations_table).where(
    _t.meeting == bindparam("w_meeting"), _t.id == bindparam("w_id"),
    or_(_t.owner == bindparam("w_owner"), _t.owner.is_(None)),
).values(state=bindparam("w_state"), receipt=bindparam("w_receipt"), error=bindparam("w_error"), owner=None,
         lease_until=None, updated=bindparam("w_now"))
_w = written_table.c
_WRITTEN_HELD = select(_w.id).where(_w.meeting == bindparam("w_meeting"), _w.id.in_(bindparam("w_ids", expanding=True)))
_UPDATE_WRITTEN = update(written_table).where(_w.meeting == bindparam("w_meeting"), _w.id == bindparam("w_id")).values(
    fingerprint=bindparam("w_fingerprint"), sealed=bindparam("w_sealed"), updated=bindparam("w_now"))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """Times are stored in UTC (SQLite keeps no offset) and read back in UK local time."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(UK)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.timezone.utc) if value is not None else None


def meeting_key(area: str, date: dt.date, procedure: str) -> str:
    return f"{procedure}:{date.isoformat()}:{' '.join(area.split()).casefold()}"


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _process_gone(owner: str | None) -> bool:
    """Whether the claim's owner is a process on this machine that no longer runs."""
    if not owner:
        return True
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass
class Written:
    """What an obligation wrote, as the ledger keeps it (see ``written_table``)."""

    id: str
    corrects: str | None
    kind: str | None
    target: str | None
    fingerprint: dict[str, Any] | None
    sealed: str | None
    note: str | None
    updated: dt.datetime | None


@dataclass
class Entry:
    """One obligation's row in the ledger."""

    id: str
    state: str
    receipt: str | None
    attempts: int
    error: str | None
    owner: str | None
    lease_until: dt.datetime | None
    case_ref: str
    role: str | None
    person_key: str | None
    system: str
    record: str | None
    action: str
    phase: str
    rule: str
    due: dt.datetime | None
    expires: str | None


class Ledger:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = create_engine(url, future=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        create_tables(self.engine, metadata)
        self.owner = this_process()
        self.audit = AuditLog(self.engine)

    @classmethod
    def at(cls, state_dir: Path, url: str | None = None) -> Ledger:
        if url:
            if not url.startswith(("postgresql://", "postgresql+psycopg://", "sqlite:///")):
                raise InputError("--ledger", "expected postgresql://... (or sqlite:///PATH)")
            try:
                return cls(url.replace("postgresql://", "postgresql+psycopg://", 1))
            except (OperationalError, ImportError) as error:
                # Say why without echoing the URL, which may carry a password.
                reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
                raise InputError("--ledger", f"cannot open the shared ledger: {reason}") from None
        _private_folder(state_dir)
        path = state_dir / "ledger.sqlite"
        # Created for its owner alone before SQLite opens it (SQLite gives its -wal and -shm files the
        # database's permissions; creating those here could replace one another process has mapped).
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        return cls(f"sqlite:///{path}")

    def close(self) -> None:
        self.engine.dispose()

    # -- meetings and obligations --------------------------------------------------
    def record_plan(self, meeting: str, area: str, date: dt.date, procedure: str,
                    obligations: Iterable[Obligation], phase: str | None = None) -> None:
        """Make sure every planned obligation has a row (existing rows keep their state).

        With ``phase``, an obligation of that phase still to do that the plan no longer holds (the
        outcome changed, say) is withdrawn, so it is not reported as owed; it comes back if planned again.
        """
        obligations = list(obligations)
        now = _now()
        with self.engine.begin() as db:
            if phase is not None:
                planned_ids = [o.id for o in obligations]
                db.execute(update(obligations_table).where(and_(
                    obligations_table.c.meeting == meeting, obligations_table.c.phase == phase,
                    obligations_table.c.state == "planned", obligations_table.c.id.not_in(planned_ids),
                )).values(state="withdrawn", updated=now))
                if planned_ids:
                    db.execute(update(obligations_table).where(and_(
                        obligations_table.c.meeting == meeting, obligations_table.c.state == "withdrawn",
                        obligations_table.c.id.in_(planned_ids),
                    )).values(state="planned", updated=now))
            if db.execute(select(meetings_table.c.meeting).where(meetings_table.c.meeting == meeting)).first() is None:
                try:
                    with db.begin_nested():
                        db.execute(insert(meetings_table).values(meeting=meeting, area=area, date=date.isoformat(),
                                                                 procedure=procedure))
                except IntegrityError:
                    pass
            known = {r[0] for r in db.execute(select(obligations_table.c.id).where(
                obligations_table.c.meeting == meeting))}
            rows: dict[str, dict[str, Any]] = {}
            for o in obligations:
                if o.id in known or o.id in rows:
                    continue
                rows[o.id] = dict(
                    meeting=meeting, id=o.id, case_ref=o.case, role=o.role, person_key=o.person_key,
                    system=o.system, record=o.record, action=o.action, phase=o.phase, rule=o.rule, due=_utc(o.due),
                    expires=o.expires.isoformat() if o.expires else None, state="planned", attempts=0, updated=now)
            insert_new_rows(db, _INSERT_OBLIGATION, list(rows.values()))

    def entries(self, meeting: str) -> dict[str, Entry]:
        with self.engine.connect() as db:
            entries = [_entry(r) for r in db.execute(_ENTRIES, {"w_meeting": meeting})]
        return {e.id: e for e in entries}

    def entry(self, meeting: str, obligation_id: str) -> Entry | None:
        with self.engine.connect() as db:
            row = db.execute(_ENTRY, {"w_meeting": meeting, "w_id": obligation_id}).first()
        return _entry(row) if row else None

    def claim(self, meeting: str, obligation_id: str, current: Entry | None = None) -> str | None:
        """Take the obligation for this run. Returns the state it was in, or None if another run holds it.

        ``current`` is the row as the caller just read it; the UPDATE's condition still guards the race.
        """
        current = current or self.entry(meeting, obligation_id)
        return self.claim_many(meeting, [(obligation_id, current)])[obligation_id]

    def claim_many(self, meeting: str, wanted: list[tuple[str, Entry | None]]) -> dict[str, str | None]:
        """Take each obligation (id, its row as the caller read it) for this run, in one transaction.

        Each id maps to the state it was in, or None if it is finished, unknown or held by another run.
        """
        taken: dict[str, str | None] = {obligation_id: None for obligation_id, _ in wanted}
        now = _now()
        claim = {"w_meeting": meeting, "w_owner": self.owner, "w_lease": now + LEASE, "w_now": now}
        free: dict[str, list[str]] = {state: [] for state in _CLAIMABLE}
        abandoned: list[tuple[str, Entry]] = []
        for obligation_id, current in wanted:
            if current is None or current.state in FINISHED:
                continue
            if current.state in free:
                free[current.state].append(obligation_id)
            elif current.state == "in_flight":
                lease = _aware(current.lease_until)
                if _process_gone(current.owner) or (lease is not None and lease < now):
                    abandoned.append((obligation_id, current))
        with self.engine.begin() as db:
            # One UPDATE per state and few hundred ids, not one per obligation (a 40-case meeting's 300
            # statements were about a tenth of a fast apply, before its first write).
            for state, ids in free.items():
                for start in range(0, len(ids), _CLAIMS_AT_ONCE):
                    chunk = {**claim, "w_ids": ids[start:start + _CLAIMS_AT_ONCE], "w_state": state}
                    db.execute(_CLAIM_IN_STATE, chunk)
                    for (obligation_id,) in db.execute(_CLAIMED, chunk):
                        taken[obligation_id] = state
            for obligation_id, current in abandoned:
                params = {**claim, "w_id": obligation_id, "w_previous": current.owner}
                if db.execute(_CLAIM_ABANDONED, params).rowcount == 1:
                    taken[obligation_id] = current.state
        return taken

    def finish(self, meeting: str, obligation: Obligation, state: str, receipt: str | None = None,
               error: str | None = None, outcome: str | None = None,
               written: tuple[dict[str, Any], str] | None = None) -> None:
        """Record the outcome of a claimed obligation and its line in the audit log, in one transaction:
        both commit, or neither does. ``written``: the fingerprint and sealed wording of what was written."""
        self.finish_many(meeting, [Outcome(obligation, state, receipt, error, outcome, written)])

    def finish_many(self, meeting: str, outcomes: list[Outcome]) -> None:
        """Record several outcomes and their audit lines (in this order) in one transaction."""
        if not outcomes:
            return
        now = _now()
        rows = [{"w_meeting": meeting, "w_id": o.obligation.id, "w_owner": self.owner, "w_state": o.state,
                 "w_receipt": o.receipt, "w_error": o.error, "w_now": now} for o in outcomes]
        lines = [{"meeting": meeting, "obligation": o.obligation.id, "system": o.obligation.system,
                  "record": o.obligation.record, "action": o.obligation.action, "outcome": o.outcome or o.state,
                  "receipt": o.receipt} for o in outcomes]

        written = {o.obligation.id: {"fingerprint": json.dumps(o.written[0]), "sealed": o.written[1]}
                   for o in outcomes if o.written is not None}

        def record(db: Connection) -> None:
            db.execute(_FINISH, rows)
            self._keep_written(db, meeting, written, now)
            self.audit.append_many_in(db, lines)

        in_transaction(self.engine, record)

    def outcomes(self, meeting: str) -> OutcomeWriter:
        """A writer of this run's outcomes for ``meeting``, off the event loop and in batches."""
        return OutcomeWriter(self, meeting)

    def mark_for_retry(self, obligation_id: str) -> list[str]:
        """``marac retry ID``: the rep checked that an uncertain write did not land; write it again."""
        return self._mark_by_hand(obligation_id, _t.state == "uncertain", _t.state == "uncertain",
                                  {"state": "planned", "error": None}, "retry confirmed by hand")

    def mark_done_by_hand(self, obligation_id: str) -> list[str]:
        """``marac done ID``: a manual step the rep has carried out. Returns the meetings it was found in."""
        return self._mark_by_hand(obligation_id, true(), _t.state.not_in(("done", "already_done")),
                                  {"state": "manual_done", "owner": None, "lease_until": None}, "done by hand")

    def _mark_by_hand(self, obligation_id: str, found: Any, changed: Any, values: dict[str, Any],
                      outcome: str) -> list[str]:
        """On the rep's word: the obligation's rows that ``found`` selects, in every meeting, each with
        an audit line, and ``values`` set where ``changed`` also holds; one transaction. Returns the meetings."""

        def mark(db: Connection) -> list[str]:
            rows = db.execute(select(*_ENTRY_COLUMNS).where(_t.id == obligation_id, found)).all()
            db.execute(update(obligations_table).where(_t.id == obligation_id, changed)
                       .values(**values, updated=_now()))
            for row in rows:
                entry = _entry(row)
                self.audit.append_in(db, meeting=row[0], obligation=obligation_id, system=entry.system,
                                     record=entry.record, action=entry.action, outcome=outcome)
            return [row[0] for row in rows]

        return in_transaction(self.engine, mark)

    # -- what was written, notes, corrected meetings --------------------------------
    def record_written(self, meeting: str, rows: list[dict[str, Any]]) -> None:
        """Keep what each obligation of a plan would write (``rows``: id, corrects, kind, target, fingerprint,
        sealed), for those not carried out yet: what a finished one wrote is never overwritten."""
        if not rows:
            return
        with self.engine.begin() as db:
            finished = {r[0] for r in db.execute(select(_t.id).where(_t.meeting == meeting, _t.state.in_(FINISHED)))}
            held = {r[0]: r[1:] for r in db.execute(select(
                written_table.c.id, written_table.c.fingerprint, written_table.c.corrects, written_table.c.target)
                .where(written_table.c.meeting == meeting))}
            new: list[tuple[str, dict[str, Any]]] = []
            for row in rows:
                if row["id"] in finished:
                    continue
                values = {"corrects": row.get("corrects"), "kind": row.get("kind"), "target": row.get("target"),
                          "fingerprint": json.dumps(row["fingerprint"]), "sealed": row["sealed"]}
                old = held.get(row["id"])
                if old is None:
                    new.append((row["id"], values))
                elif old != (values["fingerprint"], values["corrects"], values["target"]):
                    self._put_written(db, meeting, row["id"], values, True)
            self._insert_written(db, meeting, new)

    def _insert_written(self, db: Connection, meeting: str, new: list[tuple[str, dict[str, Any]]]) -> None:
        """Rows not held when the ledger was read: one multi-row insert (a savepoint and an insert each
        took about as long as carrying out the writes at concurrency 16); where another run made some of
        them meanwhile (a second apply at once), one at a time, updating those."""
        if not new:
            return
        now = _now()
        try:
            with db.begin_nested():
                db.execute(insert(written_table), [{"meeting": meeting, "id": obligation_id, **values, "updated": now}
                                                   for obligation_id, values in new])
        except IntegrityError:
            for obligation_id, values in new:
                self._put_written(db, meeting, obligation_id, values, False)

    def _keep_written(self, db: Connection, meeting: str, written: dict[str, dict[str, Any]], now: dt.datetime) -> None:
        """What several obligations wrote, in one statement: the plan made their rows, so they are
        updated together (a look-up and an update each cost more than the rest of an outcome). Where
        the database cannot say how many rows that updated, or some were missing, those are made."""
        if not written:
            return
        rows = [{"w_meeting": meeting, "w_id": id, "w_fingerprint": values["fingerprint"], "w_sealed": values["sealed"],
                 "w_now": now} for id, values in written.items()]
        updated = db.execute(_UPDATE_WRITTEN, rows).rowcount
        if db.dialect.supports_sane_multi_rowcount and updated == len(written):
            return
        held = {r[0] for r in db.execute(_WRITTEN_HELD, {"w_meeting": meeting, "w_ids": list(written)})}
        for id, values in written.items():
            if id not in held:
                self._put_written(db, meeting, id, values, False)

    @staticmethod
    def _put_written(db: Connection, meeting: str, obligation_id: str, values: dict[str, Any],
                     exists: bool | None = None) -> None:
        w = written_table.c
        if exists is None:
            exists = db.execute(select(w.id).where(w.meeting == meeting, w.id == obligation_id)).first() is not None
        if not exists:
            try:
                with db.begin_nested():
                    db.execute(insert(written_table).values(meeting=meeting, id=obligation_id, **values,
                                                            updated=_now()))
                return
            except IntegrityError:
                pass  # another run (a second apply at once) made the row meanwhile: update it instead
        db.execute(update(written_table).where(w.meeting == meeting, w.id == obligation_id)
                   .values(**values, updated=_now()))

    def written(self, meeting: str) -> dict[str, Written]:
        w = written_table.c
        with self.engine.connect() as db:
            rows = db.execute(select(w.id, w.corrects, w.kind, w.target, w.fingerprint, w.sealed, w.note,
                                     w.updated).where(w.meeting == meeting)).all()
        return {r[0]: Written(r[0], r[1], r[2], r[3], json.loads(r[4]) if r[4] else None, r[5], r[6],
                              _aware(r[7])) for r in rows}

    def all_written(self) -> dict[tuple[str, str], Written]:
        """(meeting, id) -> what was kept, for every meeting (``marac due``)."""
        w = written_table.c
        with self.engine.connect() as db:
            rows = db.execute(select(w.meeting, w.id, w.corrects, w.kind, w.target, w.fingerprint, w.sealed,
                                     w.note, w.updated)).all()
        return {(r[0], r[1]): Written(r[1], r[2], r[3], r[4], None, r[6], r[7], None) for r in rows}

    def written_everywhere(self, obligation_id: str) -> list[tuple[str, Written]]:
        """The obligation's written rows in every meeting (``marac show``)."""
        w = written_table.c
        with self.engine.connect() as db:
            rows = db.execute(select(w.meeting, w.id, w.corrects, w.kind, w.target, w.fingerprint, w.sealed,
                                     w.note, w.updated).where(w.id == obligation_id)).all()
        return [(r[0], Written(r[1], r[2], r[3], r[4], json.loads(r[5]) if r[5] else None, r[6], r[7],
                               _aware(r[8]))) for r in rows]

    def keep_note(self, obligation_id: str, sealed_note: str) -> None:
        """The rep's note on what was done (encrypted by the caller), on each meeting's row of the obligation."""
        with self.engine.begin() as db:
            meetings = [r[0] for r in db.execute(select(_t.meeting).where(_t.id == obligation_id))]
            for meeting in meetings:
                self._put_written(db, meeting, obligation_id, {"note": sealed_note})

    def resolve(self, meeting: str) -> str | None:
        """The ledger's meeting for this key: itself if known, or the meeting it was recorded as correcting."""
        with self.engine.connect() as db:
            if db.execute(select(meetings_table.c.meeting).where(meetings_table.c.meeting == meeting)).first():
                return meeting
            row = db.execute(select(aliases_table.c.meeting).where(aliases_table.c.alias == meeting)).first()
        return row[0] if row else None

    def correct_meeting(self, alias: str, meeting: str, area: str, date: dt.date) -> None:
        """The meeting file now names ``meeting`` as ``alias`` (its area or date corrected)."""
        with self.engine.begin() as db:
            db.execute(aliases_table.delete().where(aliases_table.c.alias == alias))
            try:
                with db.begin_nested():
                    db.execute(insert(aliases_table).values(alias=alias, meeting=meeting))
            except IntegrityError:  # a second apply at once recorded the same correction meanwhile
                db.execute(update(aliases_table).where(aliases_table.c.alias == alias).values(meeting=meeting))
            db.execute(update(meetings_table).where(meetings_table.c.meeting == meeting)
                       .values(area=area, date=date.isoformat()))

    # -- reviews ------------------------------------------------------------------
    def decide_review(self, meeting: str, case_ref: str, person: str, system: str, decision: str,
                      record: str | None) -> None:
        with self.engine.begin() as db:
            db.execute(reviews_table.delete().where(and_(
                reviews_table.c.meeting == meeting, reviews_table.c.case_ref == case_ref,
                reviews_table.c.person == person, reviews_table.c.system == system)))
            db.execute(insert(reviews_table).values(meeting=meeting, case_ref=case_ref, person=person,
                                                    system=system, decision=decision, record=record,
                                                    updated=_now()))

    def review_decisions(self, meeting: str) -> dict[tuple[str, str, str], tuple[str, str | None]]:
        with self.engine.connect() as db:
            rows = db.execute(select(reviews_table).where(reviews_table.c.meeting == meeting)).mappings()
            return {(r["case_ref"], r["person"], r["system"]): (r["decision"], r["record"]) for r in rows}

    def meetings(self) -> list[dict[str, Any]]:
        with self.engine.connect() as db:
            return [dict(r) for r in db.execute(select(meetings_table)).mappings()]

    def all_entries(self) -> list[tuple[str, Entry]]:
        with self.engine.connect() as db:
            return [(r[0], _entry(r)) for r in db.execute(_ALL_ENTRIES)]

    def coming_due(self) -> list[tuple[str, Entry]]:
        """The entries that can still fall due: open ones with a due time, and carried-out alerts with an
        expiry (what ``marac due`` lists; the same as filtering ``all_entries``)."""
        with self.engine.connect() as db:
            return [(r[0], _entry(r)) for r in db.execute(_COMING_DUE)]


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed obligation, to be recorded with its audit line."""

    obligation: Obligation
    state: str
    receipt: str | None = None
    error: str | None = None
    outcome: str | None = None  # the audit line's outcome, when it says more than the state
    written: tuple[dict[str, Any], str] | None = None  # the fingerprint and sealed wording of what was written


class OutcomeWriter:
    """Records a run's outcomes from a worker thread, as many in one transaction as have come in
    while the last one committed, so the event loop goes on sending requests meanwhile.

    A transaction costs about 1.5 ms of CPU whatever it holds, and another outcome about 0.1 ms more,
    so a batch waits up to ``linger`` seconds for more outcomes to join it (as a database's group
    commit does), unless ``batch`` of them are already waiting or ``close`` is called. At 16
    requests in flight this made a meeting's 288 outcomes about 25 transactions rather than 80.

    An outcome is committed after ``record`` returns, not before: ``close`` waits for all of them and
    raises what recording met. A run killed in between leaves the obligation claimed (in flight), as a
    run killed between a write and its outcome always could, and the next run finds the write by its
    marker before writing again.
    """

    def __init__(self, ledger: Ledger, meeting: str, linger: float = 0.01, batch: int = 64) -> None:
        self.ledger = ledger
        self.meeting = meeting
        self.linger = linger
        self.batch = batch
        self._pending: list[Outcome] = []
        self._writing: asyncio.Task[None] | None = None
        self._waiting: asyncio.Future[None] | None = None  # a batch waiting for more to join it

    def record(self, obligation: Obligation, state: str, receipt: str | None = None, error: str | None = None,
               outcome: str | None = None, written: tuple[dict[str, Any], str] | None = None) -> None:
        self._pending.append(Outcome(obligation, state, receipt, error, outcome, written))
        if len(self._pending) >= self.batch:
            self._stop_waiting()
        if self._writing is None or self._writing.done():
            if self._writing is not None and self._writing.exception() is not None:
                return  # close() raises it; what comes after is left claimed for the next run to find
            self._writing = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        while self._pending:
            if len(self._pending) < self.batch and self.linger > 0:
                await self._wait_for_more()
            batch, self._pending = self._pending, []
            await asyncio.to_thread(self.ledger.finish_many, self.meeting, batch)

    async def _wait_for_more(self) -> None:
        loop = asyncio.get_running_loop()
        self._waiting = loop.create_future()
        timer = loop.call_later(self.linger, self._stop_waiting)
        try:
            await self._waiting
        finally:
            timer.cancel()
            self._waiting = None

    def _stop_waiting(self) -> None:
        if self._waiting is not None and not self._waiting.done():
            self._waiting.set_result(None)

    async def close(self) -> None:
        """Wait until every outcome recorded so far is committed (raises what committing met); a batch
        waiting for more is committed at once."""
        self.linger = 0.0
        self._stop_waiting()
        while self._writing is not None:
            writing = self._writing
            await writing
            if writing is self._writing:
                self._writing = None


def _entry(row: Any) -> Entry:
    """An Entry from a row of _ENTRY_COLUMNS (by position: a year's ledger is read in one go by ``marac due``)."""
    (_, id, state, receipt, attempts, error, owner, lease_until, case_ref, role, person_key, system, record,
     action, phase, rule, due, expires) = row
    return Entry(id, state, receipt, attempts, error, owner, _aware(lease_until), case_ref, role, person_key,
                 system, record, action, phase, rule, _aware(due), expires)


def _private_folder(path: Path) -> None:
    """A folder of the runner's state: its owner's alone."""
    if not path.exists():  # a folder the rep made (--state .) keeps its permissions
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=0o700, exist_ok=True)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode survives the process being killed; only a power cut could lose the last commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def dumps(value: Any) -> str:
    return json.dumps(value, default=str)


def open_ledger(state: Path | None, url: str | None) -> Ledger:
    """An existing ledger (for commands that read one): the shared one at ``url``, or SQLite under ``state``."""
    from marac_core.intake.places import default_state_dir

    directory = state or default_state_dir()
    if not url and not (directory / "ledger.sqlite").exists():
        raise InputError(str(directory), "no ledger here yet (run marac apply first, or give --state)")
    return Ledger.at(directory, url)
