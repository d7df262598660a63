"""An emulated OpenText Content Server: the REST API subset the adapter speaks.

Served under ``/api`` (the base URL is the Content Server URL). What it models:

- ``POST api/v1/auth`` (form fields username, password) answers ``{"ticket": ...}``;
  every other call needs the ``OTCSTicket`` header, and each successful answer
  carries a fresh ticket in its ``OTCSTicket`` header, as Content Server does.
  Tickets expire (meta key ``ticket_lifetime``, seconds) and are signed, so they
  stay valid across a restart of the sandbox, as real ones do.
- ``api/v2/nodes``: get a node, browse its children (``where_name``,
  ``where_type``, ``sort``, ``page``, ``limit``, ``fields``), create folders
  (type 0) and documents (type 144, multipart ``file``) from the JSON in the
  form field ``body``, delete, versions, applied categories, content.
- Names are unique within a container (case-insensitive), as in Content Server.

Errors are JSON ``{"error": "..."}`` with the HTTP status, as Content Server
answers them. All state lives in the EmulatorStore.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import math
import re
import secrets
import time
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from marac_core.api import SANDBOX_PASSWORD, SANDBOX_USERNAME, Emulator

NODES = "nodes"
ENTERPRISE_WORKSPACE = "2000"
FOLDER = 0
DOCUMENT = 144
TYPE_NAMES = {FOLDER: "Folder", DOCUMENT: "Document", 141: "Enterprise Workspace"}
CONTAINERS = {FOLDER, 141}
# The categories defined in this Content Server: id -> name and attributes (id -> name, type).
CATEGORIES: dict[int, dict[str, Any]] = {
    9100: {"name": "MARAC", "attributes": {2: ("Obligation marker", "String"), 3: ("Security classification", "String")}},
    9200: {"name": "Person", "attributes": {2: ("Date of birth", "Date")}},
}
# This Content Server's policy for documents (as an administrator sets it up with a required category
# attribute): each carries the MARAC category with its security classification, one of these values.
CLASSIFICATION = ("9100", "9100_3")
CLASSIFICATIONS = ("Restricted", "Official")
DEFAULT_TICKET_LIFETIME = 1800.0
NAME_LIMIT = 248
DEFAULT_PAGE_SIZE = 25


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat()


def _out_id(value: Any) -> Any:
    """Node ids are integers in Content Server's JSON."""
    text = str(value)
    return int(text) if text.lstrip("-").isdigit() else text


def _int_param(value: str | None, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, f"Invalid value for parameter '{name}'.") from None


def _parse_date(value: Any) -> str | None:
    """A date attribute as Content Server shows it (midnight timestamp)."""
    if value in (None, ""):
        return None
    text = str(value)
    try:
        return dt.date.fromisoformat(text[:10]).isoformat() + "T00:00:00"
    except ValueError:
        raise ApiError(400, f"Invalid date value '{text}'.") from None


