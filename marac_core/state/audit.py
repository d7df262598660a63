"""The audit log: every write, append-only and hash-chained, in the ledger's database.

Each entry records who, when, which meeting, obligation, system, record and
outcome (ids only, no personal data) and the hash of the entry before it, so
that editing, reordering or removing any entry breaks the chain. The chain's
head (sequence number and hash) is kept in its own row, so cutting entries off
the end is detected too; ``marac audit verify`` prints the head, which a team
can note down elsewhere to anchor it.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from marac_core.state.schema import create_tables

T = TypeVar("T")
GENESIS = "0" * 64
metadata = MetaData()
audit_table = Table(
    "audit",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),
    Column("actor", String(256), nullable=False),
    Column("meeting", String(256), nullable=False),
    Column("obligation", String(64), nullable=False),
    Column("system", String(64), nullable=False),
    Column("record", String(128)),
    Column("action", String(32), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("receipt", String(256)),
    Column("prev", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
head_table = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)
# Built once: building and keying a statement on every append cost more than running it.
_HEAD = select(head_table.c.seq, head_table.c.hash).where(head_table.c.id == 1).with_for_update()
_INSERT_ENTRY = insert(audit_table)
_INSERT_HEAD = insert(head_table)
_MOVE_HEAD = (update(head_table).where(head_table.c.id == 1, head_table.c.seq == bindparam("w_seq"),
                                       head_table.c.hash == bindparam("w_prev"))
              .values(seq=bindparam("w_new_seq"), hash=bindparam("w_hash")))
FIELDS = ("seq", "at", "actor", "meeting", "obligation", "system", "record", "action", "outcome", "receipt", "prev")


def in_transaction(engine: Engine, work: Callable[[Connection], T]) -> T:
    """Run ``work`` in one transaction, again if another writer took the audit log's next entry first."""
    for _ in range(50):
        try:
            with engine.begin() as db:
                return work(db)
        except IntegrityError:
            continue  # Chain onto the other writer's entry.
    raise RuntimeError("could not append to the audit log")


def actor() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (e.g. in a container) is not an error
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def entry_hash(entry: dict[str, Any]) -> str:
    canonical = json.dumps({k: entry.get(k) for k in FIELDS}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class AuditLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        create_tables(engine, metadata)
        self.actor = actor()
        self._head: tuple[int, str] | None = None

    def append(self, *, meeting: str, obligation: str, system: str, record: str | None, action: str,
               outcome: str, receipt: str | None = None) -> None:
        line = {"meeting": meeting, "obligation": obligation, "system": system, "record": record,
                "action": action, "outcome": outcome, "receipt": receipt}
        in_transaction(self.engine, lambda db: self.append_in(db, **line))

    def append_in(self, db: Connection, *, meeting: str, obligation: str, system: str, record: str | None,
                  action: str, outcome: str, receipt: str | None = None) -> None:
        """Append within the caller's transaction, so the entry commits with what it records.

        Raises IntegrityError when another writer moved the head first: run the transaction again.
        """
        self.append_many_in(db, [{"meeting": meeting, "obligation": obligation, "system": system, "record": record,
                                  "action": action, "outcome": outcome, "receipt": receipt}])

    def append_many_in(self, db: Connection, lines: list[dict[str, Any]]) -> None:
        """Append several lines (each with append_in's fields) within the caller's transaction, chained
        in order: one INSERT of them all and one move of the head.

        Raises IntegrityError when another writer moved the head first: run the transaction again.
        """
        if not lines:
            return
        # The head this log last wrote is tried first, without reading it: the conditional UPDATE of
        # the head (same sequence number and hash) fails if anyone else has moved it since.
        known, self._head = self._head, None
        if known is None:
            row = db.execute(_HEAD).first()
            known = (row[0], row[1]) if row else (0, GENESIS)
            fresh = row is None
        else:
            fresh = False
        first_seq, first_prev = seq, prev = known
        at = dt.datetime.now(dt.timezone.utc).isoformat()
        entries = []
        for line in lines:
            entry = {"seq": seq + 1, "at": at, "actor": self.actor, "meeting": line["meeting"],
                     "obligation": line["obligation"], "system": line["system"], "record": line.get("record"),
                     "action": line["action"], "outcome": line["outcome"], "receipt": line.get("receipt"),
                     "prev": prev}
            entry["hash"] = entry_hash(entry)
            entries.append(entry)
            seq, prev = entry["seq"], entry["hash"]
        db.execute(_INSERT_ENTRY, entries)
        if fresh:
            db.execute(_INSERT_HEAD, {"id": 1, "seq": seq, "hash": prev})
        elif db.execute(_MOVE_HEAD, {"w_seq": first_seq, "w_prev": first_prev, "w_new_seq": seq,
                                     "w_hash": prev}).rowcount != 1:
            raise IntegrityError("audit head moved", None, Exception("retry"))
        # Kept only once these entries are in; a transaction that then fails leaves a head that the
        # conditional UPDATE refuses, and the retry reads the real one.
        self._head = (seq, prev)

    def entries(self) -> list[dict[str, Any]]:
        with self.engine.connect() as db:
            return [dict(r) for r in db.execute(select(audit_table).order_by(audit_table.c.seq)).mappings()]

    def verify(self) -> Verification:
        entries = self.entries()
        with self.engine.connect() as db:
            head = db.execute(select(head_table).where(head_table.c.id == 1)).mappings().first()
        prev = GENESIS
        for position, entry in enumerate(entries, start=1):
            if entry["seq"] != position:
                return Verification(False, f"entry {position} is missing or out of order (found seq {entry['seq']})",
                                    len(entries), prev)
            if entry["prev"] != prev:
                return Verification(False, f"entry {position} does not follow the one before it", len(entries), prev)
            if entry_hash(entry) != entry["hash"]:
                return Verification(False, f"entry {position} has been changed", len(entries), prev)
            prev = entry["hash"]
        head_seq, head_hash = (head["seq"], head["hash"]) if head else (0, GENESIS)
        if head_seq != len(entries) or head_hash != prev:
            return Verification(False, f"the log ends at entry {len(entries)} but its head says {head_seq}: "
                                       "entries were removed or added", len(entries), prev)
        return Verification(True, "the audit log is intact", len(entries), prev)


@dataclass(frozen=True)
class Verification:
    intact: bool
    reason: str
    entries: int
    head: str
