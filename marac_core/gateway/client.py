"""The gateway contract's client: an adapter for any system behind a marac gateway.

It only translates the core's calls into requests. Every write sends the
obligation's marker as ``external_ref`` (or ``ended_ref`` / ``deleted_ref``
for ending an alert and deleting a document), which ``find_write`` searches.
A plugin subclasses ``GatewayAdapter`` with its ``name`` and, for a system
without alerts, ``capabilities`` without them: the alert calls then raise
``Unsupported`` without a request.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Sequence
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from marac_core.model.records import (
    Alert,
    Candidate,
    CaseNote,
    Document,
    Involvement,
    PersonQuery,
    RecordedAlert,
    WriteReceipt,
)
from marac_core.plugins.adapter import Action, Adapter, SystemSettings, Unsupported

# Renew a token this long before the gateway says it expires, to avoid a wasted 401.
_TOKEN_MARGIN_S = 30.0

# Everything the contract can do; a system without alerts leaves out alert and expire_alert.
GATEWAY_ACTIONS: frozenset[Action] = frozenset(
    {"case_note", "alert", "expire_alert", "upload_document", "delete_document"})


def _candidate(person: dict[str, Any]) -> Candidate:
    return Candidate(
        record=person["id"],
        name=person["name"],
        dob=person.get("dob"),
        nhs_number=person.get("nhs_number"),
        aliases=person.get("aliases") or [],
        postcode=person.get("postcode"),
        involvement=Involvement.model_validate(person.get("involvement") or {}),
    )


class SearchRefused(Exception):
    """One search of a batch that the gateway answered with an error (its code, never personal data)."""


class GatewayAdapter(Adapter):
    """A record system through its marac gateway. Subclasses set ``name`` (and ``capabilities``)."""

    capabilities: ClassVar[frozenset[Action]] = GATEWAY_ACTIONS
    # The gateway contract needs nothing beyond base_url, username, timeout and mode.
    settings_keys: ClassVar[frozenset[str] | None] = frozenset()

    def __init__(self, settings: SystemSettings, http: httpx.AsyncClient, secret: str | None = None) -> None:
        super().__init__(settings, http, secret)
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock: asyncio.Lock | None = None
        self._batch_search = True  # until the gateway shows it has no POST /people/searches

    def _require(self, action: Action, call: str) -> None:
        # The contract's alert paths exist only on systems that list them among their capabilities.
        if action not in self.capabilities:
            raise Unsupported(call)

    # HTTP -------------------------------------------------------------------------
    def _url(self, *parts: str) -> str:
        return "/".join([self.settings.base_url.rstrip("/"), *(quote(p, safe="") for p in parts)])

    async def _login(self, stale: str | None) -> str:
        # One login at a time; a caller whose token was already replaced reuses the new one.
        if self._token_lock is None:
            self._token_lock = asyncio.Lock()
        async with self._token_lock:
            if self._token is not None and self._token != stale and time.monotonic() < self._token_expires:
                return self._token
            response = await self.http.post(
                self._url("auth", "token"),
                data={"username": self.settings.username or "", "password": self.secret or ""},
                headers={"Accept": "application/json"},
                timeout=self.settings.timeout,
            )
            response.raise_for_status()
            body = response.json()
            self._token = str(body["access_token"])
            lifetime = float(body.get("expires_in", 300))
            self._token_expires = time.monotonic() + max(lifetime - _TOKEN_MARGIN_S, lifetime / 2)
            return self._token

    async def _send(self, method: str, parts: tuple[str, ...], token: str, **kwargs: Any) -> httpx.Response:
        return await self.http.request(
            method, self._url(*parts), headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=self.settings.timeout, **kwargs)

    async def _request(self, method: str, parts: tuple[str, ...], **kwargs: Any) -> httpx.Response:
        """An authenticated request; on 401 (token expired or revoked) log in again once and repeat it."""
        token = self._token if self._token and time.monotonic() < self._token_expires else None
        if token is None:
            token = await self._login(stale=None)
        response = await self._send(method, parts, token, **kwargs)
        if response.status_code == 401:
            token = await self._login(stale=token)
            response = await self._send(method, parts, token, **kwargs)
        return response

    async def _json(self, method: str, parts: tuple[str, ...], **kwargs: Any) -> Any:
        response = await self._request(method, parts, **kwargs)
        response.raise_for_status()
        return response.json()

    # Look-ups -----------------------------------------------------------------------
    @staticmethod
    def _search_fields(query: PersonQuery) -> dict[str, Any]:
        fields: dict[str, Any] = {"family": query.surnames()}
        if query.given:
            fields["given"] = query.given
        if query.dob:
            fields["dob"] = query.dob.isoformat()
        if query.nhs_number:
            fields["nhs_number"] = query.nhs_number
        return fields

    async def find_people(self, query: PersonQuery) -> list[Candidate]:
        fields = self._search_fields(query)
        params: list[tuple[str, str]] = [("family", f) for f in fields.pop("family")]
        params += list(fields.items())
        body = await self._json("GET", ("people",), params=params)
        return [_candidate(p) for p in body["items"]]

    async def find_many_people(self, queries: Sequence[PersonQuery]) -> list[list[Candidate] | Exception]:
        if self._batch_search:
            response = await self._request("POST", ("people", "searches"),
                                           json={"searches": [self._search_fields(q) for q in queries]})
            if response.status_code not in (404, 405, 501):
                response.raise_for_status()
                return self._results(response.json(), len(queries))
            self._batch_search = False  # a gateway of the contract's first version: one person a request
        # Concurrently, as the core would have asked them: the client's lanes still bound the requests in flight.
        answers = await asyncio.gather(*(self.find_people(q) for q in queries), return_exceptions=True)
        for answer in answers:
            if isinstance(answer, BaseException) and not isinstance(answer, Exception):
                raise answer  # cancelled, or the process is stopping
        return list(answers)  # type: ignore[arg-type]

    @staticmethod
    def _results(body: Any, asked: int) -> list[list[Candidate] | Exception]:
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(results, list) or len(results) != asked:
            raise ValueError(f"the gateway answered {asked} searches with "
                             f"{len(results) if isinstance(results, list) else 'no'} results")
        found: list[list[Candidate] | Exception] = []
        for result in results:
            if isinstance(result, dict) and isinstance(result.get("items"), list):
                found.append([_candidate(p) for p in result["items"]])
            else:
                error = (result.get("error") or {}) if isinstance(result, dict) else {}
                found.append(SearchRefused(str(error.get("code") or "no result")))
        return found

    async def get_record(self, record: str) -> Candidate | None:
        response = await self._request("GET", ("people", record))
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return _candidate(response.json())

    # Writes -------------------------------------------------------------------------
    async def write_case_note(self, record: str, note: CaseNote) -> WriteReceipt:
        body = await self._json("POST", ("people", record, "case-notes"), json={
            "title": note.title, "text": note.text, "copy_to": list(note.copy_to),
            "external_ref": note.marker, "confidential": note.confidential, "section": note.section})
        return WriteReceipt(id=body["id"])

    async def add_alert(self, record: str, alert: Alert) -> WriteReceipt:
        self._require("alert", "alert")
        fields: dict[str, Any] = {"text": alert.text, "expires": alert.expires.isoformat(),
                                  "external_ref": alert.marker, "confidential": alert.confidential}
        start = getattr(alert, "start", None)  # the core may say from when the alert shows
        if isinstance(start, dt.datetime):
            start = start.date()
        if start is not None:
            fields["start"] = start.isoformat() if isinstance(start, dt.date) else str(start)
        body = await self._json("POST", ("people", record, "alerts"), json=fields)
        return WriteReceipt(id=body["id"])

    async def list_alerts(self, record: str) -> list[RecordedAlert]:
        self._require("alert", "list_alerts")
        body = await self._json("GET", ("people", record, "alerts"))
        return [RecordedAlert(id=a["id"], text=a["text"], expires=a.get("expires"), status=a["status"],
                              marker=a.get("external_ref"), start=a.get("start"), ended=a.get("ended"),
                              confidential=a.get("confidential"))
                for a in body["items"]]

    async def expire_alert(self, record: str, alert_id: str, ended: dt.date, marker: str) -> WriteReceipt:
        self._require("expire_alert", "expire_alert")
        body = await self._json("PATCH", ("people", record, "alerts", alert_id), json={
            "status": "expired", "ended": ended.isoformat(), "ended_ref": marker})
        return WriteReceipt(id=body["id"])

    async def upload_document(self, record: str, document: Document) -> WriteReceipt:
        # Document has no confidentiality field yet: MARAC papers are restricted unless said otherwise.
        fields = {"title": document.title, "external_ref": document.marker,
                  "confidential": "true" if getattr(document, "confidential", True) else "false"}
        case_note_id = getattr(document, "case_note_id", None)
        if case_note_id:
            fields["case_note_id"] = str(case_note_id)
        body = await self._json("POST", ("people", record, "documents"), data=fields,
                                files={"file": (document.filename, document.content, document.media_type)})
        return WriteReceipt(id=body["id"])

    async def delete_document(self, record: str, document_id: str, marker: str) -> WriteReceipt:
        response = await self._request("DELETE", ("people", record, "documents", document_id),
                                       params={"deleted_ref": marker})
        response.raise_for_status()
        return WriteReceipt(id=document_id)

    # Reconciliation -------------------------------------------------------------------
    # action -> (collection, query that finds the write by its marker's field)
    _FIND: ClassVar[dict[str, tuple[str, dict[str, str], str]]] = {
        "case_note": ("case-notes", {}, "external_ref"),
        "alert": ("alerts", {}, "external_ref"),
        "expire_alert": ("alerts", {"status": "expired"}, "ended_ref"),
        "upload_document": ("documents", {"status": "all"}, "external_ref"),
        "delete_document": ("documents", {"status": "deleted"}, "deleted_ref"),
    }

    async def find_write(self, record: str | None, action: Action, marker: str) -> WriteReceipt | None:
        if action not in self._FIND or action not in self.capabilities:
            raise Unsupported(action)
        if record is None:
            raise ValueError(f"{self.name} needs the record to find a {action} write")
        collection, params, field = self._FIND[action]
        body = await self._json("GET", ("people", record, collection), params={**params, field: marker})
        items = body["items"]
        return WriteReceipt(id=items[0]["id"]) if items else None

    async def aclose(self) -> None:
        if self._token is None:
            return
        token, self._token = self._token, None
        try:
            await self.http.delete(self._url("auth", "token"), headers={"Authorization": f"Bearer {token}"},
                                   timeout=self.settings.timeout)
        except httpx.HTTPError:
            pass  # logging out is a courtesy: the token expires anyway