class LivelinkEmulator(Emulator):
    name = "livelink"

    # Tickets --------------------------------------------------------------
    def _secret(self) -> bytes:
        secret = self.store.get_meta("ticket_secret")
        if secret is None:
            secret = secrets.token_hex(32)
            self.store.set_meta("ticket_secret", secret)
        return secret.encode()

    def _lifetime(self) -> float:
        return float(self.store.get_meta("ticket_lifetime") or DEFAULT_TICKET_LIFETIME)

    def issue_ticket(self, user: str) -> str:
        payload = base64.urlsafe_b64encode(f"{user}|{time.time():.6f}".encode()).decode().rstrip("=")
        signature = hmac.new(self._secret(), payload.encode(), hashlib.sha256).hexdigest()[:40]
        return f"{payload}.{signature}"

    def _ticket_user(self, ticket: str | None) -> str | None:
        """The user a ticket was issued to, or None if it is forged or expired."""
        if not ticket or "." not in ticket:
            return None
        payload, signature = ticket.rsplit(".", 1)
        expected = hmac.new(self._secret(), payload.encode(), hashlib.sha256).hexdigest()[:40]
        if not hmac.compare_digest(signature, expected):
            return None
        try:
            user, issued = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode().split("|")
            if time.time() - float(issued) > self._lifetime():
                return None
        except ValueError:
            return None
        return user

    # Seeding --------------------------------------------------------------
    def seed(self, people: list[dict[str, Any]]) -> None:
        self._secret()
        if self.store.get(NODES, ENTERPRISE_WORKSPACE) is None:
            self._insert_node({"id": ENTERPRISE_WORKSPACE, "parent_id": "-1", "type": 141,
                               "name": "Enterprise Workspace", "description": "", "categories": {},
                               "versions": []})
        for person in people:
            if not person.get("name"):
                raise ValueError(f"livelink record {person!r} has no name")
            node_id = str(person["id"]) if person.get("id") is not None else self._new_id()
            if self.store.get(NODES, node_id) is not None:
                raise ValueError(f"livelink record id {node_id} is used twice")
            categories: dict[str, dict[str, Any]] = {}
            if person.get("dob"):
                categories["9200"] = {"9200_2": _parse_date(person["dob"])}
            self._insert_node({"id": node_id, "parent_id": str(person.get("parent") or ENTERPRISE_WORKSPACE),
                               "type": FOLDER, "name": str(person["name"]),
                               "description": str(person.get("description") or ""),
                               "categories": categories, "versions": []})
        for node in self.store.all(NODES):
            if node["id"] != ENTERPRISE_WORKSPACE and self.store.get(NODES, node["parent_id"]) is None:
                raise ValueError(f"livelink record {node['id']} has unknown parent {node['parent_id']}")

    def _new_id(self) -> str:
        while True:
            candidate = str(self.store.next_number("node", start=100001))
            if self.store.get(NODES, candidate) is None:
                return candidate

    def _insert_node(self, node: dict[str, Any]) -> str:
        stamp = _now()
        return self.store.insert(NODES, {"create_date": stamp, "modify_date": stamp, **node}, id=node["id"])

    # Presentation ---------------------------------------------------------
    def _children(self, node_id: str) -> list[dict[str, Any]]:
        return self.store.find(NODES, parent_id=node_id)

    def _properties(self, node: dict[str, Any]) -> dict[str, Any]:
        latest = node["versions"][-1] if node["versions"] else None
        properties: dict[str, Any] = {
            "id": _out_id(node["id"]),
            "parent_id": _out_id(node["parent_id"]),
            "name": node["name"],
            "type": node["type"],
            "type_name": TYPE_NAMES.get(node["type"], "Node"),
            "description": node.get("description", ""),
            "create_date": node["create_date"],
            "modify_date": node["modify_date"],
            "container": node["type"] in CONTAINERS,
        }
        if node["type"] in CONTAINERS:
            properties["container_size"] = len(self._children(node["id"]))
            properties["size"] = properties["container_size"]
            properties["size_formatted"] = f"{properties['size']} Items"
        if latest is not None:
            properties["mime_type"] = latest["mime_type"]
            properties["size"] = latest["file_size"]
        return properties

    @staticmethod
    def _version(node: dict[str, Any], version: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": _out_id(node["id"]),
            "version_id": version["version_id"],
            "version_number": version["version_number"],
            "version_number_major": version["version_number"],
            "version_number_minor": 0,
            "version_number_name": str(version["version_number"]),
            "file_name": version["file_name"],
            "file_size": version["file_size"],
            "mime_type": version["mime_type"],
            "description": version.get("description", ""),
            "create_date": version["create_date"],
        }

    def _data(self, node: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        """A node's ``data`` sections, limited by ``fields`` as the v2 API does."""
        wanted: dict[str, set[str] | None] = {}
        for field in fields:
            match = re.match(r"^\s*(\w+)\s*(?:\{([^}]*)\})?", field)
            if match:
                keys = {k.strip() for k in match.group(2).split(",") if k.strip()} if match.group(2) else None
                wanted[match.group(1)] = keys
        if not wanted:
            wanted = {"properties": None, "categories": None, "versions": None}
        data: dict[str, Any] = {}
        for section, keys in wanted.items():
            if section == "properties":
                value: Any = self._properties(node)
                data[section] = {k: v for k, v in value.items() if keys is None or k in keys}
            elif section == "categories":
                data[section] = [dict(values) for values in node.get("categories", {}).values()]
            elif section == "versions":
                data[section] = [{k: v for k, v in self._version(node, version).items() if keys is None or k in keys}
                                 for version in node["versions"]]
        return data

    # Request plumbing -----------------------------------------------------
    async def _params(self, request: Request) -> tuple[dict[str, Any], UploadFile | None]:
        """The call's parameters: form fields, overlaid by the JSON in the ``body`` field."""
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            raise ApiError(400, "Content-Type application/json is not supported; send form data.")
        form = await request.form()
        params: dict[str, Any] = {}
        upload: UploadFile | None = None
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key == "file":
                    upload = value
            elif key != "body":
                params[key] = value
        if "body" in form:
            try:
                body = json.loads(str(form["body"]))
            except ValueError:
                raise ApiError(400, "The body parameter is not valid JSON.") from None
            if not isinstance(body, dict):
                raise ApiError(400, "The body parameter must be a JSON object.")
            params.update(body)
        return params, upload

    def _authenticated(self, handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            user = self._ticket_user(request.headers.get("otcsticket"))
            if user is None:
                missing = not request.headers.get("otcsticket")
                return _error(401, "Authentication required." if missing else "Session has expired.")
            try:
                response: Response = await handler(request)
            except ApiError as error:
                return _error(error.status, error.message)
            if 200 <= response.status_code < 300:
                response.headers["OTCSTicket"] = self.issue_ticket(user)
            return response

        return endpoint

    def _node(self, node_id: str) -> dict[str, Any]:
        node = self.store.get(NODES, node_id)
        if node is None:
            raise ApiError(404, f"The node {node_id} could not be found.")
        return node

    @staticmethod
    def _links(href: str, method: str = "GET") -> dict[str, Any]:
        return {"data": {"self": {"body": "", "content_type": "", "href": href, "method": method, "name": ""}}}

    # Handlers -------------------------------------------------------------
    async def auth(self, request: Request) -> Response:
        try:
            params, _ = await self._params(request)
        except ApiError as error:
            return _error(error.status, error.message)
        if params.get("username") != SANDBOX_USERNAME or params.get("password") != SANDBOX_PASSWORD:
            return _error(401, "Invalid username or password.")
        return JSONResponse({"ticket": self.issue_ticket(str(params["username"]))})

    async def get_node(self, request: Request) -> Response:
        node = self._node(request.path_params["id"])
        fields = request.query_params.getlist("fields")
        return JSONResponse({"links": self._links(str(request.url.path)),
                             "results": {"data": self._data(node, fields)}})

    async def list_children(self, request: Request) -> Response:
        parent = self._node(request.path_params["id"])
        if parent["type"] not in CONTAINERS:
            raise ApiError(400, f"The node {parent['id']} is not a container.")
        query = request.query_params
        children = self._children(parent["id"])
        types = [_int_param(t, "where_type", 0) for t in query.getlist("where_type")]
        if types:
            def type_matches(node: dict[str, Any]) -> bool:
                container = node["type"] in CONTAINERS
                return any(t == -2 or (t == -1 and container) or (t == -3 and not container) or t == node["type"]
                           for t in types)

            children = [n for n in children if type_matches(n)]
        name = query.get("where_name")
        if name:
            children = [n for n in children if name.casefold() in n["name"].casefold()]
        sort = query.get("sort") or "name"
        descending = sort.startswith("desc_")
        column = re.sub(r"^(asc_|desc_)", "", sort)
        if column not in {"name", "id", "create_date", "modify_date", "type"}:
            raise ApiError(400, f"Invalid sort column '{column}'.")
        children.sort(key=lambda n: (int(n["id"]) if str(n["id"]).isdigit() else 0) if column == "id"
                      else str(n.get(column, "")).casefold(), reverse=descending)
        limit = _int_param(query.get("limit"), "limit", DEFAULT_PAGE_SIZE)
        page = _int_param(query.get("page"), "page", 1)
        if limit < 1 or page < 1:
            raise ApiError(400, "The page and limit parameters must be positive.")
        total = len(children)
        start = (page - 1) * limit
        shown = children[start:start + limit]
        fields = query.getlist("fields")
        paging = {"limit": limit, "page": page, "page_total": max(1, math.ceil(total / limit)),
                  "range_min": start + 1 if shown else 0, "range_max": start + len(shown),
                  "total_count": total}
        return JSONResponse({
            "links": self._links(str(request.url.path)),
            "collection": {"paging": paging, "sorting": {"sort": [{"key": "sort", "value": sort}]}},
            "results": [{"data": self._data(n, fields)} for n in shown],
        })

    def _category_values(self, roles: Any) -> dict[str, dict[str, Any]]:
        """Validate ``roles.categories`` ({cat_id: {"cat_attr": value}}) against the definitions."""
        if roles in (None, {}):
            return {}
        categories = roles.get("categories") if isinstance(roles, dict) else None
        if not isinstance(categories, dict):
            raise ApiError(400, "roles.categories must be an object.")
        applied: dict[str, dict[str, Any]] = {}
        for cat_id, values in categories.items():
            definition = CATEGORIES.get(int(cat_id)) if str(cat_id).isdigit() else None
            if definition is None:
                raise ApiError(400, f"Category {cat_id} does not exist.")
            if not isinstance(values, dict):
                raise ApiError(400, f"The values of category {cat_id} must be an object.")
            stored: dict[str, Any] = {}
            for key, value in values.items():
                match = re.fullmatch(rf"{cat_id}_(\d+)", str(key))
                attribute = definition["attributes"].get(int(match.group(1))) if match else None
                if attribute is None:
                    raise ApiError(400, f"Attribute {key} does not exist in category {cat_id}.")
                stored[str(key)] = _parse_date(value) if attribute[1] == "Date" else value
            applied[str(cat_id)] = stored
        return applied

    def _check_name(self, parent_id: str, name: str) -> None:
        if not name:
            raise ApiError(400, "A name is required.")
        if len(name) > NAME_LIMIT:
            raise ApiError(400, f"The name may have at most {NAME_LIMIT} characters.")
        if any(n["name"].casefold() == name.casefold() for n in self._children(parent_id)):
            raise ApiError(400, f"An item with the name '{name}' already exists.")

    @staticmethod
    async def _version_from(upload: UploadFile, description: str) -> dict[str, Any]:
        content = await upload.read()
        return {"file_name": upload.filename or "file", "file_size": len(content),
                "mime_type": upload.content_type or "application/octet-stream",
                "description": description, "create_date": _now(),
                "content": base64.b64encode(content).decode()}

    async def create_node(self, request: Request) -> Response:
        params, upload = await self._params(request)
        try:
            node_type = int(params.get("type"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ApiError(400, "The type parameter is required.") from None
        if node_type not in (FOLDER, DOCUMENT):
            raise ApiError(400, f"Creating nodes of type {node_type} is not supported.")
        parent_id = str(params.get("parent_id") or "")
        parent = self.store.get(NODES, parent_id)
        if parent is None:
            raise ApiError(400, f"The parent node {parent_id or '(none)'} could not be found.")
        if parent["type"] not in CONTAINERS:
            raise ApiError(400, f"The node {parent_id} is not a container.")
        name = str(params.get("name") or "").strip()
        categories = self._category_values(params.get("roles"))
        versions = []
        if node_type == DOCUMENT:
            classification = categories.get(CLASSIFICATION[0], {}).get(CLASSIFICATION[1])
            if classification not in CLASSIFICATIONS:
                raise ApiError(400, f"Attribute {CLASSIFICATION[1]} (Security classification) of category "
                                    f"{CLASSIFICATION[0]} is required: one of {', '.join(CLASSIFICATIONS)}.")
            if upload is None:
                raise ApiError(400, "A file is required to create a document.")
            versions.append(await self._version_from(upload, ""))
        # The checks and the insert land together, so two racing creates cannot both win.
        with self.store.transaction():
            self._check_name(parent_id, name)
            node_id = self._new_id()
            for number, version in enumerate(versions, start=1):
                version.update(version_number=number, version_id=self.store.next_number("version"))
            self._insert_node({"id": node_id, "parent_id": parent_id, "type": node_type, "name": name,
                               "description": str(params.get("description") or ""),
                               "categories": categories, "versions": versions})
        node = self._node(node_id)
        return JSONResponse({"links": self._links("/api/v2/nodes", "POST"),
                             "results": {"data": self._data(node, [])}})

    async def delete_node(self, request: Request) -> Response:
        node = self._node(request.path_params["id"])
        if node["type"] == 141:
            raise ApiError(400, "A volume cannot be deleted.")
        with self.store.transaction():
            pending = [node["id"]]
            while pending:
                current = pending.pop()
                pending.extend(child["id"] for child in self._children(current))
                self.store.delete(NODES, current)
        return JSONResponse({"links": self._links(str(request.url.path), "DELETE"), "results": {}})

    def _document(self, node_id: str) -> dict[str, Any]:
        node = self._node(node_id)
        if node["type"] != DOCUMENT:
            raise ApiError(400, f"The node {node_id} has no versions.")
        return node

    async def list_versions(self, request: Request) -> Response:
        node = self._document(request.path_params["id"])
        return JSONResponse({"links": self._links(str(request.url.path)),
                             "results": [{"data": {"versions": self._version(node, v)}} for v in node["versions"]]})

    async def add_version(self, request: Request) -> Response:
        node_id = request.path_params["id"]
        self._document(node_id)
        params, upload = await self._params(request)
        if upload is None:
            raise ApiError(400, "A file is required to add a version.")
        version = await self._version_from(upload, str(params.get("description") or ""))
        with self.store.transaction():
            node = self._document(node_id)
            version.update(version_number=max((v["version_number"] for v in node["versions"]), default=0) + 1,
                           version_id=self.store.next_number("version"))
            node["versions"].append(version)
            node["modify_date"] = version["create_date"]
            self.store.put(NODES, node)
        return JSONResponse({"links": self._links(str(request.url.path), "POST"),
                             "results": {"data": {"properties": self._properties(node),
                                                  "versions": self._version(node, version)}}})

    async def delete_version(self, request: Request) -> Response:
        node_id = request.path_params["id"]
        number = _int_param(request.path_params["number"], "version_number", 0)
        with self.store.transaction():
            node = self._document(node_id)
            kept = [v for v in node["versions"] if v["version_number"] != number]
            if len(kept) == len(node["versions"]):
                raise ApiError(404, f"Version {number} of node {node_id} could not be found.")
            if not kept:
                raise ApiError(400, "The only version of a document cannot be deleted.")
            node["versions"] = kept
            self.store.put(NODES, node)
        return JSONResponse({"links": self._links(str(request.url.path), "DELETE"), "results": {}})

    async def get_categories(self, request: Request) -> Response:
        node = self._node(request.path_params["id"])
        results = []
        for cat_id, values in node.get("categories", {}).items():
            definition = CATEGORIES[int(cat_id)]
            metadata = {f"{cat_id}_{attr}": {"name": name, "type_name": kind}
                        for attr, (name, kind) in definition["attributes"].items()}
            results.append({"data": {"categories": dict(values)},
                            "metadata": {"categories": {f"{cat_id}": {"name": definition["name"]}, **metadata}}})
        return JSONResponse({"links": self._links(str(request.url.path)), "results": results})

    async def get_content(self, request: Request) -> Response:
        node = self._document(request.path_params["id"])
        latest = node["versions"][-1]
        return Response(base64.b64decode(latest["content"]), media_type=latest["mime_type"],
                        headers={"Content-Disposition": f'attachment; filename="{latest["file_name"]}"'})

    # Emulator interface ---------------------------------------------------
    def routes(self) -> list[BaseRoute]:
        guard = self._authenticated
        return [
            Route("/api/v1/auth", self.auth, methods=["POST"]),
            Route("/api/v2/nodes", guard(self.create_node), methods=["POST"]),
            Route("/api/v2/nodes/{id}", guard(self.get_node), methods=["GET"]),
            Route("/api/v2/nodes/{id}", guard(self.delete_node), methods=["DELETE"]),
            Route("/api/v2/nodes/{id}/nodes", guard(self.list_children), methods=["GET"]),
            Route("/api/v2/nodes/{id}/versions", guard(self.list_versions), methods=["GET"]),
            Route("/api/v2/nodes/{id}/versions", guard(self.add_version), methods=["POST"]),
            Route("/api/v2/nodes/{id}/versions/{number}", guard(self.delete_version), methods=["DELETE"]),
            Route("/api/v2/nodes/{id}/categories", guard(self.get_categories), methods=["GET"]),
            Route("/api/v2/nodes/{id}/content", guard(self.get_content), methods=["GET"]),
        ]

    def dump(self) -> dict[str, Any]:
        documents = []
        for node in self.store.all(NODES):
            if node["type"] != DOCUMENT:
                continue
            latest = node["versions"][-1]
            documents.append({"record": str(node["parent_id"]), "title": node["name"], "id": str(node["id"]),
                              "filename": latest["file_name"], "size": latest["file_size"],
                              "media_type": latest["mime_type"], "versions": len(node["versions"]),
                              "classification": node.get("categories", {}).get(CLASSIFICATION[0], {})
                              .get(CLASSIFICATION[1])})
        return {"case_notes": [], "alerts": [], "template_ticks": [], "documents": documents}
