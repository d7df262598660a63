"""Round trips: the SystmOne adapter against its emulator over real HTTP, through SandboxHost."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from marac_systmone.adapter import SystmOneAdapter
from marac_systmone.emulator import SystmOneEmulator

from marac_core.api import (
    Alert,
    CaseNote,
    Document,
    PersonQuery,
    SandboxHost,
    SandboxOptions,
    SystemSettings,
    TemplateEntry,
)

T = TypeVar("T")
RECORDS: dict[str, list[dict[str, Any]]] = {"systmone": [
    {"id": "S1-9001", "nhs_number": "9434765919", "name": "Sarah Jones", "dob": dt.date(1991, 3, 14),
     "open": True, "team": "Community Mental Health", "allocated_worker": {"name": "Dr Kim Patel"},
     "postcode": "LS1 4AP"},
    {"id": "S1-9002", "nhs_number": "9434765870", "name": "Mark Jones", "dob": "1988-07-01", "open": False,
     "team": "IAPT"},
    {"id": "S1-9003", "name": "Lily Jonse", "dob": "2019-05-22", "open": False, "aliases": ["Lily Smith"]},
    {"id": "S1-9004", "name": "Ann Other", "dob": "1970-01-01", "open": False},
]}
OBLIGATION = "urn:marac:obligation"


class Running:
    def __init__(self, directory: Path, options: SandboxOptions = SandboxOptions()) -> None:
        self.host = SandboxHost({"systmone": SystmOneEmulator}, directory, RECORDS, options)
        self.url = self.host.start().urls["systmone"]

    def requests(self) -> int:
        return self.host.emulators["systmone"].store.requests()

    def held(self) -> dict[str, Any]:
        return self.host.dump()["systmone"]

    def close(self) -> None:
        self.host.stop()
        self.host.close()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = Running(tmp_path_factory.mktemp("systmone"))
    yield running
    running.close()


def adapter_for(url: str, secret: str | None = "sandbox") -> SystmOneAdapter:
    return SystmOneAdapter(SystemSettings(base_url=url, username="sandbox"), httpx.AsyncClient(), secret)


async def retried(call: Callable[[], Awaitable[T]]) -> T:
    """What the core's retrying does with a transient 503, reduced to a loop."""
    for _ in range(30):
        try:
            return await call()
        except httpx.HTTPStatusError as error:
            if error.response.status_code != 503:
                raise
        await asyncio.sleep(0)
    raise AssertionError("still failing")


def test_base_url_is_the_fhir_base(sandbox: Running) -> None:
    assert sandbox.url.startswith("http://127.0.0.1:") and sandbox.url.endswith("/fhir")


@pytest.mark.asyncio
async def test_search_by_nhs_number_is_one_request_with_involvement(sandbox: Running) -> None:
    adapter = adapter_for(sandbox.url)
    before = sandbox.requests()
    found = await adapter.find_people(PersonQuery(name="Sarah JONES", family="JONES", given="Sarah",
                                                  nhs_number="9434765919"))
    assert sandbox.requests() - before == 1
    (sarah,) = found
    assert (sarah.record, sarah.name, sarah.dob, sarah.nhs_number) == ("S1-9001", "Sarah Jones",
                                                                       dt.date(1991, 3, 14), "9434765919")
    assert sarah.involvement.open and sarah.involvement.team == "Community Mental Health"
    assert sarah.involvement.allocated_worker.name == "Dr Kim Patel"
    assert sarah.postcode == "LS1 4AP"  # Patient.address[].postalCode
    await adapter.http.aclose()


@pytest.mark.asyncio
async def test_search_by_name_and_birth_date_is_generous(sandbox: Running) -> None:
    adapter = adapter_for(sandbox.url)
    before = sandbox.requests()
    found = {c.record: c for c in await adapter.find_people(
        PersonQuery(name="Lily JONES", family="JONES", given="Lily", dob=dt.date(2019, 5, 22)))}
    assert sandbox.requests() - before == 1
    assert set(found) == {"S1-9001", "S1-9002", "S1-9003"}
    assert found["S1-9003"].aliases == ["Lily Smith"] and found["S1-9003"].nhs_number is None
    assert found["S1-9003"].postcode is None
    # A finished episode is a record that is not open.
    assert not found["S1-9002"].involvement.open
    by_dob = await adapter.find_people(PersonQuery(name="Ann BROWN", family="BROWN", given="Ann",
                                                   dob=dt.date(1970, 1, 1)))
    assert [c.record for c in by_dob] == ["S1-9004"]
    await adapter.http.aclose()


