"""Round trips: the Livelink adapter against its emulator, over real HTTP through SandboxHost."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from marac_livelink import SANDBOX_SETTINGS
from marac_livelink.adapter import LivelinkAdapter
from marac_livelink.emulator import LivelinkEmulator

from marac_core.api import (
    Document,
    PersonQuery,
    SandboxHost,
    SandboxOptions,
    SystemSettings,
    WriteReceipt,
)

RECORDS: dict[str, list[dict[str, Any]]] = {"livelink": [
    {"id": 41001, "name": "Sarah JONES", "dob": "1991-03-14"},
    {"id": 41002, "name": "Jones family"},
    {"id": 41003, "name": "Lily JONES", "dob": dt.date(2019, 5, 22), "parent": 41002},
    {"id": 41004, "name": "Tom RAY"},
]}
MINUTES = Document(title="MARAC minutes DN-0412", filename="minutes.pdf", content=b"%PDF-1.7 minutes",
                   marker="ob-1", media_type="application/pdf")


class Sandbox:
    def __init__(self, directory: Path, options: SandboxOptions = SandboxOptions()) -> None:
        self.directory = directory
        self.options = options
        self.host: SandboxHost | None = None
        self.url = ""
        self.paths: list[str] = []

    def start(self) -> Sandbox:
        self.host = SandboxHost({"livelink": LivelinkEmulator}, self.directory, RECORDS, self.options)
        self.url = self.host.start().urls["livelink"]
        return self

    def restart(self) -> None:
        self.close()
        self.start()

    def close(self) -> None:
        if self.host is not None:
            self.host.stop()
            self.host.close()
            self.host = None

    @property
    def emulator(self) -> LivelinkEmulator:
        assert self.host is not None
        return self.host.emulators["livelink"]  # type: ignore[return-value]

    def dump(self) -> dict[str, Any]:
        assert self.host is not None
        return self.host.dump()["livelink"]

    def client(self) -> httpx.AsyncClient:
        async def note(request: httpx.Request) -> None:
            self.paths.append(f"{request.method} {request.url.path}")

        return httpx.AsyncClient(event_hooks={"request": [note]})

    def adapter(self, http: httpx.AsyncClient, **settings: Any) -> LivelinkAdapter:
        merged = {**SANDBOX_SETTINGS, **settings}
        return LivelinkAdapter(SystemSettings(base_url=self.url, username="sandbox", **merged), http, "sandbox")

    def logins(self) -> int:
        return self.paths.count("POST /api/v1/auth")


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    box = Sandbox(tmp_path).start()
    try:
        yield box
    finally:
        box.close()


@pytest.mark.asyncio
async def test_base_url_is_the_content_server_url(sandbox: Sandbox) -> None:
    assert not sandbox.url.endswith("/api")
    async with httpx.AsyncClient() as http:
        answer = await http.post(sandbox.url + "/api/v1/auth", data={"username": "sandbox", "password": "sandbox"})
    assert answer.status_code == 200 and set(answer.json()) == {"ticket"}


@pytest.mark.asyncio
async def test_find_people_and_get_record(sandbox: Sandbox) -> None:
    async with sandbox.client() as http:
        adapter = sandbox.adapter(http)
        found = await adapter.find_people(PersonQuery(name="Sarah JONES", family="JONES", given="Sarah"))
        # Folders directly under the root whose names contain the surname; one search request.
        assert [(c.record, c.name, c.dob, c.involvement.open) for c in found] == [
            ("41002", "Jones family", None, True), ("41001", "Sarah JONES", dt.date(1991, 3, 14), True)]
        assert sandbox.paths.count("GET /api/v2/nodes/2000/nodes") == 1
        lily = await adapter.get_record("41003")
        assert lily is not None and (lily.name, lily.dob) == ("Lily JONES", dt.date(2019, 5, 22))
        assert await adapter.get_record("999999") is None
        assert await adapter.find_people(PersonQuery(name="A NOBODY", family="NOBODY", given="A")) == []
        under_family = await sandbox.adapter(http, root_folder=41002).find_people(
            PersonQuery(name="Lily JONES", family="Jones", given="Lily"))
        assert [c.record for c in under_family] == ["41003"]


@pytest.mark.asyncio
async def test_upload_find_write_versions_and_dump(sandbox: Sandbox) -> None:
    async with sandbox.client() as http:
        adapter = sandbox.adapter(http)
        assert await adapter.find_write("41001", "upload_document", "ob-1") is None
        first = await adapter.upload_document("41001", MINUTES)
        assert await adapter.find_write("41001", "upload_document", "ob-1") == first
        # Done again (say the answer was lost and the core retried): the same receipt, no new version.
        assert await adapter.upload_document("41001", MINUTES) == first
        revised = MINUTES.model_copy(update={"marker": "ob-2", "content": b"%PDF v2"})
        second = await adapter.upload_document("41001", revised)
        assert second == WriteReceipt(id=f"{first.id}/versions/2")
        assert await adapter.find_write("41001", "upload_document", "ob-2") == second
        assert await adapter.upload_document("41001", revised) == second
        assert await adapter.find_write("41002", "upload_document", "ob-1") is None
        # Another file under the same title is a document of its own.
        plan = MINUTES.model_copy(update={"marker": "ob-1.1", "filename": "plan.docx", "media_type": "text/plain"})
        third = await adapter.upload_document("41001", plan)
        assert third.id not in (first.id, second.id)
        assert await adapter.upload_document("41001", plan) == third
        assert await adapter.find_write("41001", "upload_document", "ob-1.1") == third

        # The content is there, over the protocol, with the marker in the category.
        ticket = adapter._ticket
        content = await http.get(f"{sandbox.url}/api/v2/nodes/{first.id}/content", headers={"OTCSTicket": ticket})
        assert content.content == b"%PDF v2" and content.headers["content-type"] == "application/pdf"
        categories = (await http.get(f"{sandbox.url}/api/v2/nodes/{first.id}/categories",
                                     headers={"OTCSTicket": ticket})).json()
        assert categories["results"][0]["data"]["categories"] == {"9100_2": "ob-1", "9100_3": "Restricted"}
        versions = (await http.get(f"{sandbox.url}/api/v2/nodes/{first.id}/versions",
                                   headers={"OTCSTicket": ticket})).json()
        assert [(v["data"]["versions"]["version_number"], v["data"]["versions"]["description"])
                for v in versions["results"]] == [(1, ""), (2, "ob-2")]

    assert sandbox.dump() == {
        "case_notes": [], "alerts": [], "template_ticks": [],
        "documents": [{"record": "41001", "title": "MARAC minutes DN-0412", "id": first.id,
                       "filename": "minutes.pdf", "size": 7, "media_type": "application/pdf", "versions": 2,
                       "classification": "Restricted"},
                      {"record": "41001", "title": "MARAC minutes DN-0412 (plan.docx)", "id": third.id,
                       "filename": "plan.docx", "size": 16, "media_type": "text/plain", "versions": 1,
                       "classification": "Restricted"}],
        "requests": sandbox.dump()["requests"],
    }


@pytest.mark.asyncio
async def test_marker_in_the_description_when_no_category_is_configured(sandbox: Sandbox) -> None:
    async with sandbox.client() as http:
        adapter = sandbox.adapter(http, marker_category=None)
        receipt = await adapter.upload_document("41004", MINUTES)
        assert await adapter.find_write("41004", "upload_document", "ob-1") == receipt
        node = (await http.get(f"{sandbox.url}/api/v2/nodes/{receipt.id}",
                               headers={"OTCSTicket": adapter._ticket})).json()
        assert node["results"]["data"]["properties"]["description"] == "ob-1"
        assert node["results"]["data"]["categories"] == [{"9100_3": "Restricted"}]  # the classification only


@pytest.mark.asyncio
async def test_marac_folder_is_created_once_and_found_by_the_next_run(sandbox: Sandbox) -> None:
    async with sandbox.client() as http:
        first_run = sandbox.adapter(http)
        assert await first_run.find_write("", "upload_document", "ob-1") is None
        receipt = await first_run.upload_document("", MINUTES)
        next_run = sandbox.adapter(http)
        assert await next_run.find_write("", "upload_document", "ob-1") == receipt
        other = await next_run.upload_document("", MINUTES.model_copy(update={"title": "Other", "marker": "ob-3"}))
    documents = sandbox.dump()["documents"]
    folders = {d["record"] for d in documents}
    assert len(folders) == 1 and len(documents) == 2 and other.id != receipt.id
    assert sandbox.paths.count("POST /api/v2/nodes") == 3  # one folder, two documents


@pytest.mark.asyncio
async def test_marac_folder_seeded_by_name_is_used(sandbox: Sandbox) -> None:
    async with sandbox.client() as http:
        receipt = await sandbox.adapter(http, marac_folder="jones FAMILY").upload_document("", MINUTES)
    assert [(d["record"], d["id"]) for d in sandbox.dump()["documents"]] == [("41002", receipt.id)]


@pytest.mark.asyncio
async def test_delete_node_and_version_and_again(sandbox: Sandbox) -> None:
    async with sandbox.client() as http:
        adapter = sandbox.adapter(http)
        kept = await adapter.upload_document("41001", MINUTES)
        version = await adapter.upload_document("41001", MINUTES.model_copy(update={"marker": "ob-2"}))
        gone = await adapter.upload_document("41004", MINUTES.model_copy(update={"marker": "ob-4"}))
        assert await adapter.delete_document("41001", version.id, "del-1") == version
        assert await adapter.find_write("41001", "upload_document", "ob-2") is None
        assert await adapter.delete_document("41004", gone.id, "del-2") == gone
        assert await adapter.delete_document("41004", gone.id, "del-2") == gone  # already gone: done
        with pytest.raises(LookupError):
            await adapter.delete_document("41004", kept.id, "del-3")  # not in that record
    assert [(d["record"], d["versions"]) for d in sandbox.dump()["documents"]] == [("41001", 1)]


@pytest.mark.asyncio
async def test_ticket_refreshed_from_answers_outlives_the_first_one(sandbox: Sandbox) -> None:
    sandbox.emulator.store.set_meta("ticket_lifetime", "0.6")
    async with sandbox.client() as http:
        adapter = sandbox.adapter(http)
        query = PersonQuery(name="Tom RAY", family="RAY", given="Tom")
        first_ticket = None
        for _ in range(3):
            assert [c.record for c in await adapter.find_people(query)] == ["41004"]
            first_ticket = first_ticket or adapter._ticket
            await asyncio.sleep(0.35)
        # 1.05 s after login the first ticket is dead, but each answer brought a fresh one.
        assert sandbox.logins() == 1
        stale = await http.get(f"{sandbox.url}/api/v2/nodes/2000", headers={"OTCSTicket": first_ticket})
        assert (stale.status_code, stale.json()) == (401, {"error": "Session has expired."})
        # Idle past the lifetime: one 401, one login, the request repeated.
        await asyncio.sleep(0.7)
        assert await adapter.get_record("41004") is not None
        assert sandbox.logins() == 2
        assert sandbox.paths[-3:] == ["GET /api/v2/nodes/41004", "POST /api/v1/auth", "GET /api/v2/nodes/41004"]


@pytest.mark.asyncio
async def test_state_and_tickets_survive_a_restart(sandbox: Sandbox) -> None:
    async with sandbox.client() as http:
        adapter = sandbox.adapter(http)
        receipt = await adapter.upload_document("41001", MINUTES)
        before = sandbox.dump()
        sandbox.restart()
        after = sandbox.dump()
        assert after["documents"] == before["documents"]
        adapter.settings.base_url = sandbox.url  # the restarted server listens on a new port
        # The ticket issued before the restart is still good, as Content Server's are.
        assert await adapter.find_write("41001", "upload_document", "ob-1") == receipt
        assert sandbox.logins() == 1
        # Seeding happened once: the folders are not duplicated.
        found = await adapter.find_people(PersonQuery(name="Sarah JONES", family="JONES", given="Sarah"))
        assert [c.record for c in found] == ["41002", "41001"]


@pytest.mark.asyncio
async def test_error_shapes_are_content_servers(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url + "/api") as http:
        bad = await http.post("/v1/auth", data={"username": "sandbox", "password": "nope"})
        assert (bad.status_code, bad.json()) == (401, {"error": "Invalid username or password."})
        anonymous = await http.get("/v2/nodes/2000")
        assert (anonymous.status_code, anonymous.json()) == (401, {"error": "Authentication required."})
        ticket = (await http.post("/v1/auth", data={"username": "sandbox", "password": "sandbox"})).json()["ticket"]
        auth = {"OTCSTicket": ticket}

        missing = await http.get("/v2/nodes/5", headers=auth)
        assert missing.status_code == 404 and set(missing.json()) == {"error"}
        assert "OTCSTicket" not in missing.headers
        as_json = await http.post("/v2/nodes", headers=auth, json={"type": 0, "parent_id": 2000, "name": "x"})
        assert as_json.status_code == 400 and "error" in as_json.json()
        duplicate = await http.post("/v2/nodes", headers=auth, data={"body": json.dumps(
            {"type": 0, "parent_id": 2000, "name": "sarah jones"})})
        assert (duplicate.status_code, duplicate.json()) == (
            400, {"error": "An item with the name 'sarah jones' already exists."})
        no_file = await http.post("/v2/nodes", headers=auth, data={"body": json.dumps(
            {"type": 144, "parent_id": 41001, "name": "x"})})
        assert no_file.status_code == 400
        unknown_category = await http.post("/v2/nodes", headers=auth, data={"body": json.dumps(
            {"type": 0, "parent_id": 2000, "name": "y", "roles": {"categories": {"1234": {"1234_2": "m"}}}})})
        assert (unknown_category.status_code, unknown_category.json()) == (
            400, {"error": "Category 1234 does not exist."})

        created = await http.post("/v2/nodes", headers=auth, data={"body": json.dumps(
            {"type": 0, "parent_id": 2000, "name": "Plain"})})
        assert created.status_code == 200 and created.headers["OTCSTicket"] != ticket
        node = created.json()["results"]["data"]["properties"]
        assert (node["type"], node["parent_id"], node["name"], node["container"]) == (0, 2000, "Plain", True)


@pytest.mark.asyncio
async def test_browse_pages_filters_and_sorts(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url + "/api") as http:
        ticket = (await http.post("/v1/auth", data={"username": "sandbox", "password": "sandbox"})).json()["ticket"]
        auth = {"OTCSTicket": ticket}
        for name in ("b.txt", "a.txt", "c.txt"):
            answer = await http.post("/v2/nodes", headers=auth, data={"body": json.dumps(
                {"type": 144, "parent_id": 41002, "name": name,
                 "roles": {"categories": {"9100": {"9100_3": "Restricted"}}}})},
                files={"file": (name, b"x", "text/plain")})
            assert answer.status_code == 200

        async def browse(**params: Any) -> dict[str, Any]:
            answer = await http.get("/v2/nodes/41002/nodes", headers=auth, params=params)
            assert answer.status_code == 200
            return answer.json()

        page = await browse(where_type=144, limit=2, page=2, fields="properties{id,name}")
        assert page["collection"]["paging"] == {"limit": 2, "page": 2, "page_total": 2, "range_min": 3,
                                                 "range_max": 3, "total_count": 3}
        assert [set(r["data"]) for r in page["results"]] == [{"properties"}]
        assert [r["data"]["properties"] for r in page["results"]][0]["name"] == "c.txt"
        assert [r["data"]["properties"]["name"] for r in (await browse(sort="desc_name", where_type=-3))["results"]] \
            == ["c.txt", "b.txt", "a.txt"]
        assert [r["data"]["properties"]["name"] for r in (await browse(where_type=-1))["results"]] == ["Lily JONES"]
        assert [r["data"]["properties"]["name"] for r in (await browse(where_name="A.T"))["results"]] == ["a.txt"]
        bad = await http.get("/v2/nodes/41002/nodes", headers=auth, params={"limit": "many"})
        assert bad.status_code == 400 and "error" in bad.json()


@pytest.mark.asyncio
async def test_exactly_once_through_transient_faults(tmp_path: Path) -> None:
    """Retrying as the core does (find_write after a failure, then write) lands each document once."""
    box = Sandbox(tmp_path, SandboxOptions(fault_rate=0.3, seed=11)).start()

    async def patiently(step: Any) -> Any:
        for _ in range(40):
            try:
                return await step()
            except httpx.HTTPStatusError as error:
                assert error.response.status_code == 503
        raise AssertionError("too many faults")

    try:
        async with box.client() as http:
            adapter = box.adapter(http)
            for number in range(6):
                record = ("41001", "41004", "")[number % 3]
                document = MINUTES.model_copy(update={"title": "Minutes", "marker": f"ob-{number}"})
                receipt = await patiently(lambda: adapter.find_write(record, "upload_document", document.marker))
                if receipt is None:
                    receipt = await patiently(lambda: adapter.upload_document(record, document))
                assert await patiently(lambda: adapter.find_write(record, "upload_document", document.marker)) \
                    == receipt
            held = box.dump()
    finally:
        box.close()
    assert sum(d["versions"] for d in held["documents"]) == 6
    assert [d["versions"] for d in held["documents"]] == [2, 2, 2]  # same title, same folder: a version



@pytest.mark.asyncio
async def test_every_upload_is_classified_restricted_and_the_server_refuses_one_that_is_not(
        sandbox: Sandbox) -> None:
    """Content Server marks confidentiality with a category attribute; this one requires it on documents."""
    async with sandbox.client() as http:
        adapter = sandbox.adapter(http)
        receipt = await adapter.upload_document("41001", MINUTES)
        categories = (await http.get(f"{sandbox.url}/api/v2/nodes/{receipt.id}/categories",
                                     headers={"OTCSTicket": adapter._ticket})).json()
        assert categories["results"][0]["data"]["categories"]["9100_3"] == "Restricted"
        assert [d["classification"] for d in sandbox.dump()["documents"]] == ["Restricted"]
        unmarked = sandbox.adapter(http, classification_category=None)
        with pytest.raises(httpx.HTTPStatusError) as refused:
            await unmarked.upload_document("41004", MINUTES.model_copy(update={"marker": "ob-9"}))
        assert refused.value.response.status_code == 400
        assert "Security classification" in refused.value.response.json()["error"]
