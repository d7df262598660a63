"""Team use: a rep and a deputy, each with a workbench on one shared PostgreSQL ledger, work one meeting."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
from postgres_server import postgresql_url
from workbench.harness import Served, apply_and_wait, csrf_of, demo_copy, start


def _session(served: Served) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=served.base, follow_redirects=True, timeout=120)
    return client, csrf_of(client.get(served.url).text)


def _apply(client: httpx.Client, csrf: str) -> str:
    return apply_and_wait(client, csrf, "before")


def _alerts(folder: Path, state: str) -> list[dict[str, str]]:
    dump = subprocess.run([sys.executable, "-m", "marac_core.cli.main", "sandbox", "dump", "--state", state, "--json"],
                          cwd=folder, capture_output=True, text=True, check=True)
    return json.loads(dump.stdout)["systmone"]["alerts"]


def test_the_rep_and_the_deputy_share_answers_and_never_write_twice(tmp_path: Path) -> None:
    folder = demo_copy(tmp_path)
    with postgresql_url() as url:
        rep_server = start(folder, "rdash-meeting.yaml", "--sandbox", "records.yaml", "--state", "rep", "--ledger", url)
        deputy_server = start(folder, "rdash-meeting.yaml", "--sandbox", "records.yaml", "--state", "deputy",
                              "--ledger", url)
        try:
            rep, rep_csrf = _session(rep_server)
            deputy, deputy_csrf = _session(deputy_server)
            answered = rep.post("/meetings/1/reviews", data={
                "csrf": rep_csrf, "phase": "before", "review": "DN-0412/perpetrator-0/systmone",
                "decision": "confirm", "record": "S1-9002"})
            assert answered.status_code == 200 and 'id="reviewed"' in answered.text
            # The deputy's workbench sees the rep's answer: nothing left to review there either.
            assert 'id="go-reviews"' not in deputy.get("/meetings/1").text
            _apply(rep, rep_csrf)
            _apply(deputy, deputy_csrf)
            rep.close()
            deputy.close()
        finally:
            rep_server.stop()
            deputy_server.stop()
    assert {a["record"] for a in _alerts(folder, "rep")} >= {"S1-9001", "S1-9002"}
    assert _alerts(folder, "deputy") == []  # the ledger said it was done: the deputy's apply wrote nothing
