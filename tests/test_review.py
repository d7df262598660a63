"""marac review: unsure matches go to the rep; nothing is written to them until confirmed."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from marac_core.cli.main import main

MEETING = {
    "meeting": {"area": "Doncaster", "date": "2026-12-03", "procedure": "rdash"},
    "cases": [{"ref": "DN-1", "victim": {"name": "Amy TWIN", "dob": "2001-04-04"},
               "perpetrator": {"name": "Mark JONES", "dob": "1988-07-01"}}],
}
# Two records equally like the victim: the same name and date of birth (a duplicate in the system).
RECORDS = {"systmone": [
    {"id": "S1-1", "name": "Amy Twin", "dob": "2001-04-04", "open": True},
    {"id": "S1-2", "name": "Amy Twin", "dob": "2001-04-04", "open": True},
    {"id": "S1-3", "name": "Mark Jones", "dob": "1988-07-01", "open": True},
]}


def files(tmp_path: Path) -> tuple[Path, Path]:
    meeting, records = tmp_path / "meeting.yaml", tmp_path / "records.yaml"
    meeting.write_text(yaml.safe_dump(MEETING))
    records.write_text(yaml.safe_dump(RECORDS))
    return meeting, records


def marac(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def apply(meeting: Path, records: Path, state: Path) -> dict:
    code, out, err = marac("apply", meeting, "--sandbox", records, "--state", state, "--on", "2026-12-01", "--json")
    assert code == 0, err
    return json.loads(out)


def victim_alerts(state: Path) -> list[str]:
    code, out, _ = marac("sandbox", "dump", "--state", state, "--json")
    return [a["record"] for a in json.loads(out)["systmone"]["alerts"] if a["record"] != "S1-3"]


def test_an_ambiguous_match_is_reviewed_and_nothing_is_written_until_the_rep_confirms(tmp_path: Path) -> None:
    meeting, records = files(tmp_path)
    first = apply(meeting, records, tmp_path)
    assert [r["review"] for r in first["reviews"]] == ["DN-1/victim-0/systmone"]
    assert {c["record"] for c in first["reviews"][0]["candidates"]} == {"S1-1", "S1-2"}
    assert not [o for o in first["obligations"] if o["role"] == "victim" and o["system"] == "systmone"]
    assert victim_alerts(tmp_path) == []
    code, out, _ = marac("review", meeting, "--sandbox", records, "--state", tmp_path, "--on", "2026-12-01",
                         "--confirm", "DN-1/victim-0/systmone=S1-2")
    assert code == 0 and "confirm S1-2" in out
    second = apply(meeting, records, tmp_path)
    assert second["reviews"] == []
    assert victim_alerts(tmp_path) == ["S1-2"]


def test_a_rejected_match_means_no_record(tmp_path: Path) -> None:
    meeting, records = files(tmp_path)
    marac("review", meeting, "--sandbox", records, "--state", tmp_path, "--on", "2026-12-01",
          "--reject", "DN-1/victim-0/systmone")
    applied = apply(meeting, records, tmp_path)
    assert applied["reviews"] == [] and victim_alerts(tmp_path) == []


def test_confirming_a_record_that_was_not_offered_is_refused(tmp_path: Path) -> None:
    meeting, records = files(tmp_path)
    code, _, err = marac("review", meeting, "--sandbox", records, "--state", tmp_path, "--on", "2026-12-01",
                         "--confirm", "DN-1/victim-0/systmone=S1-3")
    assert code == 2 and "not one of the records offered" in err
    code, _, err = marac("review", meeting, "--sandbox", records, "--state", tmp_path, "--on", "2026-12-01",
                         "--confirm", "DN-1/child-0/systmone=S1-1")
    assert code == 2 and "not an open review" in err
    apply(meeting, records, tmp_path)
    assert victim_alerts(tmp_path) == []


def test_the_role_and_meeting_day_reach_the_matcher_a_child_without_dob_at_the_address(tmp_path: Path) -> None:
    # Father and son of one name at one address; the agenda gives neither a date of birth. The
    # child is matched by age and postcode; the adult goes to review (it could be either).
    meeting, records = tmp_path / "meeting.yaml", tmp_path / "records.yaml"
    meeting.write_text(yaml.safe_dump({
        "meeting": {"area": "Doncaster", "date": "2026-12-03", "procedure": "rdash"},
        "cases": [{"ref": "DN-1", "victim": {"name": "Amy JONES", "dob": "1990-04-04"},
                   "perpetrator": {"name": "Tom JONES", "postcode": "dn1 3bu"},
                   "children": [{"name": "Tom JONES", "postcode": "DN1  3BU"}]}]}))
    records.write_text(yaml.safe_dump({"systmone": [
        {"id": "S1-1", "name": "Amy Jones", "dob": "1990-04-04", "open": True},
        {"id": "S1-2", "name": "Tom Jones", "dob": "1968-07-01", "postcode": "DN1 3BU", "open": True},
        {"id": "S1-3", "name": "Tom Jones", "dob": "2016-02-02", "postcode": "dn13bu", "open": True},
    ]}))
    code, out, err = marac("plan", meeting, "--sandbox", records, "--state", tmp_path, "--on", "2026-12-04", "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert [r["review"] for r in plan["reviews"]] == ["DN-1/perpetrator-0/systmone"]
    assert {o["record"] for o in plan["obligations"] if o["role"] == "child" and o["system"] == "systmone"} == {"S1-3"}


def test_the_readmes_case_person_system_form_names_a_review_by_role_or_by_name(tmp_path: Path) -> None:
    meeting, records = files(tmp_path)
    code, out, err = marac("review", meeting, "--sandbox", records, "--state", tmp_path, "--on", "2026-12-01",
                           "--confirm", "DN-1/victim/systmone=S1-2")
    assert code == 0, err
    assert "confirm S1-2" in out and "marac apply" in out  # and what comes next
    apply(meeting, records, tmp_path)
    assert victim_alerts(tmp_path) == ["S1-2"]
    other = tmp_path / "other"
    code, out, err = marac("review", meeting, "--sandbox", records, "--state", other, "--on", "2026-12-01",
                           "--reject", "DN-1/amy twin/systmone")  # by name, as the rep types it
    assert code == 0, err
    apply(meeting, records, other)
    assert victim_alerts(other) == []


def test_a_name_that_is_no_one_under_review_is_refused_with_the_open_reviews(tmp_path: Path) -> None:
    meeting, records = files(tmp_path)
    code, _, err = marac("review", meeting, "--sandbox", records, "--state", tmp_path, "--on", "2026-12-01",
                         "--confirm", "DN-1/Mark JONES/systmone=S1-1")
    assert code == 2 and "DN-1/victim/systmone" in err and len(err.strip().splitlines()) == 1


def test_without_a_terminal_review_says_how_to_answer_and_exits_non_zero(tmp_path: Path) -> None:
    meeting, records = files(tmp_path)
    code, out, _ = marac("review", meeting, "--sandbox", records, "--state", tmp_path, "--on", "2026-12-01")
    assert code == 1
    assert "--confirm 'DN-1/victim/systmone=RECORD'" in out and "S1-1, S1-2" in out


def test_at_the_prompt_the_record_id_is_accepted() -> None:
    from marac_core.cli.display import answer_of

    offered = ["S1-1", "S1-2"]
    assert answer_of("S1-2", offered) == "S1-2" and answer_of("s1-1", offered) == "S1-1"
    assert answer_of("2", offered) == "S1-2" and answer_of("n", offered) == "n" and answer_of("", offered) == "s"
    assert answer_of("S1-3", offered) is None and answer_of("3", offered) is None
