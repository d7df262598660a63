"""Durable storage for an emulated record system.

Each emulator keeps its documents in one SQLite file under DIR/sandbox/.
A write is committed before the HTTP response leaves, so an acknowledged
write survives the runner being killed right after it. The database is in
WAL mode with synchronous=NORMAL: a commit is in the operating system's hands
when it returns, which survives the process being killed (SIGKILL); only a
power cut could lose the last commits, and that is out of the sandbox's scope.
A commit with synchronous=FULL waited for an fsync each time, about 1.4 ms a
write, during which the emulator's server could answer nothing else.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Doc = dict[str, Any]


class EmulatorStore:
    """JSON documents in named collections, one SQLite file per system."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Its owner's alone, made so before SQLite opens it (SQLite gives its -wal and -shm files the
        # database's permissions; creating those here could replace one another process has mapped).
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        # Another process may hold the file for a moment (the sandbox's server process, a run ending).
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS docs (collection TEXT NOT NULL, id TEXT NOT NULL,"
            " seq INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL, UNIQUE (collection, id))"
        )
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        # Whole collections as last read, for all(): emulators scan them on every search, and decoding
        # them each time was most of an emulator's work (60% of SystmOne's in a 400-case plan). This
        # store's own writes keep a cached collection up to date (a write to one collection leaves the
        # others' caches alone); it is dropped when a transaction rolls back or another connection, in
        # this process or another, has committed anything (``PRAGMA data_version``).
        self._collections: dict[str, tuple[tuple[int, int, int], list[Doc]]] = {}
        self._changes: dict[str, int] = {}
        self._rollbacks = 0

    @contextmanager
    def transaction(self) -> Iterator[EmulatorStore]:
        """Several changes that land together or not at all."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._db.execute("ROLLBACK")
                self._rollbacks += 1
                self._collections.clear()
                raise
            self._db.execute("COMMIT")

    def insert(self, collection: str, doc: Doc, id: str | None = None) -> str:
        doc_id = id or doc.get("id") or uuid.uuid4().hex[:12]
        stored = {**doc, "id": doc_id}
        text = json.dumps(stored, default=str)
        with self._lock:
            self._db.execute("INSERT INTO docs (collection, id, doc) VALUES (?, ?, ?)", (collection, doc_id, text))
            self._changed(collection, lambda docs: docs.append(json.loads(text)))
        return str(doc_id)

    def put(self, collection: str, doc: Doc) -> None:
        """Replace the document with the same id."""
        text = json.dumps(doc, default=str)
        with self._lock:
            self._db.execute("UPDATE docs SET doc = ? WHERE collection = ? AND id = ?", (text, collection, doc["id"]))

            def replace(docs: list[Doc]) -> None:
                docs[:] = [json.loads(text) if d.get("id") == doc["id"] else d for d in docs]

            self._changed(collection, replace)

    def delete(self, collection: str, id: str) -> bool:
        with self._lock:
            cursor = self._db.execute("DELETE FROM docs WHERE collection = ? AND id = ?", (collection, id))

            def remove(docs: list[Doc]) -> None:
                docs[:] = [d for d in docs if d.get("id") != id]

            self._changed(collection, remove)
        return cursor.rowcount > 0

    def _changed(self, collection: str, change: Callable[[list[Doc]], None]) -> None:
        """After this store wrote to ``collection``: bring its cached documents along, if they were current."""
        cached = self._collections.get(collection)
        current = cached is not None and cached[0] == self.version(collection)
        self._changes[collection] = self._changes.get(collection, 0) + 1
        if cached is not None and current:
            change(cached[1])
            self._collections[collection] = (self.version(collection), cached[1])
        else:
            self._collections.pop(collection, None)

    def get(self, collection: str, id: str) -> Doc | None:
        with self._lock:
            row = self._db.execute(
                "SELECT doc FROM docs WHERE collection = ? AND id = ?", (collection, id)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def version(self, collection: str) -> tuple[int, int, int]:
        """Changes when anything in ``collection`` may have changed, here or through another connection.

        An emulator can keep what it derives from its documents (an index of people, say) while
        this stays the same.
        """
        with self._lock:
            (version,) = self._db.execute("PRAGMA data_version").fetchone()
            return version, self._rollbacks, self._changes.get(collection, 0)

    def all(self, collection: str) -> list[Doc]:
        """Every document of the collection, oldest first.

        The documents are shared with the store's cache of the collection: read them, and change
        them only through ``put`` (on a copy), never in place.
        """
        with self._lock:
            stamp = self.version(collection)
            cached = self._collections.get(collection)
            if cached is not None and cached[0] == stamp:
                return list(cached[1])
            rows = self._db.execute(
                "SELECT doc FROM docs WHERE collection = ? ORDER BY seq", (collection,)
            ).fetchall()
            docs = [json.loads(r[0]) for r in rows]
            self._collections[collection] = (stamp, docs)
        return list(docs)

    def find(self, collection: str, **equal: Any) -> list[Doc]:
        """Documents whose top-level fields equal the given values."""
        clauses = " AND ".join(f"json_extract(doc, '$.{k}') = ?" for k in equal)
        sql = "SELECT doc FROM docs WHERE collection = ?" + (f" AND {clauses}" if clauses else "")
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY seq", (collection, *equal.values())).fetchall()
        return [json.loads(r[0]) for r in rows]

    def next_number(self, name: str, start: int = 1) -> int:
        """A durable counter, for systems that number their objects."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (f"seq:{name}",)).fetchone()
            value = int(row[0]) + 1 if row else start
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (f"seq:{name}", str(value)),
            )
        return value

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def count_request(self) -> None:
        # A statistic, not a record, but counted on the same connection: a count committed by another
        # connection would look like a change to every cached collection.
        with self._lock:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES ('requests', '1')"
                " ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
            )

    def requests(self) -> int:
        return int(self.get_meta("requests") or 0)

    def close(self) -> None:
        with self._lock:
            self._db.close()
