"""Writing a rep's meeting file back loses nothing they wrote: comments, order, flow mappings, quoting.

The workbench's outcome save (over HTTP, the real ``marac workbench``) and ``marac import-minutes
--write`` change only what they save; what is written reads back strictly as the data meant, or
nothing is written at all.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from agenda_files import docx, marac
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from workbench.harness import Served, csrf_of, demo_copy, start

from marac_core.cli.agenda import read_strictly
from marac_core.intake import meeting_writer
from marac_core.intake.meeting_file import read_meeting_data
from marac_core.intake.meeting_writer import written_back
from marac_core.intake.strict_yaml import load_yaml
from marac_core.model.errors import InputError

# The demo's Doncaster meeting as a rep annotates it by hand.
RDASH = """\
# Doncaster MARAC, 3 December 2026: my copy.
# Outcomes are typed in at the meeting.

meeting:
  area: Doncaster       # as the wording says it
  date: 2026-12-03
  time: "10:00"         # quoted, or YAML reads a number
  procedure: rdash
  representative: {name: A Rep, email: a.rep@example.org}
  deputy: {name: B Dep, email: b.dep@example.org}
  coordinator: {name: C Coord, email: marac@example.org}

cases:
  - ref: DN-0412        # second time at MARAC
    referring_agency: 'Police'
    victim: {name: Sarah JONES, dob: 1991-03-14, nhs_number: "9434765919"}
    perpetrator: {name: Mark JONES, dob: 1988-07-01}
    children:
      - {name: Lily JONES, dob: 2019-05-22}   # at nursery
    outcome:
      summary: Free text summary of the discussion.   # agreed wording
      risk_factors: ["Police warning marker: weapons"]
      actions:
        - {agency: RDaSH, text: Offer a mental health assessment, person: Sarah JONES}  # the GP knows
      children:
        - {name: Lily JONES, in_contact: true}
      minutes: minutes/DN-2026-12-03.pdf

  # Both under 18: check with the school before anything is sent.
  - ref: DN-0413
    referring_agency: IDVA
    victim: {name: Chloe BROWN, dob: 2009-08-19}
    perpetrator: {name: Jordan SMITH, dob: 2008-01-05}   # not yet charged
# end of the cases
"""

COMMENTS = [line.split("#", 1)[1] for line in RDASH.splitlines() if "#" in line]


def _kept_in_order(before: str, after: str) -> list[str]:
    """The lines of ``before`` missing from ``after`` as a subsequence (none: only lines were added)."""
    lines = iter(after.splitlines())
    return [line for line in before.splitlines() if not any(line == other for other in lines)]


# --- the workbench's outcome form ---------------------------------------------------------------

@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = demo_copy(tmp_path_factory.mktemp("keep-comments"))
    (folder / "rdash-meeting.yaml").write_text(RDASH, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def rep(folder: Path) -> Iterator[httpx.Client]:
    served: Served = start(folder, "rdash-meeting.yaml", "--sandbox", "records.yaml", "--state", "state")
    client = httpx.Client(base_url=served.base, timeout=60, follow_redirects=True)
    assert client.get(served.url).status_code == 200
    yield client
    client.close()
    served.stop()


def test_an_outcome_saved_in_the_workbench_loses_none_of_the_reps_comments_or_layout(rep: httpx.Client,
                                                                                    folder: Path) -> None:
    path = folder / "rdash-meeting.yaml"
    page = rep.get("/meetings/1/cases/2").text
    saved = rep.post("/meetings/1/cases/2/outcome", data={
        "csrf": csrf_of(page), "summary": "School involved.\nBoth under 18.", "risk_factors": "Stalking\nyes",
        "action-0-agency": "RDaSH", "action-0-text": "Offer a CAMHS assessment", "action-0-person": "Chloe BROWN",
        "action-0-due": "2026-12-10"}, headers={"hx-request": "true"})
    assert saved.status_code == 200 and "Saved to the meeting file" in saved.text
    after = path.read_text(encoding="utf-8")
    assert _kept_in_order(RDASH, after) == []  # every line the rep wrote, as written and in its place
    assert after.index("# not yet charged") < after.index("outcome:", after.index("DN-0413")) < after.index(
        "# end of the cases")
    assert "due: 2026-12-10" in after  # the new parts read as a hand-written file does
    outcome = read_strictly(path).cases[1].outcome  # as `marac check` reads it
    assert outcome is not None and outcome.summary == "School involved.\nBoth under 18."
    assert outcome.risk_factors == ["Stalking", "yes"]  # text, not YAML 1.1's true
    assert [a.model_dump(mode="json", exclude_none=True) for a in outcome.actions] == [
        {"agency": "RDaSH", "text": "Offer a CAMHS assessment", "due": "2026-12-10", "person": "Chloe BROWN"}]


def test_changing_a_saved_outcome_in_the_workbench_changes_only_its_lines(rep: httpx.Client, folder: Path) -> None:
    path = folder / "rdash-meeting.yaml"
    before_text = path.read_text(encoding="utf-8")
    before = read_meeting_data(path)
    page = rep.get("/meetings/1/cases/1").text
    saved = rep.post("/meetings/1/cases/1/outcome", data={
        "csrf": csrf_of(page), "summary": "Changed at the meeting.", "risk_factors": "Police warning marker: weapons",
        "action-0-agency": "RDaSH", "action-0-text": "Offer a mental health assessment",
        "action-0-person": "Sarah JONES", "child-0-in_contact": "yes"}, headers={"hx-request": "true"})
    assert saved.status_code == 200 and "Saved to the meeting file" in saved.text
    after_text = path.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(before_text.splitlines(), after_text.splitlines(), strict=True) if a != b]
    assert changed == [("      summary: Free text summary of the discussion.   # agreed wording",
                        "      summary: Changed at the meeting.                # agreed wording")]
    meant = copy.deepcopy(before)
    meant["cases"][0]["outcome"]["summary"] = "Changed at the meeting."
    assert read_meeting_data(path) == meant


# --- marac import-minutes --write ---------------------------------------------------------------

@pytest.fixture
def herts(tmp_path: Path) -> Path:
    """The demo's Stevenage meeting written by hand, with comments, and no actions yet."""
    demo = Path(__file__).resolve().parent.parent / "marac_core" / "cli" / "demo"
    shutil.copytree(demo / "minutes", tmp_path / "minutes")
    path = tmp_path / "meeting.yaml"
    path.write_text(HERTS, encoding="utf-8")
    return path


