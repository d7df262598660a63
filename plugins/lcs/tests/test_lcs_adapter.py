"""The LCS adapter's exact requests, against respx mocks of the gateway."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from email import policy
from email.parser import BytesParser
from importlib import metadata
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from marac_core.adapter import SystemSettings, Unsupported
from marac_core.records import Alert, CaseNote, Document, PersonQuery, WriteReceipt
from marac_lcs.adapter import LcsAdapter

BASE = "https://lcs.example.org/api/v1"
TOKEN = {"access_token": "t1", "token_type": "Bearer", "expires_in": 3600}
LILY = {
    "id": "LCS-1001", "name": "Lily Jones", "dob": "2019-05-22", "nhs_number": None, "aliases": ["Lily Smith"],
    "involvement": {"open": True, "team": "Assessment",
                    "allocated_worker": {"name": "Kim Patel", "email": "kim.patel@example.org"},
                    "team_manager": {"name": "Jo Reed", "email": "jo.reed@example.org"}},
}


@pytest.fixture
def gateway():
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.post("/auth/token", name="token").respond(200, json=TOKEN)
        yield mock


async def _adapter() -> LcsAdapter:
    # A trailing slash on the configured base URL must not double up.
    return LcsAdapter(SystemSettings(base_url=BASE + "/", username="svc-marac"), httpx.AsyncClient(), secret="pw")


def _bearer(request: httpx.Request) -> str:
    return request.headers["authorization"]


def _form_parts(request: httpx.Request) -> dict[str, tuple[str | None, str, bytes]]:
    head = b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n"
    message = BytesParser(policy=policy.HTTP).parsebytes(head + request.content)
    return {part.get_param("name", header="content-disposition"):
            (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
            for part in message.iter_parts()}


def test_registered_through_the_entry_point_and_import_light() -> None:
    names = {e.name: e.value for e in metadata.entry_points(group="marac")}
    assert names.get("lcs") == "marac_lcs"
    import marac_lcs

    registered = []
    marac_lcs.marac_register_adapters(registered.append)
    (reg,) = registered
    assert (reg.name, reg.version) == ("lcs", marac_lcs.__version__)
    assert reg.adapter() is LcsAdapter and reg.emulator().name == "lcs"
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, marac_lcs; print(sorted(m for m in sys.modules"
         " if m.startswith(('marac_lcs.', 'starlette', 'httpx'))))"],
        capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"


@pytest.mark.asyncio
async def test_login_then_one_search_with_involvement(gateway: respx.MockRouter) -> None:
    people = gateway.get("/people").respond(200, json={"items": [LILY]})
    adapter = await _adapter()
    query = PersonQuery(name="Lily JONES", family="JONES", given="Lily", dob=dt.date(2019, 5, 22),
                        nhs_number="9434765919", aliases=["Lily SMITH", "JONES, Lil", "Lily Jones"])
    (candidate,) = await adapter.find_people(query)

    login = gateway["token"].calls.last.request
    assert login.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(login.content.decode()) == {"username": ["svc-marac"], "password": ["pw"]}
    assert people.call_count == 1
    request = people.calls.last.request
    assert _bearer(request) == "Bearer t1"
    assert request.url.params.multi_items() == [
        ("family", "JONES"), ("family", "SMITH"), ("given", "Lily"), ("dob", "2019-05-22"),
        ("nhs_number", "9434765919")]
    assert candidate.record == "LCS-1001" and candidate.dob == dt.date(2019, 5, 22)
    assert candidate.aliases == ["Lily Smith"]
    assert candidate.involvement.open and candidate.involvement.team == "Assessment"
    assert candidate.involvement.allocated_worker.email == "kim.patel@example.org"
    assert candidate.involvement.team_manager.name == "Jo Reed"


@pytest.mark.asyncio
async def test_token_is_reused_and_renewed_once_on_401(gateway: respx.MockRouter) -> None:
    gateway["token"].side_effect = [httpx.Response(200, json=TOKEN),
                                    httpx.Response(200, json={**TOKEN, "access_token": "t2"})]
    person = gateway.get("/people/LCS-1001").mock(side_effect=[
        httpx.Response(200, json=LILY), httpx.Response(401, json={"error": {"code": "unauthorized", "message": ""}}),
        httpx.Response(200, json=LILY)])
    adapter = await _adapter()
    await adapter.get_record("LCS-1001")
    await adapter.get_record("LCS-1001")
    assert gateway["token"].call_count == 2
    assert [_bearer(c.request) for c in person.calls] == ["Bearer t1", "Bearer t1", "Bearer t2"]


@pytest.mark.asyncio
async def test_a_second_401_and_other_errors_are_raised_not_retried(gateway: respx.MockRouter) -> None:
    person = gateway.get("/people/LCS-1001").respond(401, json={"error": {"code": "unauthorized", "message": ""}})
    adapter = await _adapter()
    with pytest.raises(httpx.HTTPStatusError) as caught:
        await adapter.get_record("LCS-1001")
    assert caught.value.response.status_code == 401 and person.call_count == 2
    notes = gateway.post("/people/LCS-1001/case-notes").respond(503)
    with pytest.raises(httpx.HTTPStatusError):
        await adapter.write_case_note("LCS-1001", CaseNote(title="t", text="x", marker="m"))
    assert notes.call_count == 1
    gateway["token"].respond(401, json={"error": {"code": "invalid_credentials", "message": ""}})
    with pytest.raises(httpx.HTTPStatusError):
        await (await _adapter()).get_record("LCS-1001")


@pytest.mark.asyncio
async def test_get_record_quotes_the_id_and_maps_404_to_none(gateway: respx.MockRouter) -> None:
    missing = gateway.get("/people/LCS%2F9").respond(404, json={"error": {"code": "not_found", "message": ""}})
    assert await (await _adapter()).get_record("LCS/9") is None
    assert missing.called


@pytest.mark.asyncio
async def test_case_note_request(gateway: respx.MockRouter) -> None:
    route = gateway.post("/people/LCS-1001/case-notes").respond(201, json={"id": "CN-5001"})
    note = CaseNote(title="MARAC", text="Discussed at MARAC.", marker="ob-1", section="case_summary",
                    copy_to=["kim.patel@example.org"], confidential=True)
    assert await (await _adapter()).write_case_note("LCS-1001", note) == WriteReceipt(id="CN-5001")
    request = route.calls.last.request
    assert _bearer(request) == "Bearer t1"
    assert json.loads(request.content) == {
        "title": "MARAC", "text": "Discussed at MARAC.", "copy_to": ["kim.patel@example.org"],
        "external_ref": "ob-1", "confidential": True, "section": "case_summary"}


@pytest.mark.asyncio
async def test_alert_requests(gateway: respx.MockRouter) -> None:
    create = gateway.post("/people/LCS-1001/alerts").respond(201, json={"id": "AL-301"})
    listing = gateway.get("/people/LCS-1001/alerts").respond(200, json={"items": [
        {"id": "AL-301", "text": "MARAC", "expires": "2027-12-03", "status": "active", "ended": None,
         "confidential": False, "external_ref": "ob-2", "ended_ref": None}]})
    end = gateway.patch("/people/LCS-1001/alerts/AL-301").respond(200, json={"id": "AL-301"})
    adapter = await _adapter()
    alert = Alert(text="MARAC", expires=dt.date(2027, 12, 3), marker="ob-2", confidential=False)
    assert (await adapter.add_alert("LCS-1001", alert)).id == "AL-301"
    assert json.loads(create.calls.last.request.content) == {
        "text": "MARAC", "expires": "2027-12-03", "external_ref": "ob-2", "confidential": False}
    await adapter.add_alert("LCS-1001", Alert(text="MARAC", expires=dt.date(2027, 12, 3), marker="ob-2",
                                              start=dt.date(2026, 12, 3)))
    assert json.loads(create.calls.last.request.content) == {
        "text": "MARAC", "start": "2026-12-03", "expires": "2027-12-03", "external_ref": "ob-2",
        "confidential": True}
    (recorded,) = await adapter.list_alerts("LCS-1001")
    assert listing.calls.last.request.url.params.multi_items() == []
    assert (recorded.id, recorded.expires, recorded.status, recorded.marker) == (
        "AL-301", dt.date(2027, 12, 3), "active", "ob-2")
    assert (await adapter.expire_alert("LCS-1001", "AL-301", dt.date(2027, 1, 5), "ob-3")).id == "AL-301"
    assert json.loads(end.calls.last.request.content) == {
        "status": "expired", "ended": "2027-01-05", "ended_ref": "ob-3"}


@pytest.mark.asyncio
async def test_document_requests(gateway: respx.MockRouter) -> None:
    upload = gateway.post("/people/LCS-1001/documents").respond(201, json={"id": "DOC-9001"})
    delete = gateway.delete("/people/LCS-1001/documents/DOC-9001").respond(204)
    adapter = await _adapter()
    document = Document(title="MARAC minutes", filename="minutes.pdf", content=b"%PDF-1.4 x", marker="ob-4",
                        media_type="application/pdf", case_note_id="CN-5001")
    assert (await adapter.upload_document("LCS-1001", document)).id == "DOC-9001"
    request = upload.calls.last.request
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert _form_parts(request) == {
        "title": (None, "text/plain", b"MARAC minutes"), "external_ref": (None, "text/plain", b"ob-4"),
        "confidential": (None, "text/plain", b"true"), "case_note_id": (None, "text/plain", b"CN-5001"),
        "file": ("minutes.pdf", "application/pdf", b"%PDF-1.4 x")}
    assert (await adapter.delete_document("LCS-1001", "DOC-9001", "ob-5")).id == "DOC-9001"
    assert delete.calls.last.request.url.params.multi_items() == [("deleted_ref", "ob-5")]


@pytest.mark.asyncio
@pytest.mark.parametrize(("action", "path", "params"), [
    ("case_note", "case-notes", [("external_ref", "m")]),
    ("alert", "alerts", [("external_ref", "m")]),
    ("expire_alert", "alerts", [("status", "expired"), ("ended_ref", "m")]),
    ("upload_document", "documents", [("status", "all"), ("external_ref", "m")]),
    ("delete_document", "documents", [("status", "deleted"), ("deleted_ref", "m")]),
])
async def test_find_write_searches_by_marker(gateway: respx.MockRouter, action: str, path: str,
                                             params: list[tuple[str, str]]) -> None:
    route = gateway.get(f"/people/LCS-1001/{path}").mock(side_effect=[
        httpx.Response(200, json={"items": [{"id": "X-1"}]}), httpx.Response(200, json={"items": []})])
    adapter = await _adapter()
    assert await adapter.find_write("LCS-1001", action, "m") == WriteReceipt(id="X-1")
    assert await adapter.find_write("LCS-1001", action, "m") is None
    assert route.calls.last.request.url.params.multi_items() == params


@pytest.mark.asyncio
async def test_unsupported_and_logout(gateway: respx.MockRouter) -> None:
    adapter = await _adapter()
    assert "template_ticks" not in adapter.capabilities
    with pytest.raises(Unsupported):
        await adapter.find_write("LCS-1001", "template_ticks", "m")
    await adapter.aclose()  # never logged in: nothing to revoke
    logout = gateway.delete("/auth/token").respond(204)
    gateway.get("/people/LCS-1001").respond(200, json=LILY)
    await adapter.get_record("LCS-1001")
    await adapter.aclose()
    assert _bearer(logout.calls.last.request) == "Bearer t1"
