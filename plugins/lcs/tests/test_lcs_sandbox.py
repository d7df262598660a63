"""The LCS adapter against its emulator over real HTTP, through the sandbox host."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from marac_core.adapter import SystemSettings
from marac_core.records import Alert, CaseNote, Document, PersonQuery
from marac_core.sandbox.emulator import SANDBOX_PASSWORD, SANDBOX_USERNAME
from marac_core.sandbox.host import SandboxHost, SandboxOptions
from marac_lcs.adapter import LcsAdapter
from marac_lcs.emulator import LcsEmulator

RECORDS: dict[str, list[dict[str, Any]]] = {"lcs": [
    {"id": "LCS-1001", "name": "Lily Jones", "dob": dt.date(2019, 5, 22), "open": True, "team": "Assessment",
     "allocated_worker": {"name": "Kim Patel", "email": "kim.patel@example.org"},
     "team_manager": {"name": "Jo Reed", "email": "jo.reed@example.org"}},
    {"id": "LCS-1002", "name": "Lilly Jones", "dob": "2019-05-22", "open": False},
    {"id": "LCS-1003", "name": "Amy Brown", "dob": "2015-01-01", "aliases": ["Amy Smith"],
     "nhs_number": "9434765919", "open": True, "team": "Child in Need"},
    {"id": "LCS-1004", "name": "Tom Ray", "dob": "2016-02-02"},
]}


def _host(state: Path, records: dict[str, list[dict[str, Any]]]) -> tuple[SandboxHost, str]:
    host = SandboxHost({"lcs": LcsEmulator}, state, records)
    return host, host.start().urls["lcs"]


@pytest.mark.asyncio
async def test_round_trip_reconciliation_and_durability(tmp_path: Path) -> None:
    host, url = _host(tmp_path, RECORDS)
    http = httpx.AsyncClient()
    adapter = LcsAdapter(SystemSettings(base_url=url, username=SANDBOX_USERNAME), http, secret=SANDBOX_PASSWORD)
    try:
        # Look-ups: one generous search, involvement included.
        found = await adapter.find_people(PersonQuery(name="Lily JONES", family="JONES", given="Lily",
                                                      dob=dt.date(2019, 5, 22)))
        by_id = {c.record: c for c in found}
        assert set(by_id) == {"LCS-1001", "LCS-1002"}
        lily = by_id["LCS-1001"].involvement
        assert lily.open and lily.team == "Assessment" and lily.allocated_worker.name == "Kim Patel"
        assert lily.team_manager.email == "jo.reed@example.org"
        assert not by_id["LCS-1002"].involvement.open and by_id["LCS-1002"].involvement.allocated_worker is None
        by_alias = await adapter.find_people(PersonQuery(name="Amy X", family="Xu", given="Amy",
                                                         aliases=["Amy SMITH"]))
        assert [c.record for c in by_alias] == ["LCS-1003"]
        by_nhs = await adapter.find_people(PersonQuery(name="A B", family="Zzz", given="A", nhs_number="9434765919"))
        assert [c.record for c in by_nhs] == ["LCS-1003"]
        assert (await adapter.get_record("LCS-1003")).involvement.team == "Child in Need"
        assert await adapter.get_record("LCS-404") is None

        # Writes, each found again by its marker.
        assert await adapter.find_write("LCS-1001", "case_note", "ob-note") is None
        note = await adapter.write_case_note("LCS-1001", CaseNote(
            title="MARAC", text="Discussed at MARAC on 3 December.", marker="ob-note",
            copy_to=["kim.patel@example.org"]))
        assert await adapter.find_write("LCS-1001", "case_note", "ob-note") == note
        assert await adapter.find_write("LCS-1002", "case_note", "ob-note") is None
        summary = await adapter.write_case_note("LCS-1001", CaseNote(
            title="MARAC", text="Heard at MARAC.", marker="ob-summary", section="case_summary"))
        assert await adapter.find_write("LCS-1001", "case_note", "ob-summary") == summary

        alert = await adapter.add_alert("LCS-1001", Alert(text="MARAC case", expires=dt.date(2027, 12, 3),
                                                          marker="ob-alert", start=dt.date(2026, 12, 3)))
        assert await adapter.find_write("LCS-1001", "alert", "ob-alert") == alert
        (recorded,) = await adapter.list_alerts("LCS-1001")
        assert (recorded.id, recorded.status, recorded.marker) == (alert.id, "active", "ob-alert")
        assert await adapter.find_write("LCS-1001", "expire_alert", "ob-end") is None
        assert await adapter.expire_alert("LCS-1001", alert.id, dt.date(2027, 1, 5), "ob-end") == alert
        assert await adapter.find_write("LCS-1001", "expire_alert", "ob-end") == alert
        # Ending it again changes nothing.
        assert await adapter.expire_alert("LCS-1001", alert.id, dt.date(2027, 2, 1), "ob-end-2") == alert
        (recorded,) = await adapter.list_alerts("LCS-1001")
        assert (recorded.status, recorded.ended) == ("expired", "2027-01-05")

        minutes = Document(title="MARAC minutes", filename="minutes.pdf", content=b"%PDF-1.4 minutes",
                           marker="ob-doc", media_type="application/pdf", case_note_id=note.id)
        doc = await adapter.upload_document("LCS-1001", minutes)
        assert await adapter.find_write("LCS-1001", "upload_document", "ob-doc") == doc
        spare = await adapter.upload_document("LCS-1004", Document(
            title="Referral", filename="referral.txt", content=b"text", marker="ob-doc-2"))
        assert await adapter.find_write("LCS-1004", "delete_document", "ob-del") is None
        assert await adapter.delete_document("LCS-1004", spare.id, "ob-del") == spare
        assert await adapter.find_write("LCS-1004", "delete_document", "ob-del") == spare
        assert await adapter.delete_document("LCS-1004", spare.id, "ob-del") == spare  # already gone: no error
        assert await adapter.find_write("LCS-1004", "upload_document", "ob-doc-2") == spare  # it did land
        with pytest.raises(httpx.HTTPStatusError) as missing:
            await adapter.write_case_note("LCS-404", CaseNote(title="t", text="x", marker="m"))
        assert missing.value.response.status_code == 404

        held = host.dump()["lcs"]
        assert held["case_notes"] == [
            {"record": "LCS-1001", "id": note.id, "title": "MARAC", "text": "Discussed at MARAC on 3 December.",
             "copy_to": ["kim.patel@example.org"], "confidential": True},
            {"record": "LCS-1001", "id": summary.id, "title": "MARAC", "text": "Heard at MARAC.",
             "copy_to": [], "confidential": True, "section": "case_summary"}]
        assert held["alerts"] == [{"record": "LCS-1001", "id": alert.id, "text": "MARAC case",
                                   "start": "2026-12-03", "expires": "2027-12-03", "status": "expired",
                                   "ended": "2027-01-05", "confidential": True}]
        assert held["template_ticks"] == []
        assert held["documents"] == [{"record": "LCS-1001", "id": doc.id, "title": "MARAC minutes",
                                      "filename": "minutes.pdf", "media_type": "application/pdf",
                                      "size": len(minutes.content), "case_note": note.id}]
        assert held["requests"] > 20
    finally:
        host.stop()
        host.close()

    # A restart keeps every acknowledged write, is not seeded again, and forgets tokens:
    # the same adapter logs in again after its first 401.
    host, url = _host(tmp_path, {"lcs": [{"id": "LCS-9", "name": "Not Seeded"}]})
    try:
        adapter.settings.base_url = url
        again = host.dump()["lcs"]
        assert {k: v for k, v in again.items() if k != "requests"} == {
            k: v for k, v in held.items() if k != "requests"}
        assert await adapter.find_write("LCS-1001", "case_note", "ob-note") == note
        assert await adapter.find_write("LCS-1001", "expire_alert", "ob-end") == alert
        assert await adapter.find_write("LCS-1004", "delete_document", "ob-del") == spare
        assert await adapter.get_record("LCS-9") is None
        await adapter.aclose()
        await http.aclose()
    finally:
        host.stop()
        host.close()


@pytest.mark.asyncio
async def test_exactly_once_through_transient_faults(tmp_path: Path) -> None:
    """Faults answered after the write landed are what find_write is for: retrying a
    write only when find_write says it is missing gives each marker exactly one write."""
    host = SandboxHost({"lcs": LcsEmulator}, tmp_path, RECORDS, SandboxOptions(fault_rate=0.3, seed=7))
    url = host.start().urls["lcs"]

    async def until_done(call: Callable[[], Awaitable[Any]]) -> Any:
        for _ in range(30):
            try:
                return await call()
            except httpx.HTTPStatusError as error:
                assert error.response.status_code == 503
        raise AssertionError("too many faults")

    try:
        async with httpx.AsyncClient() as http:
            adapter = LcsAdapter(SystemSettings(base_url=url, username=SANDBOX_USERNAME), http,
                                 secret=SANDBOX_PASSWORD)
            for n in range(8):
                marker = f"ob-{n}"

                async def once(marker: str = marker) -> Any:
                    found = await adapter.find_write("LCS-1001", "alert", marker)
                    return found or await adapter.add_alert(
                        "LCS-1001", Alert(text=f"alert {marker}", expires=dt.date(2027, 1, 1), marker=marker))

                await until_done(once)
        held = host.dump()["lcs"]
        assert held["requests"] > 1 + 2 * 8  # faults happened: more than a login and two calls a marker
        alerts = held["alerts"]
        assert sorted(a["text"] for a in alerts) == [f"alert ob-{n}" for n in range(8)]
    finally:
        host.stop()
        host.close()