HERTS = """\
# Stevenage MARAC, December.
meeting:
  area: Stevenage
  date: 2026-12-03
  time: '10:00'
  procedure: herts-childrens
  representative: {name: Sam Carter, email: sam.carter@example.org}   # me
  assessment_team: {name: Assessment Team Stevenage, email: assessment.stevenage@example.org}
cases:
  - ref: ST-0101   # police referral
    victim: {name: Sarah JONES, dob: 1991-03-14}
    perpetrator: {name: Mark JONES, dob: 1988-07-01}
    children:
      - {name: Lily JONES, dob: 2019-05-22}
      - {name: Tom JONES, dob: 2016-02-02}
    outcome:
      summary: "Safety plan; school to be informed."   # from the chair
      minutes: minutes/ST-2026-12-03.pdf

  # IDVA's case: Priya asked for contact by phone only.
  - ref: ST-0102
    victim: {name: Priya SHAH, dob: 1995-09-30}
    children:
      - {name: Aisha SHAH, dob: 2021-11-11}
    outcome:
      summary: Victim engaging with IDVA.
      actions:
        - {agency: IDVA, text: Phone weekly}   # agreed before the minutes came
"""


def test_import_minutes_write_loses_none_of_the_reps_comments_or_layout(tmp_path: Path, herts: Path) -> None:
    minutes = docx(tmp_path / "minutes.docx", [
        ("Case 1: ST-0101", [["Agency", "Action", "Timescale", "Person"],
                             ["Children's Services", "Home visit", "within 72 hours", "Lily"]]),
        ("Case 2: ST-0102", [["Agency", "Action", "Timescale", "Person"],
                             ["IDVA", "Safety plan review", "2 weeks", "SHAH, Priya"]])])
    before = read_meeting_data(herts)
    written = marac("import-minutes", minutes, "--meeting", herts, "--write")
    assert written.exit_code == 0, written.stderr
    after = herts.read_text(encoding="utf-8")
    assert _kept_in_order(HERTS, after) == []
    assert "        - {agency: IDVA, text: Safety plan review, due: 2026-12-17, person: Priya SHAH}\n" in after
    assert after.index("text: Home visit") < after.index("# IDVA's case")  # each action under its own case
    meant = copy.deepcopy(before)
    meant["cases"][0]["outcome"]["actions"] = [
        {"agency": "Children's Services", "text": "Home visit", "due": "2026-12-06", "person": "Lily JONES"}]
    meant["cases"][1]["outcome"]["actions"].append(
        {"agency": "IDVA", "text": "Safety plan review", "due": "2026-12-17", "person": "Priya SHAH"})
    assert read_meeting_data(herts) == meant
    read_strictly(herts)


