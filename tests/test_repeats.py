"""Repeat MARACs (SafeLives: a victim heard again within 12 months), kept and found many at a time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from marac_core.followup.repeats import Repeats
from marac_core.model.meeting import MeetingFile
from marac_core.state.ledger import Ledger

KEY = b"k" * 32


def meeting(date: str, victims: list[tuple[str, str, str]]) -> MeetingFile:
    """A meeting of one case per victim: (case ref, name, date of birth)."""
    return MeetingFile.model_validate({
        "meeting": {"area": "Doncaster", "date": date},
        "cases": [{"ref": ref, "victim": {"name": name, "dob": dob}} for ref, name, dob in victims]})


def victims(count: int, first: int = 0) -> list[tuple[str, str, str]]:
    born = dt.date(1980, 1, 1)
    return [(f"DN-{n:05d}", f"Victim{n} SURNAME{n}", (born + dt.timedelta(days=n)).isoformat())
            for n in range(first, first + count)]


def test_every_repeat_of_a_large_meeting_is_found(tmp_path: Path) -> None:
    # More victims than one query takes: a repeat missed is a victim whose risk is not escalated.
    repeats = Repeats(Ledger.at(tmp_path).engine, KEY)
    repeats.record("june", meeting("2026-06-04", victims(700)))
    december = meeting("2026-12-03", victims(300, first=500) + victims(400, first=5_000))
    found = repeats.earlier("december", december)
    assert found == {f"DN-{n:05d}": "2026-06-04" for n in range(500, 700)}


def test_a_meeting_recorded_twice_keeps_each_mark_once(tmp_path: Path) -> None:
    # A second run of the same meeting (or two at once) must not fail, nor lose the marks it adds.
    repeats = Repeats(Ledger.at(tmp_path).engine, KEY)
    repeats.record("june", meeting("2026-06-04", victims(3)))
    repeats.record("june", meeting("2026-06-04", victims(5)))  # two marks held already, three new
    found = repeats.earlier("december", meeting("2026-12-03", victims(6)))
    assert found == {f"DN-{n:05d}": "2026-06-04" for n in range(5)}


def test_the_latest_earlier_meeting_is_the_one_given(tmp_path: Path) -> None:
    repeats = Repeats(Ledger.at(tmp_path).engine, KEY)
    repeats.record("march", meeting("2026-03-05", victims(1)))
    repeats.record("june", meeting("2026-06-04", victims(1)))
    repeats.record("last-year", meeting("2025-11-06", victims(1)))  # more than 12 months before December
    assert repeats.earlier("december", meeting("2026-12-03", victims(1))) == {"DN-00000": "2026-06-04"}
