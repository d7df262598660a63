"""The Livelink adapter's exact requests, against respx mocks of Content Server's REST API."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from email import policy
from email.parser import BytesParser
from importlib import metadata
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from marac_livelink.adapter import LivelinkAdapter

from marac_core.api import (
    Document,
    PersonQuery,
    SystemSettings,
    Unsupported,
    WriteReceipt,
)

SERVER = "https://cs.example.org/otcs/cs.exe"
API = SERVER + "/api"
SETTINGS = {"root_folder": 2000, "marac_folder": "MARAC", "marker_category": 9100, "marker_attribute": 2,
            "dob_category": 9200, "dob_attribute": 2,
            "classification_category": 9100, "classification_attribute": 3}
MINUTES = Document(title="MARAC minutes DN-0412", filename="minutes.pdf", content=b"%PDF-1.7 minutes",
                   marker="ob-1", media_type="application/pdf")


@pytest.fixture
def server():
    with respx.mock(base_url=API, assert_all_called=False) as mock:
        mock.post("/v1/auth", name="auth").respond(200, json={"ticket": "t1"})
        yield mock


def _adapter(**settings: Any) -> LivelinkAdapter:
    # A trailing slash on the configured Content Server URL must not double up.
    merged = {**SETTINGS, **settings}
    return LivelinkAdapter(SystemSettings(base_url=SERVER + "/", username="svc-marac", **merged),
                           httpx.AsyncClient(), secret="pw")


def _parts(request: httpx.Request) -> dict[str, tuple[str | None, str, bytes]]:
    head = b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n"
    message = BytesParser(policy=policy.HTTP).parsebytes(head + request.content)
    return {part.get_param("name", header="content-disposition"):
            (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
            for part in message.iter_parts()}


def _form(request: httpx.Request) -> dict[str, list[str]]:
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    return parse_qs(request.content.decode())


def _node(id: int, name: str, type: int = 0, parent: int = 2000, **data: Any) -> dict[str, Any]:
    return {"data": {"properties": {"id": id, "name": name, "type": type, "parent_id": parent,
                                    "container": type == 0, **data.pop("properties", {})}, **data}}


def _page(*nodes: dict[str, Any], page: int = 1, page_total: int = 1) -> dict[str, Any]:
    return {"collection": {"paging": {"page": page, "page_total": page_total, "limit": 100,
                                      "total_count": len(nodes)}}, "results": list(nodes)}


def _created(id: int) -> dict[str, Any]:
    return {"results": {"data": {"properties": {"id": id, "type": 144}}}}


def test_registered_through_the_entry_point_and_import_light() -> None:
    names = {e.name: e.value for e in metadata.entry_points(group="marac")}
    assert names.get("livelink") == "marac_livelink"
    import marac_livelink

    registered = []
    marac_livelink.marac_register_adapters(registered.append)
    (reg,) = registered
    assert (reg.name, reg.version) == ("livelink", marac_livelink.__version__)
    assert reg.adapter() is LivelinkAdapter and reg.emulator().name == "livelink"
    assert reg.sandbox_settings == {**SETTINGS, "marac_folder": "MARAC minutes"}
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, marac_livelink; print(sorted(m for m in sys.modules"
         " if m.startswith(('marac_livelink.', 'starlette', 'httpx'))))"],
        capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
    assert LivelinkAdapter.capabilities == {"upload_document", "delete_document"}


@pytest.mark.asyncio
async def test_login_form_then_one_browse_of_the_root_by_name(server: respx.MockRouter) -> None:
    browse = server.get("/v2/nodes/2000/nodes").respond(200, json=_page(
        _node(41001, "Sarah JONES", categories=[{"9200_2": "1991-03-14T00:00:00"}]),
        _node(41002, "Jones family", categories=[])))
    adapter = _adapter()
    query = PersonQuery(name="Sarah JONES", family="JONES", given="Sarah", dob=dt.date(1991, 3, 14))
    sarah, family = await adapter.find_people(query)

    (login,) = server["auth"].calls
    assert login.request.method == "POST"
    assert _form(login.request) == {"username": ["svc-marac"], "password": ["pw"]}
    assert "otcsticket" not in login.request.headers
    (call,) = browse.calls
    assert call.request.headers["OTCSTicket"] == "t1"
    params = parse_qs(call.request.url.query.decode())
    assert params == {"limit": ["100"], "page": ["1"], "sort": ["name"], "where_type": ["0"],
                      "where_name": ["JONES"], "fields": ["properties{id,name,type,parent_id}", "categories"]}
    assert (sarah.record, sarah.name, sarah.dob, sarah.involvement.open) == (
        "41001", "Sarah JONES", dt.date(1991, 3, 14), True)
    assert (family.record, family.dob) == ("41002", None)


@pytest.mark.asyncio
async def test_root_folder_comes_from_settings(server: respx.MockRouter) -> None:
    browse = server.get("/v2/nodes/777/nodes").respond(200, json=_page())
    assert await _adapter(root_folder=777).find_people(PersonQuery(name="A B", family="B", given="A")) == []
    assert browse.call_count == 1


@pytest.mark.asyncio
async def test_get_record_reads_one_folder_and_none_when_missing(server: respx.MockRouter) -> None:
    server.get("/v2/nodes/41001").respond(200, json={"results": _node(
        41001, "Sarah JONES", categories=[{"9200_2": "1991-03-14T00:00:00"}])})
    server.get("/v2/nodes/5").respond(404, json={"error": "The node 5 could not be found."})
    server.get("/v2/nodes/6").respond(200, json={"results": _node(6, "minutes.pdf", type=144)})
    adapter = _adapter()
    record = await adapter.get_record("41001")
    assert record is not None and (record.record, record.dob) == ("41001", dt.date(1991, 3, 14))
    assert parse_qs(server.calls[1].request.url.query.decode()) == {"fields": ["properties", "categories"]}
    assert await adapter.get_record("5") is None
    assert await adapter.get_record("6") is None  # a document is not a record


@pytest.mark.asyncio
async def test_upload_is_a_multipart_post_with_body_field_file_part_and_marker_category(
        server: respx.MockRouter) -> None:
    create = server.post("/v2/nodes").respond(200, json=_created(100001))
    receipt = await _adapter().upload_document("41001", MINUTES)

    assert receipt == WriteReceipt(id="100001")
    (call,) = create.calls
    assert call.request.headers["OTCSTicket"] == "t1"
    assert call.request.headers["content-type"].startswith("multipart/form-data; boundary=")
    parts = _parts(call.request)
    assert set(parts) == {"body", "file"}
    assert parts["body"][0] is None
    assert json.loads(parts["body"][2]) == {
        "type": 144, "parent_id": 41001, "name": "MARAC minutes DN-0412",
        "roles": {"categories": {"9100": {"9100_2": "ob-1", "9100_3": "Restricted"}}}}
    assert parts["file"] == ("minutes.pdf", "application/pdf", b"%PDF-1.7 minutes")


@pytest.mark.asyncio
async def test_without_a_marker_category_the_marker_goes_in_the_description(server: respx.MockRouter) -> None:
    create = server.post("/v2/nodes").respond(200, json=_created(100001))
    await _adapter(marker_category=None).upload_document("41001", MINUTES)
    body = json.loads(_parts(create.calls.last.request)["body"][2])
    assert body == {"type": 144, "parent_id": 41001, "name": "MARAC minutes DN-0412", "description": "ob-1",
                    "roles": {"categories": {"9100": {"9100_3": "Restricted"}}}}


@pytest.mark.asyncio
async def test_ticket_is_refreshed_from_the_answer_header(server: respx.MockRouter) -> None:
    create = server.post("/v2/nodes").mock(side_effect=[
        httpx.Response(200, json=_created(100001), headers={"OTCSTicket": "t2"}),
        httpx.Response(200, json=_created(100002), headers={"OTCSTicket": "t3"}),
        httpx.Response(200, json=_created(100003)),
    ])
    adapter = _adapter()
    for marker in ("a", "b", "c"):
        await adapter.upload_document("41001", MINUTES.model_copy(update={"marker": marker}))
    assert [c.request.headers["OTCSTicket"] for c in create.calls] == ["t1", "t2", "t3"]
    assert server["auth"].call_count == 1


@pytest.mark.asyncio
async def test_on_401_logs_in_again_once_and_repeats_the_request(server: respx.MockRouter) -> None:
    server["auth"].mock(side_effect=[httpx.Response(200, json={"ticket": "t1"}),
                                     httpx.Response(200, json={"ticket": "t9"})])
    create = server.post("/v2/nodes").mock(side_effect=[
        httpx.Response(401, json={"error": "Session has expired."}),
        httpx.Response(200, json=_created(100001)),
    ])
    receipt = await _adapter().upload_document("41001", MINUTES)
    assert receipt.id == "100001"
    assert server["auth"].call_count == 2
    assert [c.request.headers["OTCSTicket"] for c in create.calls] == ["t1", "t9"]
    # The repeated upload carries the same body and file.
    assert _parts(create.calls[0].request) == _parts(create.calls[1].request)


@pytest.mark.asyncio
async def test_a_second_401_is_raised_not_retried_again(server: respx.MockRouter) -> None:
    browse = server.get("/v2/nodes/2000/nodes").respond(401, json={"error": "Session has expired."})
    with pytest.raises(httpx.HTTPStatusError) as raised:
        await _adapter().find_people(PersonQuery(name="A B", family="B", given="A"))
    assert raised.value.response.status_code == 401
    assert server["auth"].call_count == 2
    assert browse.call_count == 2


@pytest.mark.asyncio
async def test_wrong_password_is_raised(server: respx.MockRouter) -> None:
    server["auth"].respond(401, json={"error": "Invalid username or password."})
    with pytest.raises(httpx.HTTPStatusError):
        await _adapter().get_record("41001")
    assert server["auth"].call_count == 1


@pytest.mark.asyncio
async def test_server_errors_are_raised_for_the_core_to_retry(server: respx.MockRouter) -> None:
    server.post("/v2/nodes").respond(503, json={"error": "service temporarily unavailable"})
    with pytest.raises(httpx.HTTPStatusError) as raised:
        await _adapter().upload_document("41001", MINUTES)
    assert raised.value.response.status_code == 503


@pytest.mark.asyncio
async def test_same_name_in_the_folder_becomes_a_new_version(server: respx.MockRouter) -> None:
    server.post("/v2/nodes").respond(
        400, json={"error": "An item with the name 'MARAC minutes DN-0412' already exists."})
    lookup = server.get("/v2/nodes/41001/nodes").respond(200, json=_page(_node(
        100001, "MARAC minutes DN-0412", type=144, parent=41001, categories=[{"9100_2": "ob-0"}],
        versions=[{"version_number": 1, "description": "", "file_name": "other.pdf"},
                  {"version_number": 2, "description": "", "file_name": "Minutes.PDF"}])))
    add = server.post("/v2/nodes/100001/versions").respond(200, json={"results": {"data": {
        "properties": {"id": 100001}, "versions": {"version_number": 3}}}})

    receipt = await _adapter().upload_document("41001", MINUTES)

    assert receipt.id == "100001/versions/3"
    params = parse_qs(lookup.calls.last.request.url.query.decode())
    assert (params["where_type"], params["where_name"]) == (["144"], ["MARAC minutes DN-0412"])
    assert params["fields"] == ["properties{id,name,description}", "categories",
                                "versions{version_number,description,file_name}"]
    parts = _parts(add.calls.last.request)
    assert json.loads(parts["body"][2]) == {"description": "ob-1"}
    assert parts["file"] == ("minutes.pdf", "application/pdf", b"%PDF-1.7 minutes")


@pytest.mark.asyncio
async def test_another_file_under_the_same_title_gets_its_file_name_added(server: respx.MockRouter) -> None:
    # Two attachments of one obligation share the title; the second is its own document.
    create = server.post("/v2/nodes").mock(side_effect=[
        httpx.Response(400, json={"error": "An item with the name 'MARAC minutes DN-0412' already exists."}),
        httpx.Response(200, json=_created(100002)),
    ])
    server.get("/v2/nodes/41001/nodes").respond(200, json=_page(_node(
        100001, "MARAC minutes DN-0412", type=144, parent=41001, categories=[{"9100_2": "ob-0"}],
        versions=[{"version_number": 1, "description": "", "file_name": "minutes.pdf"}])))
    add = server.post("/v2/nodes/100001/versions")
    action_plan = MINUTES.model_copy(update={"filename": "action-plan.docx", "marker": "ob-0.1"})
    assert (await _adapter().upload_document("41001", action_plan)).id == "100002"
    assert add.call_count == 0
    first, second = (json.loads(_parts(c.request)["body"][2])["name"] for c in create.calls)
    assert (first, second) == ("MARAC minutes DN-0412", "MARAC minutes DN-0412 (action-plan.docx)")


@pytest.mark.asyncio
async def test_a_name_taken_by_a_folder_is_an_error(server: respx.MockRouter) -> None:
    server.post("/v2/nodes").respond(400, json={"error": "An item with the name 'x' already exists."})
    server.get("/v2/nodes/41001/nodes").respond(200, json=_page())
    with pytest.raises(httpx.HTTPStatusError) as raised:
        await _adapter().upload_document("41001", MINUTES)
    assert raised.value.response.status_code == 400


@pytest.mark.asyncio
async def test_same_name_already_carrying_our_marker_is_not_written_again(server: respx.MockRouter) -> None:
    # The answer to an earlier upload was lost; the document with our marker is there.
    server.post("/v2/nodes").respond(400, json={"error": "An item with the name 'x' already exists."})
    server.get("/v2/nodes/41001/nodes").respond(200, json=_page(_node(
        100001, "marac minutes dn-0412", type=144, parent=41001, categories=[{"9100_2": "ob-1"}])))
    add = server.post("/v2/nodes/100001/versions")
    assert (await _adapter().upload_document("41001", MINUTES)).id == "100001"
    assert add.call_count == 0


@pytest.mark.asyncio
async def test_empty_record_goes_to_the_marac_folder_created_on_first_use(server: respx.MockRouter) -> None:
    lookup = server.get("/v2/nodes/2000/nodes").respond(200, json=_page(_node(50, "MARAC archive")))
    create = server.post("/v2/nodes").mock(side_effect=[
        httpx.Response(200, json={"results": {"data": {"properties": {"id": 60, "type": 0}}}}),
        httpx.Response(200, json=_created(100001)),
        httpx.Response(200, json=_created(100002)),
    ])
    adapter = _adapter()
    assert (await adapter.upload_document("", MINUTES)).id == "100001"
    assert (await adapter.upload_document("MARAC", MINUTES.model_copy(update={"marker": "ob-2"}))).id == "100002"

    assert lookup.call_count == 1  # the folder id is remembered for the run
    params = parse_qs(lookup.calls.last.request.url.query.decode())
    assert (params["where_type"], params["where_name"]) == (["0"], ["MARAC"])
    folder, first, second = (_parts(c.request) if "multipart" in c.request.headers["content-type"]
                             else parse_qs(c.request.content.decode()) for c in create.calls)
    assert json.loads(folder["body"][0]) == {"type": 0, "parent_id": 2000, "name": "MARAC"}
    assert json.loads(first["body"][2])["parent_id"] == 60
    assert json.loads(second["body"][2])["parent_id"] == 60


@pytest.mark.asyncio
async def test_marac_folder_found_by_name_or_given_as_an_id(server: respx.MockRouter) -> None:
    server.get("/v2/nodes/2000/nodes").respond(200, json=_page(_node(61, "marac")))
    create = server.post("/v2/nodes").respond(200, json=_created(100001))
    await _adapter().upload_document("", MINUTES)
    assert json.loads(_parts(create.calls.last.request)["body"][2])["parent_id"] == 61
    await _adapter(marac_folder=4242).upload_document("", MINUTES)
    assert json.loads(_parts(create.calls.last.request)["body"][2])["parent_id"] == 4242


@pytest.mark.asyncio
async def test_find_write_pages_through_the_folder_and_reads_the_marker_back(server: respx.MockRouter) -> None:
    browse = server.get("/v2/nodes/41001/nodes").mock(side_effect=[
        httpx.Response(200, json=_page(_node(100001, "a", type=144, categories=[{"9100_2": "other"}]),
                                       page=1, page_total=2)),
        httpx.Response(200, json=_page(_node(100002, "b", type=144, categories=[{"9100_2": "ob-1"}]),
                                       page=2, page_total=2)),
    ])
    assert await _adapter().find_write("41001", "upload_document", "ob-1") == WriteReceipt(id="100002")
    first, second = (parse_qs(c.request.url.query.decode()) for c in browse.calls)
    assert (first["page"], second["page"], first["where_type"]) == (["1"], ["2"], ["144"])
    assert first["fields"] == ["properties{id,name,description}", "categories",
                               "versions{version_number,description}"]


@pytest.mark.asyncio
async def test_find_write_finds_versions_and_descriptions_and_nothing(server: respx.MockRouter) -> None:
    server.get("/v2/nodes/41001/nodes").respond(200, json=_page(
        _node(100001, "a", type=144, properties={"description": "ob-d"}, categories=[]),
        _node(100002, "b", type=144, categories=[{"9100_2": "ob-0"}],
              versions=[{"version_number": 1, "description": ""}, {"version_number": 2, "description": "ob-v"}])))
    adapter = _adapter()
    assert await adapter.find_write("41001", "upload_document", "ob-v") == WriteReceipt(id="100002/versions/2")
    assert await adapter.find_write("41001", "upload_document", "ob-d") == WriteReceipt(id="100001")
    assert await adapter.find_write("41001", "upload_document", "ob-x") is None


@pytest.mark.asyncio
async def test_find_write_in_a_marac_folder_not_made_yet_creates_nothing(server: respx.MockRouter) -> None:
    server.get("/v2/nodes/2000/nodes").respond(200, json=_page())
    create = server.post("/v2/nodes")
    assert await _adapter().find_write(None, "upload_document", "ob-1") is None
    assert create.call_count == 0


@pytest.mark.asyncio
async def test_delete_checks_the_folder_then_deletes_the_node(server: respx.MockRouter) -> None:
    read = server.get("/v2/nodes/100001").respond(200, json={"results": _node(100001, "a", 144, parent=41001)})
    delete = server.delete("/v2/nodes/100001").respond(200, json={"results": {}})
    assert await _adapter().delete_document("41001", "100001", "ob-del") == WriteReceipt(id="100001")
    assert parse_qs(read.calls.last.request.url.query.decode()) == {"fields": ["properties{id,parent_id}"]}
    assert delete.calls.last.request.headers["OTCSTicket"] == "t1"


@pytest.mark.asyncio
async def test_delete_of_a_version_and_of_what_is_gone(server: respx.MockRouter) -> None:
    server.get("/v2/nodes/100001").respond(200, json={"results": _node(100001, "a", 144, parent=41001)})
    version = server.delete("/v2/nodes/100001/versions/2").respond(404, json={"error": "not found"})
    server.get("/v2/nodes/100009").respond(404, json={"error": "The node 100009 could not be found."})
    adapter = _adapter()
    assert (await adapter.delete_document("41001", "100001/versions/2", "m")).id == "100001/versions/2"
    assert version.call_count == 1
    assert (await adapter.delete_document("41001", "100009", "m")).id == "100009"


@pytest.mark.asyncio
async def test_delete_refuses_a_document_of_another_record(server: respx.MockRouter) -> None:
    server.get("/v2/nodes/100001").respond(200, json={"results": _node(100001, "a", 144, parent=99)})
    delete = server.delete("/v2/nodes/100001")
    with pytest.raises(LookupError):
        await _adapter().delete_document("41001", "100001", "m")
    assert delete.call_count == 0


@pytest.mark.asyncio
async def test_find_write_for_deletes_and_unsupported_actions(server: respx.MockRouter) -> None:
    adapter = _adapter()
    assert await adapter.find_write("41001", "delete_document", "m") is None
    with pytest.raises(Unsupported):
        await adapter.find_write("41001", "alert", "m")
    with pytest.raises(Unsupported):
        await adapter.write_case_note("41001", None)  # type: ignore[arg-type]
    assert server["auth"].call_count == 0
