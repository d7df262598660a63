"""The sandbox kept apart (issue 18, point 1): its own state, and never the old records in silence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from marac_core.cli.demo import bundled
from marac_core.cli.main import main

DEMO = bundled()
RECORDS = DEMO / "records.yaml"
RDASH = DEMO / "rdash-meeting.yaml"


def marac(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def real_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The real default state, pointed at a folder of the test's (platformdirs follows XDG_DATA_HOME)."""
    data = tmp_path / "user-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    return data / "marac"


def closed_victim_records(tmp_path: Path) -> Path:
    """The demo's records with the victim's SystmOne record closed and the perpetrator's removed."""
    text = RECORDS.read_text()
    text = text.replace('name: Sarah Jones, dob: 1991-03-14, open: true', 'name: Sarah Jones, dob: 1991-03-14, open: false')
    text = text.replace("  - {id: S1-9002, name: Mark Jones, dob: 1988-07-01, open: true}\n", "")
    assert text != RECORDS.read_text()
    path = tmp_path / "records2.yaml"
    path.write_text(text)
    return path


def systmone_alerts(plan: dict) -> set[str | None]:
    return {o["record"] for o in plan["obligations"] if o["system"] == "systmone" and o["action"] == "alert"}


def test_a_second_records_file_is_refused_for_the_same_state_never_ignored(tmp_path: Path, real_default: Path) -> None:
    state = tmp_path / "state"
    code, out, err = marac("apply", RDASH, "--sandbox", RECORDS, "--state", state, "--on", "2026-12-01", "--json")
    assert code == 0, err
    second = closed_victim_records(tmp_path)
    code, out, err = marac("plan", RDASH, "--sandbox", second, "--state", state, "--on", "2026-12-01", "--json")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert str(second) in err and f"marac sandbox reset --state {state}" in err
    # The same records written another way (another order, comments) are the same records.
    reordered = tmp_path / "same.yaml"
    reordered.write_text("# the same records\n" + RECORDS.read_text())
    code, _, err = marac("plan", RDASH, "--sandbox", reordered, "--state", state, "--on", "2026-12-01", "--json")
    assert code == 0, err


def test_after_a_reset_the_second_records_file_is_what_the_sandbox_holds(tmp_path: Path, real_default: Path) -> None:
    state = tmp_path / "state"
    code, out, _ = marac("plan", RDASH, "--sandbox", RECORDS, "--state", state, "--on", "2026-12-01", "--json")
    assert code == 0 and "S1-9001" in systmone_alerts(json.loads(out))
    code, out, _ = marac("sandbox", "reset", "--state", state)
    assert code == 0 and "reset" in out
    code, out, err = marac("plan", RDASH, "--sandbox", closed_victim_records(tmp_path), "--state", state,
                           "--on", "2026-12-01", "--json")
    assert code == 0, err
    alerts = systmone_alerts(json.loads(out))
    assert "S1-9001" not in alerts and "S1-9002" not in alerts  # closed, removed


def test_without_state_each_records_file_gets_a_sandbox_of_its_own(tmp_path: Path, real_default: Path) -> None:
    code, out, _ = marac("plan", RDASH, "--sandbox", RECORDS, "--on", "2026-12-01", "--json")
    assert code == 0 and "S1-9001" in systmone_alerts(json.loads(out))
    code, out, err = marac("plan", RDASH, "--sandbox", closed_victim_records(tmp_path), "--on", "2026-12-01", "--json")
    assert code == 0, err
    assert "S1-9001" not in systmone_alerts(json.loads(out))