@pytest.mark.asyncio
async def test_batch_of_searches_is_one_request_answered_in_order(sandbox: Running) -> None:
    adapter = adapter_for(sandbox.url)
    queries = [PersonQuery(name="Lily JONES", family="JONES", given="Lily", dob=dt.date(2019, 5, 22)),
               PersonQuery(name="Ann BROWN", family="BROWN", given="Ann", dob=dt.date(1970, 1, 1)),
               PersonQuery(name="Sarah JONES", family="JONES", given="Sarah", nhs_number="9434765919"),
               PersonQuery(name="Zed NOBODY", family="NOBODY", given="Zed", dob=dt.date(2001, 1, 1))]
    one_by_one = [{c.record for c in await adapter.find_people(q)} for q in queries]
    before = sandbox.requests()
    batched = await adapter.find_many_people(queries)
    assert sandbox.requests() - before == 1
    assert [{c.record for c in found} for found in batched] == one_by_one  # type: ignore[union-attr]
    assert one_by_one[:3] == [{"S1-9001", "S1-9002", "S1-9003"}, {"S1-9004"}, {"S1-9001"}] and not one_by_one[3]
    await adapter.http.aclose()


@pytest.mark.asyncio
async def test_batch_entries_the_server_cannot_answer_are_refused_each_on_its_own(sandbox: Running) -> None:
    async with httpx.AsyncClient(headers={"Authorization": "Bearer sandbox",
                                          "Content-Type": "application/fhir+json"}) as http:
        answer = (await http.post(sandbox.url, json={"resourceType": "Bundle", "type": "batch", "entry": [
            {"request": {"method": "GET", "url": "Patient?birthdate=soon"}},
            {"request": {"method": "GET", "url": "Patient?nickname=Lil"}},
            {"request": {"method": "DELETE", "url": "Patient/S1-9001"}},
            {"request": {"method": "GET", "url": "Flag?subject=Patient/S1-9001"}},
            {"request": {"method": "GET", "url": "Patient?_id=S1-9004&_revinclude=EpisodeOfCare:patient"}},
        ]})).json()
        assert answer["type"] == "batch-response"
        assert [e["response"]["status"] for e in answer["entry"]] == ["400", "400", "400", "400", "200 OK"]
        assert [e["resource"]["id"] for e in answer["entry"][4]["resource"]["entry"]] == ["S1-9004"]
        # A transaction, or no token, is refused as a whole.
        refused = await http.post(sandbox.url, json={"resourceType": "Bundle", "type": "transaction", "entry": []})
        assert refused.status_code == 400
        anonymous = await http.post(sandbox.url, json={"resourceType": "Bundle", "type": "batch"},
                                    headers={"Authorization": ""})
        assert anonymous.status_code == 401


@pytest.mark.asyncio
async def test_get_record(sandbox: Running) -> None:
    adapter = adapter_for(sandbox.url)
    found = await adapter.get_record("S1-9002")
    assert found is not None and found.name == "Mark Jones" and not found.involvement.open
    assert await adapter.get_record("S1-0000") is None
    await adapter.http.aclose()


