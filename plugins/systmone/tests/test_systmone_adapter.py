"""The exact FHIR requests the SystmOne adapter sends, checked with respx."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import httpx
import pytest
import respx
from marac_systmone import marac_register_adapters
from marac_systmone.adapter import SystmOneAdapter
from marac_systmone.fhir import validated

from marac_core.api import (
    Alert,
    CaseNote,
    Document,
    PersonQuery,
    SystemSettings,
    TemplateEntry,
    Unsupported,
)

BASE = "https://engine.trust.example/fhir"
HOST = "engine.trust.example"
NHS = "https://fhir.nhs.uk/Id/nhs-number"
MARKER_SYSTEM = "urn:marac:obligation"
RESTRICTED = {"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R",
              "display": "restricted"}


def make(secret: str | None = "tok", **extra: Any) -> tuple[SystmOneAdapter, httpx.AsyncClient]:
    client = httpx.AsyncClient()
    return SystmOneAdapter(SystemSettings(base_url=BASE + "/", **extra), client, secret), client


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
            "entry": [{"resource": r} for r in resources]}


def body(request: httpx.Request) -> dict[str, Any]:
    return json.loads(request.content)


def created(resource_type: str, resource_id: str = "new-1") -> httpx.Response:
    return httpx.Response(201, json={"resourceType": resource_type, "id": resource_id},
                          headers={"Location": f"{BASE}/{resource_type}/{resource_id}/_history/1"})


def check_write_headers(request: httpx.Request, marker: str) -> None:
    assert request.headers["authorization"] == "Bearer tok"
    assert request.headers["content-type"] == "application/fhir+json"
    assert request.headers["accept"] == "application/fhir+json"
    assert request.headers["prefer"] == "return=representation"
    assert request.headers["if-none-exist"] == f"identifier={MARKER_SYSTEM}|{marker}"


SARAH = {"resourceType": "Patient", "id": "S1-9001",
         "identifier": [{"system": NHS, "value": "9434765919"}, {"system": "urn:other", "value": "x"}],
         "name": [{"use": "old", "family": "Smith", "given": ["Sarah"]},
                  {"use": "official", "text": "Sarah Jones", "family": "Jones", "given": ["Sarah"]}],
         "birthDate": "1991-03-14",
         "address": [{"use": "old", "postalCode": "M1 1AE"}, {"use": "work", "postalCode": "LS2 9JT"},
                     {"use": "home", "postalCode": "ls14ap"},
                     {"use": "home", "postalCode": "B33 8TH", "period": {"end": "2020-01-01"}}]}
SARA = {"resourceType": "Patient", "id": "S1-9002", "name": [{"family": "Jones", "given": ["Sara", "Ann"]}],
        "birthDate": "1991"}
OPEN = {"resourceType": "EpisodeOfCare", "id": "e1", "status": "active",
        "patient": {"reference": "Patient/S1-9001"}, "type": [{"text": "Community Mental Health"}],
        "careManager": {"display": "Dr Kim Patel"}}
CLOSED = {"resourceType": "EpisodeOfCare", "id": "e2", "status": "finished",
          "patient": {"reference": f"{BASE}/Patient/S1-9002"}, "team": [{"display": "IAPT"}]}


def test_registration_is_lazy_and_complete() -> None:
    found = []
    marac_register_adapters(found.append)
    (reg,) = found
    assert reg.name == "systmone"
    assert reg.adapter() is SystmOneAdapter
    assert reg.emulator().name == "systmone"
    assert SystmOneAdapter.capabilities == {"case_note", "alert", "expire_alert", "template_ticks",
                                            "upload_document", "delete_document"}


@pytest.mark.asyncio
async def test_find_people_by_nhs_number_is_one_request_with_episodes() -> None:
    adapter, client = make()
    with respx.mock(assert_all_called=True) as router:
        route = router.get(host=HOST, path="/fhir/Patient").mock(
            return_value=httpx.Response(200, json=bundle(SARAH, SARA, OPEN, CLOSED)))
        found = await adapter.find_people(PersonQuery(name="Sarah JONES", family="JONES", given="Sarah",
                                                      dob=dt.date(1991, 3, 14), nhs_number="9434765919"))
    assert route.call_count == 1
    request = route.calls.last.request
    assert dict(request.url.params) == {"identifier": f"{NHS}|9434765919", "_revinclude": "EpisodeOfCare:patient"}
    assert request.headers["authorization"] == "Bearer tok"
    assert request.headers["accept"] == "application/fhir+json"
    sarah, sara = found
    assert (sarah.record, sarah.name, sarah.dob, sarah.nhs_number) == ("S1-9001", "Sarah Jones",
                                                                       dt.date(1991, 3, 14), "9434765919")
    assert sarah.aliases == ["Sarah Smith"]
    # The current home address's postcode, normalised; none when the patient has no address.
    assert (sarah.postcode, sara.postcode) == ("LS1 4AP", None)
    assert sarah.involvement.open and sarah.involvement.team == "Community Mental Health"
    assert sarah.involvement.allocated_worker.name == "Dr Kim Patel"
    # A partial birth date is no date to match on; a finished episode is not open.
    assert (sara.name, sara.dob, sara.nhs_number, sara.involvement.open) == ("Sara Ann Jones", None, None, False)
    await client.aclose()


@pytest.mark.asyncio
async def test_find_people_by_name_and_birth_date_without_token() -> None:
    adapter, client = make(secret=None)
    with respx.mock(assert_all_called=True) as router:
        route = router.get(host=HOST, path="/fhir/Patient").mock(return_value=httpx.Response(200, json=bundle()))
        assert await adapter.find_people(PersonQuery(name="Mark JONES", family="JONES", given="Mark",
                                                     dob=dt.date(1988, 7, 1))) == []
        await adapter.find_people(PersonQuery(name="Mark JONES", family="JONES", given="Mark"))
    first, second = (call.request for call in route.calls)
    assert dict(first.url.params) == {"family": "JONES", "birthdate": "1988-07-01",
                                      "_revinclude": "EpisodeOfCare:patient"}
    assert dict(second.url.params) == {"family": "JONES", "_revinclude": "EpisodeOfCare:patient"}
    assert "authorization" not in first.headers
    await client.aclose()


@pytest.mark.asyncio
async def test_find_people_searches_the_surnames_of_aliases_in_the_same_request() -> None:
    adapter, client = make()
    with respx.mock(assert_all_called=True) as router:
        route = router.get(host=HOST, path="/fhir/Patient").mock(return_value=httpx.Response(200, json=bundle()))
        await adapter.find_people(PersonQuery(name="Sarah SMITH", family="SMITH", given="Sarah",
                                              aliases=["Sarah JONES", "SMITH, Sarah", "JONES, S"]))
    assert route.call_count == 1
    assert dict(route.calls[0].request.url.params) == {"family": "SMITH,JONES",
                                                        "_revinclude": "EpisodeOfCare:patient"}
    await client.aclose()


def batch_response(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "batch-response", "entry": list(entries)}


@pytest.mark.asyncio
async def test_many_people_are_one_batch_bundle_posted_to_the_base() -> None:
    adapter, client = make()
    refused = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "invalid"}]}
    with respx.mock(assert_all_called=True) as router:
        route = router.post(url=BASE).mock(return_value=httpx.Response(200, json=batch_response(
            {"resource": bundle(SARAH, OPEN), "response": {"status": "200 OK"}},
            {"resource": bundle(), "response": {"status": "200"}},
            {"response": {"status": "400 Bad Request", "outcome": refused}})))
        sarah, nobody, failed = await adapter.find_many_people([
            PersonQuery(name="Sarah JONES", family="JONES", given="Sarah", nhs_number="9434765919"),
            PersonQuery(name="Mark JONES", family="JONES", given="Mark", dob=dt.date(1988, 7, 1),
                        aliases=["Mark SMITH"]),
            PersonQuery(name="Lily JONES", family="JONES", given="Lily")])
    assert route.call_count == 1
    request = route.calls.last.request
    assert str(request.url) == BASE  # the base itself, no trailing slash
    assert request.headers["authorization"] == "Bearer tok"
    assert request.headers["content-type"] == "application/fhir+json"
    assert request.headers["accept"] == "application/fhir+json"
    assert body(request) == {"resourceType": "Bundle", "type": "batch", "entry": [
        {"request": {"method": "GET", "url": "Patient?identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number"
                                             "%7C9434765919&_revinclude=EpisodeOfCare%3Apatient"}},
        {"request": {"method": "GET",
                     "url": "Patient?family=JONES%2CSMITH&birthdate=1988-07-01&_revinclude=EpisodeOfCare%3Apatient"}},
        {"request": {"method": "GET", "url": "Patient?family=JONES&_revinclude=EpisodeOfCare%3Apatient"}}]}
    validated(body(request))  # a valid R4 Bundle, though the adapter does not spend time checking it
    assert [c.record for c in sarah] == ["S1-9001"] and sarah[0].involvement.open
    assert nobody == []
    # An entry the server refused fails that person's look-up alone, as its status.
    assert isinstance(failed, httpx.HTTPStatusError) and failed.response.status_code == 400
    await client.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("answer", [
    batch_response({"resource": bundle(), "response": {"status": "200 OK"}}),  # one entry for two searches
    {"resourceType": "Bundle", "type": "searchset", "entry": []},  # not a batch-response
    {"resourceType": "OperationOutcome", "issue": []},
])
async def test_a_batch_answer_that_does_not_fit_the_batch_fails_every_search_in_it(answer: dict[str, Any]) -> None:
    adapter, client = make()
    with respx.mock(assert_all_called=True) as router:
        router.post(url=BASE).mock(return_value=httpx.Response(200, json=answer))
        with pytest.raises(ValueError, match="batch of 2 searches"):
            await adapter.find_many_people([PersonQuery(name="A JONES", family="JONES", given="A"),
                                            PersonQuery(name="B JONES", family="JONES", given="B")])
    await client.aclose()


@pytest.mark.asyncio
async def test_a_refused_batch_raises_its_status() -> None:
    adapter, client = make()
    with respx.mock(assert_all_called=True) as router:
        router.post(url=BASE).mock(return_value=httpx.Response(503))
        with pytest.raises(httpx.HTTPStatusError):
            await adapter.find_many_people([PersonQuery(name="A JONES", family="JONES", given="A")])
    await client.aclose()


@pytest.mark.asyncio
async def test_a_patient_changed_between_two_searches_is_read_as_it_now_is() -> None:
    adapter, client = make()
    first = {**SARAH, "meta": {"versionId": "1", "lastUpdated": "2026-12-01T10:00:00Z"}}
    moved = {**first, "address": [{"use": "home", "postalCode": "M1 1AE"}],
             "meta": {"versionId": "2", "lastUpdated": "2026-12-02T10:00:00Z"}}
    closed = {**OPEN, "status": "finished", "meta": {"versionId": "2", "lastUpdated": "2026-12-02T10:00:00Z"}}
    query = PersonQuery(name="Sarah JONES", family="JONES", given="Sarah", nhs_number="9434765919")
    with respx.mock(assert_all_called=True) as router:
        router.get(host=HOST, path="/fhir/Patient").mock(side_effect=[
            httpx.Response(200, json=bundle(first, {**OPEN, "meta": {"versionId": "1"}})),
            httpx.Response(200, json=bundle(first, {**OPEN, "meta": {"versionId": "1"}})),
            httpx.Response(200, json=bundle(moved, {**OPEN, "meta": {"versionId": "1"}})),
            httpx.Response(200, json=bundle(moved, closed))])
        answers = [(await adapter.find_people(query))[0] for _ in range(4)]
    assert [(c.postcode, c.involvement.open) for c in answers] == [
        ("LS1 4AP", True), ("LS1 4AP", True), ("M1 1AE", True), ("M1 1AE", False)]
    await client.aclose()


@pytest.mark.asyncio
async def test_get_record_searches_by_id_and_returns_none_when_absent() -> None:
    adapter, client = make()
    with respx.mock(assert_all_called=True) as router:
        route = router.get(host=HOST, path="/fhir/Patient").mock(side_effect=[
            httpx.Response(200, json=bundle(SARAH, OPEN)), httpx.Response(200, json=bundle())])
        found = await adapter.get_record("S1-9001")
        assert await adapter.get_record("S1-0000") is None
    assert dict(route.calls[0].request.url.params) == {"_id": "S1-9001", "_revinclude": "EpisodeOfCare:patient"}
    assert found is not None and found.record == "S1-9001" and found.involvement.open
    await client.aclose()


@pytest.mark.asyncio
async def test_add_alert_posts_a_restricted_safety_flag() -> None:
    adapter, client = make()
    with respx.mock(assert_all_called=True) as router:
        route = router.post(host=HOST, path="/fhir/Flag").mock(return_value=created("Flag", "f-1"))
        receipt = await adapter.add_alert("S1-9001", Alert(text="MARAC 03/12/2026: see alone.",
                                                           expires=dt.date(2027, 12, 3), marker="ob-1"))
        await adapter.add_alert("S1-9001", Alert(text="Open alert.", expires=dt.date(2027, 12, 3),
                                                 marker="ob-2", confidential=False))
    assert receipt.id == "f-1"
    request = route.calls[0].request
    check_write_headers(request, "ob-1")
    assert request.url == f"{BASE}/Flag"
    assert body(request) == {
        "resourceType": "Flag",
        "meta": {"security": [RESTRICTED]},
        "identifier": [{"system": MARKER_SYSTEM, "value": "ob-1"}],
        "status": "active",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/flag-category",
                                  "code": "safety", "display": "Safety"}]}],
        "code": {"text": "MARAC 03/12/2026: see alone."},
        "subject": {"reference": "Patient/S1-9001"},
        "period": {"start": dt.date.today().isoformat(), "end": "2027-12-03"},
    }
    assert "meta" not in body(route.calls[1].request)
    await client.aclose()


@pytest.mark.asyncio
async def test_case_note_is_a_text_document_reference() -> None:
    adapter, client = make()
    with respx.mock(assert_all_called=True) as router:
        route = router.post(host=HOST, path="/fhir/DocumentReference").mock(
            return_value=created("DocumentReference", "d-1"))
        receipt = await adapter.write_case_note("S1-9001", CaseNote(title="MARAC", text="Discussed at MARAC — £0",
                                                                    marker="ob-3"))
    assert receipt.id == "d-1"
    request = route.calls.last.request
    check_write_headers(request, "ob-3")
    sent = body(request)
    date = sent.pop("date")
    assert dt.datetime.fromisoformat(date).tzinfo is not None
    assert sent == {
        "resourceType": "DocumentReference",
        "identifier": [{"system": MARKER_SYSTEM, "value": "ob-3"}],
        "status": "current",
        "type": {"coding": [{"system": "urn:marac:document-kind", "code": "case-note"}]},
        "subject": {"reference": "Patient/S1-9001"},
        "description": "MARAC",
        "securityLabel": [{"coding": [RESTRICTED]}],
        "content": [{"attachment": {"contentType": "text/plain; charset=utf-8",
                                    "data": base64.b64encode("Discussed at MARAC — £0".encode()).decode()}}],
    }
    await client.aclose()


@pytest.mark.asyncio
async def test_upload_document_carries_media_type_and_file_name() -> None:
    adapter, client = make()
    with respx.mock(assert_all_called=True) as router:
        route = router.post(host=HOST, path="/fhir/DocumentReference").mock(
            return_value=httpx.Response(201, headers={"Location": f"{BASE}/DocumentReference/d-9/_history/1"}))
        receipt = await adapter.upload_document("S1-9001", Document(
            title="Minutes", filename="minutes.pdf", content=b"%PDF-1.4", marker="ob-4",
            media_type="application/pdf"))
    # With an empty answer (Prefer: return=minimal honoured) the id comes from Location.
    assert receipt.id == "d-9"
    sent = body(route.calls.last.request)
    check_write_headers(route.calls.last.request, "ob-4")
    assert sent["type"]["coding"][0]["code"] == "document"
    assert sent["description"] == "Minutes"
    assert sent["securityLabel"] == [{"coding": [RESTRICTED]}]
    attachment = sent["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf" and attachment["title"] == "minutes.pdf"
    assert base64.b64decode(attachment["data"]) == b"%PDF-1.4" and attachment["size"] == 8
    await client.aclose()


@pytest.mark.asyncio
async def test_tick_template_is_a_questionnaire_response() -> None:
    adapter, client = make(template_questionnaire="https://trust.example/Questionnaire/safeguarding|3")
    boxes = ["MARAC referral made", "Child(ren) in household", "MARAC referral made!"]
    with respx.mock(assert_all_called=True) as router:
        route = router.post(host=HOST, path="/fhir/QuestionnaireResponse").mock(
            return_value=created("QuestionnaireResponse", "q-1"))
        receipt = await adapter.tick_template("S1-9001", TemplateEntry(text="Heard at MARAC.", boxes=boxes,
                                                                       marker="ob-5"))
    assert receipt.id == "q-1"
    request = route.calls.last.request
    check_write_headers(request, "ob-5")
    sent = body(request)
    assert dt.datetime.fromisoformat(sent.pop("authored")).tzinfo is not None
    assert sent == {
        "resourceType": "QuestionnaireResponse",
        "meta": {"security": [RESTRICTED]},
        "identifier": {"system": MARKER_SYSTEM, "value": "ob-5"},
        "questionnaire": "https://trust.example/Questionnaire/safeguarding|3",
        "status": "completed",
        "subject": {"reference": "Patient/S1-9001"},
        "item": [
            {"linkId": "note", "answer": [{"valueString": "Heard at MARAC."}]},
            {"linkId": "marac-referral-made", "text": "MARAC referral made", "answer": [{"valueBoolean": True}]},
            {"linkId": "child-ren-in-household", "text": "Child(ren) in household",
             "answer": [{"valueBoolean": True}]},
            {"linkId": "marac-referral-made-2", "text": "MARAC referral made!", "answer": [{"valueBoolean": True}]},
        ],
    }
    await client.aclose()


@pytest.mark.asyncio
async def test_default_questionnaire_canonical() -> None:
    adapter, client = make()
    with respx.mock() as router:
        route = router.post(host=HOST, path="/fhir/QuestionnaireResponse").mock(
            return_value=created("QuestionnaireResponse"))
        await adapter.tick_template("S1-9001", TemplateEntry(text="n", boxes=["a"], marker="m", confidential=False))
    sent = body(route.calls.last.request)
    assert sent["questionnaire"] == "urn:marac:questionnaire:safeguarding-template"
    assert "meta" not in sent
    await client.aclose()


FLAG = {"resourceType": "Flag", "id": "f-1", "meta": {"versionId": "1"}, "status": "active",
        "identifier": [{"system": MARKER_SYSTEM, "value": "ob-1"}], "code": {"text": "Alert"},
        "subject": {"reference": "Patient/S1-9001"}, "period": {"start": "2026-12-03", "end": "2027-12-03"}}


@pytest.mark.asyncio
async def test_list_alerts_follows_paging() -> None:
    adapter, client = make()
    clinician_flag = {**FLAG, "id": "f-2", "status": "inactive", "code": {"text": "Falls risk"},
                      "period": {"start": "2020-01-01T09:00:00Z"},
                      "identifier": [{"use": "secondary", "system": MARKER_SYSTEM, "value": "ob-x"}]}
    first = {**bundle(FLAG), "link": [{"relation": "next", "url": f"{BASE}/Flag?page=2"}]}
    with respx.mock(assert_all_called=True) as router:
        route = router.get(host=HOST, path="/fhir/Flag").mock(
            side_effect=[httpx.Response(200, json=first), httpx.Response(200, json=bundle(clinician_flag))])
        alerts = await adapter.list_alerts("S1-9001")
    assert dict(route.calls[0].request.url.params) == {"subject": "Patient/S1-9001"}
    assert str(route.calls[1].request.url) == f"{BASE}/Flag?page=2"
    assert route.calls[1].request.headers["authorization"] == "Bearer tok"
    assert [(a.id, a.text, a.expires, a.status, a.marker) for a in alerts] == [
        ("f-1", "Alert", dt.date(2027, 12, 3), "active", "ob-1"),
        ("f-2", "Falls risk", None, "inactive", None),
    ]
    await client.aclose()


@pytest.mark.asyncio
async def test_expire_alert_reads_then_updates_with_if_match() -> None:
    adapter, client = make()
    with respx.mock(assert_all_called=True) as router:
        read = router.get(host=HOST, path="/fhir/Flag/f-1").mock(
            return_value=httpx.Response(200, json=FLAG, headers={"ETag": 'W/"1"'}))
        update = router.put(host=HOST, path="/fhir/Flag/f-1").mock(
            return_value=httpx.Response(200, json={**FLAG, "status": "inactive"}))
        receipt = await adapter.expire_alert("S1-9001", "f-1", dt.date(2027, 6, 1), "ob-9")
    assert receipt.id == "f-1" and read.call_count == 1
    request = update.calls.last.request
    assert request.headers["if-match"] == 'W/"1"'
    assert request.headers["content-type"] == "application/fhir+json"
    assert "if-none-exist" not in request.headers
    sent = body(request)
    assert sent["status"] == "inactive"
    assert sent["period"] == {"start": "2026-12-03", "end": "2027-06-01"}
    assert sent["identifier"] == [{"system": MARKER_SYSTEM, "value": "ob-1"},
                                  {"use": "secondary", "system": MARKER_SYSTEM, "value": "ob-9"}]
    assert sent["code"] == FLAG["code"] and sent["subject"] == FLAG["subject"]
    await client.aclose()


@pytest.mark.asyncio
async def test_expire_alert_does_not_write_twice_or_on_another_patient() -> None:
    adapter, client = make()
    done = {**FLAG, "status": "inactive",
            "identifier": [*FLAG["identifier"], {"use": "secondary", "system": MARKER_SYSTEM, "value": "ob-9"}]}
    with respx.mock(assert_all_called=True) as router:
        router.get(host=HOST, path="/fhir/Flag/f-1").mock(return_value=httpx.Response(200, json=done))
        assert (await adapter.expire_alert("S1-9001", "f-1", dt.date(2027, 6, 1), "ob-9")).id == "f-1"
        with pytest.raises(ValueError):
            await adapter.expire_alert("S1-0002", "f-1", dt.date(2027, 6, 1), "ob-10")
    await client.aclose()


@pytest.mark.asyncio
async def test_expire_alert_keeps_the_end_date_of_an_already_ended_flag() -> None:
    adapter, client = make()
    ended = {**FLAG, "status": "inactive", "period": {"start": "2026-12-03", "end": "2027-01-01"}}
    with respx.mock(assert_all_called=True) as router:
        router.get(host=HOST, path="/fhir/Flag/f-1").mock(return_value=httpx.Response(200, json=ended))
        update = router.put(host=HOST, path="/fhir/Flag/f-1").mock(return_value=httpx.Response(200, json=ended))
        await adapter.expire_alert("S1-9001", "f-1", dt.date(2027, 6, 1), "ob-9")
    sent = body(update.calls.last.request)
    assert sent["period"]["end"] == "2027-01-01" and sent["identifier"][-1]["value"] == "ob-9"
    assert "if-match" not in update.calls.last.request.headers
    await client.aclose()


DOC = {"resourceType": "DocumentReference", "id": "d-1", "status": "current",
       "identifier": [{"system": MARKER_SYSTEM, "value": "ob-4"}], "subject": {"reference": "Patient/S1-9001"},
       "content": [{"attachment": {"contentType": "application/pdf", "data": "JVBERg=="}}]}


@pytest.mark.asyncio
async def test_delete_document_marks_entered_in_error() -> None:
    adapter, client = make()
    with respx.mock(assert_all_called=True) as router:
        router.get(host=HOST, path="/fhir/DocumentReference/d-1").mock(
            return_value=httpx.Response(200, json=DOC, headers={"ETag": 'W/"3"'}))
        update = router.put(host=HOST, path="/fhir/DocumentReference/d-1").mock(
            return_value=httpx.Response(200, json=DOC))
        assert (await adapter.delete_document("S1-9001", "d-1", "ob-6")).id == "d-1"
    request = update.calls.last.request
    assert request.headers["if-match"] == 'W/"3"'
    sent = body(request)
    assert sent["status"] == "entered-in-error"
    assert sent["identifier"][-1] == {"use": "secondary", "system": MARKER_SYSTEM, "value": "ob-6"}
    await client.aclose()


@pytest.mark.asyncio
async def test_delete_document_already_gone_is_done() -> None:
    adapter, client = make()
    outcome = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-found"}]}
    with respx.mock(assert_all_called=True) as router:
        router.get(host=HOST, path="/fhir/DocumentReference/d-1").mock(return_value=httpx.Response(404, json=outcome))
        assert (await adapter.delete_document("S1-9001", "d-1", "ob-6")).id == "d-1"
        # A missing Flag is an error, though: there is nothing to expire.
        router.get(host=HOST, path="/fhir/Flag/f-404").mock(return_value=httpx.Response(404, json=outcome))
        with pytest.raises(httpx.HTTPStatusError):
            await adapter.expire_alert("S1-9001", "f-404", dt.date(2027, 1, 1), "ob-7")
    await client.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize(("action", "resource_type", "status", "found"), [
    ("case_note", "DocumentReference", "current", True),
    ("upload_document", "DocumentReference", "current", True),
    ("delete_document", "DocumentReference", "current", False),
    ("delete_document", "DocumentReference", "entered-in-error", True),
    ("alert", "Flag", "active", True),
    ("expire_alert", "Flag", "active", False),
    ("expire_alert", "Flag", "inactive", True),
    ("template_ticks", "QuestionnaireResponse", "completed", True),
])
async def test_find_write_searches_by_marker(action: str, resource_type: str, status: str, found: bool) -> None:
    adapter, client = make()
    resource = {"resourceType": resource_type, "id": "r-1", "status": status}
    with respx.mock(assert_all_called=True) as router:
        route = router.get(host=HOST, path=f"/fhir/{resource_type}").mock(
            return_value=httpx.Response(200, json=bundle(resource)))
        receipt = await adapter.find_write("S1-9001", action, "ob-1")  # type: ignore[arg-type]
    assert dict(route.calls.last.request.url.params) == {"identifier": f"{MARKER_SYSTEM}|ob-1",
                                                         "subject": "Patient/S1-9001"}
    assert (receipt.id if receipt else None) == ("r-1" if found else None)
    await client.aclose()


@pytest.mark.asyncio
async def test_find_write_without_record_and_unsupported_actions() -> None:
    adapter, client = make()
    with respx.mock(assert_all_called=True) as router:
        route = router.get(host=HOST, path="/fhir/Flag").mock(return_value=httpx.Response(200, json=bundle()))
        assert await adapter.find_write(None, "alert", "ob-1") is None
    assert dict(route.calls.last.request.url.params) == {"identifier": f"{MARKER_SYSTEM}|ob-1"}
    with pytest.raises(Unsupported):
        await adapter.find_write("S1-9001", "email", "ob-1")
    await client.aclose()


@pytest.mark.asyncio
async def test_errors_reach_the_core_as_status_errors() -> None:
    adapter, client = make()
    outcome = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "invalid"}]}
    with respx.mock(assert_all_called=True) as router:
        router.post(host=HOST, path="/fhir/Flag").mock(return_value=httpx.Response(400, json=outcome))
        router.get(host=HOST, path="/fhir/Patient").mock(return_value=httpx.Response(503))
        with pytest.raises(httpx.HTTPStatusError) as bad:
            await adapter.add_alert("S1-9001", Alert(text="x", expires=dt.date(2027, 1, 1), marker="m"))
        assert bad.value.response.status_code == 400
        with pytest.raises(httpx.HTTPStatusError) as busy:
            await adapter.get_record("S1-9001")
        assert busy.value.response.status_code == 503
    await client.aclose()


@pytest.mark.asyncio
async def test_flag_category_is_configurable() -> None:
    adapter, client = make(flag_category="behavioral")
    with respx.mock(assert_all_called=True) as router:
        route = router.post(host=HOST, path="/fhir/Flag").mock(return_value=created("Flag"))
        await adapter.add_alert("S1-9001", Alert(text="x", expires=dt.date(2027, 1, 1), marker="m"))
    assert body(route.calls.last.request)["category"] == [{"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/flag-category", "code": "behavioral",
        "display": "Behavioral"}]}]
    await client.aclose()