def test_a_sandbox_apply_without_state_leaves_the_real_default_state_untouched(tmp_path: Path,
                                                                                real_default: Path) -> None:
    real_default.mkdir(parents=True)
    (real_default / "kept.txt").write_text("the rep's own")
    before = sorted(p.relative_to(real_default) for p in real_default.rglob("*"))
    code, _, err = marac("apply", RDASH, "--sandbox", RECORDS, "--on", "2026-12-03", "--json")
    assert code == 0, err
    assert sorted(p.relative_to(real_default) for p in real_default.rglob("*")) == before
    # A real run's status sees nothing of it.
    code, _, err = marac("status", RDASH)
    assert code == 2 and "no ledger" in err
    code, _, err = marac("due")
    assert code == 2 and "no ledger" in err
    # The reading commands find the sandbox's own state from its records file.
    code, out, err = marac("status", RDASH, "--sandbox", RECORDS, "--json")
    assert code == 0 and len(json.loads(out)) > 5, err
    code, out, err = marac("due", "--sandbox", RECORDS, "--json")
    assert code == 0 and json.loads(out)["deadlines"], err
    # ... and a re-run of the sandbox finds its own ledger: nothing new.
    code, out, err = marac("apply", RDASH, "--sandbox", RECORDS, "--on", "2026-12-03", "--json")
    assert code == 0 and json.loads(out)["summary"]["done"] == 0


def test_a_sandbox_run_refuses_the_real_default_state_and_a_real_run_a_sandboxs(tmp_path: Path,
                                                                                real_default: Path) -> None:
    code, _, err = marac("plan", RDASH, "--sandbox", RECORDS, "--state", real_default, "--on", "2026-12-01")
    assert code == 2 and "real default state" in err
    state = tmp_path / "state"
    assert marac("plan", RDASH, "--sandbox", RECORDS, "--state", state, "--on", "2026-12-01", "--json")[0] == 0
    code, _, err = marac("plan", RDASH, "--state", state, "--on", "2026-12-01")
    assert code == 2 and "sandbox" in err


def test_help_says_where_the_default_state_is() -> None:
    code, out, _ = marac("--help")
    assert code == 0 and ".local/share/marac" in out
    code, out, _ = marac("apply", "--help")
    assert ".local/share/marac" in out and "marac-sandbox" in out


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every time the records file is read and checked (issue 17: seconds for a large one)."""
    from marac_core.intake import meeting_file

    reads: list[Path] = []
    original = meeting_file.load_records

    def counted(path: Path) -> dict:
        reads.append(path)
        return original(path)

    monkeypatch.setattr(meeting_file, "load_records", counted)
    return reads


@pytest.mark.parametrize("with_state", [True, False], ids=["--state", "own state"])
def test_a_seeded_sandbox_does_not_read_the_same_bytes_again_but_any_change_is_read_and_checked(
        tmp_path: Path, real_default: Path, monkeypatch: pytest.MonkeyPatch, with_state: bool) -> None:
    # Harm prevented: a sandbox answering from records other than the file given, because a changed
    # file was taken for the one already seeded.
    reads = _count_reads(monkeypatch)
    records = tmp_path / "records.yaml"
    records.write_text(RECORDS.read_text())
    state = ["--state", tmp_path / "state"] if with_state else []
    run = ("plan", RDASH, "--sandbox", records, *state, "--on", "2026-12-01", "--json")
    code, first, err = marac(*run)
    assert code == 0, err
    assert len(reads) == 1
    code, again, err = marac(*run)
    assert code == 0, err
    assert len(reads) == 1 and again == first  # the same bytes: known, not read again
    records.write_text(closed_victim_records(tmp_path).read_text())
    code, out, err = marac(*run)
    assert len(reads) == 2  # one byte changed: read and checked again
    if with_state:
        assert code == 2 and "seeded from other records" in err
    else:
        assert code == 0, err
        assert "S1-9001" not in systmone_alerts(json.loads(out))  # its own sandbox: the victim closed


def test_a_seeded_sandbox_is_given_its_records_again_when_a_system_is_new_to_it(
        tmp_path: Path, real_default: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Harm prevented: an adapter installed after the sandbox was seeded answering from no records.
    reads = _count_reads(monkeypatch)
    state = tmp_path / "state"
    run = ("plan", RDASH, "--sandbox", RECORDS, "--state", state, "--on", "2026-12-01", "--json")
    code, first, err = marac(*run)
    assert code == 0, err
    (state / "sandbox" / "systmone.sqlite").unlink()
    code, again, err = marac(*run)
    assert code == 0, err
    assert len(reads) == 2 and "S1-9001" in systmone_alerts(json.loads(again))
