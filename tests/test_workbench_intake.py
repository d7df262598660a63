"""A new meeting from an upload: the seam to ``marac import`` and what it refuses."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from marac_core.intake.meeting_file import load_meeting
from marac_core.model.errors import InputError
from marac_core.workbench.intake import new_meeting

MEETING = {"meeting": {"area": "Stevenage", "date": "2026-12-03"},
           "cases": [{"ref": "ST-0901", "victim": {"name": "Ann Example", "dob": "1990-01-02"}}]}


def test_an_agenda_goes_through_the_import_and_what_it_was_unsure_of_comes_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Path] = []

    def import_agenda(path: Path, procedure: str | None = None) -> object:
        seen.append(path)
        return types.SimpleNamespace(meeting=MEETING, notes=["row 4, column C: date of birth not read"])

    monkeypatch.setitem(sys.modules, "marac_core.intake.agenda", types.SimpleNamespace(import_agenda=import_agenda))
    path, unsure = new_meeting(tmp_path, "../../Agenda Dec.xlsx", b"PK\x03\x04 an agenda")
    assert seen and seen[0].parent == path.parent and seen[0].name == "agenda.xlsx"
    assert path.parent.parent == tmp_path
    assert load_meeting(path).cases[0].ref == "ST-0901"
    assert [str(cell.note) for cell in unsure] == ["row 4, column C: date of birth not read"]
    assert unsure[0].kind is None  # a note that says only a line is confirmed, never written anywhere


def test_an_agenda_that_cannot_be_read_is_refused_with_the_reason_and_nothing_kept(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        new_meeting(tmp_path, "agenda.csv", b"Victim name,DOB\n")
    assert list(tmp_path.iterdir()) == []


def test_an_upload_that_is_neither_agenda_nor_meeting_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="expected a meeting file"):
        new_meeting(tmp_path, "run.sh", b"#!/bin/sh\n")
    assert list(tmp_path.iterdir()) == []
