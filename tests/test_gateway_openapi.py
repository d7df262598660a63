"""The gateway contract's OpenAPI template (marac_core.gateway.openapi) and the checker
(marac_core.testing.openapi_contract) that plugins' tests use against it."""

from __future__ import annotations

import httpx
import pytest
import yaml

from marac_core.gateway.openapi import GatewayWording, document, render
from marac_core.testing.openapi_contract import OpenApiContract

WORDING = GatewayWording(
    short="MOS", system="Mosaic (MOS)", intro="A first line of the intro,\nand a second one.",
    id_example="MOS-1", case_summary="the case summary", involvement="Whether the person is open.",
    teams="Intake, Long Term")
BASE = "http://mos.test/api"


def test_render_fills_the_wording_and_keeps_alerts_only_where_there_are_some() -> None:
    with_alerts = document("mos", WORDING, alerts=True)
    without = document("mos", WORDING, alerts=False)
    assert with_alerts["info"]["title"] == "marac MOS gateway"
    assert with_alerts["info"]["description"].startswith("A first line of the intro,\nand a second one.\n\n* ")
    assert with_alerts["servers"][0]["variables"]["base_url"]["default"] == "https://mos-gateway.example.org/api/v1"
    assert with_alerts["components"]["parameters"]["PersonId"]["description"] == "The MOS person id, e.g. MOS-1."
    assert {p for p in with_alerts["paths"] if "alerts" in p} == {
        "/people/{person_id}/alerts", "/people/{person_id}/alerts/{alert_id}"}
    assert not [p for p in without["paths"] if "alerts" in p]
    assert not [s for s in without["components"]["schemas"] if s.startswith("Alert")]
    assert "alert" not in without["components"]["responses"]["NotFound"]["description"]
    assert set(with_alerts["paths"]) - set(without["paths"]) == {
        "/people/{person_id}/alerts", "/people/{person_id}/alerts/{alert_id}"}
    assert "${" not in render("mos", WORDING, alerts=True) + render("mos", WORDING, alerts=False)


def test_an_involvement_of_several_lines_is_a_block() -> None:
    wording = GatewayWording(**{**WORDING.__dict__, "involvement": "Open or not,\nand who holds it."})
    involvement = document("mos", wording, alerts=False)["components"]["schemas"]["Involvement"]
    assert involvement["description"] == "Open or not,\nand who holds it.\n"


@pytest.mark.parametrize("alerts", [True, False])
def test_the_rendered_document_is_consistent(alerts: bool) -> None:
    assert OpenApiContract(document("mos", WORDING, alerts=alerts)).document_problems() == []


def test_the_checker_sees_mistakes() -> None:
    contract = OpenApiContract(document("mos", WORDING, alerts=True), base_url=BASE)
    person = contract.spec["components"]["schemas"]["Person"]
    good = {"id": "MOS-1", "name": "A", "dob": None, "nhs_number": None, "aliases": [],
            "involvement": {"open": False, "team": None, "allocated_worker": None, "team_manager": None}}
    assert contract.problems(good, person) == []
    assert contract.problems({**good, "dob": "22/05/2019"}, person) == ["$.dob: '22/05/2019' is not a date"]
    assert contract.problems({**good, "involvement": {**good["involvement"], "allocated_worker": {"email": None}}},
                             person) == ["$.involvement.allocated_worker: matches none of anyOf"]
    assert "$.items[0].id: 1 is not ['string']" in contract.problems(
        {"items": [{"id": 1}]}, {"$ref": "#/components/schemas/PersonList"})
    bogus = httpx.Response(200, json={}, request=httpx.Request("GET", f"{BASE}/people/MOS-1/bogus"))
    assert contract.check_exchange(bogus) == ["GET /people/MOS-1/bogus is not in the document"]
    sloppy = httpx.Response(201, json={"id": "CN-1"}, request=httpx.Request(
        "POST", f"{BASE}/people/MOS-1/case-notes?x=1", json={"title": "t", "external_ref": "r"}))
    found = contract.check_exchange(sloppy)
    assert "POST /people/{person_id}/case-notes: undocumented query parameter x" in found
    assert "POST /people/{person_id}/case-notes request: text is missing" in found
    assert "POST /people/{person_id}/case-notes 201: person_id is missing" in found
    assert contract.succeeded([sloppy]) == {("POST", "/people/{person_id}/case-notes")}


def test_the_checker_sees_a_broken_document() -> None:
    spec = yaml.safe_load(render("mos", WORDING, alerts=False))
    spec["openapi"] = "3.0.3"
    spec["components"]["schemas"]["Worker"]["pattern"] = "^[A-Z]"
    spec["paths"]["/people/{person_id}"]["get"]["operationId"] = "searchPeople"
    spec["paths"]["/people/{person_id}"]["parameters"] = []
    assert OpenApiContract(spec).document_problems() == [
        "openapi is '3.0.3', not 3.1.x",
        "operationId 'searchPeople' is not unique",
        "the checker does not understand ['pattern']",
        "GET /people/{person_id}: path parameters [], template ['person_id']",
    ]
