"""The OpenText Livelink / Content Server adapter: a client of its REST API.

A record, for marac, is a folder node (a person's or a family's folder); its
id is the node id as a string. Documents are uploaded into it as document
nodes (type 144). Settings (``SystemSettings`` extras):

- ``root_folder`` (default 2000, the Enterprise Workspace): where people's
  folders are searched.
- ``marac_folder``: a folder id, or the name of a folder under ``root_folder``
  (created on first use), used when a write names no record.
- ``marker_category`` / ``marker_attribute``: the category attribute holding
  the obligation marker of each document. Without them the marker goes in the
  node's description.
- ``dob_category`` / ``dob_attribute``: the category attribute of a person's
  folder holding a date of birth, if the agency keeps one.
- ``classification_category`` / ``classification_attribute``: the category
  attribute holding a document's security classification (Content Server marks
  confidentiality with a category attribute, which an administrator can make
  required); ``classification_value`` (default ``Restricted``) is what a
  confidential upload carries, ``public_classification_value`` (default
  ``Official``) the others.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any, ClassVar

import httpx

from marac_core.api import (
    Action,
    Adapter,
    Candidate,
    Document,
    Involvement,
    PersonQuery,
    SystemSettings,
    Unsupported,
    WriteReceipt,
)

FOLDER = 0
DOCUMENT = 144
PAGE_SIZE = 100
TICKET_HEADER = "OTCSTicket"


def _node_id(value: Any) -> Any:
    """Content Server wants integer node ids in a request body."""
    text = str(value)
    return int(text) if text.isdigit() else text


def _error_text(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error") or "")
    except (ValueError, AttributeError):
        return ""


def _parse_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


class LivelinkAdapter(Adapter):
    name = "livelink"
    capabilities: ClassVar[frozenset[Action]] = frozenset({"upload_document", "delete_document"})
    settings_keys: ClassVar[frozenset[str] | None] = frozenset({
        "root_folder", "marac_folder", "marker_category", "marker_attribute", "dob_category", "dob_attribute",
        "classification_category", "classification_attribute", "classification_value",
        "public_classification_value",
    })

    def __init__(self, settings: SystemSettings, http: httpx.AsyncClient, secret: str | None = None) -> None:
        super().__init__(settings, http, secret)
        self._ticket: str | None = None
        self._login_lock = asyncio.Lock()
        self._marac_folder_id: str | None = None
        self._folder_lock = asyncio.Lock()

    # Settings ---------------------------------------------------------------
    def _setting(self, key: str, default: Any = None) -> Any:
        value = getattr(self.settings, key, None)
        return default if value in (None, "") else value

    def _attribute_key(self, category: str, attribute: str) -> tuple[str, str] | None:
        cat = self._setting(category)
        if cat is None:
            return None
        return str(cat), f"{cat}_{self._setting(attribute, 2)}"

    @property
    def _root(self) -> str:
        return str(self._setting("root_folder", 2000))

    # HTTP and the ticket -------------------------------------------------------
    def _url(self, path: str) -> str:
        return f"{self.settings.base_url.rstrip('/')}/api/{path}"

    async def _login(self, stale: str | None) -> None:
        """Get a ticket, unless another request already replaced the stale one."""
        async with self._login_lock:
            if self._ticket is not None and self._ticket != stale:
                return
            response = await self.http.post(
                self._url("v1/auth"),
                data={"username": self.settings.username or "", "password": self.secret or ""},
                timeout=self.settings.timeout,
            )
            response.raise_for_status()
            self._ticket = str(response.json()["ticket"])

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One API call with the ticket; on 401 log in again once and repeat it once."""
        if self._ticket is None:
            await self._login(None)
        for attempt in range(2):
            sent = self._ticket
            response = await self.http.request(
                method, self._url(path), headers={TICKET_HEADER: sent or ""}, timeout=self.settings.timeout,
                **kwargs,
            )
            if response.status_code == 401 and attempt == 0:
                await self._login(sent)
                continue
            # Content Server hands out a fresh ticket with each answer; the old one ages out.
            fresh = response.headers.get(TICKET_HEADER)
            if fresh:
                self._ticket = fresh
            return response
        raise AssertionError("unreachable")

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()

    async def _children(self, parent: str, *, where_type: int | None = None, where_name: str | None = None,
                        fields: list[str], page: int = 1) -> tuple[list[dict[str, Any]], int]:
        """One page of a folder's children: their ``data`` sections and the page count."""
        params: dict[str, Any] = {"limit": PAGE_SIZE, "page": page, "sort": "name", "fields": fields}
        if where_type is not None:
            params["where_type"] = where_type
        if where_name:
            params["where_name"] = where_name
        answer = await self._call("GET", f"v2/nodes/{parent}/nodes", params=params)
        paging = (answer.get("collection") or {}).get("paging") or {}
        return [item.get("data") or {} for item in answer.get("results") or []], int(paging.get("page_total") or 1)

    # Reading the marker and the date of birth --------------------------------------
    @staticmethod
    def _category_value(data: dict[str, Any], key: str) -> Any:
        categories = data.get("categories") or []
        if isinstance(categories, dict):
            categories = [categories]
        for values in categories:
            if isinstance(values, dict) and values.get(key) not in (None, ""):
                return values[key]
        return None

    def _marker_of(self, data: dict[str, Any]) -> str | None:
        marker_key = self._attribute_key("marker_category", "marker_attribute")
        if marker_key is not None:
            value = self._category_value(data, marker_key[1])
            if value:
                return str(value)
        description = str((data.get("properties") or {}).get("description") or "").strip()
        return description or None

    def _candidate(self, data: dict[str, Any]) -> Candidate:
        properties = data.get("properties") or {}
        dob_key = self._attribute_key("dob_category", "dob_attribute")
        dob = _parse_date(self._category_value(data, dob_key[1])) if dob_key else None
        return Candidate(record=str(properties["id"]), name=str(properties.get("name") or ""), dob=dob,
                         involvement=Involvement(open=True))

    # Look-ups ----------------------------------------------------------------------
    async def find_people(self, query: PersonQuery) -> list[Candidate]:
        # One browse of the root folder's sub-folders, filtered by name on the server.
        folders, _ = await self._children(
            self._root, where_type=FOLDER, where_name=query.family or query.name,
            fields=["properties{id,name,type,parent_id}", "categories"],
        )
        return [self._candidate(data) for data in folders if (data.get("properties") or {}).get("id") is not None]

    async def get_record(self, record: str) -> Candidate | None:
        response = await self._request("GET", f"v2/nodes/{record}",
                                       params={"fields": ["properties", "categories"]})
        if response.status_code == 404:
            return None
        response.raise_for_status()
        data = (response.json().get("results") or {}).get("data") or {}
        properties = data.get("properties") or {}
        if not properties.get("container", properties.get("type") == FOLDER):
            return None
        return self._candidate(data)

    # Folders -----------------------------------------------------------------------
    async def _folder_named(self, name: str) -> str | None:
        page, total = 1, 1
        while page <= total:
            folders, total = await self._children(self._root, where_type=FOLDER, where_name=name,
                                                  fields=["properties{id,name}"], page=page)
            for data in folders:
                properties = data.get("properties") or {}
                if str(properties.get("name", "")).casefold() == name.casefold():
                    return str(properties["id"])
            page += 1
        return None

    async def _folder_for(self, record: str | None, *, create: bool) -> str | None:
        """The folder a write goes to: the record's, or the configured MARAC folder."""
        configured = self._setting("marac_folder")
        if record and record != str(configured):
            return record
        if configured is None:
            raise ValueError("livelink: no record given and settings.marac_folder is not set")
        if str(configured).isdigit():
            return str(configured)
        if self._marac_folder_id is not None:
            return self._marac_folder_id
        # One look-up for all the writes waiting on it, not one each (16 at concurrency 16).
        async with self._folder_lock:
            if self._marac_folder_id is None:
                name = str(configured)
                found = await self._folder_named(name)
                if found is None and create:
                    response = await self._request("POST", "v2/nodes", data={"body": json.dumps(
                        {"type": FOLDER, "parent_id": _node_id(self._root), "name": name})})
                    if response.status_code == 400 and "already exists" in _error_text(response):
                        found = await self._folder_named(name)  # another writer created it meanwhile
                    else:
                        response.raise_for_status()
                        found = str(response.json()["results"]["data"]["properties"]["id"])
                self._marac_folder_id = found
        return self._marac_folder_id

    # Writes ------------------------------------------------------------------------
    def _marker_fields(self, marker: str, confidential: bool = True) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        categories: dict[str, dict[str, Any]] = {}
        marker_key = self._attribute_key("marker_category", "marker_attribute")
        if marker_key is None:
            fields["description"] = marker
        else:
            categories.setdefault(marker_key[0], {})[marker_key[1]] = marker
        classified = self._attribute_key("classification_category", "classification_attribute")
        if classified is not None and self._setting("classification_attribute") is not None:
            value = (self._setting("classification_value") or "Restricted") if confidential else (
                self._setting("public_classification_value") or "Official")
            categories.setdefault(classified[0], {})[classified[1]] = value
        if categories:
            fields["roles"] = {"categories": categories}
        return fields

    async def upload_document(self, record: str, document: Document) -> WriteReceipt:
        folder = await self._folder_for(record, create=True)
        if folder is None:
            raise LookupError(f"livelink: no folder {self._setting('marac_folder')!r} under {self._root}")
        file = ("file", (document.filename, document.content, document.media_type))
        # Names are unique in a Content Server folder. A taken name is either this very
        # upload (its answer was lost), the same file again (a new version), or another
        # file under the same title (it gets the file name added to its own name).
        for name in (document.title, f"{document.title} ({document.filename})"):
            body = {"type": DOCUMENT, "parent_id": _node_id(folder), "name": name,
                    **self._marker_fields(document.marker, document.confidential)}
            response = await self._request("POST", "v2/nodes", data={"body": json.dumps(body)}, files=[file])
            if response.status_code != 400 or "already exists" not in _error_text(response):
                break
            existing = await self._document_named(folder, name)
            if existing is None:
                break  # the name is taken by something that is not a document
            found = self._match(existing, document.marker)
            if found is not None:
                return found
            versions = existing.get("versions") or []
            latest = max(versions, key=lambda v: int(v.get("version_number") or 0), default={})
            if str(latest.get("file_name", "")).casefold() == document.filename.casefold():
                return await self._add_version(str(existing["properties"]["id"]), document, file)
        response.raise_for_status()
        return WriteReceipt(id=str(response.json()["results"]["data"]["properties"]["id"]))

    async def _document_named(self, folder: str, name: str) -> dict[str, Any] | None:
        page, total = 1, 1
        while page <= total:
            nodes, total = await self._children(
                folder, where_type=DOCUMENT, where_name=name, page=page,
                fields=["properties{id,name,description}", "categories",
                        "versions{version_number,description,file_name}"],
            )
            for data in nodes:
                if str((data.get("properties") or {}).get("name", "")).casefold() == name.casefold():
                    return data
            page += 1
        return None

    async def _add_version(self, node: str, document: Document, file: tuple[str, Any]) -> WriteReceipt:
        answer = await self._call("POST", f"v2/nodes/{node}/versions",
                                  data={"body": json.dumps({"description": document.marker})}, files=[file])
        number = ((answer.get("results") or {}).get("data") or {}).get("versions", {}).get("version_number")
        return WriteReceipt(id=f"{node}/versions/{number}")

    def _match(self, data: dict[str, Any], marker: str) -> WriteReceipt | None:
        """The receipt of the write carrying this marker in this node, if any."""
        node = str((data.get("properties") or {}).get("id"))
        if self._marker_of(data) == marker:
            return WriteReceipt(id=node)
        for version in data.get("versions") or []:
            if str(version.get("description") or "").strip() == marker:
                return WriteReceipt(id=f"{node}/versions/{version.get('version_number')}")
        return None

    async def delete_document(self, record: str, document_id: str, marker: str) -> WriteReceipt:
        node, _, version = document_id.partition("/versions/")
        folder = await self._folder_for(record, create=False)
        # Check the document is in this record's folder before deleting anything.
        response = await self._request("GET", f"v2/nodes/{node}", params={"fields": "properties{id,parent_id}"})
        if response.status_code == 404:
            return WriteReceipt(id=document_id)  # already gone
        response.raise_for_status()
        parent = str(response.json()["results"]["data"]["properties"].get("parent_id"))
        if parent != folder:
            where = folder or repr(record)
            raise LookupError(f"livelink: document {node} is in folder {parent}, not in record {where}")
        path = f"v2/nodes/{node}/versions/{version}" if version else f"v2/nodes/{node}"
        response = await self._request("DELETE", path)
        if response.status_code != 404:
            response.raise_for_status()
        return WriteReceipt(id=document_id)

    async def find_write(self, record: str | None, action: Action, marker: str) -> WriteReceipt | None:
        if action == "delete_document":
            # The marker does not name the document; delete_document itself treats
            # an already deleted document as done, so repeating it is safe.
            return None
        if action != "upload_document":
            raise Unsupported(action)
        folder = await self._folder_for(record, create=False)
        if folder is None:
            return None
        page, total = 1, 1
        while page <= total:
            nodes, total = await self._children(
                folder, where_type=DOCUMENT, page=page,
                fields=["properties{id,name,description}", "categories", "versions{version_number,description}"],
            )
            for data in nodes:
                found = self._match(data, marker)
                if found is not None:
                    return found
            page += 1
        return None