def test_import_minutes_write_keeps_a_json_meeting_file_json(tmp_path: Path, herts: Path) -> None:
    as_json = herts.with_suffix(".json")
    as_json.write_text(json.dumps(load_yaml(HERTS, "meeting"), indent=2), encoding="utf-8")
    minutes = docx(tmp_path / "minutes.docx", [
        ("Case 1: ST-0101", [["Agency", "Action", "Timescale", "Person"], ["Police", "Check markers", "", ""]])])
    written = marac("import-minutes", minutes, "--meeting", as_json, "--write")
    assert written.exit_code == 0, written.stderr
    data = json.loads(as_json.read_text(encoding="utf-8"))
    assert data["cases"][0]["outcome"]["actions"] == [{"agency": "Police", "text": "Check markers"}]
    assert read_strictly(as_json).cases[0].outcome.actions[0].text == "Check markers"  # type: ignore[union-attr]


def test_a_write_back_that_would_read_as_anything_else_is_refused_and_nothing_written(
        tmp_path: Path, herts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    minutes = docx(tmp_path / "minutes.docx", [
        ("Case 1: ST-0101", [["Agency", "Action", "Timescale", "Person"], ["Police", "Check markers", "", ""]])])
    monkeypatch.setattr(meeting_writer, "_sync", lambda node, old, new: "")  # a writer that drops the change
    before = herts.read_bytes()
    result = marac("import-minutes", minutes, "--meeting", herts, "--write")
    assert result.exit_code == 2
    assert "would read differently" in result.stderr and "cases[0].outcome" in result.stderr
    assert herts.read_bytes() == before
    assert sorted(p.name for p in herts.parent.iterdir()) == ["meeting.yaml", "minutes", "minutes.docx"]


# --- any meeting file, any outcome --------------------------------------------------------------

_WORD = st.text(alphabet="abcdefghij KLMNOP-'", min_size=1, max_size=12).map(str.strip).filter(bool)
_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85")
                | st.just("\n"), max_size=30)
_OUTCOME = st.fixed_dictionaries({}, optional={
    "summary": _TEXT,
    "risk_factors": st.lists(_TEXT, max_size=3),
    "actions": st.lists(st.fixed_dictionaries({"agency": _TEXT, "text": _TEXT},
                                              optional={"due": st.sampled_from(["2026-12-10", "2026-1-1", "soon"])}),
                        max_size=3),
    "minutes": st.sampled_from(["minutes/a.pdf", "minutes/b c.docx"]),
})


def _scalar(value: str, quoted: bool) -> str:
    return json.dumps(value) if quoted or not re.fullmatch(r"[A-Za-z][A-Za-z ]*", value) else value


@st.composite
def _meeting_files(draw: st.DrawFn) -> tuple[str, list[str], dict[int, list[str]]]:
    """A meeting file's text, with comments top, inline and between cases; those comments; and
    the comments inside each case's outcome (one on each action)."""
    comments: list[str] = []
    in_outcome: dict[int, list[str]] = {}

    def comment() -> str:
        text = f"c{len(comments)} {draw(_WORD)}"
        comments.append(text)
        return f"# {text}"

    p = draw(st.sampled_from(["", "  "]))  # `cases:` then `- ref:` or `  - ref:`
    lines = [comment(), "meeting:", f"  area: {_scalar(draw(_WORD), draw(st.booleans()))}   {comment()}",
             "  date: 2026-12-03", "cases:"]
    for index in range(draw(st.integers(1, 4))):
        if index and draw(st.booleans()):
            lines += ["", f"{p}{comment()}"]
        lines.append(f"{p}- ref: R-{index}   {comment()}")
        name, quoted = draw(_WORD), draw(st.booleans())
        if draw(st.booleans()):
            lines.append(f"{p}  victim: {{name: {_scalar(name, quoted)}, dob: 1990-01-01}}")
        else:
            lines += [f"{p}  victim:", f"{p}    name: {_scalar(name, quoted)}   {comment()}"]
        if draw(st.booleans()):
            lines += [f"{p}  outcome:", f"{p}    summary: {_scalar(draw(_WORD), draw(st.booleans()))}",
                      f"{p}    actions:"]
            for number in range(draw(st.integers(1, 3))):
                lines.append(f"{p}      - {{agency: Police, text: Visit {number}}}   {comment()}")
                in_outcome.setdefault(index, []).append(comments[-1])
    lines.append(comment())
    return "\n".join(lines) + "\n", comments, in_outcome