@pytest.mark.asyncio
async def test_writes_land_once_and_can_be_found_again(sandbox: Running) -> None:
    adapter = adapter_for(sandbox.url)
    record = "S1-9004"
    alert = Alert(text="MARAC 03/12/2026. Do not discuss with partner.", expires=dt.date(2027, 12, 3), marker="a-1")
    first = await adapter.add_alert(record, alert)
    # Conditional create: the same obligation again returns the same Flag, not a second one.
    assert (await adapter.add_alert(record, alert)).id == first.id
    note = await adapter.write_case_note(record, CaseNote(title="MARAC", text="Heard at MARAC — plan agreed.",
                                                          marker="n-1"))
    ticks = await adapter.tick_template(record, TemplateEntry(text="Discussed at MARAC.",
                                                              boxes=["MARAC", "Domestic abuse"], marker="t-1"))
    doc = await adapter.upload_document(record, Document(title="Minutes", filename="minutes.pdf",
                                                         content=b"%PDF-1.4 x", marker="u-1",
                                                         media_type="application/pdf"))
    for action, marker, receipt in [("alert", "a-1", first), ("case_note", "n-1", note),
                                    ("template_ticks", "t-1", ticks), ("upload_document", "u-1", doc)]:
        assert (await adapter.find_write(record, action, marker)) == receipt
        assert await adapter.find_write(record, action, "never-written") is None
        assert await adapter.find_write("S1-9001", action, marker) is None

    held = sandbox.held()
    mine = {key: [e for e in held[key] if e["record"] == record]
            for key in ("case_notes", "alerts", "template_ticks", "documents")}
    assert mine == {
        "case_notes": [{"record": record, "title": "MARAC", "text": "Heard at MARAC — plan agreed.",
                        "confidential": True}],
        "alerts": [{"record": record, "text": alert.text, "start": dt.date.today().isoformat(),
                    "expires": "2027-12-03", "status": "active", "confidential": True}],
        "template_ticks": [{"record": record, "boxes": ["MARAC", "Domestic abuse"], "text": "Discussed at MARAC.",
                            "confidential": True}],
        "documents": [{"record": record, "title": "Minutes", "filename": "minutes.pdf",
                       "media_type": "application/pdf", "confidential": True}],
    }
    assert isinstance(held["requests"], int) and held["requests"] > 0

    (listed,) = await adapter.list_alerts(record)
    assert (listed.id, listed.text, listed.expires, listed.status, listed.marker) == (
        first.id, alert.text, dt.date(2027, 12, 3), "active", "a-1")

    assert await adapter.find_write(record, "expire_alert", "x-1") is None
    assert (await adapter.expire_alert(record, first.id, dt.date(2027, 6, 1), "x-1")).id == first.id
    assert (await adapter.find_write(record, "expire_alert", "x-1")).id == first.id
    assert (await adapter.expire_alert(record, first.id, dt.date(2027, 6, 1), "x-1")).id == first.id
    (expired,) = await adapter.list_alerts(record)
    assert (expired.status, expired.expires, expired.marker) == ("inactive", dt.date(2027, 6, 1), "a-1")

    assert await adapter.find_write(record, "delete_document", "del-1") is None
    assert (await adapter.delete_document(record, doc.id, "del-1")).id == doc.id
    assert (await adapter.find_write(record, "delete_document", "del-1")).id == doc.id
    held = sandbox.held()
    assert [a["status"] for a in held["alerts"] if a["record"] == record] == ["inactive"]
    assert [a["expires"] for a in held["alerts"] if a["record"] == record] == ["2027-06-01"]
    assert [d for d in held["documents"] if d["record"] == record] == []
    await adapter.http.aclose()


@pytest.mark.asyncio
async def test_confidential_false_is_not_restricted(sandbox: Running) -> None:
    adapter = adapter_for(sandbox.url)
    await adapter.add_alert("S1-9003", Alert(text="Open", expires=dt.date(2027, 1, 1), marker="o-1",
                                             confidential=False))
    await adapter.write_case_note("S1-9003", CaseNote(title="T", text="x", marker="o-2", confidential=False))
    held = sandbox.held()
    assert [a["confidential"] for a in held["alerts"] if a["record"] == "S1-9003"] == [False]
    assert [n["confidential"] for n in held["case_notes"] if n["record"] == "S1-9003"] == [False]
    await adapter.http.aclose()


