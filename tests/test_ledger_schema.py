"""Two runs that start at once on a fresh state both get the ledger (issue 18, point 7): creating the
tables is safe when they race (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

# Each process loads everything first, then waits for the word, so that all create the tables together.
CREATE = """
import sys, time
from pathlib import Path
from marac_core.state.ledger import Ledger
from marac_core.followup.repeats import Repeats
go = Path(sys.argv[1])
while not go.exists():
    time.sleep(0.001)
ledger = Ledger.at(Path(sys.argv[2]), sys.argv[3] or None)
Repeats(ledger.engine, b"k" * 32)
ledger.record_plan("m", "Area", __import__("datetime").date(2026, 12, 3), "rdash", [])
ledger.close()
"""


def _race(tmp_path: Path, state: Path, url: str = "", runs: int = 6) -> list[subprocess.CompletedProcess[str]]:
    go = tmp_path / f"go-{uuid.uuid4().hex}"
    processes = [subprocess.Popen([sys.executable, "-c", CREATE, str(go), str(state), url],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(runs)]
    time.sleep(3)  # only to let them load: the race itself starts when the file appears
    go.touch()
    return [subprocess.CompletedProcess(p.args, p.wait(timeout=120), *p.communicate()) for p in processes]


def test_runs_starting_at_once_on_a_fresh_sqlite_state_all_get_the_ledger(tmp_path: Path) -> None:
    for attempt in range(3):
        state = tmp_path / f"state-{attempt}"
        finished = _race(tmp_path, state)
        assert [p.returncode for p in finished] == [0] * len(finished), [p.stderr[-400:] for p in finished]


def test_runs_starting_at_once_on_a_fresh_postgresql_database_all_get_the_ledger(tmp_path: Path) -> None:
    from postgres_server import postgresql_url
    from sqlalchemy import create_engine, text

    with postgresql_url() as url:
        admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1),
                              isolation_level="AUTOCOMMIT")
        try:
            for attempt in range(2):
                name = f"race_{uuid.uuid4().hex[:8]}"
                with admin.connect() as db:
                    db.execute(text(f"CREATE DATABASE {name}"))
                fresh = url.rsplit("/", 1)[0] + f"/{name}"
                finished = _race(tmp_path, tmp_path / "unused", fresh)
                assert [p.returncode for p in finished] == [0] * len(finished), [p.stderr[-400:] for p in finished]
        finally:
            admin.dispose()


pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def test_what_was_written_is_kept_when_a_second_apply_made_its_row_meanwhile(tmp_path: Path) -> None:
    # Two applies of one meeting at once (a rep and a deputy) both find no row, then both insert it:
    # the second must keep what it was told, not crash between two writes of the meeting.
    from marac_core.state.ledger import Ledger, written_table

    ledger = Ledger.at(tmp_path)
    try:
        with ledger.engine.begin() as db:
            db.execute(written_table.insert().values(meeting="M", id="O1", fingerprint='{"text": "a"}', sealed="s1",
                                                     updated=dt.datetime(2026, 12, 3, tzinfo=dt.timezone.utc)))
        with ledger.engine.begin() as db:  # as the second run does, having looked before the first inserted
            Ledger._put_written(db, "M", "O1", {"fingerprint": '{"text": "b"}', "sealed": "s2"}, exists=False)
        kept = ledger.written("M")["O1"]
        assert kept.fingerprint == {"text": "b"} and kept.sealed == "s2"
    finally:
        ledger.close()
