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
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

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
FIELDS = ("seq", "at", "actor", "meeting", "obligation", "system", "record", "action", "outcome", "receipt", "prev")


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
        metadata.create_all(engine)
        self.actor = actor()

    def append(self, *, meeting: str, obligation: str, system: str, record: str | None, action: str,
               outcome: str, receipt: str | None = None) -> None:
        for _ in range(50):
            try:
                self._append_once(meeting, obligation, system, record, action, outcome, receipt)
                return
            except IntegrityError:
                continue  # Another writer took that sequence number; chain onto its entry.
        raise RuntimeError("could not append to the audit log")

    def _append_once(self, meeting: str, obligation: str, system: str, record: str | None, action: str,
                     outcome: str, receipt: str | None) -> None:
        with self.engine.begin() as db:
            head = db.execute(select(head_table).where(head_table.c.id == 1).with_for_update()).mappings().first()
            seq, prev = (head["seq"], head["hash"]) if head else (0, GENESIS)
            entry = {"seq": seq + 1, "at": dt.datetime.now(dt.timezone.utc).isoformat(), "actor": self.actor,
                     "meeting": meeting, "obligation": obligation, "system": system, "record": record,
                     "action": action, "outcome": outcome, "receipt": receipt, "prev": prev}
            entry["hash"] = entry_hash(entry)
            db.execute(insert(audit_table).values(**entry))
            if head is None:
                db.execute(insert(head_table).values(id=1, seq=entry["seq"], hash=entry["hash"]))
            else:
                moved = db.execute(update(head_table).where(head_table.c.id == 1, head_table.c.seq == seq)
                                   .values(seq=entry["seq"], hash=entry["hash"]))
                if moved.rowcount != 1:
                    raise IntegrityError("audit head moved", None, Exception("retry"))

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
