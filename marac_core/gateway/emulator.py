"""The gateway contract as the sandbox serves it: the server side of the document.

A plugin subclasses ``GatewayEmulator`` with its name, whether its system has
alerts, its record id format and its document's wording. All records live in
the EmulatorStore, so an answered write is durable. Bearer tokens live in
memory only: after a restart clients get 401 and log in again, as they would
after a real gateway restarts.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from marac_core.gateway.openapi import GatewayWording, render
from marac_core.sandbox.emulator import SANDBOX_PASSWORD, SANDBOX_USERNAME, Emulator
from marac_core.sandbox.people_search import PeopleIndex

TOKEN_LIFETIME_S = 3600
MAX_SEARCHES = 100  # searches in one POST /people/searches, as the contract says
Handler = Callable[[Request], Awaitable[Response]]


class ApiError(Exception):
    """An error answer in the contract's shape."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else None
        return JSONResponse({"error": {"code": self.code, "message": self.message}},
                            status_code=self.status, headers=headers)


def _invalid(message: str) -> ApiError:
    return ApiError(400, "validation_error", message)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _iso_date(value: Any, field: str, *, required: bool = True) -> str | None:
    if value is None or value == "":
        if required:
            raise _invalid(f"{field} is required")
        return None
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise _invalid(f"{field} must be a date like 2026-12-03") from None


def _text(body: dict[str, Any], field: str, *, required: bool = True) -> str | None:
    value = body.get(field)
    if value is None or value == "":
        if required:
            raise _invalid(f"{field} is required")
        return None
    if not isinstance(value, str):
        raise _invalid(f"{field} must be a string")
    return value


