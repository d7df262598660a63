"""The EHM adapter against its emulator over real HTTP, through the sandbox host."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from marac_core.adapter import SystemSettings
from marac_core.records import CaseNote, Document, PersonQuery
from marac_core.sandbox.emulator import SANDBOX_PASSWORD, SANDBOX_USERNAME
from marac_core.sandbox.host import SandboxHost, SandboxOptions
from marac_ehm.adapter import EhmAdapter
from marac_ehm.emulator import EhmEmulator

RECORDS: dict[str, list[dict[str, Any]]] = {"ehm": [
    {"id": "EHM-77", "name": "Lily Jones", "dob": dt.date(2019, 5, 22), "open": True, "team": "Early Intervention",
     "allocated_worker": {"name": "Kim Patel", "email": "kim.patel@example.org"},
     "team_manager": {"name": "Jo Reed", "email": "jo.reed@example.org"}},
    {"id": "EHM-78", "name": "Lilly Jones", "dob": "2019-05-22", "open": False},
    {"id": "EHM-79", "name": "Amy Brown", "dob": "2015-01-01", "aliases": ["Amy Smith"],
     "nhs_number": "9434765919", "open": True, "team": "Family Support"},
    {"id": "EHM-80", "name": "Tom Ray", "dob": "2016-02-02"},
]}


def _host(state: Path, records: dict[str, list[dict[str, Any]]]) -> tuple[SandboxHost, str]:
    host = SandboxHost({"ehm": EhmEmulator}, state, records)
    return host, host.start().urls["ehm"]


@pytest.mark.asyncio
async def test_round_trip_reconciliation_and_durability(tmp_path: Path) -> None:
    host, url = _host(tmp_path, RECORDS)
    http = httpx.AsyncClient()
    adapter = EhmAdapter(SystemSettings(base_url=url, username=SANDBOX_USERNAME), http, secret=SANDBOX_PASSWORD)
    try:
        # Look-ups: one generous search, involvement included.
        found = await adapter.find_people(PersonQuery(name="Lily JONES", family="JONES", given="Lily",
                                                      dob=dt.date(2019, 5, 22)))
        by_id = {c.record: c for c in found}
        assert set(by_id) == {"EHM-77", "EHM-78"}
        lily = by_id["EHM-77"].involvement
        assert lily.open and lily.team == "Early Intervention" and lily.allocated_worker.name == "Kim Patel"
        assert lily.team_manager.email == "jo.reed@example.org"
        assert not by_id["EHM-78"].involvement.open and by_id["EHM-78"].involvement.allocated_worker is None
        by_alias = await adapter.find_people(PersonQuery(name="Amy X", family="Xu", given="Amy",
                                                         aliases=["Amy SMITH"]))
        assert [c.record for c in by_alias] == ["EHM-79"]
        by_nhs = await adapter.find_people(PersonQuery(name="A B", family="Zzz", given="A", nhs_number="9434765919"))
        assert [c.record for c in by_nhs] == ["EHM-79"]
        assert (await adapter.get_record("EHM-79")).involvement.team == "Family Support"
        assert await adapter.get_record("EHM-404") is None

        # Writes, each found again by its marker.
        assert await adapter.find_write("EHM-77", "case_note", "ob-note") is None
        note = await adapter.write_case_note("EHM-77", CaseNote(
            title="MARAC", text="Discussed at MARAC on 3 December.", marker="ob-note",
            copy_to=["kim.patel@example.org"]))
        assert await adapter.find_write("EHM-77", "case_note", "ob-note") == note
        assert await adapter.find_write("EHM-78", "case_note", "ob-note") is None
        summary = await adapter.write_case_note("EHM-77", CaseNote(
            title="MARAC", text="Heard at MARAC.", marker="ob-summary", section="case_summary"))
        assert await adapter.find_write("EHM-77", "case_note", "ob-summary") == summary

        minutes = Document(title="MARAC minutes", filename="minutes.pdf", content=b"%PDF-1.4 minutes",
                           marker="ob-doc", media_type="application/pdf", case_note_id=note.id)
        doc = await adapter.upload_document("EHM-77", minutes)
        assert await adapter.find_write("EHM-77", "upload_document", "ob-doc") == doc
        spare = await adapter.upload_document("EHM-80", Document(
            title="Referral", filename="referral.txt", content=b"text", marker="ob-doc-2"))
        assert await adapter.find_write("EHM-80", "delete_document", "ob-del") is None
        assert await adapter.delete_document("EHM-80", spare.id, "ob-del") == spare
        assert await adapter.find_write("EHM-80", "delete_document", "ob-del") == spare
        assert await adapter.delete_document("EHM-80", spare.id, "ob-del") == spare  # already gone: no error
        assert await adapter.find_write("EHM-80", "upload_document", "ob-doc-2") == spare  # it did land
        with pytest.raises(httpx.HTTPStatusError) as missing:
            await adapter.write_case_note("EHM-404", CaseNote(title="t", text="x", marker="m"))
        assert missing.value.response.status_code == 404

        held = host.dump()["ehm"]
        assert held["case_notes"] == [
            {"record": "EHM-77", "id": note.id, "title": "MARAC", "text": "Discussed at MARAC on 3 December.",
             "copy_to": ["kim.patel@example.org"], "confidential": True},
            {"record": "EHM-77", "id": summary.id, "title": "MARAC", "text": "Heard at MARAC.",
             "copy_to": [], "confidential": True, "section": "case_summary"}]
        assert held["alerts"] == []
        assert held["template_ticks"] == []
        assert held["documents"] == [{"record": "EHM-77", "id": doc.id, "title": "MARAC minutes",
                                      "filename": "minutes.pdf", "media_type": "application/pdf",
                                      "size": len(minutes.content), "case_note": note.id}]
        assert held["requests"] > 15
    finally:
        host.stop()
        host.close()

    # A restart keeps every acknowledged write, is not seeded again, and forgets tokens:
    # the same adapter logs in again after its first 401.
    host, url = _host(tmp_path, {"ehm": [{"id": "EHM-9", "name": "Not Seeded"}]})
    try:
        adapter.settings.base_url = url
        again = host.dump()["ehm"]
        assert {k: v for k, v in again.items() if k != "requests"} == {
            k: v for k, v in held.items() if k != "requests"}
        assert await adapter.find_write("EHM-77", "case_note", "ob-note") == note
        assert await adapter.find_write("EHM-80", "delete_document", "ob-del") == spare
        assert await adapter.get_record("EHM-9") is None
        await adapter.aclose()
        await http.aclose()
    finally:
        host.stop()
        host.close()


@pytest.mark.asyncio
async def test_exactly_once_through_transient_faults(tmp_path: Path) -> None:
    """Faults answered after the write landed are what find_write is for: retrying a
    write only when find_write says it is missing gives each marker exactly one write."""
    host = SandboxHost({"ehm": EhmEmulator}, tmp_path, RECORDS, SandboxOptions(fault_rate=0.3, seed=7))
    url = host.start().urls["ehm"]

    async def until_done(call: Callable[[], Awaitable[Any]]) -> Any:
        for _ in range(30):
            try:
                return await call()
            except httpx.HTTPStatusError as error:
                assert error.response.status_code == 503
        raise AssertionError("too many faults")

    try:
        async with httpx.AsyncClient() as http:
            adapter = EhmAdapter(SystemSettings(base_url=url, username=SANDBOX_USERNAME), http,
                                 secret=SANDBOX_PASSWORD)
            for n in range(8):
                marker = f"ob-{n}"

                async def once(marker: str = marker) -> Any:
                    found = await adapter.find_write("EHM-77", "case_note", marker)
                    return found or await adapter.write_case_note(
                        "EHM-77", CaseNote(title="MARAC", text=f"note {marker}", marker=marker))

                await until_done(once)
        held = host.dump()["ehm"]
        assert held["requests"] > 1 + 2 * 8  # faults happened: more than a login and two calls a marker
        assert sorted(n["text"] for n in held["case_notes"]) == [f"note ob-{n}" for n in range(8)]
    finally:
        host.stop()
        host.close()
