"""openapi.yaml is the contract: the emulator serves exactly its routes, and
every exchange the adapter has with the emulator (and every error answer)
matches the documented parameters, bodies and response schemas."""

from __future__ import annotations

import datetime as dt
import json
import re
from email import policy
from email.parser import BytesParser
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import yaml
from starlette.applications import Starlette
from starlette.routing import Route

from marac_core.adapter import SystemSettings
from marac_core.records import Alert, CaseNote, Document, PersonQuery
from marac_core.sandbox.emulator import SANDBOX_PASSWORD, SANDBOX_USERNAME
from marac_core.sandbox.store import EmulatorStore
from marac_lcs.adapter import LcsAdapter
from marac_lcs.emulator import LcsEmulator

SPEC: dict[str, Any] = yaml.safe_load((resources.files("marac_lcs") / "openapi.yaml").read_text())
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
# The JSON Schema keywords the document may use; the checker below understands every one of them.
KEYWORDS = {"type", "properties", "required", "items", "enum", "anyOf", "format", "minLength", "$ref",
            "default", "description", "contentMediaType"}
BASE = "http://lcs.test"


# A small JSON Schema checker for the keywords above ---------------------------------
def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _is(value: Any, kind: str) -> bool:
    return {"null": value is None, "boolean": isinstance(value, bool), "string": isinstance(value, str),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
            "array": isinstance(value, list), "object": isinstance(value, dict)}[kind]


