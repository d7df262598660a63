"""The agenda's cells the import was unsure of, settled in the workbench (over plain HTTP).

Every refusal is named for the harm it prevents: a guessed date of birth matching the wrong
person's record, a bad value reaching the meeting file, a value put on the wrong person, a
name in a URL or the log, a settlement lost on a restart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from agenda_files import TITLE, xlsx
from workbench.harness import Served, csrf_of, demo_copy, start

from marac_core.intake.meeting_file import load_meeting

HEADINGS = ["MARAC ref", "Referring agency", "Victim name", "Victim DOB", "Victim address", "Perpetrator", "DOB",
            "Favourite colour"]
NAMES = ("Annette", "QUENTIN", "Quentin", "Bartholomew", "Cressida", "1990", "Larch")


def agenda(folder: Path) -> Path:
    """Four cells to settle: a date of birth read two ways, an address with no postcode, a perpetrator with
    no date of birth, a heading not recognised; then a one-name victim (two cells: name and no date of birth)."""
    return xlsx(folder / "agenda.xlsx", [
        TITLE,
        HEADINGS,
        ["ST-0901", "Police", "Annette QUENTIN", "03/04/1990", "12 Larch Road", "Bartholomew QUENTIN", "", "blue"],
        ["ST-0902", "IDVA", "Cressida", "", "", "", "", ""],
    ])


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = demo_copy(tmp_path_factory.mktemp("cells"))
    agenda(folder)
    return folder


@pytest.fixture(scope="module")
def served(folder: Path) -> Iterator[Served]:
    server = start(folder, "--sandbox", "records.yaml", "--state", "state")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def rep(served: Served) -> Iterator[httpx.Client]:
    client = httpx.Client(base_url=served.base, timeout=60, follow_redirects=True)
    assert client.get(served.url).status_code == 200
    yield client
    client.close()


def upload(rep: httpx.Client, folder: Path) -> tuple[int, Path]:
    """The agenda uploaded as a new meeting: its number, and the meeting file it became."""
    held = set((folder / "state" / "workbench" / "meetings").glob("*/meeting.yaml"))
    created = rep.post("/meetings/new", data={"csrf": csrf_of(rep.get("/").text), "procedure": "herts-childrens"},
                       files={"file": ("Agenda Dec.xlsx", (folder / "agenda.xlsx").read_bytes(), "application/octet-stream")},
                       follow_redirects=False)
    assert created.status_code == 303, created.text[-1500:]
    kept = set((folder / "state" / "workbench" / "meetings").glob("*/meeting.yaml")) - held
    assert len(kept) == 1
    return int(created.headers["location"].rsplit("/", 1)[1]), kept.pop()


def find(rep: httpx.Client, n: int, text: str) -> int:
    """The number of the cell whose page shows ``text`` (the order is the import's)."""
    for cell in cells_listed(rep.get(f"/meetings/{n}").text):
        if text in rep.get(f"/meetings/{n}/cells/{cell}").text:
            return cell
    raise AssertionError(f"no cell shows {text!r}")


def cells_listed(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-cell="(\d+)"', page)]


def post(rep: httpx.Client, n: int, cell: int, **fields: str) -> httpx.Response:
    page = rep.get(f"/meetings/{n}/cells/{cell}")
    return rep.post(f"/meetings/{n}/cells/{cell}", data={"csrf": csrf_of(page.text), **fields},
                    follow_redirects=False)


def settle_all(rep: httpx.Client, n: int) -> None:
    """Each cell left confirmed as read, or given its value: what a rep checking the agenda does."""
    answers = {"dob": {"answer": "reading-0"}, "postcode": {"answer": "other", "value": "sg1 2ab"},
               "name": {"answer": "other", "value": "Cressida QUENTIN"}, "none": {"answer": "as-read"}}
    for _ in range(20):
        page = rep.get(f"/meetings/{n}").text
        left = cells_listed(page)
        if not left:
            return
        cell = rep.get(f"/meetings/{n}/cells/{left[0]}").text
        if 'value="reading-0"' in cell:
            kind = "dob"
        elif "value-day" in cell:
            answered = post(rep, n, left[0], answer="as-read")
            assert answered.status_code == 303, answered.text[-1500:]
            continue
        elif "Postcode" in cell:
            kind = "postcode"
        elif "whole name" in cell:
            kind = "name"
        else:
            kind = "none"
        answered = post(rep, n, left[0], **answers[kind])
        assert answered.status_code == 303, answered.text[-1500:]
    raise AssertionError("cells still listed")


def test_each_unsure_cell_is_shown_with_where_it_is_what_the_agenda_has_and_what_marac_made_of_it(
        rep: httpx.Client, folder: Path) -> None:
    n, _ = upload(rep, folder)
    page = rep.get(f"/meetings/{n}").text
    assert cells_listed(page) == [1, 2, 3, 4, 5, 6]
    assert "sheet &#39;Agenda&#39;, row 3, column D" in page and "<q>03/04/1990</q>" in page
    cell = rep.get(f"/meetings/{n}/cells/{find(rep, n, '03/04/1990')}").text
    assert "row 3, column D" in cell and "03/04/1990" in cell
    assert ">3 April 1990<" in cell and ">4 March 1990<" in cell  # both readings offered as radios
    assert 'name="csrf"' in cell and 'class="govuk-radios"' in cell and 'id="answer-hint"' in cell
    heading = rep.get(f"/meetings/{n}/cells/{find(rep, n, 'Favourite colour')}").text
    assert "Yes, this is right" in heading and "upload it again" in heading


def test_a_guessed_date_of_birth_is_never_used_to_look_anyone_up_or_apply(rep: httpx.Client, folder: Path,
                                                                          served: Served) -> None:
    n, _ = upload(rep, folder)
    page = rep.get(f"/meetings/{n}").text
    assert 'id="apply"' not in page and "systmone" not in page  # no plan worked out: nobody looked up
    csrf = csrf_of(rep.get(f"/meetings/{n}/cells/1").text)
    applied = rep.post(f"/meetings/{n}/apply", data={"csrf": csrf, "phase": "before"}, follow_redirects=False)
    assert applied.status_code == 409 and "still to check" in applied.text
    assert rep.get(f"/meetings/{n}/cases/1").status_code in (400, 409)
    assert rep.get(f"/meetings/{n}/reviews").status_code == 409
    dump = rep.get(f"/meetings/{n}/status")
    assert dump.status_code == 200
    assert not (folder / "state" / "ledger.sqlite").exists() or "ST-0901" not in rep.get("/followup").text


def test_a_date_read_two_ways_is_settled_by_the_reading_the_rep_chooses_and_the_meeting_then_plans(
        rep: httpx.Client, folder: Path) -> None:
    n, meeting_file = upload(rep, folder)
    date = find(rep, n, "03/04/1990")
    chosen = post(rep, n, date, answer="reading-1")  # 4 March, not 3 April
    assert chosen.status_code == 303 and chosen.headers["location"] == f"/meetings/{n}/cells/1"  # the next one
    assert str(load_meeting(meeting_file).cases[0].victim.dob) == "1990-03-04"
    assert date not in cells_listed(rep.get(f"/meetings/{n}").text)  # a settled cell is no longer listed
    assert rep.get(f"/meetings/{n}/cells/{date}", follow_redirects=False).status_code == 303
    # Cressida's name corrected, then her date of birth given: still hers, under her new name.
    name = find(rep, n, "whole name")
    assert post(rep, n, name, answer="other", value="Cressida QUENTIN").status_code == 303
    dob = find(rep, n, "victim Cressida has no")
    given = post(rep, n, dob, answer="other", **{"value-day": "17", "value-month": "11", "value-year": "1985"})
    assert given.status_code == 303, given.text[-1500:]
    settle_all(rep, n)
    meeting = load_meeting(meeting_file)
    assert meeting.cases[0].victim.postcode == "SG1 2AB" and meeting.cases[1].victim.name == "Cressida QUENTIN"
    assert str(meeting.cases[1].victim.dob) == "1985-11-17"
    assert meeting.cases[0].perpetrator[0].dob is None  # confirmed: no date of birth is known
    done = rep.get(f"/meetings/{n}?settled=1").text
    assert 'id="cells-settled"' in done and 'id="apply"' in done and "ST-0901" in done


def test_a_date_of_birth_after_the_meeting_is_refused_with_the_reason_and_nothing_saved(
        rep: httpx.Client, folder: Path) -> None:
    n, meeting_file = upload(rep, folder)
    before = meeting_file.read_bytes()
    date = find(rep, n, "03/04/1990")
    refused = post(rep, n, date, answer="other", **{"value-day": "4", "value-month": "3", "value-year": "2027"})
    assert refused.status_code == 400
    assert 'class="govuk-error-summary"' in refused.text and "after the meeting" in refused.text
    assert 'href="#value-day"' in refused.text and 'value="2027"' in refused.text  # what the rep typed stays
    assert meeting_file.read_bytes() == before and date in cells_listed(rep.get(f"/meetings/{n}").text)


def test_an_impossible_or_half_typed_date_is_refused_and_nothing_saved(rep: httpx.Client, folder: Path) -> None:
    n, meeting_file = upload(rep, folder)
    before = meeting_file.read_bytes()
    for typed, reason in (({"value-day": "31", "value-month": "2", "value-year": "1990"}, "must be a real date"),
                          ({"value-day": "4", "value-month": "", "value-year": "1990"}, "must include a month"),
                          ({"value-day": "4", "value-month": "3", "value-year": "90"}, "four-digit year"),
                          ({}, "Enter the date of birth")):
        refused = post(rep, n, find(rep, n, "03/04/1990"), answer="other", **typed)
        assert refused.status_code == 400 and reason in refused.text, reason
    assert meeting_file.read_bytes() == before


def test_no_answer_chosen_is_refused_rather_than_taken_as_a_confirmation(rep: httpx.Client, folder: Path) -> None:
    n, meeting_file = upload(rep, folder)
    before = meeting_file.read_bytes()
    date = find(rep, n, "03/04/1990")
    refused = post(rep, n, date)
    assert refused.status_code == 400 and "Choose one answer" in refused.text and 'href="#answer"' in refused.text
    assert post(rep, n, date, answer="reading-7").status_code == 400  # no such reading: never an index out of range
    assert post(rep, n, find(rep, n, "Favourite colour"), answer="other").status_code == 400
    assert meeting_file.read_bytes() == before and date in cells_listed(rep.get(f"/meetings/{n}").text)


def test_a_postcode_that_is_no_postcode_or_a_name_with_a_control_character_is_refused(
        rep: httpx.Client, folder: Path) -> None:
    n, meeting_file = upload(rep, folder)
    before = meeting_file.read_bytes()
    page = rep.get(f"/meetings/{n}").text
    postcode = next(c for c in cells_listed(page) if "Postcode" in rep.get(f"/meetings/{n}/cells/{c}").text)
    refused = post(rep, n, postcode, answer="other", value="Larch Road")
    assert refused.status_code == 400 and "Enter a UK postcode" in refused.text
    name = next(c for c in cells_listed(page) if "whole name" in rep.get(f"/meetings/{n}/cells/{c}").text)
    refused = post(rep, n, name, answer="other", value="Cressida\x1b[2J QUENTIN")
    assert refused.status_code == 400 and 'class="govuk-error-summary"' in refused.text
    assert post(rep, n, name, answer="other", value="  ").status_code == 400
    assert meeting_file.read_bytes() == before


def test_a_correction_without_the_csrf_token_changes_nothing(rep: httpx.Client, folder: Path) -> None:
    n, meeting_file = upload(rep, folder)
    before = meeting_file.read_bytes()
    date = find(rep, n, "03/04/1990")
    for data in ({"answer": "reading-1"}, {"answer": "reading-1", "csrf": "0" * 64}):
        assert rep.post(f"/meetings/{n}/cells/{date}", data=data).status_code == 403
    assert meeting_file.read_bytes() == before and not (meeting_file.parent / "settled.json").exists()


def test_a_cell_settled_once_cannot_be_settled_again_from_an_old_page(rep: httpx.Client, folder: Path) -> None:
    n, meeting_file = upload(rep, folder)
    date = find(rep, n, "03/04/1990")
    page = rep.get(f"/meetings/{n}/cells/{date}").text
    assert rep.post(f"/meetings/{n}/cells/{date}", data={"csrf": csrf_of(page), "answer": "reading-1"},
                    follow_redirects=False).status_code == 303
    after = meeting_file.read_bytes()
    again = rep.post(f"/meetings/{n}/cells/{date}", data={"csrf": csrf_of(page), "answer": "reading-0"},
                     follow_redirects=False)
    assert again.status_code == 409 and meeting_file.read_bytes() == after


def test_a_value_is_never_put_on_another_person_when_the_file_changed_since_the_import(
        rep: httpx.Client, folder: Path) -> None:
    n, meeting_file = upload(rep, folder)
    data = yaml.safe_load(meeting_file.read_text())
    data["cases"].reverse()  # edited by hand: the first case is now another victim's
    meeting_file.write_text(yaml.safe_dump(data, sort_keys=False))
    before = meeting_file.read_bytes()
    refused = post(rep, n, find(rep, n, "03/04/1990"), answer="reading-1")
    assert refused.status_code == 400 and "has changed here since the agenda was imported" in refused.text
    assert meeting_file.read_bytes() == before


def test_what_was_settled_is_kept_with_the_meeting_through_a_restart_and_names_no_one(
        rep: httpx.Client, folder: Path, served: Served) -> None:
    n, meeting_file = upload(rep, folder)
    settle_all(rep, n)
    kept = (meeting_file.parent / "settled.json").read_text()
    assert len(json.loads(kept)["settled"]) == 6
    assert not any(name in kept for name in NAMES)  # ids only: the values are in the meeting file
    again = start(folder, "--sandbox", "records.yaml", "--state", "state")
    try:
        with httpx.Client(base_url=again.base, timeout=60, follow_redirects=True) as client:
            client.get(again.url)
            listed = client.get("/").text
            numbers = [int(m) for m in re.findall(r'href="/meetings/(\d+)"', listed)]
            pages = {m: client.get(f"/meetings/{m}").text for m in numbers}
            settled = [m for m, text in pages.items() if 'id="apply"' in text]
            waiting = [m for m, text in pages.items() if 'id="import-unsure"' in text]
            assert settled and waiting  # this meeting's cells stay settled; the others' are still listed
            assert all(cells_listed(pages[m]) for m in waiting)
    finally:
        log = again.stop()
    assert not any(name in log for name in NAMES), log


def test_no_name_or_date_from_the_agenda_reaches_a_url_or_the_log(rep: httpx.Client, folder: Path,
                                                                  served: Served) -> None:
    n, _ = upload(rep, folder)
    for path in (f"/meetings/{n}", f"/meetings/{n}/cells/1", f"/meetings/{n}/cells/2"):
        page = rep.get(path).text
        for url in re.findall(r'(?:href|action|hx-post|hx-get)="([^"]*)"', page):
            assert not any(name.casefold() in url.casefold() for name in NAMES), (path, url)
    answered = post(rep, n, find(rep, n, "03/04/1990"), answer="reading-1")
    assert not any(name in answered.headers.get("location", "") for name in NAMES)
    log = served.stderr_path.read_text()
    assert not any(name in log for name in NAMES), log


def test_a_date_typed_beside_a_reading_chosen_is_refused_rather_than_dropped_in_silence(
        rep: httpx.Client, folder: Path) -> None:
    n, meeting_file = upload(rep, folder)
    before = meeting_file.read_bytes()
    date = find(rep, n, "03/04/1990")
    refused = post(rep, n, date, answer="reading-0", **{"value-day": "5", "value-month": "6", "value-year": "1990"})
    assert refused.status_code == 400 and "also typed a date of birth" in refused.text
    assert meeting_file.read_bytes() == before
    typed = post(rep, n, date, **{"value-day": "5", "value-month": "6", "value-year": "1990"})  # no radio: the box
    assert typed.status_code == 303 and str(load_meeting(meeting_file).cases[0].victim.dob) == "1990-06-05"
