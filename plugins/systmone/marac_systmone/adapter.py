"""The SystmOne adapter: a FHIR R4 client for a trust's integration engine.

Resources used (base URL = the FHIR base, e.g. ``https://engine.trust.nhs.uk/fhir``):

- Patient (search by NHS number, or by family name and birth date; read by
  ``_id``), with ``_revinclude=EpisodeOfCare:patient`` so that whether the
  person is open to the trust's services comes back in the same response.
  Many people are searched for in one request where the run allows: a FHIR
  ``batch`` Bundle POSTed to the base URL, one ``GET Patient?...`` entry per
  person, answered by a ``batch-response`` Bundle with each search's
  ``searchset`` (and its own status) in the same order.
- Flag for alerts, QuestionnaireResponse for the safeguarding template's tick
  boxes, DocumentReference for case notes and uploaded documents.

Every write carries the obligation marker as an identifier
(``urn:marac:obligation|MARKER``), which FHIR can search: that is how
``find_write`` works. Creates are also conditional (``If-None-Exist`` on the
same identifier), so a server that supports conditional create never makes a
second copy even if a create is retried after its answer was lost.

Responses are read tolerantly as JSON (a real engine may add extensions or
omit optional elements); what this adapter sends is built and checked with
fhir.resources (R4B models, see marac_systmone.fhir).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

import httpx
import orjson

from marac_core.api import (
    Action,
    Adapter,
    Alert,
    Candidate,
    CaseNote,
    Document,
    Involvement,
    PersonQuery,
    RecordedAlert,
    SystemSettings,
    TemplateEntry,
    Unsupported,
    Worker,
    WriteReceipt,
)
from marac_systmone.fhir import (
    CASE_NOTE,
    DEFAULT_QUESTIONNAIRE,
    DOCUMENT_KIND_SYSTEM,
    FHIR_JSON,
    FLAG_CATEGORY_SYSTEM,
    MARKER_SYSTEM,
    NHS_NUMBER_SYSTEM,
    NOTE_LINK_ID,
    UPLOADED_DOCUMENT,
    markers,
    reference_id,
    restricted,
    slug,
    validated,
)

# A MARAC alert warns staff to take safety precautions (do not disclose to the
# partner, see the person alone), which is the flag-category "safety"
# ("flags related to safety precautions"); "behavioral" is about the patient's
# own behaviour and would misdescribe a victim. Configurable: ``flag_category``.
DEFAULT_FLAG_CATEGORY = "safety"
_CATEGORY_DISPLAY = {"safety": "Safety", "behavioral": "Behavioral", "contact": "Subject Contact",
                     "clinical": "Clinical", "admin": "Administrative"}
# Bounded so that a server that loops its "next" links cannot hold a run forever.
_MAX_PAGES = 20
_DOCUMENT_GONE = (404, 410)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def _name_text(name: dict[str, Any]) -> str:
    if name.get("text"):
        return str(name["text"])
    return " ".join([*name.get("given", []), name.get("family", "")]).strip()


def _primary_name(names: list[dict[str, Any]]) -> dict[str, Any] | None:
    for use in ("official", "usual"):
        for name in names:
            if name.get("use") == use:
                return name
    current = [n for n in names if n.get("use") not in ("old", "nickname", "anonymous", "maiden")]
    return (current or names or [None])[0]


def _full_date(value: Any) -> dt.date | None:
    # FHIR dates may be partial (1991 or 1991-03); only a full date is a date of birth to match on.
    try:
        return dt.date.fromisoformat(str(value)) if value and len(str(value)) == 10 else None
    except ValueError:
        return None


def _postcode(addresses: list[dict[str, Any]]) -> str | None:
    # The current address: not old, not ended; a home address before any other.
    current = [a for a in addresses if a.get("use") != "old" and not (a.get("period") or {}).get("end")]
    current.sort(key=lambda a: a.get("use") != "home")
    return next((a["postalCode"] for a in current if a.get("postalCode")), None)


def _involvement(episodes: list[dict[str, Any]]) -> Involvement:
    active = [e for e in episodes if e.get("status") == "active"]
    if not active:
        return Involvement(open=False)
    episode = active[0]
    team = next((t.get("display") for t in episode.get("team", []) if t.get("display")), None)
    team = team or next((t.get("text") for t in episode.get("type", []) if t.get("text")), None)
    team = team or (episode.get("managingOrganization") or {}).get("display")
    manager = (episode.get("careManager") or {}).get("display")
    return Involvement(open=True, team=team, allocated_worker=Worker(name=manager) if manager else None)


def _version(resource: dict[str, Any]) -> tuple[str, str, str] | None:
    """What identifies this version of a resource (id, versionId, lastUpdated), if the server says."""
    meta = resource.get("meta") or {}
    if not resource.get("id") or not meta.get("versionId"):
        return None
    return str(resource["id"]), str(meta["versionId"]), str(meta.get("lastUpdated", ""))


# A Candidate made from the same version of a Patient and of its episodes: a run meets one patient in
# many searches (namesakes, shared dates of birth), and reading each again was a fifth of a large plan.
CandidateCache = dict[tuple[Any, ...], Candidate]


def _candidates(bundle: dict[str, Any], made: CandidateCache | None = None) -> list[Candidate]:
    resources = [e["resource"] for e in bundle.get("entry", []) if isinstance(e.get("resource"), dict)]
    episodes: dict[str, list[dict[str, Any]]] = {}
    for resource in resources:
        if resource.get("resourceType") == "EpisodeOfCare":
            patient = reference_id((resource.get("patient") or {}).get("reference"), "Patient")
            if patient:
                episodes.setdefault(patient, []).append(resource)
    found = []
    for patient in resources:
        if patient.get("resourceType") != "Patient" or not patient.get("id"):
            continue
        own = episodes.get(patient["id"], [])
        key = None
        if made is not None:
            versions = (_version(patient), *(_version(e) for e in own))
            key = None if None in versions else versions
            if key is not None and key in made:
                found.append(made[key])
                continue
        candidate = _candidate(patient, own)
        if key is not None and made is not None:
            made[key] = candidate
        found.append(candidate)
    return found


def _candidate(patient: dict[str, Any], episodes: list[dict[str, Any]]) -> Candidate:
    names = patient.get("name", [])
    primary = _primary_name(names)
    name = _name_text(primary) if primary else ""
    aliases = []
    for other in names:
        text = _name_text(other)
        if other is not primary and text and text != name and text not in aliases:
            aliases.append(text)
    nhs = next((i.get("value") for i in patient.get("identifier", [])
                if i.get("system") == NHS_NUMBER_SYSTEM and i.get("value")), None)
    return Candidate(
        record=patient["id"], name=name, dob=_full_date(patient.get("birthDate")),
        nhs_number=nhs, aliases=aliases, postcode=_postcode(patient.get("address", [])),
        involvement=_involvement(episodes),
    )


def _json(response: httpx.Response) -> Any:
    # Search answers are most of what a plan reads (megabytes for a large meeting): orjson reads
    # them in a quarter of the time the standard library takes.
    return orjson.loads(response.content)


def _receipt_id(response: httpx.Response, resource_type: str) -> str:
    if response.content:
        body = _json(response)
        if body.get("resourceType") == resource_type and body.get("id"):
            return str(body["id"])
    # A server answering with Prefer: return=minimal still gives the Location.
    found = reference_id(response.headers.get("location"), resource_type)
    if not found:
        raise ValueError(f"FHIR server created a {resource_type} but returned no id")
    return found


class SystmOneAdapter(Adapter):
    name: ClassVar[str] = "systmone"
    capabilities: ClassVar[frozenset[Action]] = frozenset({
        "case_note", "alert", "expire_alert", "template_ticks", "upload_document", "delete_document",
    })
    settings_keys: ClassVar[frozenset[str] | None] = frozenset({"flag_category", "template_questionnaire"})

    def __init__(self, settings: SystemSettings, http: httpx.AsyncClient, secret: str | None = None) -> None:
        super().__init__(settings, http, secret)
        self._made: CandidateCache = {}  # for one run: the adapter is made for each

    # HTTP -------------------------------------------------------------------
    def _url(self, path: str) -> str:
        base = self.settings.base_url.rstrip("/")
        return f"{base}/{path}" if path else base  # a batch or transaction goes to the base itself

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": FHIR_JSON}
        if self.secret:
            headers["Authorization"] = f"Bearer {self.secret}"
        return {**headers, **(extra or {})}

    async def _get(self, path: str, params: dict[str, str] | None = None,
                   *, allow: tuple[int, ...] = ()) -> httpx.Response:
        response = await self.http.get(self._url(path), params=params, headers=self._headers(),
                                       timeout=self.settings.timeout)
        if response.status_code not in allow:
            response.raise_for_status()
        return response

    async def _search(self, resource_type: str, params: dict[str, str]) -> list[dict[str, Any]]:
        """All resources of a search, following the server's paging links."""
        response = await self._get(resource_type, params)
        found: list[dict[str, Any]] = []
        for _ in range(_MAX_PAGES):
            bundle = response.json()
            found.extend(e["resource"] for e in bundle.get("entry", [])
                         if (e.get("resource") or {}).get("resourceType") == resource_type)
            next_url = next((link.get("url") for link in bundle.get("link", [])
                             if link.get("relation") == "next"), None)
            if not next_url:
                break
            response = await self.http.get(next_url, headers=self._headers(), timeout=self.settings.timeout)
            response.raise_for_status()
        return found

    async def _send(self, method: str, path: str, resource: dict[str, Any],
                    headers: dict[str, str] | None = None) -> httpx.Response:
        body = orjson.dumps(validated(resource))  # UTF-8 JSON, as the standard library's but a tenth of its CPU
        response = await self.http.request(
            method, self._url(path), content=body, timeout=self.settings.timeout,
            headers=self._headers({"Content-Type": FHIR_JSON, "Prefer": "return=representation",
                                   **(headers or {})}))
        response.raise_for_status()
        return response

    async def _create(self, resource: dict[str, Any], marker: str) -> WriteReceipt:
        resource_type = resource["resourceType"]
        response = await self._send("POST", resource_type, resource,
                                    # The header's value is a query string, so the marker is URL-encoded.
                                    {"If-None-Exist": "identifier=" + quote(f"{MARKER_SYSTEM}|{marker}", safe=":|")})
        return WriteReceipt(id=_receipt_id(response, resource_type))

    # Look-ups -------------------------------------------------------------
    @staticmethod
    def _patient_search(query: PersonQuery) -> dict[str, str]:
        params: dict[str, str]
        if query.nhs_number:
            params = {"identifier": f"{NHS_NUMBER_SYSTEM}|{query.nhs_number}"}
        else:
            # The surnames of the query's aliases too, in the same search: a comma is FHIR's "or".
            families = query.surnames()
            params = {"family": ",".join(families)}
            if query.dob:
                params["birthdate"] = query.dob.isoformat()
        params["_revinclude"] = "EpisodeOfCare:patient"
        return params

    async def find_people(self, query: PersonQuery) -> list[Candidate]:
        response = await self._get("Patient", self._patient_search(query))
        return _candidates(_json(response), self._made)

    async def find_many_people(self, queries: Sequence[PersonQuery]) -> list[list[Candidate] | Exception]:
        # One batch Bundle (FHIR R4 3.1.0.11.4): the entries are independent searches, each answered
        # in the same place of the batch-response with its own status.
        batch = {"resourceType": "Bundle", "type": "batch", "entry": [
            {"request": {"method": "GET", "url": "Patient?" + urlencode(self._patient_search(q))}}
            for q in queries]}
        # Sent as built, not checked with fhir.resources: a batch of GETs has a fixed shape (the tests
        # check it validates), and checking 50 entries cost more than reading their answers.
        response = await self.http.post(self._url(""), content=orjson.dumps(batch), timeout=self.settings.timeout,
                                        headers=self._headers({"Content-Type": FHIR_JSON}))
        response.raise_for_status()
        answer = _json(response)
        entries = answer.get("entry") or [] if answer.get("resourceType") == "Bundle" else []
        if answer.get("type") != "batch-response" or len(entries) != len(queries):
            raise ValueError(f"the FHIR server answered a batch of {len(queries)} searches with "
                             f"{len(entries)} entries")
        found: list[list[Candidate] | Exception] = []
        for entry in entries:
            status = str((entry.get("response") or {}).get("status", "")).split(" ", 1)[0]
            resource = entry.get("resource") or {}
            if status.startswith("2") and resource.get("resourceType") == "Bundle":
                found.append(_candidates(resource, self._made))
            else:
                code = int(status) if status.isdigit() else 502
                found.append(httpx.HTTPStatusError(
                    f"batch entry answered {status or 'without a status'}", request=response.request,
                    response=httpx.Response(code, request=response.request)))
        return found

    async def get_record(self, record: str) -> Candidate | None:
        # A search by _id rather than a read, so the episodes come in the same response.
        response = await self._get("Patient", {"_id": record, "_revinclude": "EpisodeOfCare:patient"})
        found = [c for c in _candidates(response.json()) if c.record == record]
        return found[0] if found else None

    # Writes -----------------------------------------------------------------
    def _subject(self, record: str) -> dict[str, str]:
        return {"reference": f"Patient/{record}"}

    def _document(self, record: str, kind: str, title: str, marker: str, attachment: dict[str, Any],
                  confidential: bool) -> dict[str, Any]:
        resource: dict[str, Any] = {
            "resourceType": "DocumentReference",
            "identifier": [{"system": MARKER_SYSTEM, "value": marker}],
            "status": "current",
            "type": {"coding": [{"system": DOCUMENT_KIND_SYSTEM, "code": kind}]},
            "subject": self._subject(record),
            "date": _now(),
            "content": [{"attachment": attachment}],
        }
        if title:
            resource["description"] = title
        if confidential:
            resource["securityLabel"] = [{"coding": [restricted()]}]
        return resource

    async def write_case_note(self, record: str, note: CaseNote) -> WriteReceipt:
        attachment = {"contentType": "text/plain; charset=utf-8",
                      "data": base64.b64encode(note.text.encode()).decode("ascii")}
        resource = self._document(record, CASE_NOTE, note.title, note.marker, attachment, note.confidential)
        return await self._create(resource, note.marker)

    async def upload_document(self, record: str, document: Document) -> WriteReceipt:
        attachment = {
            "contentType": document.media_type,
            "data": base64.b64encode(document.content).decode("ascii"),
            "title": document.filename,
            "size": len(document.content),
            "hash": base64.b64encode(hashlib.sha1(document.content).digest()).decode("ascii"),
        }
        # Documents reaching a patient record are safeguarding material: restricted unless told otherwise.
        confidential = bool(getattr(document, "confidential", True))
        resource = self._document(record, UPLOADED_DOCUMENT, document.title, document.marker, attachment,
                                  confidential)
        return await self._create(resource, document.marker)

    async def add_alert(self, record: str, alert: Alert) -> WriteReceipt:
        category = getattr(self.settings, "flag_category", None) or DEFAULT_FLAG_CATEGORY
        coding = {"system": FLAG_CATEGORY_SYSTEM, "code": category}
        if category in _CATEGORY_DISPLAY:
            coding["display"] = _CATEGORY_DISPLAY[category]
        resource: dict[str, Any] = {
            "resourceType": "Flag",
            "identifier": [{"system": MARKER_SYSTEM, "value": alert.marker}],
            "status": "active",
            "category": [{"coding": [coding]}],
            "code": {"text": alert.text},
            "subject": self._subject(record),
            # The alert shows from the day the runner acts as of (Alert.start), today if not given.
            "period": {"start": (alert.start or dt.date.today()).isoformat(), "end": alert.expires.isoformat()},
        }
        if alert.confidential:
            resource["meta"] = {"security": [restricted()]}
        return await self._create(resource, alert.marker)

    async def list_alerts(self, record: str) -> list[RecordedAlert]:
        flags = await self._search("Flag", {"subject": f"Patient/{record}"})
        alerts = []
        for flag in flags:
            created_by = markers(flag.get("identifier"), creating_only=True)
            alerts.append(RecordedAlert(
                id=flag["id"],
                text=(flag.get("code") or {}).get("text") or "",
                expires=_full_date((flag.get("period") or {}).get("end", "")[:10]),
                status=flag.get("status", "active"),
                marker=created_by[0] if created_by else None,
            ))
        return alerts

    async def _mark_ended(self, record: str, resource_type: str, resource_id: str, marker: str,
                          *, gone_ok: bool, end: Any) -> WriteReceipt:
        """Read, change and write back one resource, adding ``marker`` as a secondary identifier."""
        response = await self._get(f"{resource_type}/{resource_id}",
                                   allow=_DOCUMENT_GONE if gone_ok else ())
        if response.status_code in _DOCUMENT_GONE:
            return WriteReceipt(id=resource_id)
        resource = response.json()
        subject = reference_id((resource.get("subject") or {}).get("reference"), "Patient")
        if subject != record:
            raise ValueError(f"{resource_type}/{resource_id} belongs to Patient/{subject}, not Patient/{record}")
        if marker in markers(resource.get("identifier")):
            return WriteReceipt(id=resource_id)
        resource.setdefault("identifier", []).append(
            {"use": "secondary", "system": MARKER_SYSTEM, "value": marker})
        end(resource)
        headers = {"If-Match": response.headers["etag"]} if "etag" in response.headers else {}
        await self._send("PUT", f"{resource_type}/{resource_id}", resource, headers)
        return WriteReceipt(id=resource_id)

    async def expire_alert(self, record: str, alert_id: str, ended: dt.date, marker: str) -> WriteReceipt:
        def end(flag: dict[str, Any]) -> None:
            # A flag someone already ended keeps its own end date.
            if flag.get("status") == "active":
                flag["status"] = "inactive"
                flag.setdefault("period", {})["end"] = ended.isoformat()

        return await self._mark_ended(record, "Flag", alert_id, marker, gone_ok=False, end=end)

    async def delete_document(self, record: str, document_id: str, marker: str) -> WriteReceipt:
        # Retracted as entered-in-error rather than DELETEd: the record keeps an audit trail, as NHS
        # record keeping expects, and the retraction carries the marker that find_write looks for.
        def end(document: dict[str, Any]) -> None:
            document["status"] = "entered-in-error"

        return await self._mark_ended(record, "DocumentReference", document_id, marker, gone_ok=True, end=end)

    async def tick_template(self, record: str, entry: TemplateEntry) -> WriteReceipt:
        items: list[dict[str, Any]] = []
        if entry.text:
            items.append({"linkId": NOTE_LINK_ID, "answer": [{"valueString": entry.text}]})
        taken: set[str] = set()
        for box in entry.boxes:
            items.append({"linkId": slug(box, taken), "text": box, "answer": [{"valueBoolean": True}]})
        resource: dict[str, Any] = {
            "resourceType": "QuestionnaireResponse",
            "identifier": {"system": MARKER_SYSTEM, "value": entry.marker},
            "questionnaire": getattr(self.settings, "template_questionnaire", None) or DEFAULT_QUESTIONNAIRE,
            "status": "completed",
            "subject": self._subject(record),
            "authored": _now(),
            "item": items,
        }
        if entry.confidential:
            resource["meta"] = {"security": [restricted()]}
        return await self._create(resource, entry.marker)

    # Reconciliation ---------------------------------------------------------
    async def find_write(self, record: str | None, action: Action, marker: str) -> WriteReceipt | None:
        resource_type = {
            "case_note": "DocumentReference", "upload_document": "DocumentReference",
            "delete_document": "DocumentReference", "alert": "Flag", "expire_alert": "Flag",
            "template_ticks": "QuestionnaireResponse",
        }.get(action)
        if resource_type is None:
            raise Unsupported(action)
        params = {"identifier": f"{MARKER_SYSTEM}|{marker}"}
        if record is not None:
            params["subject"] = f"Patient/{record}"
        for resource in await self._search(resource_type, params):
            status = resource.get("status")
            if action == "expire_alert" and status == "active":
                continue
            if action == "delete_document" and status != "entered-in-error":
                continue
            return WriteReceipt(id=resource["id"])
        return None