@pytest.mark.asyncio
async def test_errors_are_operation_outcomes(sandbox: Running) -> None:
    auth = {"Authorization": "Bearer sandbox", "Content-Type": "application/fhir+json"}
    flag = {"resourceType": "Flag", "status": "active", "code": {"text": "x"},
            "subject": {"reference": "Patient/S1-9001"}}

    async def issue(response: httpx.Response, status: int, code: str) -> None:
        assert response.status_code == status, response.text
        outcome = response.json()
        assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["code"] == code

    async with httpx.AsyncClient(base_url=sandbox.url + "/") as client:
        await issue(await client.get("Patient", params={"_id": "S1-9001"}), 401, "login")
        response = await client.get("Patient", params={"_id": "S1-9001"}, headers={"Authorization": "Bearer nope"})
        await issue(response, 401, "login")
        assert response.headers["www-authenticate"].startswith("Bearer")
        await issue(await client.get("Flag/nope", headers=auth), 404, "not-found")
        await issue(await client.get("Observation", headers=auth), 404, "not-supported")
        await issue(await client.get("Flag", params={"code": "x"}, headers=auth), 400, "not-supported")
        await issue(await client.get("Patient", headers=auth), 400, "required")
        await issue(await client.post("Flag", json={**flag, "code": None}, headers=auth), 400, "invalid")
        await issue(await client.post("Flag", json={**flag, "colour": "red"}, headers=auth), 400, "invalid")
        await issue(await client.post("Flag", json={**flag, "status": "bogus"}, headers=auth), 400, "code-invalid")
        await issue(await client.post("Flag", content=b"{", headers=auth), 400, "structure")
        await issue(await client.post("Flag", json={**flag, "resourceType": "Patient"}, headers=auth), 400, "invalid")
        await issue(await client.post("Flag", json={**flag, "subject": {"reference": "Patient/S1-0"}}, headers=auth),
                    422, "processing")
        await issue(await client.post("Patient", json={"resourceType": "Patient"}, headers=auth), 405, "not-supported")
        await issue(await client.post("Flag", content=b"<Flag/>",
                                      headers={**auth, "Content-Type": "application/fhir+xml"}), 415, "not-supported")

        created = await client.post("Flag", json=flag, headers=auth)
        assert created.status_code == 201
        assert created.headers["etag"] == 'W/"1"' and created.headers["location"].endswith("/_history/1")
        stored = created.json()
        update = {**stored, "status": "inactive"}
        changed = await client.put(f"Flag/{stored['id']}", json=update, headers={**auth, "If-Match": 'W/"1"'})
        assert changed.status_code == 200 and changed.headers["etag"] == 'W/"2"'
        await issue(await client.put(f"Flag/{stored['id']}", json=update, headers={**auth, "If-Match": 'W/"1"'}),
                    412, "conflict")
        await issue(await client.put(f"Flag/{stored['id']}", json={**update, "id": "other"}, headers=auth),
                    400, "invalid")
        moved = {**update, "subject": {"reference": "Patient/S1-9002"}}
        await issue(await client.put(f"Flag/{stored['id']}", json=moved, headers=auth), 422, "business-rule")
        await issue(await client.put("Flag/nope", json={**update, "id": "nope"}, headers=auth), 404, "not-found")
        metadata = await client.get("metadata")
        assert metadata.status_code == 200 and metadata.json()["fhirVersion"] == "4.0.1"


@pytest.mark.asyncio
async def test_state_survives_a_restart(tmp_path: Path) -> None:
    running = Running(tmp_path)
    adapter = adapter_for(running.url)
    receipt = await adapter.add_alert("S1-9001", Alert(text="Kept", expires=dt.date(2027, 1, 1), marker="d-1"))
    await adapter.http.aclose()
    running.close()

    again = Running(tmp_path)
    try:
        adapter = adapter_for(again.url)
        assert (await adapter.find_write("S1-9001", "alert", "d-1")) == receipt
        held = again.held()
        assert [a["text"] for a in held["alerts"]] == ["Kept"]
        # Seeded once only: the records are not loaded a second time.
        assert [c.record for c in await adapter.find_people(
            PersonQuery(name="Sarah Jones", family="Jones", given="Sarah", nhs_number="9434765919"))] == ["S1-9001"]
        await adapter.http.aclose()
    finally:
        again.close()


@pytest.mark.asyncio
async def test_lost_answers_do_not_duplicate_writes(tmp_path: Path) -> None:
    running = Running(tmp_path, SandboxOptions(fault_rate=0.5, seed=3))
    try:
        adapter = adapter_for(running.url)
        for n in range(6):
            await retried(lambda n=n: adapter.add_alert(
                "S1-9001", Alert(text=f"Alert {n}", expires=dt.date(2027, 1, 1), marker=f"f-{n}")))
            await retried(lambda n=n: adapter.write_case_note(
                "S1-9001", CaseNote(title="MARAC", text=f"Note {n}", marker=f"c-{n}")))
        held = running.held()
        assert sorted(a["text"] for a in held["alerts"]) == [f"Alert {n}" for n in range(6)]
        assert sorted(c["text"] for c in held["case_notes"]) == [f"Note {n}" for n in range(6)]
        assert held["requests"] > 12  # some requests did fail
        await adapter.http.aclose()
    finally:
        running.close()


@pytest.mark.asyncio
async def test_wrong_token_is_refused(sandbox: Running) -> None:
    adapter = adapter_for(sandbox.url, secret="wrong")
    with pytest.raises(httpx.HTTPStatusError) as refused:
        await adapter.get_record("S1-9001")
    assert refused.value.response.status_code == 401
    await adapter.http.aclose()