def _flag(body: dict[str, Any], field: str) -> bool:
    value = body.get(field, False)
    if not isinstance(value, bool):
        raise _invalid(f"{field} must be true or false")
    return value


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise _invalid("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise _invalid("the body must be a JSON object")
    return body


def _worker(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict) or not value.get("name"):
        return None
    return {"name": str(value["name"]), "email": value.get("email")}


class GatewayEmulator(Emulator):
    """People with their involvement, case notes, alerts (where the system has them) and documents.

    Subclasses set ``name``, ``alerts``, ``person_prefix``, ``first_numbers``
    (the first number of each kind of id: person, case_note, alert, document)
    and ``openapi`` (the wording of their document).
    """

    name: ClassVar[str]
    alerts: ClassVar[bool] = True
    person_prefix: ClassVar[str]
    first_numbers: ClassVar[Mapping[str, int]] = {}
    openapi: ClassVar[GatewayWording]

    def __init__(self, store: Any) -> None:
        super().__init__(store)
        self._tokens: dict[str, float] = {}

    @classmethod
    def openapi_yaml(cls) -> str:
        """The OpenAPI document this emulator serves (the plugin ships it as openapi.yaml)."""
        return render(cls.name, cls.openapi, alerts=cls.alerts)

    def _next_id(self, kind: str, prefix: str) -> str:
        return f"{prefix}{self.store.next_number(kind, start=self.first_numbers.get(kind, 1))}"

    # Seeding and dumping ------------------------------------------------------
    def seed(self, people: list[dict[str, Any]]) -> None:
        for row in people:
            person_id = str(row.get("id") or self._next_id("person", self.person_prefix))
            self.store.insert("people", {
                **row,
                "id": person_id,
                "name": str(row.get("name") or ""),
                "dob": _iso_date(row.get("dob"), "dob", required=False),
                "nhs_number": str(row["nhs_number"]) if row.get("nhs_number") else None,
                "aliases": [str(a) for a in row.get("aliases") or []],
                "postcode": row.get("postcode"),
                "open": bool(row.get("open", False)),
                "team": row.get("team"),
                "allocated_worker": _worker(row.get("allocated_worker")),
                "team_manager": _worker(row.get("team_manager")),
            }, id=person_id)

    def dump(self) -> dict[str, Any]:
        notes = []
        for note in self.store.all("case_notes"):
            entry = {"record": note["person_id"], "id": note["id"], "title": note["title"],
                     "text": note["text"], "copy_to": note["copy_to"], "confidential": note["confidential"]}
            if note["section"]:
                entry["section"] = note["section"]
            notes.append(entry)
        alerts = [{"record": a["person_id"], "id": a["id"], "text": a["text"], "start": a["start"],
                   "expires": a["expires"], "status": a["status"], "ended": a["ended"],
                   "confidential": a["confidential"]}
                  for a in (self.store.all("alerts") if self.alerts else [])]
        documents = []
        for doc in self.store.all("documents"):
            if doc["status"] != "current":
                continue
            entry = {"record": doc["person_id"], "id": doc["id"], "title": doc["title"],
                     "filename": doc["filename"], "media_type": doc["media_type"], "size": doc["size"]}
            if doc["case_note_id"]:
                entry["case_note"] = doc["case_note_id"]
            documents.append(entry)
        return {"case_notes": notes, "alerts": alerts, "template_ticks": [], "documents": documents}

    def routes(self) -> list[BaseRoute]:
        def route(path: str, handler: Handler, method: str, *, auth: bool = True) -> Route:
            return Route(path, self._endpoint(handler, auth=auth), methods=[method])

        alerts = [
            route("/people/{person_id}/alerts", self.list_alerts, "GET"),
            route("/people/{person_id}/alerts", self.create_alert, "POST"),
            route("/people/{person_id}/alerts/{alert_id}", self.end_alert, "PATCH"),
        ] if self.alerts else []
        return [
            route("/auth/token", self.create_token, "POST", auth=False),
            route("/auth/token", self.revoke_token, "DELETE"),
            route("/people", self.search, "GET"),
            route("/people/searches", self.search_many, "POST"),
            route("/people/{person_id}", self.get_person, "GET"),
            route("/people/{person_id}/case-notes", self.list_case_notes, "GET"),
            route("/people/{person_id}/case-notes", self.create_case_note, "POST"),
            *alerts,
            route("/people/{person_id}/documents", self.list_documents, "GET"),
            route("/people/{person_id}/documents", self.upload_document, "POST"),
            route("/people/{person_id}/documents/{document_id}", self.delete_document, "DELETE"),
        ]

    def _endpoint(self, handler: Handler, *, auth: bool) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                if auth:
                    self._check_token(request)
                return await handler(request)
            except ApiError as error:
                return error.response()

        return endpoint

    # Authentication -------------------------------------------------------------
    def _bearer(self, request: Request) -> str | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    def _check_token(self, request: Request) -> None:
        token = self._bearer(request)
        if token is None or self._tokens.get(token, 0.0) < time.monotonic():
            raise ApiError(401, "unauthorized", "a valid bearer token is required")

    async def create_token(self, request: Request) -> Response:
        if request.headers.get("content-type", "").startswith("application/json"):
            body = await _json_object(request)
        else:
            body = dict(await request.form())
        username = _text(body, "username")
        password = _text(body, "password")
        if (username, password) != (SANDBOX_USERNAME, SANDBOX_PASSWORD):
            raise ApiError(401, "invalid_credentials", "unknown username or wrong password")
        token = secrets.token_urlsafe(24)
        self._tokens[token] = time.monotonic() + TOKEN_LIFETIME_S
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME_S})

    async def revoke_token(self, request: Request) -> Response:
        self._tokens.pop(self._bearer(request) or "", None)
        return Response(status_code=204)

    # People ---------------------------------------------------------------------
    @staticmethod
    def _person_json(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": row["id"], "name": row["name"], "dob": row["dob"], "nhs_number": row["nhs_number"],
            "aliases": row["aliases"], "postcode": row.get("postcode"),
            "involvement": {"open": row["open"], "team": row["team"],
                            "allocated_worker": row["allocated_worker"], "team_manager": row["team_manager"]},
        }

    def _person(self, request: Request) -> dict[str, Any]:
        person_id = request.path_params["person_id"]
        row = self.store.get("people", person_id)
        if row is None:
            raise ApiError(404, "not_found", f"no person {person_id}")
        return row

    def _people_index(self) -> PeopleIndex:
        """The people, indexed for searching, kept while the store is unchanged."""
        version = self.store.version("people")
        cached = getattr(self, "_index", None)
        if cached is None or cached[0] != version:
            cached = self._index = (version, PeopleIndex(self.store.all("people")))
        return cached[1]

    def _found(self, families: list[str], dob: Any, nhs_number: Any) -> list[dict[str, Any]]:
        """searchPeople's answer: everyone any of the surnames, the date of birth or the NHS number finds."""
        dob = _iso_date(dob, "dob", required=False)
        nhs_number = str(nhs_number) if nhs_number else None
        if not families and dob is None and nhs_number is None:
            raise _invalid("give at least one of family, dob, nhs_number")
        index = self._people_index()
        found: dict[str, dict[str, Any]] = {}
        for family in families or [None]:
            for row in index.search(family=family, dob=dob, nhs_number=nhs_number):
                found.setdefault(row["id"], row)
        return [self._person_json(r) for r in found.values()]

    async def search(self, request: Request) -> Response:
        families = [f for f in request.query_params.getlist("family") if f.strip()]
        return JSONResponse({"items": self._found(families, request.query_params.get("dob"),
                                                  request.query_params.get("nhs_number"))})

    async def search_many(self, request: Request) -> Response:
        body = await _json_object(request)
        searches = body.get("searches")
        if not isinstance(searches, list) or not 1 <= len(searches) <= MAX_SEARCHES:
            raise _invalid(f"searches must be a list of 1 to {MAX_SEARCHES} searches")
        results: list[dict[str, Any]] = []
        for n, search in enumerate(searches):
            try:
                if not isinstance(search, dict):
                    raise _invalid(f"searches[{n}] must be an object")
                families = search.get("family") or []
                if isinstance(families, str) or not all(isinstance(f, str) for f in families):
                    raise _invalid(f"searches[{n}].family must be a list of surnames")
                results.append({"items": self._found([f for f in families if f.strip()], search.get("dob"),
                                                     search.get("nhs_number"))})
            except ApiError as error:
                results.append({"error": {"code": error.code, "message": error.message}})
        return JSONResponse({"results": results})

    async def get_person(self, request: Request) -> Response:
        return JSONResponse(self._person_json(self._person(request)))

    # Case notes -------------------------------------------------------------------
    async def list_case_notes(self, request: Request) -> Response:
        person = self._person(request)
        where: dict[str, Any] = {"person_id": person["id"]}
        if request.query_params.get("external_ref"):
            where["external_ref"] = request.query_params["external_ref"]
        return JSONResponse({"items": self._public(self.store.find("case_notes", **where))})

    async def create_case_note(self, request: Request) -> Response:
        person = self._person(request)
        body = await _json_object(request)
        copy_to = body.get("copy_to") or []
        if not isinstance(copy_to, list) or not all(isinstance(a, str) for a in copy_to):
            raise _invalid("copy_to must be a list of email addresses")
        section = body.get("section")
        if section not in (None, "case_summary"):
            raise _invalid("section must be case_summary or null")
        note = {"person_id": person["id"], "title": _text(body, "title"), "text": _text(body, "text"),
                "copy_to": copy_to, "external_ref": _text(body, "external_ref"),
                "confidential": _flag(body, "confidential"), "section": section, "created": _now()}
        with self.store.transaction():
            note["id"] = self._next_id("case_note", "CN-")
            self.store.insert("case_notes", note)
        return JSONResponse(note, status_code=201)

    # Alerts (routed only where the system has them) ---------------------------------
    async def list_alerts(self, request: Request) -> Response:
        person = self._person(request)
        where: dict[str, Any] = {"person_id": person["id"]}
        for field in ("external_ref", "ended_ref", "status"):
            if request.query_params.get(field):
                where[field] = request.query_params[field]
        if where.get("status") not in (None, "active", "expired"):
            raise _invalid("status must be active or expired")
        return JSONResponse({"items": self.store.find("alerts", **where)})

    async def create_alert(self, request: Request) -> Response:
        person = self._person(request)
        body = await _json_object(request)
        start = _iso_date(body.get("start"), "start", required=False) or dt.date.today().isoformat()
        alert = {"person_id": person["id"], "text": _text(body, "text"), "start": start,
                 "expires": _iso_date(body.get("expires"), "expires"), "status": "active", "ended": None,
                 "confidential": _flag(body, "confidential"), "external_ref": _text(body, "external_ref"),
                 "ended_ref": None, "created": _now()}
        with self.store.transaction():
            alert["id"] = self._next_id("alert", "AL-")
            self.store.insert("alerts", alert)
        return JSONResponse(alert, status_code=201)

    async def end_alert(self, request: Request) -> Response:
        person = self._person(request)
        alert_id = request.path_params["alert_id"]
        body = await _json_object(request)
        if body.get("status") != "expired":
            raise _invalid("status must be expired")
        ended = _iso_date(body.get("ended"), "ended")
        ended_ref = _text(body, "ended_ref", required=False)
        with self.store.transaction():
            alert = self.store.get("alerts", alert_id)
            if alert is None or alert["person_id"] != person["id"]:
                raise ApiError(404, "not_found", f"no alert {alert_id} on {person['id']}")
            if alert["status"] != "expired":
                alert.update(status="expired", ended=ended, ended_ref=ended_ref)
                self.store.put("alerts", alert)
        return JSONResponse(alert)

    # Documents --------------------------------------------------------------------------
    async def list_documents(self, request: Request) -> Response:
        person = self._person(request)
        status = request.query_params.get("status") or "current"
        if status not in ("current", "deleted", "all"):
            raise _invalid("status must be current, deleted or all")
        where: dict[str, Any] = {"person_id": person["id"]}
        if status != "all":
            where["status"] = status
        for field in ("external_ref", "deleted_ref"):
            if request.query_params.get(field):
                where[field] = request.query_params[field]
        return JSONResponse({"items": self._public(self.store.find("documents", **where))})

    async def upload_document(self, request: Request) -> Response:
        person = self._person(request)
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise _invalid("upload the document as multipart/form-data")
        async with request.form() as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise _invalid("file is required")
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
            content = await upload.read()
            filename = upload.filename or "document"
            media_type = upload.content_type or "application/octet-stream"
        case_note_id = fields.get("case_note_id") or None
        if case_note_id is not None:
            note = self.store.get("case_notes", case_note_id)
            if note is None or note["person_id"] != person["id"]:
                raise _invalid(f"no case note {case_note_id} on {person['id']}")
        if fields.get("confidential", "false") not in ("true", "false"):
            raise _invalid("confidential must be true or false")
        doc = {"person_id": person["id"], "title": _text(fields, "title"), "filename": filename,
               "media_type": media_type, "size": len(content), "sha256": hashlib.sha256(content).hexdigest(),
               "external_ref": _text(fields, "external_ref"), "case_note_id": case_note_id,
               "confidential": fields.get("confidential") == "true", "status": "current",
               "deleted_ref": None, "created": _now(), "content": base64.b64encode(content).decode()}
        with self.store.transaction():
            doc["id"] = self._next_id("document", "DOC-")
            self.store.insert("documents", doc)
        return JSONResponse(self._public([doc])[0], status_code=201)

    async def delete_document(self, request: Request) -> Response:
        person = self._person(request)
        document_id = request.path_params["document_id"]
        with self.store.transaction():
            doc = self.store.get("documents", document_id)
            if doc is None or doc["person_id"] != person["id"]:
                raise ApiError(404, "not_found", f"no document {document_id} on {person['id']}")
            if doc["status"] != "deleted":
                doc.update(status="deleted", deleted_ref=request.query_params.get("deleted_ref") or None)
                self.store.put("documents", doc)
        return Response(status_code=204)

    @staticmethod
    def _public(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Stored objects without what the API does not return (a document's bytes)."""
        return [{k: v for k, v in d.items() if k != "content"} for d in docs]
