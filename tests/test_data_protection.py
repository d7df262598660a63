"""Research packs, repeat MARACs and the runner's own state: no plaintext personal data at rest."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from marac_core.cli.demo import bundled
from marac_core.cli.main import main

DEMO = bundled()
RECORDS = DEMO / "records.yaml"
RDASH = DEMO / "rdash-meeting.yaml"
PERSONAL = [b"Sarah", b"JONES", b"Jones", b"Mark", b"Lily", b"Chloe", b"BROWN", b"Jordan", b"1991-03-14",
            b"14/03/1991", b"1988-07-01", b"2019-05-22", b"9434765919"]


def marac(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def run(command: str, meeting: Path, state: Path, on: str, *extra: object) -> dict:
    code, out, err = marac(command, meeting, "--sandbox", RECORDS, "--state", state, "--on", on, "--json", *extra)
    assert code == 0, err
    return json.loads(out)


def test_no_plaintext_name_date_of_birth_or_nhs_number_anywhere_in_the_runners_state(tmp_path: Path) -> None:
    run("apply", RDASH, tmp_path, "2026-12-01")
    run("apply", RDASH, tmp_path, "2026-12-03")
    # Reading the state back (status, due, show) writes nothing readable into it either; the calendar the
    # rep exports goes where the rep puts it (outside the state), with its events marked confidential.
    marac("due", "--state", tmp_path, "--ics", tmp_path.parent / f"{tmp_path.name}-due.ics")
    marac("status", RDASH, "--state", tmp_path)
    checked = 0
    for path in tmp_path.rglob("*"):
        if path.is_dir() or tmp_path / "sandbox" in path.parents:
            continue  # The emulated record systems keep their own data under sandbox/, as real ones would.
        data = path.read_bytes()
        checked += 1
        assert not [p for p in PERSONAL if p in data], f"personal data in {path.relative_to(tmp_path)}"
    assert checked >= 1 and (tmp_path / "ledger.sqlite").stat().st_size > 10_000


def test_a_research_pack_is_kept_encrypted_before_the_meeting_and_destroyed_after_it(tmp_path: Path) -> None:
    run("apply", RDASH, tmp_path, "2026-12-01", "--phase", "before")
    packs = list((tmp_path / "research").rglob("*.pack"))
    assert len(packs) == 2
    assert not [p for p in PERSONAL for pack in packs if p in pack.read_bytes()]
    code, out, _ = marac("research", RDASH, "--sandbox", RECORDS, "--state", tmp_path, "--on", "2026-12-02",
                         "--json")
    shown = json.loads(out)
    victim = shown[0]["people"][0]
    assert code == 0 and victim["name"] == "Sarah JONES"
    assert victim["systems"]["systmone"] == {"status": "matched", "record": "S1-9001", "open": True, "team": None,
                                             "allocated_worker": None, "candidates": ["S1-9001"]}
    run("apply", RDASH, tmp_path, "2026-12-03")  # the meeting has taken place
    assert not list((tmp_path / "research").rglob("*.pack"))
    code, _, err = marac("research", RDASH, "--sandbox", RECORDS, "--state", tmp_path, "--on", "2026-12-03")
    assert code == 2 and "destroyed" in err


def test_research_packs_are_read_with_state_alone_and_destroyed_on_request(tmp_path: Path) -> None:
    run("apply", RDASH, tmp_path, "2026-12-01", "--phase", "before")
    code, out, err = marac("research", RDASH, "--state", tmp_path, "--json")
    assert code == 0, err
    assert [pack["case"] for pack in json.loads(out)] == ["DN-0412", "DN-0413"]
    code, out, _ = marac("research", RDASH, "--state", tmp_path, "--destroy")
    assert code == 0 and "destroyed" in out
    assert not list((tmp_path / "research").rglob("*.pack"))


def test_a_preview_as_of_any_day_leaves_the_research_packs_before_the_meeting_as_they_were(tmp_path: Path) -> None:
    run("apply", RDASH, tmp_path, "2026-12-01", "--phase", "before")
    held = {p: p.read_bytes() for p in (tmp_path / "research").rglob("*.pack")}
    for day in ("2026-11-20", "2026-12-02", "2026-12-03", "2027-06-01", "2028-01-10"):
        run("plan", RDASH, tmp_path, day)
        for phase in ("before", "after", "followup"):
            run("plan", RDASH, tmp_path, day, "--phase", phase)
    assert held and {p: p.read_bytes() for p in (tmp_path / "research").rglob("*.pack")} == held


def test_state_files_and_folders_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    state = tmp_path / "state"
    run("apply", RDASH, state, "2026-12-01", "--phase", "before")
    run("apply", RDASH, state, "2026-12-03")
    paths = [state, *state.rglob("*")]
    assert len(paths) > 5
    loose = [f"{p.relative_to(tmp_path)} {p.stat().st_mode & 0o777:o}" for p in paths
             if p.stat().st_mode & 0o077]
    assert not loose


def test_a_victim_heard_again_within_12_months_is_marked_as_a_repeat(tmp_path: Path) -> None:
    earlier = tmp_path / "earlier.yaml"
    text = RDASH.read_text().replace("date: 2026-12-03", "date: 2026-06-04")
    earlier.write_text(text.replace("minutes: minutes/DN-2026-12-03.pdf", ""))
    assert run("apply", earlier, tmp_path, "2026-06-01")["repeats"] == []
    repeats = run("apply", RDASH, tmp_path, "2026-12-01", "--phase", "before")["repeats"]
    assert repeats == [{"case": "DN-0412", "previous_meeting": "2026-06-04"},
                       {"case": "DN-0413", "previous_meeting": "2026-06-04"}]
    much_later = tmp_path / "later.yaml"
    much_later.write_text(RDASH.read_text().replace("date: 2026-12-03", "date: 2027-06-10").replace(
        "minutes: minutes/DN-2026-12-03.pdf", ""))
    # June 2026 is more than 12 months before June 2027: only December counts.
    assert run("plan", much_later, tmp_path, "2027-06-01")["repeats"] == [
        {"case": "DN-0412", "previous_meeting": "2026-12-03"}, {"case": "DN-0413", "previous_meeting": "2026-12-03"}]
    different = tmp_path / "other.yaml"
    different.write_text(RDASH.read_text().replace("date: 2026-12-03", "date: 2027-01-07").replace(
        "Sarah JONES, dob: 1991-03-14, nhs_number: \"9434765919\"", "Sarah JONES, dob: 1992-03-14").replace(
        "minutes: minutes/DN-2026-12-03.pdf", ""))
    assert [r["case"] for r in run("plan", different, tmp_path, "2027-01-01")["repeats"]] == ["DN-0413"]