@settings(max_examples=max(60, int(os.environ.get("MARAC_PROPERTY_EXAMPLES", "0"))), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(_meeting_files(), st.data())
def test_saving_one_outcome_changes_nothing_else_of_any_meeting_file(
        file: tuple[str, list[str], dict[int, list[str]]], data: st.DataObject) -> None:
    text, comments, in_outcome = file
    old = load_yaml(text, "meeting.yaml")
    index = data.draw(st.integers(0, len(old["cases"]) - 1))
    held = old["cases"][index].get("outcome")
    removed = None
    if held and data.draw(st.booleans()):  # an edit of what is there: a new summary, one action fewer
        outcome = copy.deepcopy(held)
        outcome["summary"] = data.draw(_TEXT)
        removed = data.draw(st.integers(0, len(outcome["actions"]) - 1))
        del outcome["actions"][removed]
    else:
        outcome = data.draw(_OUTCOME)
    meant = copy.deepcopy(old)
    if outcome:
        meant["cases"][index]["outcome"] = outcome
    else:
        meant["cases"][index].pop("outcome", None)
    try:
        written = written_back(text, ".yaml", old, meant, "meeting.yaml")
    except InputError as error:  # refused is safe; but every outcome here can be written
        pytest.fail(f"refused: {error}")
    assert load_yaml(written, "meeting.yaml") == meant  # the one outcome changed, nothing else
    kept = [c for c in comments if f"# {c}\n" in written]
    own = in_outcome.get(index, [])
    may_go = {own[removed]} if removed is not None else set(own)  # only those of actions taken away
    assert set(comments) - set(kept) <= may_go, written
    assert sorted(kept, key=written.index) == kept  # each where it was


def test_the_readable_style_of_a_new_value_still_reads_as_the_text_meant() -> None:
    # `yes`, `0123`, `1:20`, `~` and empty are text here; YAML 1.1 (the strict reader) would read them otherwise.
    text = "meeting: {area: A, date: 2026-12-03}\ncases:\n  - ref: R\n    victim: {name: A B}\n"
    old = load_yaml(text, "m")
    for value in ["yes", "0123", "1:20", "~", "", " lead", "trail ", "a: b", "#x", "two\nlines", "\n", "a\n\n"]:
        meant = copy.deepcopy(old)
        meant["cases"][0]["outcome"] = {"summary": value, "actions": [{"agency": value, "text": "x", "due": value}]}
        assert load_yaml(written_back(text, ".yaml", old, meant, "m"), "m") == meant, value


def test_comments_above_a_document_start_and_windows_line_ends_are_kept() -> None:
    text = ("# top\r\n---\r\nmeeting: {area: A, date: 2026-12-03}   # inline\r\ncases:\r\n"
            "- ref: R\r\n  victim: {name: A B}\r\n")
    old = load_yaml(text, "m")
    meant = copy.deepcopy(old)
    meant["cases"][0]["outcome"] = {"summary": "Seen"}
    written = written_back(text, ".yaml", old, meant, "m")
    assert written == text + "  outcome:\r\n    summary: Seen\r\n"


def test_removing_an_action_keeps_the_comments_of_the_others_and_of_what_follows() -> None:
    text = """\
meeting: {area: A, date: 2026-12-03}
cases:
  - ref: R
    victim: {name: A B}
    outcome:
      actions:
        - {agency: Police, text: Visit}   # the first
        - {agency: IDVA, text: Call}      # the second
        - {agency: GP, text: Letter}      # the third
  # the next case
  - ref: S
    victim: {name: C D}
"""
    old = load_yaml(text, "m")
    for removed in range(3):
        meant = copy.deepcopy(old)
        del meant["cases"][0]["outcome"]["actions"][removed]
        written = written_back(text, ".yaml", old, meant, "m")
        assert load_yaml(written, "m") == meant
        kept = [line for line in text.splitlines() if f"{['first', 'second', 'third'][removed]}" not in line]
        assert written.splitlines() == kept, written
    meant = copy.deepcopy(old)
    del meant["cases"][0]["outcome"]
    written = written_back(text, ".yaml", old, meant, "m")
    assert "  # the next case\n  - ref: S" in written and "outcome" not in written
