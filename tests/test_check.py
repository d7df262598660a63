"""`marac check MEETING`: the strict reading without looking anyone up (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from strict_harness import HERTS, RDASH, folder, marac


def test_a_valid_meeting_is_one_line_with_its_cases_people_and_outcome_entries(tmp_path: Path) -> None:
    code, out, err = marac("check", folder(tmp_path, RDASH), "--on", "2026-12-01")
    assert code == 0, err
    assert out.strip().splitlines() == [f"{tmp_path / 'meeting.yaml'}: ok (rdash): 2 cases, 5 people, "
                                        "2 outcome entries (2 cases with an outcome)"]
    code, out, _ = marac("check", folder(tmp_path / "h", HERTS), "--on", "2026-12-01")
    assert code == 0 and "2 cases, 8 people, 5 outcome entries" in out


def test_check_refuses_what_plan_refuses_with_one_line_and_exit_2(tmp_path: Path) -> None:
    code, out, err = marac("check", folder(tmp_path, RDASH.replace("children:", "childen:", 1)), "--on", "2026-12-01")
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [f"marac: {tmp_path / 'meeting.yaml'}: cases[0].childen: unknown key "
                                        "(did you mean children?)"]


def test_check_uses_the_procedure_given_to_judge_declared_fields(tmp_path: Path) -> None:
    meeting = folder(tmp_path, HERTS)
    assert marac("check", meeting, "--on", "2026-12-01")[0] == 0
    code, _, err = marac("check", meeting, "--procedure", "rdash", "--on", "2026-12-01")
    assert code == 2 and "meeting.assessment_team: unknown key" in err
    code, _, err = marac("check", meeting, "--procedure", "leeds")
    assert code == 2 and "--procedure" in err and "unknown procedure 'leeds'" in err


def test_check_judges_the_meeting_date_from_the_day_given(tmp_path: Path) -> None:
    meeting = folder(tmp_path, RDASH)
    assert marac("check", meeting, "--on", "2031-12-01")[0] == 0
    code, _, err = marac("check", meeting, "--on", "2031-12-04")
    assert code == 2 and "meeting.date" in err and "more than 5 years" in err


def test_check_looks_nobody_up_and_creates_no_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import marac_core.plugins.systems as systems
    import marac_core.sandbox.host as host

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("check connected to a system")

    monkeypatch.setattr(systems, "connect", never)
    monkeypatch.setattr(host.SandboxHost, "start", never)
    monkeypatch.chdir(tmp_path)
    before = set(tmp_path.rglob("*"))
    code, out, err = marac("check", folder(tmp_path, RDASH), "--on", "2026-12-01")
    assert code == 0, err
    assert {p for p in tmp_path.rglob("*")} - before <= {tmp_path / "meeting.yaml", *(tmp_path / "minutes").rglob("*"),
                                                        tmp_path / "minutes"}


def test_a_missing_meeting_file_is_exit_2(tmp_path: Path) -> None:
    code, _, err = marac("check", tmp_path / "absent.yaml")
    assert code == 2 and "absent.yaml" in err and "not found" in err
