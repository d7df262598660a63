"""Checking an emulator and its adapter against an OpenAPI 3.1 document, for tests.

A REST adapter whose protocol is written down as an OpenAPI document can test
that the emulator serves exactly the documented operations and that every
exchange (request and answer, errors included) matches the documented
parameters, bodies and response schemas::

    contract = OpenApiContract(spec, base_url="http://system.test/api")
    assert contract.document_problems() == []
    assert served_operations(emulator.routes()) == set(contract.operations())
    recorder = ExchangeRecorder()
    async with httpx.AsyncClient(transport=..., event_hooks=recorder.hooks()) as http:
        ...  # run the adapter, and send wrong requests on purpose (header X-Probe)
    assert contract.exchange_problems(recorder.exchanges) == []

It checks the subset of JSON Schema in ``KEYWORDS`` (a document that uses more
is reported by ``document_problems``). Nothing here asserts: every check
returns what it found, for the test to assert on.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qs

import httpx
from starlette.routing import BaseRoute, Route

METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
# The JSON Schema keywords a document may use; the checker understands every one of them.
KEYWORDS = frozenset({"type", "properties", "required", "items", "enum", "anyOf", "format", "minLength", "$ref",
                      "default", "description", "contentMediaType"})
# A request carrying this header is wrong on purpose (to provoke an error answer): only its answer is checked.
PROBE_HEADER = "X-Probe"


def _is(value: Any, kind: str) -> bool:
    return {"null": value is None, "boolean": isinstance(value, bool), "string": isinstance(value, str),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
            "array": isinstance(value, list), "object": isinstance(value, dict)}[kind]


def _form_fields(request: httpx.Request) -> dict[str, str]:
    head = b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n"
    message = BytesParser(policy=policy.HTTP).parsebytes(head + request.content)
    return {part.get_param("name", header="content-disposition"):
            part.get_filename() or part.get_payload(decode=True).decode() for part in message.iter_parts()}


def served_operations(routes: Iterable[BaseRoute]) -> set[tuple[str, str]]:
    """The (METHOD, path) pairs that Starlette routes serve (HEAD, which Starlette adds to GET, left out)."""
    return {(method, route.path) for route in routes if isinstance(route, Route)
            for method in route.methods or () if method != "HEAD"}


class ExchangeRecorder:
    """Keeps every response an httpx client receives, with its request, bodies read."""

    def __init__(self) -> None:
        self.exchanges: list[httpx.Response] = []

    async def keep(self, response: httpx.Response) -> None:
        await response.aread()
        await response.request.aread()  # multipart bodies are streams
        self.exchanges.append(response)

    def hooks(self) -> dict[str, list[Any]]:
        """``event_hooks`` for ``httpx.AsyncClient``."""
        return {"response": [self.keep]}


class OpenApiContract:
    """An OpenAPI 3.1 document, as something to check exchanges against.

    ``base_url``: the URL the paths are relative to (its path is removed from request paths).
    """

    def __init__(self, spec: dict[str, Any], base_url: str = "") -> None:
        self.spec = spec
        self.base_path = httpx.URL(base_url).path.rstrip("/") if base_url else ""

    # The document --------------------------------------------------------------------
    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        """Follow ``$ref`` until the node itself."""
        while "$ref" in node:
            target: Any = self.spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def operations(self) -> dict[tuple[str, str], dict[str, Any]]:
        """(METHOD, path template) -> operation."""
        return {(method.upper(), path): op for path, item in self.spec["paths"].items()
                for method, op in item.items() if method in METHODS}

    def parameters(self, path: str, op: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The operation's parameters by name, the path's own included."""
        params = [self.resolve(p) for p in self.spec["paths"][path].get("parameters", []) + op.get("parameters", [])]
        return {p["name"]: p for p in params}

    def template(self, url_path: str) -> str | None:
        """The documented path template that a request path matches, if any."""
        for path in self.spec["paths"]:
            pattern = "^" + re.sub(r"\{[^/}]+\}", "[^/]+", path) + "$"
            if re.match(pattern, url_path):
                return path
        return None

    def schemas(self) -> list[dict[str, Any]]:
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

        walk(self.spec)
        for schema in self.spec.get("components", {}).get("schemas", {}).values():
            walk_schema(schema)
        return found

    def document_problems(self) -> list[str]:
        """What is wrong with the document itself: version, unique operation ids, keywords the
        checker does not know, unresolvable $refs, path parameters, response statuses."""
        found = []
        if not str(self.spec.get("openapi", "")).startswith("3.1."):
            found.append(f"openapi is {self.spec.get('openapi')!r}, not 3.1.x")
        operation_ids = [op.get("operationId") for op in self.operations().values()]
        found += [f"operationId {i!r} is not unique" for i in sorted({i for i in operation_ids
                                                                     if operation_ids.count(i) > 1})]
        for schema in self.schemas():
            if not set(schema) <= KEYWORDS:
                found.append(f"the checker does not understand {sorted(set(schema) - KEYWORDS)}")
            try:
                self.resolve(schema)
            except (KeyError, TypeError):
                found.append(f"{schema.get('$ref')!r} does not resolve")
        for (method, path), op in self.operations().items():
            declared = set(re.findall(r"\{([^}]+)\}", path))
            in_path = {n for n, p in self.parameters(path, op).items() if p["in"] == "path"}
            if declared != in_path:
                found.append(f"{method} {path}: path parameters {sorted(in_path)}, template {sorted(declared)}")
            for status, answer in op["responses"].items():
                if not re.fullmatch(r"[1-5]\d\d", status) or "description" not in self.resolve(answer):
                    found.append(f"{method} {path}: response {status} is not a status with a description")
        return found

    # Values ---------------------------------------------------------------------------
    def problems(self, value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
        """Where ``value`` does not match ``schema`` (empty when it does)."""
        schema = self.resolve(schema)
        if "anyOf" in schema and all(self.problems(value, s, where) for s in schema["anyOf"]):
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
            parse = {"date": dt.date.fromisoformat, "date-time": dt.datetime.fromisoformat}.get(
                schema.get("format", ""))
            try:
                if parse:
                    parse(value)
            except ValueError:
                found.append(f"{where}: {value!r} is not a {schema['format']}")
        if isinstance(value, dict):
            found += [f"{where}: {key} is missing" for key in schema.get("required", []) if key not in value]
            for key, sub in schema.get("properties", {}).items():
                if key in value:
                    found += self.problems(value[key], sub, f"{where}.{key}")
        if isinstance(value, list) and "items" in schema:
            for index, item in enumerate(value):
                found += self.problems(item, schema["items"], f"{where}[{index}]")
        return found

    # Exchanges -------------------------------------------------------------------------
    def path_of(self, request: httpx.Request) -> str:
        """The request's path below the base URL."""
        return request.url.path.removeprefix(self.base_path)

    def check_exchange(self, response: httpx.Response) -> list[str]:
        """Where one request and its answer differ from the document (a probe's request is not checked)."""
        request = response.request
        probe = PROBE_HEADER.lower() in request.headers
        url_path = self.path_of(request)
        path = self.template(url_path)
        op = self.spec["paths"].get(path, {}).get(request.method.lower()) if path else None
        if op is None:
            return [f"{request.method} {url_path} is not in the document"]
        label = f"{request.method} {path}"
        params = self.parameters(path, op)
        found = [f"{label}: undocumented query parameter {name}" for name in request.url.params if name not in params]
        for name, value in request.url.params.multi_items():
            if name in params and not probe:
                schema = self.resolve(params[name]["schema"])
                found += self.problems(value, schema.get("items", schema) if schema.get("type") == "array" else schema,
                                       f"{label} ?{name}")
        content_type = request.headers.get("content-type", "").split(";")[0]
        if request.content and not probe:
            body_types = self.resolve(op.get("requestBody", {})).get("content", {})
            if content_type not in body_types:
                found.append(f"{label}: request body {content_type} is not documented")
            else:
                body: Any = {
                    "application/json": lambda: json.loads(request.content),
                    "application/x-www-form-urlencoded": lambda: {
                        k: v[0] for k, v in parse_qs(request.content.decode()).items()},
                    "multipart/form-data": lambda: _form_fields(request),
                }[content_type]()
                found += self.problems(body, body_types[content_type]["schema"], f"{label} request")
        answer = op["responses"].get(str(response.status_code))
        if answer is None:
            return found + [f"{label}: status {response.status_code} is not documented"]
        answer = self.resolve(answer)
        if "content" not in answer:
            return found + ([f"{label}: {response.status_code} should have no body"] if response.content else [])
        media = response.headers.get("content-type", "").split(";")[0]
        if media not in answer["content"]:
            return found + [f"{label}: {response.status_code} answered {media}"]
        return found + self.problems(response.json(), answer["content"][media]["schema"],
                                     f"{label} {response.status_code}")

    def exchange_problems(self, exchanges: Iterable[httpx.Response]) -> list[str]:
        """``check_exchange`` of each exchange, together."""
        return [problem for response in exchanges for problem in self.check_exchange(response)]

    def answered(self, exchanges: Iterable[httpx.Response]) -> set[tuple[str, str | None, int]]:
        """(METHOD, path template, status) of each exchange."""
        return {(r.request.method, self.template(self.path_of(r.request)), r.status_code) for r in exchanges}

    def succeeded(self, exchanges: Iterable[httpx.Response]) -> set[tuple[str, str | None]]:
        """The operations that answered a success at least once."""
        return {(method, path) for method, path, status in self.answered(exchanges) if status < 300}
