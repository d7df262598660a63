"""The tests each plugin of the gateway contract runs: its adapter's exact requests
(against respx mocks), its document and emulator against each other, and a
round trip over real HTTP through the sandbox host.

Set in the subclass ``adapter`` and ``emulator`` (the plugin's subclasses of
GatewayAdapter and GatewayEmulator) and ``first_ids``: the ids the emulator
gives the first person seeded without an id, the first case note, alert and
document. The tests write to the person ``emulator.openapi.id_example``.
Tests of actions the adapter does not list in ``capabilities`` are skipped,
except those that check such actions raise ``Unsupported`` without a request.
The adapter conformance kit (marac_core.testing.AdapterConformance) runs as well.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from email import policy
from email.parser import BytesParser
from importlib import metadata, resources
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs

import httpx
import pytest
import respx
import yaml
from starlette.applications import Starlette

from marac_core.api import (
    SANDBOX_PASSWORD,
    SANDBOX_USERNAME,
    Action,
    Alert,
    CaseNote,
    Document,
    EmulatorStore,
    GatewayAdapter,
    GatewayEmulator,
    PersonQuery,
    SandboxHost,
    SystemSettings,
    Unsupported,
    WriteReceipt,
)
from marac_core.testing.openapi_contract import (
    ExchangeRecorder,
    OpenApiContract,
    served_operations,
)

BASE = "https://gateway.example.org/api/v1"  # where the respx mocks answer
EXCHANGE_BASE = "http://gateway.test"  # the emulator's app, called in process
TOKEN = {"access_token": "t1", "token_type": "Bearer", "expires_in": 3600}
UNAUTHORIZED = {"error": {"code": "unauthorized", "message": ""}}
KIM = {"name": "Kim Patel", "email": "kim.patel@example.org"}
JO = {"name": "Jo Reed", "email": "jo.reed@example.org"}


def _bearer(request: httpx.Request) -> str:
    return request.headers["authorization"]


def _form_parts(request: httpx.Request) -> dict[str, tuple[str | None, str, bytes]]:
    head = b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n"
    message = BytesParser(policy=policy.HTTP).parsebytes(head + request.content)
    return {part.get_param("name", header="content-disposition"):
            (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
            for part in message.iter_parts()}


class GatewayTests:
    """Base class of a gateway plugin's tests; see the module's documentation."""

    adapter: ClassVar[type[GatewayAdapter]]
    emulator: ClassVar[type[GatewayEmulator]]
    first_ids: ClassVar[dict[str, str]]

    # Helpers -----------------------------------------------------------------------------
    @property
    def record(self) -> str:
        return self.emulator.openapi.id_example

    def other(self, suffix: str) -> str:
        """Another record id in the system's format."""
        return f"{self.emulator.person_prefix}{suffix}"

    @property
    def package(self) -> str:
        return self.emulator.__module__.split(".")[0]

    def has(self, *actions: Action) -> bool:
        return all(a in self.adapter.capabilities for a in actions)

    def require(self, *actions: Action) -> None:
        if not self.has(*actions):
            pytest.skip(f"{self.adapter.name} does not support {', '.join(actions)}")

    def person_json(self) -> dict[str, Any]:
        return {"id": self.record, "name": "Lily Jones", "dob": "2019-05-22", "nhs_number": None,
                "aliases": ["Lily Smith"], "postcode": "ls1 4ap",
                "involvement": {"open": True, "team": "Assessment", "allocated_worker": KIM, "team_manager": JO}}

    def mocked_adapter(self) -> GatewayAdapter:
        # A trailing slash on the configured base URL must not double up.
        return self.adapter(SystemSettings(base_url=BASE + "/", username="svc-marac"), httpx.AsyncClient(),
                            secret="pw")

    @pytest.fixture
    def gateway(self) -> Iterator[respx.MockRouter]:
        with respx.mock(base_url=BASE, assert_all_called=False) as mock:
            mock.post("/auth/token", name="token").respond(200, json=TOKEN)
            yield mock

    # Registration ----------------------------------------------------------------------------
    def test_registered_through_the_entry_point_and_import_light(self) -> None:
        names = {e.name: e.value for e in metadata.entry_points(group="marac")}
        assert names.get(self.adapter.name) == self.package
        plugin = importlib.import_module(self.package)
        registered: list[Any] = []
        plugin.marac_register_adapters(registered.append)
        (reg,) = registered
        assert (reg.name, reg.version) == (self.adapter.name, plugin.__version__)
        assert reg.adapter() is self.adapter and reg.emulator() is self.emulator
        loaded = subprocess.run(
            [sys.executable, "-c", f"import sys, {self.package}; print(sorted(m for m in sys.modules"
             f" if m.startswith(('{self.package}.', 'marac_core.gateway', 'starlette', 'httpx'))))"],
            capture_output=True, text=True, check=True).stdout.strip()
        assert loaded == "[]"

    # The adapter's requests ------------------------------------------------------------------
    @pytest.mark.asyncio
    async def test_login_then_one_search_with_involvement(self, gateway: respx.MockRouter) -> None:
        people = gateway.get("/people").respond(200, json={"items": [self.person_json()]})
        adapter = self.mocked_adapter()
        query = PersonQuery(name="Lily JONES", family="JONES", given="Lily", dob=dt.date(2019, 5, 22),
                            nhs_number="9434765919", aliases=["Lily SMITH", "JONES, Lil", "Lily Jones"])
        (candidate,) = await adapter.find_people(query)

        login = gateway["token"].calls.last.request
        assert login.headers["content-type"] == "application/x-www-form-urlencoded"
        assert parse_qs(login.content.decode()) == {"username": ["svc-marac"], "password": ["pw"]}
        assert people.call_count == 1
        request = people.calls.last.request
        assert _bearer(request) == "Bearer t1"
        assert request.url.params.multi_items() == [
            ("family", "JONES"), ("family", "SMITH"), ("given", "Lily"), ("dob", "2019-05-22"),
            ("nhs_number", "9434765919")]
        assert candidate.record == self.record and candidate.dob == dt.date(2019, 5, 22)
        assert candidate.aliases == ["Lily Smith"] and candidate.postcode == "LS1 4AP"
        assert candidate.involvement.open and candidate.involvement.team == "Assessment"
        assert candidate.involvement.allocated_worker.email == "kim.patel@example.org"
        assert candidate.involvement.team_manager.name == "Jo Reed"

    @pytest.mark.asyncio
    async def test_many_people_in_one_search_request(self, gateway: respx.MockRouter) -> None:
        searches = gateway.post("/people/searches").respond(200, json={"results": [
            {"items": [self.person_json()]}, {"items": []},
            {"error": {"code": "validation_error", "message": "give at least one of family, dob, nhs_number"}}]})
        adapter = self.mocked_adapter()
        queries = [PersonQuery(name="Lily JONES", family="JONES", given="Lily", dob=dt.date(2019, 5, 22),
                               aliases=["Lily SMITH"]),
                   PersonQuery(name="Amy Brown", family="Brown", given="Amy", nhs_number="9434765919"),
                   PersonQuery(name="Zed", family="", given="")]
        lily, amy, refused = await adapter.find_many_people(queries)

        assert searches.call_count == 1
        request = searches.calls.last.request
        assert _bearer(request) == "Bearer t1" and request.headers["content-type"] == "application/json"
        assert json.loads(request.content) == {"searches": [
            {"family": ["JONES", "SMITH"], "given": "Lily", "dob": "2019-05-22"},
            {"family": ["Brown"], "given": "Amy", "nhs_number": "9434765919"},
            {"family": []}]}
        assert [c.record for c in lily] == [self.record] and amy == []
        # One refused search fails that person's look-up only, with the code and no personal data.
        assert isinstance(refused, Exception) and str(refused) == "validation_error"

    @pytest.mark.asyncio
    async def test_a_gateway_without_batch_search_is_asked_one_person_a_request(
            self, gateway: respx.MockRouter) -> None:
        searches = gateway.post("/people/searches").respond(404, json={"error": {"code": "not_found", "message": ""}})
        people = gateway.get("/people").respond(200, json={"items": [self.person_json()]})
        adapter = self.mocked_adapter()
        queries = [PersonQuery(name="Lily Jones", family="Jones", given="Lily"),
                   PersonQuery(name="Amy Jones", family="Jones", given="Amy")]
        assert [len(found) for found in await adapter.find_many_people(queries)] == [1, 1]
        assert [len(found) for found in await adapter.find_many_people(queries)] == [1, 1]
        assert searches.call_count == 1 and people.call_count == 4  # asked once, then remembered

    @pytest.mark.asyncio
    async def test_a_batch_answered_with_the_wrong_number_of_results_fails_every_search_in_it(
            self, gateway: respx.MockRouter) -> None:
        gateway.post("/people/searches").respond(200, json={"results": [{"items": []}]})
        with pytest.raises(ValueError, match="answered 2 searches with 1 results"):
            await self.mocked_adapter().find_many_people([PersonQuery(name="A B", family="B", given="A"),
                                                          PersonQuery(name="C D", family="D", given="C")])

    @pytest.mark.asyncio
    async def test_token_is_reused_and_renewed_once_on_401(self, gateway: respx.MockRouter) -> None:
        gateway["token"].side_effect = [httpx.Response(200, json=TOKEN),
                                        httpx.Response(200, json={**TOKEN, "access_token": "t2"})]
        person = gateway.get(f"/people/{self.record}").mock(side_effect=[
            httpx.Response(200, json=self.person_json()), httpx.Response(401, json=UNAUTHORIZED),
            httpx.Response(200, json=self.person_json())])
        adapter = self.mocked_adapter()
        await adapter.get_record(self.record)
        await adapter.get_record(self.record)
        assert gateway["token"].call_count == 2
        assert [_bearer(c.request) for c in person.calls] == ["Bearer t1", "Bearer t1", "Bearer t2"]

    @pytest.mark.asyncio
    async def test_a_second_401_and_other_errors_are_raised_not_retried(self, gateway: respx.MockRouter) -> None:
        person = gateway.get(f"/people/{self.record}").respond(401, json=UNAUTHORIZED)
        adapter = self.mocked_adapter()
        with pytest.raises(httpx.HTTPStatusError) as caught:
            await adapter.get_record(self.record)
        assert caught.value.response.status_code == 401 and person.call_count == 2
        notes = gateway.post(f"/people/{self.record}/case-notes").respond(503)
        with pytest.raises(httpx.HTTPStatusError):
            await adapter.write_case_note(self.record, CaseNote(title="t", text="x", marker="m"))
        assert notes.call_count == 1
        gateway["token"].respond(401, json={"error": {"code": "invalid_credentials", "message": ""}})
        with pytest.raises(httpx.HTTPStatusError):
            await self.mocked_adapter().get_record(self.record)

    @pytest.mark.asyncio
    async def test_get_record_quotes_the_id_and_maps_404_to_none(self, gateway: respx.MockRouter) -> None:
        missing = gateway.get(f"/people/{self.other('')}%2F9").respond(
            404, json={"error": {"code": "not_found", "message": ""}})
        assert await self.mocked_adapter().get_record(self.other("/9")) is None
        assert missing.called

    @pytest.mark.asyncio
    async def test_case_note_request(self, gateway: respx.MockRouter) -> None:
        route = gateway.post(f"/people/{self.record}/case-notes").respond(201, json={"id": "CN-1"})
        note = CaseNote(title="MARAC", text="Discussed at MARAC.", marker="ob-1", section="case_summary",
                        copy_to=["kim.patel@example.org"], confidential=True)
        assert await self.mocked_adapter().write_case_note(self.record, note) == WriteReceipt(id="CN-1")
        request = route.calls.last.request
        assert _bearer(request) == "Bearer t1"
        assert json.loads(request.content) == {
            "title": "MARAC", "text": "Discussed at MARAC.", "copy_to": ["kim.patel@example.org"],
            "external_ref": "ob-1", "confidential": True, "section": "case_summary"}

    @pytest.mark.asyncio
    async def test_alert_requests(self, gateway: respx.MockRouter) -> None:
        self.require("alert", "expire_alert")
        alerts = f"/people/{self.record}/alerts"
        create = gateway.post(alerts).respond(201, json={"id": "AL-1"})
        listing = gateway.get(alerts).respond(200, json={"items": [
            {"id": "AL-1", "text": "MARAC", "expires": "2027-12-03", "status": "active", "ended": None,
             "confidential": False, "external_ref": "ob-2", "ended_ref": None}]})
        end = gateway.patch(f"{alerts}/AL-1").respond(200, json={"id": "AL-1"})
        adapter = self.mocked_adapter()
        alert = Alert(text="MARAC", expires=dt.date(2027, 12, 3), marker="ob-2", confidential=False)
        assert (await adapter.add_alert(self.record, alert)).id == "AL-1"
        assert json.loads(create.calls.last.request.content) == {
            "text": "MARAC", "expires": "2027-12-03", "external_ref": "ob-2", "confidential": False}
        await adapter.add_alert(self.record, Alert(text="MARAC", expires=dt.date(2027, 12, 3), marker="ob-2",
                                                   start=dt.date(2026, 12, 3)))
        assert json.loads(create.calls.last.request.content) == {
            "text": "MARAC", "start": "2026-12-03", "expires": "2027-12-03", "external_ref": "ob-2",
            "confidential": True}
        (recorded,) = await adapter.list_alerts(self.record)
        assert listing.calls.last.request.url.params.multi_items() == []
        assert (recorded.id, recorded.expires, recorded.status, recorded.marker) == (
            "AL-1", dt.date(2027, 12, 3), "active", "ob-2")
        assert (await adapter.expire_alert(self.record, "AL-1", dt.date(2027, 1, 5), "ob-3")).id == "AL-1"
        assert json.loads(end.calls.last.request.content) == {
            "status": "expired", "ended": "2027-01-05", "ended_ref": "ob-3"}

    @pytest.mark.asyncio
    async def test_document_requests(self, gateway: respx.MockRouter) -> None:
        upload = gateway.post(f"/people/{self.record}/documents").respond(201, json={"id": "DOC-1"})
        delete = gateway.delete(f"/people/{self.record}/documents/DOC-1").respond(204)
        adapter = self.mocked_adapter()
        document = Document(title="MARAC minutes", filename="minutes.pdf", content=b"%PDF-1.4 x", marker="ob-4",
                            media_type="application/pdf", case_note_id="CN-1")
        assert (await adapter.upload_document(self.record, document)).id == "DOC-1"
        request = upload.calls.last.request
        assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
        assert _form_parts(request) == {
            "title": (None, "text/plain", b"MARAC minutes"), "external_ref": (None, "text/plain", b"ob-4"),
            "confidential": (None, "text/plain", b"true"), "case_note_id": (None, "text/plain", b"CN-1"),
            "file": ("minutes.pdf", "application/pdf", b"%PDF-1.4 x")}
        assert (await adapter.delete_document(self.record, "DOC-1", "ob-5")).id == "DOC-1"
        assert delete.calls.last.request.url.params.multi_items() == [("deleted_ref", "ob-5")]

    @pytest.mark.asyncio
    @pytest.mark.parametrize(("action", "path", "params"), [
        ("case_note", "case-notes", [("external_ref", "m")]),
        ("alert", "alerts", [("external_ref", "m")]),
        ("expire_alert", "alerts", [("status", "expired"), ("ended_ref", "m")]),
        ("upload_document", "documents", [("status", "all"), ("external_ref", "m")]),
        ("delete_document", "documents", [("status", "deleted"), ("deleted_ref", "m")]),
    ])
    async def test_find_write_searches_by_marker(self, gateway: respx.MockRouter, action: Action, path: str,
                                                 params: list[tuple[str, str]]) -> None:
        self.require(action)
        route = gateway.get(f"/people/{self.record}/{path}").mock(side_effect=[
            httpx.Response(200, json={"items": [{"id": "X-1"}]}), httpx.Response(200, json={"items": []})])
        adapter = self.mocked_adapter()
        assert await adapter.find_write(self.record, action, "m") == WriteReceipt(id="X-1")
        assert await adapter.find_write(self.record, action, "m") is None
        assert route.calls.last.request.url.params.multi_items() == params

    @pytest.mark.asyncio
    async def test_actions_outside_the_capabilities_raise_without_a_request(self, gateway: respx.MockRouter) -> None:
        adapter = self.mocked_adapter()
        if not self.has("alert"):
            alert = Alert(text="MARAC", expires=dt.date(2027, 12, 3), marker="ob-2")
            with pytest.raises(Unsupported):
                await adapter.add_alert(self.record, alert)
            with pytest.raises(Unsupported):
                await adapter.list_alerts(self.record)
        if not self.has("expire_alert"):
            with pytest.raises(Unsupported):
                await adapter.expire_alert(self.record, "AL-1", dt.date(2027, 1, 5), "ob-3")
        for action in ("alert", "expire_alert", "template_ticks"):
            if not self.has(action):
                with pytest.raises(Unsupported):
                    await adapter.find_write(self.record, action, "m")
        with pytest.raises(ValueError):
            await adapter.find_write(None, "case_note", "m")
        assert gateway.calls.call_count == 0

    @pytest.mark.asyncio
    async def test_logout(self, gateway: respx.MockRouter) -> None:
        adapter = self.mocked_adapter()
        await adapter.aclose()  # never logged in: nothing to revoke
        logout = gateway.delete("/auth/token").respond(204)
        gateway.get(f"/people/{self.record}").respond(200, json=self.person_json())
        await adapter.get_record(self.record)
        await adapter.aclose()
        assert _bearer(logout.calls.last.request) == "Bearer t1"

    # The document and the emulator -----------------------------------------------------------
    def shipped_document(self) -> str:
        return (resources.files(self.package) / "openapi.yaml").read_text(encoding="utf-8")

    def contract(self) -> OpenApiContract:
        return OpenApiContract(yaml.safe_load(self.shipped_document()), base_url=EXCHANGE_BASE)

    def test_shipped_document_is_the_contract_rendered_for_the_system(self) -> None:
        where = f"{self.emulator.__module__}:{self.emulator.__name__}"
        assert self.shipped_document() == self.emulator.openapi_yaml(), (
            f"{self.package}/openapi.yaml is not what marac_core.gateway.openapi renders for it; write it again "
            f"with: python -m marac_core.gateway.openapi {where} > {self.package}/openapi.yaml")

    def test_document_is_openapi_31_and_self_consistent(self) -> None:
        assert self.contract().document_problems() == []

    def test_emulator_serves_exactly_the_documented_routes(self, tmp_path: Path) -> None:
        emulator = self.emulator(EmulatorStore(tmp_path / "routes.sqlite"))
        try:
            assert served_operations(emulator.routes()) == set(self.contract().operations())
        finally:
            emulator.store.close()

    @pytest.mark.asyncio
    async def test_every_exchange_matches_the_document(self, tmp_path: Path) -> None:
        emulator = self.emulator(EmulatorStore(tmp_path / "exchanges.sqlite"))
        record, other, unknown, base = self.record, self.other("2"), self.other("404"), EXCHANGE_BASE
        with emulator.store.transaction():
            emulator.seed([
                {"id": record, "name": "Lily Jones", "dob": "2019-05-22", "open": True, "team": "Assessment",
                 "allocated_worker": KIM, "team_manager": {"name": "Jo Reed"}},
                {"id": other, "name": "Amy Brown", "aliases": ["Amy Jones"], "nhs_number": "9434765919"},
            ])
        recorder = ExchangeRecorder()
        transport = httpx.ASGITransport(app=Starlette(routes=emulator.routes()))
        try:
            async with httpx.AsyncClient(transport=transport, event_hooks=recorder.hooks()) as http:
                adapter = self.adapter(SystemSettings(base_url=base, username=SANDBOX_USERNAME), http,
                                       secret=SANDBOX_PASSWORD)
                # Everything the adapter does.
                await adapter.find_people(PersonQuery(name="Lily JONES", family="JONES", given="Lily",
                                                      dob=dt.date(2019, 5, 22), nhs_number="9434765919",
                                                      aliases=["Lily SMITH"]))
                await adapter.get_record(record)
                await adapter.get_record(unknown)
                found, nobody = await adapter.find_many_people([
                    PersonQuery(name="Lily JONES", family="JONES", given="Lily", dob=dt.date(2019, 5, 22)),
                    PersonQuery(name="Nobody", family="", given="")])
                assert record in [c.record for c in found] and isinstance(nobody, Exception)
                note = await adapter.write_case_note(record, CaseNote(
                    title="MARAC", text="x", marker="m1", copy_to=["a@example.org"], section="case_summary"))
                written = [("case_note", "m1"), ("upload_document", "m4"), ("delete_document", "m5")]
                if self.has("alert", "expire_alert"):
                    alert = await adapter.add_alert(record, Alert(text="MARAC", expires=dt.date(2027, 1, 1),
                                                                  marker="m2", start=dt.date(2026, 1, 1)))
                    await adapter.list_alerts(record)
                    await adapter.expire_alert(record, alert.id, dt.date(2026, 6, 1), "m3")
                    written += [("alert", "m2"), ("expire_alert", "m3")]
                doc = await adapter.upload_document(record, Document(
                    title="Minutes", filename="m.pdf", content=b"%PDF", marker="m4", case_note_id=note.id))
                await adapter.delete_document(record, doc.id, "m5")
                for action, marker in written:
                    assert await adapter.find_write(record, action, marker) is not None, action
                assert await adapter.find_write(record, "upload_document", "m1") is None

                # And every kind of error answer (requests marked as probes are wrong on purpose).
                auth = {"Authorization": f"Bearer {adapter._token}", "X-Probe": "wrong on purpose"}
                people = f"{base}/people/{record}"
                await http.post(f"{base}/auth/token", data={"username": "sandbox", "password": "wrong"})
                await http.post(f"{base}/auth/token", json={"username": "sandbox"}, headers={"X-Probe": "yes"})
                await http.post(f"{base}/auth/token", json={"username": SANDBOX_USERNAME,
                                                            "password": SANDBOX_PASSWORD})
                await http.get(f"{base}/people", params={"family": "Jones"})
                await http.get(f"{base}/people", headers=auth)
                await http.get(f"{base}/people", params={"dob": "22/05/2019"}, headers=auth)
                await http.post(f"{base}/people/searches", json={"searches": []}, headers=auth)
                await http.post(f"{base}/people/searches", json={"searches": [{"family": ["Jones"]}]})
                await http.get(f"{people}/case-notes", params={"external_ref": "m1"}, headers=auth)
                await http.get(f"{base}/people/{unknown}/case-notes", headers=auth)
                await http.post(f"{people}/case-notes", json={"title": "t"}, headers=auth)
                await http.post(f"{people}/case-notes", json={"title": "t", "text": "x", "external_ref": "r",
                                                              "section": "front"}, headers=auth)
                if self.has("alert", "expire_alert"):
                    await http.post(f"{people}/alerts", json={"text": "t", "expires": "soon", "external_ref": "r"},
                                    headers=auth)
                    await http.get(f"{people}/alerts", params={"status": "lost"}, headers=auth)
                    await http.patch(f"{people}/alerts/AL-1", json={"status": "expired", "ended": "2026-01-01"},
                                     headers=auth)
                    await http.patch(f"{people}/alerts/{alert.id}", json={"status": "active"}, headers=auth)
                await http.post(f"{people}/documents", data={"title": "t", "external_ref": "r"},
                                files={"file": ("a.txt", b"a")}, headers=auth)
                await http.post(f"{people}/documents", json={"title": "t"}, headers=auth)
                await http.post(f"{people}/documents", data={"title": "t", "external_ref": "r", "case_note_id": "CN-1"},
                                files={"file": ("a.txt", b"a")}, headers=auth)
                await http.get(f"{people}/documents", params={"status": "bin"}, headers=auth)
                await http.delete(f"{people}/documents/DOC-1", headers=auth)
                await adapter.aclose()
        finally:
            emulator.store.close()

        contract = self.contract()
        assert contract.exchange_problems(recorder.exchanges) == []
        # Every operation answered its success, and every error status was seen.
        assert contract.succeeded(recorder.exchanges) == set(contract.operations())
        assert {400, 401, 404} <= {status for _, _, status in contract.answered(recorder.exchanges)}

    @pytest.mark.asyncio
    async def test_new_ids_have_the_system_format(self, tmp_path: Path) -> None:
        emulator = self.emulator(EmulatorStore(tmp_path / "ids.sqlite"))
        with emulator.store.transaction():
            emulator.seed([{"name": "Lily Jones"}, {"name": "Tom Ray"}])
        first = self.first_ids["person"]
        transport = httpx.ASGITransport(app=Starlette(routes=emulator.routes()))
        try:
            async with httpx.AsyncClient(transport=transport) as http:
                adapter = self.adapter(SystemSettings(base_url=EXCHANGE_BASE, username=SANDBOX_USERNAME), http,
                                       secret=SANDBOX_PASSWORD)
                assert (await adapter.get_record(first)).name == "Lily Jones"
                ids = {"person": first, "case_note": (await adapter.write_case_note(
                    first, CaseNote(title="t", text="x", marker="m1"))).id}
                ids["document"] = (await adapter.upload_document(first, Document(
                    title="t", filename="t.txt", content=b"x", marker="m2"))).id
                if self.has("alert"):
                    ids["alert"] = (await adapter.add_alert(first, Alert(
                        text="t", expires=dt.date(2027, 1, 1), marker="m3"))).id
        finally:
            emulator.store.close()
        assert ids == self.first_ids

    # Over real HTTP, through the sandbox host -------------------------------------------------
    def records(self) -> list[dict[str, Any]]:
        return [
            {"id": self.record, "name": "Lily Jones", "dob": dt.date(2019, 5, 22), "open": True, "team": "Assessment",
             "allocated_worker": KIM, "team_manager": JO, "postcode": "LS1 4AP"},
            {"id": self.other("2"), "name": "Lilly Jones", "dob": "2019-05-22", "open": False},
            {"id": self.other("3"), "name": "Amy Brown", "dob": "2015-01-01", "aliases": ["Amy Smith"],
             "nhs_number": "9434765919", "open": True, "team": "Child in Need"},
            {"id": self.other("4"), "name": "Tom Ray", "dob": "2016-02-02"},
        ]

    def host(self, state: Path, records: list[dict[str, Any]] | None) -> tuple[SandboxHost, str]:
        """The emulator served from ``state``, seeded from ``records`` (None: a restart, keeping what it holds)."""
        seed = {self.emulator.name: records} if records is not None else None
        host = SandboxHost({self.emulator.name: self.emulator}, state, seed)
        return host, host.start().urls[self.emulator.name]

    @pytest.mark.asyncio
    async def test_round_trip_reconciliation_and_durability(self, tmp_path: Path) -> None:
        name, lily, lilly, amy, tom = self.emulator.name, self.record, self.other("2"), self.other("3"), self.other("4")
        host, url = self.host(tmp_path, self.records())
        http = httpx.AsyncClient()
        adapter = self.adapter(SystemSettings(base_url=url, username=SANDBOX_USERNAME), http, secret=SANDBOX_PASSWORD)
        try:
            # Look-ups: one generous search, involvement included.
            found = await adapter.find_people(PersonQuery(name="Lily JONES", family="JONES", given="Lily",
                                                          dob=dt.date(2019, 5, 22)))
            by_id = {c.record: c for c in found}
            assert set(by_id) == {lily, lilly}
            involvement = by_id[lily].involvement
            assert involvement.open and involvement.team == "Assessment"
            assert involvement.allocated_worker.name == "Kim Patel" and involvement.team_manager.email == JO["email"]
            assert (by_id[lily].postcode, by_id[lilly].postcode) == ("LS1 4AP", None)
            assert not by_id[lilly].involvement.open and by_id[lilly].involvement.allocated_worker is None
            by_alias = await adapter.find_people(PersonQuery(name="Amy X", family="Xu", given="Amy",
                                                             aliases=["Amy SMITH"]))
            assert [c.record for c in by_alias] == [amy]
            by_nhs = await adapter.find_people(PersonQuery(name="A B", family="Zzz", given="A",
                                                           nhs_number="9434765919"))
            assert [c.record for c in by_nhs] == [amy]
            assert (await adapter.get_record(amy)).involvement.team == "Child in Need"
            assert await adapter.get_record(self.other("404")) is None

            # Writes, each found again by its marker.
            assert await adapter.find_write(lily, "case_note", "ob-note") is None
            note = await adapter.write_case_note(lily, CaseNote(
                title="MARAC", text="Discussed at MARAC on 3 December.", marker="ob-note",
                copy_to=["kim.patel@example.org"]))
            assert await adapter.find_write(lily, "case_note", "ob-note") == note
            assert await adapter.find_write(lilly, "case_note", "ob-note") is None
            summary = await adapter.write_case_note(lily, CaseNote(
                title="MARAC", text="Heard at MARAC.", marker="ob-summary", section="case_summary"))
            assert await adapter.find_write(lily, "case_note", "ob-summary") == summary

            alerts = []
            if self.has("alert", "expire_alert"):
                alert = await adapter.add_alert(lily, Alert(text="MARAC case", expires=dt.date(2027, 12, 3),
                                                            marker="ob-alert", start=dt.date(2026, 12, 3)))
                assert await adapter.find_write(lily, "alert", "ob-alert") == alert
                (recorded,) = await adapter.list_alerts(lily)
                assert (recorded.id, recorded.status, recorded.marker) == (alert.id, "active", "ob-alert")
                assert await adapter.find_write(lily, "expire_alert", "ob-end") is None
                assert await adapter.expire_alert(lily, alert.id, dt.date(2027, 1, 5), "ob-end") == alert
                assert await adapter.find_write(lily, "expire_alert", "ob-end") == alert
                # Ending it again changes nothing.
                assert await adapter.expire_alert(lily, alert.id, dt.date(2027, 2, 1), "ob-end-2") == alert
                (recorded,) = await adapter.list_alerts(lily)
                assert (recorded.status, recorded.ended) == ("expired", "2027-01-05")
                alerts = [{"record": lily, "id": alert.id, "text": "MARAC case", "start": "2026-12-03",
                           "expires": "2027-12-03", "status": "expired", "ended": "2027-01-05", "confidential": True}]

            minutes = Document(title="MARAC minutes", filename="minutes.pdf", content=b"%PDF-1.4 minutes",
                               marker="ob-doc", media_type="application/pdf", case_note_id=note.id)
            doc = await adapter.upload_document(lily, minutes)
            assert await adapter.find_write(lily, "upload_document", "ob-doc") == doc
            spare = await adapter.upload_document(tom, Document(
                title="Referral", filename="referral.txt", content=b"text", marker="ob-doc-2"))
            assert await adapter.find_write(tom, "delete_document", "ob-del") is None
            assert await adapter.delete_document(tom, spare.id, "ob-del") == spare
            assert await adapter.find_write(tom, "delete_document", "ob-del") == spare
            assert await adapter.delete_document(tom, spare.id, "ob-del") == spare  # already gone: no error
            assert await adapter.find_write(tom, "upload_document", "ob-doc-2") == spare  # it did land
            with pytest.raises(httpx.HTTPStatusError) as missing:
                await adapter.write_case_note(self.other("404"), CaseNote(title="t", text="x", marker="m"))
            assert missing.value.response.status_code == 404

            held = host.dump()[name]
            assert held["case_notes"] == [
                {"record": lily, "id": note.id, "title": "MARAC", "text": "Discussed at MARAC on 3 December.",
                 "copy_to": ["kim.patel@example.org"], "confidential": True},
                {"record": lily, "id": summary.id, "title": "MARAC", "text": "Heard at MARAC.",
                 "copy_to": [], "confidential": True, "section": "case_summary"}]
            assert held["alerts"] == alerts
            assert held["template_ticks"] == []
            assert held["documents"] == [{"record": lily, "id": doc.id, "title": "MARAC minutes",
                                          "filename": "minutes.pdf", "media_type": "application/pdf",
                                          "size": len(minutes.content), "case_note": note.id}]
            assert held["requests"] > 15
        finally:
            host.stop()
            host.close()

        # A restart keeps every acknowledged write, is not seeded again, and forgets tokens:
        # the same adapter logs in again after its first 401.
        # (The same records again: other records for this state are refused, never seeded in silence.)
        host, url = self.host(tmp_path, self.records())
        try:
            adapter.settings.base_url = url
            again = host.dump()[name]
            assert {k: v for k, v in again.items() if k != "requests"} == {
                k: v for k, v in held.items() if k != "requests"}
            assert await adapter.find_write(lily, "case_note", "ob-note") == note
            if alerts:
                assert await adapter.find_write(lily, "expire_alert", "ob-end") == alert
            assert await adapter.find_write(tom, "delete_document", "ob-del") == spare
            assert await adapter.get_record(self.other("9")) is None
            await adapter.aclose()
            await http.aclose()
        finally:
            host.stop()
            host.close()