def problems(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    schema = _resolve(schema)
    if "anyOf" in schema and all(problems(value, s, where) for s in schema["anyOf"]):
        return [f"{where}: matches none of anyOf"]
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_is(value, k) for k in kinds):
            return [f"{where}: {value!r} is not {kinds}"]
    found = []
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            found.append(f"{where}: shorter than {schema['minLength']}")
        parse = {"date": dt.date.fromisoformat, "date-time": dt.datetime.fromisoformat}.get(schema.get("format", ""))
        try:
            if parse:
                parse(value)
        except ValueError:
            found.append(f"{where}: {value!r} is not a {schema['format']}")
    if isinstance(value, dict):
        found += [f"{where}: {key} is missing" for key in schema.get("required", []) if key not in value]
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                found += problems(value[key], sub, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            found += problems(item, schema["items"], f"{where}[{index}]")
    return found


def _schemas(node: Any) -> list[dict[str, Any]]:
    """Every schema object in the document (those under 'schema' keys and in components)."""
    found: list[dict[str, Any]] = []

    def walk_schema(schema: dict[str, Any]) -> None:
        found.append(schema)
        for sub in schema.get("properties", {}).values():
            walk_schema(sub)
        for sub in [schema.get("items")] + schema.get("anyOf", []):
            if isinstance(sub, dict):
                walk_schema(sub)

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "schema" and isinstance(value, dict):
                    walk_schema(value)
                else:
                    walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(node)
    for schema in node["components"]["schemas"].values():
        walk_schema(schema)
    return found


# The contract ------------------------------------------------------------------------
def _operations() -> dict[tuple[str, str], dict[str, Any]]:
    return {(method.upper(), path): op for path, item in SPEC["paths"].items()
            for method, op in item.items() if method in METHODS}


def _parameters(path: str, op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    params = [_resolve(p) for p in SPEC["paths"][path].get("parameters", []) + op.get("parameters", [])]
    return {p["name"]: p for p in params}


def _template(url_path: str) -> str | None:
    for path in SPEC["paths"]:
        pattern = "^" + re.sub(r"\{[^/}]+\}", "[^/]+", path) + "$"
        if re.match(pattern, url_path):
            return path
    return None


def _form_fields(request: httpx.Request) -> dict[str, str]:
    head = b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n"
    message = BytesParser(policy=policy.HTTP).parsebytes(head + request.content)
    return {part.get_param("name", header="content-disposition"):
            part.get_filename() or part.get_payload(decode=True).decode() for part in message.iter_parts()}


def check_exchange(response: httpx.Response) -> list[str]:
    request = response.request
    probe = "x-probe" in request.headers
    url_path = request.url.path.removeprefix(httpx.URL(BASE).path.rstrip("/"))
    path = _template(url_path)
    op = SPEC["paths"].get(path, {}).get(request.method.lower()) if path else None
    if op is None:
        return [f"{request.method} {url_path} is not in the document"]
    label = f"{request.method} {path}"
    params = _parameters(path, op)
    found = [f"{label}: undocumented query parameter {name}" for name in request.url.params if name not in params]
    for name, value in request.url.params.multi_items():
        if name in params and not probe:
            schema = _resolve(params[name]["schema"])
            found += problems(value, schema.get("items", schema) if schema.get("type") == "array" else schema,
                              f"{label} ?{name}")
    content_type = request.headers.get("content-type", "").split(";")[0]
    if request.content and not probe:
        body_types = _resolve(op.get("requestBody", {})).get("content", {})
        if content_type not in body_types:
            found.append(f"{label}: request body {content_type} is not documented")
        else:
            body: Any = {
                "application/json": lambda: json.loads(request.content),
                "application/x-www-form-urlencoded": lambda: {
                    k: v[0] for k, v in parse_qs(request.content.decode()).items()},
                "multipart/form-data": lambda: _form_fields(request),
            }[content_type]()
            found += problems(body, body_types[content_type]["schema"], f"{label} request")
    answer = op["responses"].get(str(response.status_code))
    if answer is None:
        return found + [f"{label}: status {response.status_code} is not documented"]
    answer = _resolve(answer)
    if "content" not in answer:
        return found + ([f"{label}: {response.status_code} should have no body"] if response.content else [])
    media = response.headers.get("content-type", "").split(";")[0]
    if media not in answer["content"]:
        return found + [f"{label}: {response.status_code} answered {media}"]
    return found + problems(response.json(), answer["content"][media]["schema"],
                            f"{label} {response.status_code}")


def test_document_is_openapi_31_and_self_consistent() -> None:
    assert SPEC["openapi"].startswith("3.1.")
    operation_ids = [op["operationId"] for op in _operations().values()]
    assert len(operation_ids) == len(set(operation_ids))
    for schema in _schemas(SPEC):
        assert set(schema) <= KEYWORDS, f"the checker does not understand {set(schema) - KEYWORDS}"
        _resolve(schema)  # every $ref resolves
    for (method, path), op in _operations().items():
        declared = set(re.findall(r"\{([^}]+)\}", path))
        in_path = {n for n, p in _parameters(path, op).items() if p["in"] == "path"}
        assert declared == in_path, f"{method} {path}"
        for status, answer in op["responses"].items():
            assert re.fullmatch(r"[1-5]\d\d", status) and "description" in _resolve(answer)


def test_emulator_serves_exactly_the_documented_routes(tmp_path: Path) -> None:
    emulator = LcsEmulator(EmulatorStore(tmp_path / "lcs.sqlite"))
    served = {(method, route.path) for route in emulator.routes() if isinstance(route, Route)
              for method in route.methods or () if method != "HEAD"}
    assert served == set(_operations())
    emulator.store.close()


@pytest.fixture
def emulator(tmp_path: Path) -> LcsEmulator:
    emulator = LcsEmulator(EmulatorStore(tmp_path / "lcs.sqlite"))
    with emulator.store.transaction():
        emulator.seed([
            {"id": "LCS-1001", "name": "Lily Jones", "dob": "2019-05-22", "open": True, "team": "Assessment",
             "allocated_worker": {"name": "Kim Patel", "email": "kim.patel@example.org"},
             "team_manager": {"name": "Jo Reed"}},
            {"id": "LCS-1002", "name": "Amy Brown", "aliases": ["Amy Jones"], "nhs_number": "9434765919"},
        ])
    yield emulator
    emulator.store.close()


@pytest.mark.asyncio
async def test_every_exchange_matches_the_document(emulator: LcsEmulator) -> None:
    exchanges: list[httpx.Response] = []

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        await response.request.aread()  # multipart bodies are streams
        exchanges.append(response)

    transport = httpx.ASGITransport(app=Starlette(routes=emulator.routes()))
    async with httpx.AsyncClient(transport=transport, event_hooks={"response": [keep]}) as http:
        adapter = LcsAdapter(SystemSettings(base_url=BASE, username=SANDBOX_USERNAME), http,
                             secret=SANDBOX_PASSWORD)
        # Everything the adapter does.
        await adapter.find_people(PersonQuery(name="Lily JONES", family="JONES", given="Lily",
                                              dob=dt.date(2019, 5, 22), nhs_number="9434765919",
                                              aliases=["Lily SMITH"]))
        await adapter.get_record("LCS-1001")
        await adapter.get_record("LCS-404")
        note = await adapter.write_case_note("LCS-1001", CaseNote(title="MARAC", text="x", marker="m1",
                                                                  copy_to=["a@example.org"], section="case_summary"))
        alert = await adapter.add_alert("LCS-1001", Alert(text="MARAC", expires=dt.date(2027, 1, 1), marker="m2",
                                                                start=dt.date(2026, 1, 1)))
        await adapter.list_alerts("LCS-1001")
        await adapter.expire_alert("LCS-1001", alert.id, dt.date(2026, 6, 1), "m3")
        doc = await adapter.upload_document("LCS-1001", Document(
            title="Minutes", filename="m.pdf", content=b"%PDF", marker="m4", case_note_id=note.id))
        await adapter.delete_document("LCS-1001", doc.id, "m5")
        for action, marker in (("case_note", "m1"), ("alert", "m2"), ("expire_alert", "m3"),
                               ("upload_document", "m4"), ("delete_document", "m5")):
            assert await adapter.find_write("LCS-1001", action, marker) is not None
        assert await adapter.find_write("LCS-1001", "alert", "m1") is None

        # And every kind of error answer (requests marked as probes are wrong on purpose).
        auth = {"Authorization": f"Bearer {adapter._token}", "X-Probe": "wrong on purpose"}
        await http.post(f"{BASE}/auth/token", data={"username": "sandbox", "password": "wrong"})
        await http.post(f"{BASE}/auth/token", json={"username": "sandbox"}, headers={"X-Probe": "yes"})
        await http.post(f"{BASE}/auth/token", json={"username": SANDBOX_USERNAME, "password": SANDBOX_PASSWORD})
        await http.get(f"{BASE}/people", params={"family": "Jones"})
        await http.get(f"{BASE}/people", headers=auth)
        await http.get(f"{BASE}/people", params={"dob": "22/05/2019"}, headers=auth)
        await http.get(f"{BASE}/people/LCS-1001/case-notes", params={"external_ref": "m1"}, headers=auth)
        await http.get(f"{BASE}/people/LCS-404/case-notes", headers=auth)
        await http.post(f"{BASE}/people/LCS-1001/case-notes", json={"title": "t"}, headers=auth)
        await http.post(f"{BASE}/people/LCS-1001/case-notes", json={"title": "t", "text": "x", "external_ref": "r",
                                                                   "section": "front"}, headers=auth)
        await http.post(f"{BASE}/people/LCS-1001/alerts", json={"text": "t", "expires": "soon",
                                                               "external_ref": "r"}, headers=auth)
        await http.get(f"{BASE}/people/LCS-1001/alerts", params={"status": "lost"}, headers=auth)
        await http.patch(f"{BASE}/people/LCS-1001/alerts/AL-1", json={"status": "expired", "ended": "2026-01-01"},
                         headers=auth)
        await http.patch(f"{BASE}/people/LCS-1001/alerts/{alert.id}", json={"status": "active"}, headers=auth)
        await http.post(f"{BASE}/people/LCS-1001/documents", data={"title": "t", "external_ref": "r"},
                        files={"file": ("a.txt", b"a")}, headers=auth)
        await http.post(f"{BASE}/people/LCS-1001/documents", json={"title": "t"}, headers=auth)
        await http.post(f"{BASE}/people/LCS-1001/documents", data={"title": "t", "external_ref": "r",
                                                                  "case_note_id": "CN-1"},
                        files={"file": ("a.txt", b"a")}, headers=auth)
        await http.get(f"{BASE}/people/LCS-1001/documents", params={"status": "bin"}, headers=auth)
        await http.delete(f"{BASE}/people/LCS-1001/documents/DOC-1", headers=auth)
        await adapter.aclose()

    found = [problem for response in exchanges for problem in check_exchange(response)]
    assert found == []
    answered = {(r.request.method, _template(r.request.url.path), r.status_code) for r in exchanges}
    # Every operation answered its success, and every error status was seen.
    succeeded = {(m, p) for m, p, status in answered if status < 300}
    assert succeeded == set(_operations())
    assert {400, 401, 404} <= {status for _, _, status in answered}


def test_the_checker_sees_mistakes() -> None:
    person = SPEC["components"]["schemas"]["Person"]
    good = {"id": "LCS-1", "name": "A", "dob": None, "nhs_number": None, "aliases": [],
            "involvement": {"open": False, "team": None, "allocated_worker": None, "team_manager": None}}
    assert problems(good, person) == []
    assert problems({**good, "dob": "22/05/2019"}, person) == ["$.dob: '22/05/2019' is not a date"]
    assert problems({**good, "involvement": {**good["involvement"], "allocated_worker": {"email": None}}},
                    person) == ["$.involvement.allocated_worker: matches none of anyOf"]
    assert "$.items[0].id: 1 is not ['string']" in problems(
        {"items": [{"id": 1}]}, {"$ref": "#/components/schemas/PersonList"})
    bogus = httpx.Response(200, json={}, request=httpx.Request("GET", f"{BASE}/people/LCS-1/bogus"))
    assert check_exchange(bogus) == ["GET /people/LCS-1/bogus is not in the document"]
    sloppy = httpx.Response(201, json={"id": "CN-1"}, request=httpx.Request(
        "POST", f"{BASE}/people/LCS-1/case-notes?x=1", json={"title": "t", "external_ref": "r"}))
    found = check_exchange(sloppy)
    assert "POST /people/{person_id}/case-notes: undocumented query parameter x" in found
    assert "POST /people/{person_id}/case-notes request: text is missing" in found
    assert "POST /people/{person_id}/case-notes 201: person_id is missing" in found
