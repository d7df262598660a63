"""An emulated SystmOne FHIR R4 endpoint, as a trust's integration engine would expose it.

Served under ``/fhir`` (the adapter's base URL is ``http://HOST:PORT/fhir``):

- ``GET /metadata``: a CapabilityStatement (no token needed, as usual for FHIR).
- ``GET /Patient?...``: ``_id``, ``identifier``, ``family``, ``birthdate`` and
  ``_revinclude=EpisodeOfCare:patient``; the name and birth-date search is as
  generous as a PDS-style search (marac_core.sandbox.people_search).
- ``POST /`` (the base URL) with a ``batch`` Bundle of ``GET Patient?...``
  searches: a ``batch-response`` Bundle, each entry the search's ``searchset``
  with its own status (an OperationOutcome in place of one that failed).
- ``GET /EpisodeOfCare?patient=&status=``.
- ``GET|POST /Flag``, ``/QuestionnaireResponse``, ``/DocumentReference``
  (search by ``identifier``, ``subject``, ``patient``, ``status``), and
  ``GET|PUT /{type}/{id}`` for them.

Like a strict FHIR server (``Prefer: handling=strict``) it refuses search
parameters it does not support, and it checks every incoming resource with
fhir.resources (R4B models; 400 with an OperationOutcome when invalid).
Creates honour ``If-None-Exist``; updates honour ``If-Match`` with the
``W/"n"`` version ETag. Every request but ``/metadata`` needs
``Authorization: Bearer sandbox`` (401 otherwise).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from typing import Any, ClassVar
from urllib.parse import parse_qsl

import orjson
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from marac_core.api import SANDBOX_PASSWORD, Emulator, PeopleIndex, search_people
from marac_systmone.fhir import (
    CASE_NOTE,
    DOCUMENT_KIND_SYSTEM,
    FHIR_JSON,
    NHS_NUMBER_SYSTEM,
    NOTE_LINK_ID,
    UPLOADED_DOCUMENT,
    is_restricted,
    reference_id,
    validated,
    warm_up,
)

BASE_PATH = "/fhir"
READ_ONLY = ("Patient", "EpisodeOfCare")
WRITABLE = ("Flag", "QuestionnaireResponse", "DocumentReference")
_RECORD_PARAMS = {"identifier", "subject", "patient", "status"}
SEARCH_PARAMS: dict[str, set[str]] = {
    "Patient": {"_id", "identifier", "family", "birthdate", "_revinclude"},
    "EpisodeOfCare": {"_id", "patient", "status"},
    "Flag": {"_id", *_RECORD_PARAMS},
    "QuestionnaireResponse": {"_id", *_RECORD_PARAMS},
    "DocumentReference": {"_id", *_RECORD_PARAMS},
}
# fhir.resources checks structure and types but not required code values.
STATUSES: dict[str, set[str]] = {
    "Flag": {"active", "inactive", "entered-in-error"},
    "QuestionnaireResponse": {"in-progress", "completed", "amended", "entered-in-error", "stopped"},
    "DocumentReference": {"current", "superseded", "entered-in-error"},
}


class FhirError(Exception):
    def __init__(self, status: int, code: str, diagnostics: str, headers: dict[str, str] | None = None):
        super().__init__(diagnostics)
        self.status = status
        self.code = code
        self.diagnostics = diagnostics
        self.headers = headers or {}


def _fhir(body: dict[str, Any] | None, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    content = orjson.dumps(body) if body is not None else b""  # large search answers: a quarter of json's time
    return Response(content, status_code=status, headers=headers, media_type=FHIR_JSON)


def _outcome(error: FhirError) -> Response:
    body = {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": error.code, "diagnostics": error.diagnostics}]}
    return _fhir(body, error.status, error.headers)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def _etag(resource: dict[str, Any]) -> str:
    return f'W/"{resource["meta"]["versionId"]}"'


def _split_name(name: str) -> dict[str, Any]:
    parts = name.split()
    human: dict[str, Any] = {"text": name}
    if parts:
        human["family"] = parts[-1]
    if len(parts) > 1:
        human["given"] = parts[:-1]
    return human


def _name_text(name: dict[str, Any]) -> str:
    return str(name.get("text") or " ".join([*name.get("given", []), name.get("family", "")]).strip())


def _identifier_matches(identifiers: Any, wanted: str) -> bool:
    if isinstance(identifiers, dict):
        identifiers = [identifiers]
    if "|" in wanted:
        system, value = wanted.split("|", 1)
        return any(i.get("value") == value and (not system or i.get("system") == system)
                   for i in identifiers or [])
    return any(i.get("value") == wanted for i in identifiers or [])


def _reference_matches(reference: dict[str, Any] | None, wanted: str, resource_type: str) -> bool:
    target = wanted if "/" not in wanted else reference_id(wanted, resource_type)
    return target is not None and reference_id((reference or {}).get("reference"), resource_type) == target


def _validation_message(error: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:5]]
    return "; ".join(parts)


class SystmOneEmulator(Emulator):
    name: ClassVar[str] = "systmone"

    def base_path(self) -> str:
        return BASE_PATH

    # Seed ---------------------------------------------------------------------
    @classmethod
    def prepare(cls) -> None:
        warm_up()

    def seed(self, people: list[dict[str, Any]]) -> None:
        for person in people:
            pid = str(person["id"])
            names = [{"use": "official", **_split_name(str(person["name"]))}]
            names += [{"use": "old", **_split_name(str(alias))} for alias in person.get("aliases") or []]
            patient: dict[str, Any] = {"resourceType": "Patient", "id": pid, "active": True, "name": names}
            if person.get("nhs_number"):
                patient["identifier"] = [{"system": NHS_NUMBER_SYSTEM, "value": str(person["nhs_number"])}]
            if person.get("dob"):
                patient["birthDate"] = str(person["dob"])
            if person.get("postcode"):
                patient["address"] = [{"use": "home", "postalCode": str(person["postcode"])}]
            self._insert_new(patient, pid)
            team = person.get("team")
            if not person.get("open") and not team:
                continue  # a record, but never an episode with the trust's services
            episode: dict[str, Any] = {
                "resourceType": "EpisodeOfCare",
                "status": "active" if person.get("open") else "finished",
                "patient": {"reference": f"Patient/{pid}"},
            }
            if team:
                episode["type"] = [{"text": str(team)}]
                episode["team"] = [{"display": str(team)}]
            worker = person.get("allocated_worker") or {}
            if worker.get("name"):
                episode["careManager"] = {"display": str(worker["name"])}
            if person.get("organisation"):
                episode["managingOrganization"] = {"display": str(person["organisation"])}
            self._insert_new(episode, f"{pid}-episode")

    def _insert_new(self, resource: dict[str, Any], resource_id: str, checked: bool = False) -> dict[str, Any]:
        """Store a new resource; ``checked``: it was validated on its way in (adding id and meta keeps it valid)."""
        stored = {**resource, "id": resource_id,
                  "meta": {**resource.get("meta", {}), "versionId": "1", "lastUpdated": _now()}}
        if not checked:
            stored = validated(stored)
        self.store.insert(resource["resourceType"], stored, id=resource_id)
        return stored

    # Search ---------------------------------------------------------------------
    def _patient_rows(self) -> list[dict[str, Any]]:
        rows = []
        for patient in self.store.all("Patient"):
            names = patient.get("name", [])
            nhs = next((i.get("value") for i in patient.get("identifier", [])
                        if i.get("system") == NHS_NUMBER_SYSTEM), None)
            rows.append({"id": patient["id"], "name": _name_text(names[0]) if names else "",
                         "aliases": [_name_text(n) for n in names[1:]], "dob": patient.get("birthDate"),
                         "nhs_number": nhs, "resource": patient})
        return rows

    def _indexed(self) -> tuple[PeopleIndex, dict[str, list[tuple[int, dict[str, Any]]]]]:
        """The patients indexed for searching, and each one's episodes (with their place in the store),
        kept while the store is unchanged."""
        version = (self.store.version("Patient"), self.store.version("EpisodeOfCare"))
        cached = getattr(self, "_index", None)
        if cached is None or cached[0] != version:
            episodes: dict[str, list[tuple[int, dict[str, Any]]]] = {}
            for position, episode in enumerate(self.store.all("EpisodeOfCare")):
                patient = reference_id(episode["patient"].get("reference"), "Patient")
                if patient is not None:
                    episodes.setdefault(patient, []).append((position, episode))
            cached = self._index = (version, PeopleIndex(self._patient_rows()), episodes)
        return cached[1], cached[2]

    def _search_patients(self, params: dict[str, str]) -> list[dict[str, Any]]:
        index = self._indexed()[0]
        rows = index.rows
        family, birthdate, identifier = params.get("family"), params.get("birthdate"), params.get("identifier")
        if birthdate and birthdate.startswith("eq"):
            birthdate = birthdate[2:]
        if birthdate:
            try:
                dt.date.fromisoformat(birthdate)
            except ValueError:
                raise FhirError(400, "invalid", f"birthdate: not a date: {birthdate}") from None
        nhs = None
        if identifier:
            system, _, value = identifier.rpartition("|")
            if system and system != NHS_NUMBER_SYSTEM:
                rows = [r for r in rows if _identifier_matches(r["resource"].get("identifier"), identifier)]
            else:
                nhs = value
        if family or birthdate or nhs:
            # family=A,B is FHIR's "A or B".
            found: dict[str, dict[str, Any]] = {}
            for one in (family or "").split(",") if family else [None]:
                searched = (index.search(family=one or None, dob=birthdate, nhs_number=nhs) if rows is index.rows
                            else search_people(rows, family=one or None, dob=birthdate, nhs_number=nhs))
                for row in searched:
                    found.setdefault(row["id"], row)
            rows = list(found.values())
        elif not params.get("_id") and not identifier:
            # A PDS-style search needs something to search on.
            raise FhirError(400, "required", "Patient search needs _id, identifier, family or birthdate")
        if params.get("_id"):
            rows = [r for r in rows if r["id"] == params["_id"]]
        return [r["resource"] for r in rows]

    def _search(self, resource_type: str, params: dict[str, str]) -> list[dict[str, Any]]:
        unknown = set(params) - SEARCH_PARAMS[resource_type]
        if unknown:
            raise FhirError(400, "not-supported",
                            f"unsupported search parameter(s) for {resource_type}: {', '.join(sorted(unknown))}")
        if resource_type == "Patient":
            return self._search_patients(params)
        found = []
        for resource in self.store.all(resource_type):
            if "_id" in params and resource["id"] != params["_id"]:
                continue
            if "identifier" in params and not _identifier_matches(resource.get("identifier"), params["identifier"]):
                continue
            if "status" in params and resource.get("status") not in params["status"].split(","):
                continue
            field = "patient" if resource_type == "EpisodeOfCare" else "subject"
            ref = params.get("subject") or params.get("patient")
            if ref and not _reference_matches(resource.get(field), ref, "Patient"):
                continue
            found.append(resource)
        return found

    # Checks on what clients send ------------------------------------------------------
    async def _incoming(self, request: Request, resource_type: str) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if content_type not in (FHIR_JSON, "application/json"):
            raise FhirError(415, "not-supported", f"content type must be {FHIR_JSON}")
        try:
            resource = json.loads(await request.body())
        except ValueError:
            raise FhirError(400, "structure", "body is not JSON") from None
        if not isinstance(resource, dict) or resource.get("resourceType") != resource_type:
            raise FhirError(400, "invalid", f"body must be a {resource_type} resource")
        try:
            resource = validated(resource)
        except ValidationError as error:
            raise FhirError(400, "invalid", _validation_message(error)) from None
        if resource.get("status") not in STATUSES[resource_type]:
            raise FhirError(400, "code-invalid", f"{resource_type}.status: unknown code {resource.get('status')!r}")
        subject = reference_id((resource.get("subject") or {}).get("reference"), "Patient")
        if subject is None or self.store.get("Patient", subject) is None:
            raise FhirError(422, "processing", f"{resource_type}.subject must reference a known Patient")
        if resource_type == "DocumentReference":
            for content in resource.get("content", []):
                try:
                    base64.b64decode(content.get("attachment", {}).get("data", ""), validate=True)
                except binascii.Error:
                    raise FhirError(400, "invalid", "attachment.data is not base64") from None
        return resource

    def _authorised(self, request: Request) -> None:
        if request.headers.get("authorization") != f"Bearer {SANDBOX_PASSWORD}":
            raise FhirError(401, "login", "a valid bearer token is required",
                            {"WWW-Authenticate": 'Bearer realm="systmone"'})

    # HTTP -----------------------------------------------------------------------------
    def _base(self, request: Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc}{BASE_PATH}"

    async def _metadata(self, request: Request) -> Response:
        return _fhir({
            "resourceType": "CapabilityStatement", "status": "active", "date": "2026-01-01",
            "kind": "instance", "fhirVersion": "4.0.1", "format": ["json"],
            "rest": [{"mode": "server", "resource": [
                {"type": t, "interaction": [{"code": "read"}, {"code": "search-type"}]
                 + ([{"code": "create"}, {"code": "update"}] if t in WRITABLE else []),
                 "conditionalCreate": t in WRITABLE,
                 "searchParam": [{"name": p, "type": "string"} for p in sorted(SEARCH_PARAMS[t])]}
                for t in (*READ_ONLY, *WRITABLE)]}],
        })

    async def _type(self, request: Request) -> Response:
        resource_type = request.path_params["type"]
        try:
            self._authorised(request)
            if resource_type not in SEARCH_PARAMS:
                raise FhirError(404, "not-supported", f"resource type {resource_type} is not supported")
            if request.method == "POST":
                return await self._create(request, resource_type)
            return self._search_response(request, resource_type)
        except FhirError as error:
            return _outcome(error)

    def _search_response(self, request: Request, resource_type: str) -> Response:
        return _fhir(self._searchset(resource_type, dict(request.query_params), self._base(request),
                                     str(request.url)))

    def _searchset(self, resource_type: str, params: dict[str, str], base: str, url: str) -> dict[str, Any]:
        revinclude = params.pop("_revinclude", None) if resource_type == "Patient" else None
        if revinclude is not None and revinclude != "EpisodeOfCare:patient":
            raise FhirError(400, "not-supported", f"_revinclude={revinclude} is not supported")
        matches = self._search(resource_type, params)
        entries = [{"fullUrl": f"{base}/{resource_type}/{r['id']}", "resource": r, "search": {"mode": "match"}}
                   for r in matches]
        if revinclude:
            by_patient = self._indexed()[1]
            included = sorted(pair for patient in {r["id"] for r in matches} for pair in by_patient.get(patient, []))
            entries += [{"fullUrl": f"{base}/EpisodeOfCare/{e['id']}", "resource": e, "search": {"mode": "include"}}
                        for _, e in included]
        return {"resourceType": "Bundle", "type": "searchset", "total": len(matches),
                "link": [{"relation": "self", "url": url}], "entry": entries}

    async def _batch(self, request: Request) -> Response:
        """A batch Bundle of searches (FHIR R4 3.1.0.11.4); entries are answered independently, in order."""
        try:
            self._authorised(request)
            content_type = request.headers.get("content-type", "").split(";")[0].strip()
            if content_type not in (FHIR_JSON, "application/json"):
                raise FhirError(415, "not-supported", f"content type must be {FHIR_JSON}")
            try:
                bundle = json.loads(await request.body())
            except ValueError:
                raise FhirError(400, "structure", "body is not JSON") from None
            if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
                raise FhirError(400, "invalid", "body must be a Bundle resource")
            if bundle.get("type") != "batch":
                raise FhirError(400, "not-supported", "only Bundle.type batch is supported here")
            try:
                validated(bundle)
            except ValidationError as error:
                raise FhirError(400, "invalid", _validation_message(error)) from None
            base = self._base(request)
            answers = [self._batch_entry(entry, base) for entry in bundle.get("entry", [])]
        except FhirError as error:
            return _outcome(error)
        return _fhir({"resourceType": "Bundle", "type": "batch-response", "entry": answers})

    def _batch_entry(self, entry: dict[str, Any], base: str) -> dict[str, Any]:
        call = entry.get("request") or {}
        path, _, query = str(call.get("url", "")).partition("?")
        try:
            if call.get("method") != "GET" or path.strip("/") != "Patient":
                raise FhirError(400, "not-supported", "a batch here holds only GET Patient?... searches")
            found = self._searchset("Patient", dict(parse_qsl(query)), base, f"{base}/{call['url']}")
        except FhirError as error:
            outcome = {"resourceType": "OperationOutcome",
                       "issue": [{"severity": "error", "code": error.code, "diagnostics": error.diagnostics}]}
            return {"response": {"status": str(error.status), "outcome": outcome}}
        return {"resource": found, "response": {"status": "200 OK"}}

    def _written(self, request: Request, resource: dict[str, Any], status: int) -> Response:
        headers = {"ETag": _etag(resource), "Last-Modified": resource["meta"]["lastUpdated"],
                   "Location": f"{self._base(request)}/{resource['resourceType']}/{resource['id']}"
                               f"/_history/{resource['meta']['versionId']}"}
        minimal = "return=minimal" in request.headers.get("prefer", "")
        return _fhir(None if minimal else resource, status, headers)

    async def _create(self, request: Request, resource_type: str) -> Response:
        if resource_type in READ_ONLY:
            raise FhirError(405, "not-supported", f"{resource_type} cannot be created here")
        resource = await self._incoming(request, resource_type)
        condition = request.headers.get("if-none-exist")
        with self.store.transaction():
            if condition:
                existing = self._search(resource_type, dict(parse_qsl(condition.lstrip("?"))))
                if len(existing) > 1:
                    raise FhirError(412, "duplicate", "If-None-Exist matches more than one resource")
                if existing:
                    return self._written(request, existing[0], 200)
            resource.pop("id", None)
            stored = self._insert_new(resource, str(uuid.uuid4()), checked=True)
        return self._written(request, stored, 201)

    async def _instance(self, request: Request) -> Response:
        resource_type, resource_id = request.path_params["type"], request.path_params["id"]
        try:
            self._authorised(request)
            if resource_type not in SEARCH_PARAMS:
                raise FhirError(404, "not-supported", f"resource type {resource_type} is not supported")
            if request.method == "PUT":
                return await self._update(request, resource_type, resource_id)
            current = self.store.get(resource_type, resource_id)
            if current is None:
                raise FhirError(404, "not-found", f"{resource_type}/{resource_id} is not known")
            return _fhir(current, 200, {"ETag": _etag(current)})
        except FhirError as error:
            return _outcome(error)

    async def _update(self, request: Request, resource_type: str, resource_id: str) -> Response:
        if resource_type in READ_ONLY:
            raise FhirError(405, "not-supported", f"{resource_type} cannot be updated here")
        resource = await self._incoming(request, resource_type)
        if resource.get("id") != resource_id:
            raise FhirError(400, "invalid", "the resource id must equal the id in the URL")
        with self.store.transaction():
            current = self.store.get(resource_type, resource_id)
            if current is None:
                # This server does not create by update (CapabilityStatement updateCreate false).
                raise FhirError(404, "not-found", f"{resource_type}/{resource_id} is not known")
            if_match = request.headers.get("if-match")
            if if_match and if_match != _etag(current):
                raise FhirError(412, "conflict", f"version conflict: the resource is now {_etag(current)}")
            if resource.get("subject") != current.get("subject"):
                raise FhirError(422, "business-rule", "the subject of a resource cannot change")
            version = str(int(current["meta"]["versionId"]) + 1)
            stored = {**resource, "meta": {**resource.get("meta", {}), "versionId": version,
                                           "lastUpdated": _now()}}
            self.store.put(resource_type, stored)
        return self._written(request, stored, 200)

    def routes(self) -> list[BaseRoute]:
        return [Route(BASE_PATH, self._batch, methods=["POST"]), Mount(BASE_PATH, routes=[
            Route("/", self._batch, methods=["POST"]),
            Route("/metadata", self._metadata, methods=["GET"]),
            Route("/{type}", self._type, methods=["GET", "POST"]),
            Route("/{type}/{id}", self._instance, methods=["GET", "PUT"]),
        ])]

    # Dump -----------------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        def record(resource: dict[str, Any]) -> str | None:
            return reference_id((resource.get("subject") or {}).get("reference"), "Patient")

        case_notes, documents = [], []
        for doc in self.store.all("DocumentReference"):
            if doc.get("status") == "entered-in-error":
                continue  # retracted: no longer on the record as users see it
            kind = next((c.get("code") for c in (doc.get("type") or {}).get("coding", [])
                         if c.get("system") == DOCUMENT_KIND_SYSTEM), UPLOADED_DOCUMENT)
            attachment = (doc.get("content") or [{}])[0].get("attachment", {})
            confidential = any(is_restricted(label.get("coding")) for label in doc.get("securityLabel", []))
            if kind == CASE_NOTE:
                case_notes.append({"record": record(doc), "title": doc.get("description", ""),
                                   "text": base64.b64decode(attachment.get("data", "")).decode(),
                                   "confidential": confidential})
            else:
                documents.append({"record": record(doc), "title": doc.get("description", ""),
                                  "filename": attachment.get("title"), "media_type": attachment.get("contentType"),
                                  "confidential": confidential})
        alerts = [{"record": record(flag), "text": (flag.get("code") or {}).get("text", ""),
                   "start": ((flag.get("period") or {}).get("start") or "")[:10] or None,
                   "expires": ((flag.get("period") or {}).get("end") or "")[:10] or None,
                   "status": flag.get("status"),
                   "confidential": is_restricted((flag.get("meta") or {}).get("security"))}
                  for flag in self.store.all("Flag")]
        ticks = []
        for response in self.store.all("QuestionnaireResponse"):
            if response.get("status") == "entered-in-error":
                continue
            items = response.get("item", [])
            note = next((a.get("valueString") for i in items if i.get("linkId") == NOTE_LINK_ID
                         for a in i.get("answer", [])), "")
            boxes = [i.get("text") or i["linkId"] for i in items
                     if any(a.get("valueBoolean") is True for a in i.get("answer", []))]
            ticks.append({"record": record(response), "boxes": boxes, "text": note,
                          "confidential": is_restricted((response.get("meta") or {}).get("security"))})
        return {"case_notes": case_notes, "alerts": alerts, "template_ticks": ticks, "documents": documents}
