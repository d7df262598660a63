"""A round trip: the demo's agendas imported (and their minutes' actions), then planned in the
sandbox, give the same plan as the hand-written meeting files: the same obligations, ids and texts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from agenda_files import docx, marac

from marac_core.cli.demo.agendas import AGENDAS

DEMO = Path(__file__).resolve().parent.parent / "marac_core" / "cli" / "demo"


def _people_only(case: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in case.items() if k != "outcome"}


@pytest.mark.parametrize("meeting_file", sorted(AGENDAS))
def test_the_shipped_agenda_holds_the_same_people_as_the_hand_written_meeting(tmp_path: Path,
                                                                              meeting_file: str) -> None:
    out = tmp_path / "imported.yaml"
    result = marac("import", DEMO / AGENDAS[meeting_file], "-o", out)
    assert result.exit_code == 0, result.stderr
    imported = yaml.safe_load(out.read_text())
    hand_written = yaml.safe_load((DEMO / meeting_file).read_text())
    assert [_people_only(c) for c in imported["cases"]] == [_people_only(c) for c in hand_written["cases"]]
    assert {k: hand_written["meeting"][k] for k in ("area", "date")} == imported["meeting"]
    # What import writes is a meeting file as the strict reader takes it, for the procedure too.
    for procedure in ("rdash", "herts-childrens"):
        checked = marac("check", out, "--procedure", procedure, "--on", "2026-12-01")
        assert checked.exit_code == 0, checked.stderr
        assert "case" in checked.stdout


def _minutes_of(hand_written: dict[str, Any], path: Path) -> Path:
    """The minutes the coordinator would send for the hand-written outcome's actions."""
    meeting_day = hand_written["meeting"]["date"]
    tables = []
    for case in hand_written["cases"]:
        rows = [["Agency", "Action", "Timescale", "Person"]]
        for action in (case.get("outcome") or {}).get("actions", []):
            due = action.get("due")
            timescale = f"within {(due - meeting_day).days * 24} hours" if due else ""
            rows.append([action["agency"], action["text"], timescale, action.get("person", "")])
        if len(rows) > 1:
            tables.append((f"Case {case['ref']}", rows))
    return docx(path, tables)


def _plan(meeting: Path, state: Path, on: str) -> list[tuple[Any, ...]]:
    result = marac("plan", meeting, "--sandbox", DEMO / "records.yaml", "--state", state, "--on", on, "--json")
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    return [(o["id"], o["case"], o["role"], o["person"], o["system"], o["record"], o["action"], o["text"])
            for o in plan["obligations"]] + [("review", r["case"], r["person"], r["reason"]) for r in plan["reviews"]]


@pytest.mark.parametrize("meeting_file", sorted(AGENDAS))
def test_import_then_minutes_then_plan_gives_the_hand_written_meetings_plan(tmp_path: Path, meeting_file: str) -> None:
    hand_written = yaml.safe_load((DEMO / meeting_file).read_text())
    folder = tmp_path / "meeting"
    folder.mkdir()
    shutil.copytree(DEMO / "minutes", folder / "minutes")
    imported_path = folder / meeting_file
    assert marac("import", DEMO / AGENDAS[meeting_file], "-o", imported_path).exit_code == 0
    # What the rep adds beside the agenda: who attends, and what the meeting found (not its actions).
    imported = yaml.safe_load(imported_path.read_text())
    imported["meeting"] = hand_written["meeting"]
    outcomes = {c["ref"]: c.get("outcome") for c in hand_written["cases"]}
    for case in imported["cases"]:
        if outcomes[case["ref"]]:
            case["outcome"] = {k: v for k, v in outcomes[case["ref"]].items() if k != "actions"}
    imported_path.write_text(yaml.safe_dump(imported, sort_keys=False))
    minutes = _minutes_of(hand_written, tmp_path / "minutes.docx")
    added = marac("import-minutes", minutes, "--meeting", imported_path, "--write")
    assert added.exit_code == 0, added.stderr
    for phase_day in ("2026-12-01", "2026-12-03"):
        ours = _plan(imported_path, tmp_path / f"state-imported-{phase_day}", phase_day)
        theirs = _plan(DEMO / meeting_file, tmp_path / f"state-hand-{phase_day}", phase_day)
        assert ours == theirs
        assert ours, "the plan is not empty"
