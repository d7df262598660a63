"""Planning a procedure on a meeting with look-up answers given directly (no systems)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from marac_core.matching.decide import Match
from marac_core.intake.meeting_file import validate_meeting
from marac_core.intake.meeting_rules import check_meeting
from marac_core.model.obligations import Obligation
from marac_core.model.records import Candidate, Involvement, Worker
from marac_core.plugins.procedure import Listed, Lookup, PlanContext
from marac_core.planning.meeting_input import declared_fields
from marac_core.plugins.registry import load

TEXTS = Path(__file__).parent / "procedure_texts"
HERTS_TEXT = (TEXTS / "hertfordshire-childrens-services-marac.txt").read_text(encoding="utf-8")
RDASH_TEXT = (TEXTS / "rdash-nhs-marac-sop.txt").read_text(encoding="utf-8")


def record(record_id: str, name: str, *, open: bool = True, team: str | None = None,
           worker: str | None = "worker@example.org", manager: str | None = "manager@example.org",
           dob: str | None = None) -> Candidate:
    return Candidate(
        record=record_id, name=name, dob=dt.date.fromisoformat(dob) if dob else None,
        involvement=Involvement(
            open=open, team=team,
            allocated_worker=Worker(name="Allocated Worker", email=worker) if worker else None,
            team_manager=Worker(name="Team Manager", email=manager) if manager else None,
        ),
    )


REVIEW = "review"
FAILED = "failed"


def plan(procedure: str, meeting: dict[str, Any], phase: str, found: dict[tuple[str, str], Any],
         installed: set[str] | None = None, on: dt.date | None = None) -> list[Obligation]:
    """Plan ``phase``; ``found`` maps (person name, system) to a Candidate, None (no record), REVIEW or FAILED.

    A system not in ``installed`` (default: every system the procedure uses, and email) has no adapter.
    """
    registry = load()
    chosen = registry.procedures[procedure]
    # As the runner reads it: only the keys the procedure declares, and the meeting file's rules.
    parsed = validate_meeting(meeting, declared_fields(chosen))
    check_meeting(parsed, "meeting.yaml", on or parsed.meeting.date)
    systems = set(chosen.systems) | {"email", "livelink"} if installed is None else installed
    lookups: dict[tuple[str, str, str], Lookup] = {}
    for listed, system in chosen.people(parsed, phase):  # type: ignore[arg-type]
        lookups[(listed.case.ref, listed.key, system)] = _lookup(listed, system, systems, found)
    context = PlanContext(meeting=parsed, procedure=procedure, phase=phase,  # type: ignore[arg-type]
                          on=on or parsed.meeting.date, installed=frozenset(systems), lookups=lookups)
    return chosen.plan(context)


def _lookup(listed: Listed, system: str, installed: set[str], found: dict[tuple[str, str], Any]) -> Lookup:
    if system not in installed:
        return Lookup("not_installed")
    answer = found.get((listed.person.name, system))
    if answer == REVIEW:
        return Lookup("review", match=Match(status="review", reason="two records match equally"))
    if answer == FAILED:
        return Lookup("failed", error="503 from the system")
    if answer is None:
        return Lookup("none", match=Match(status="none"))
    return Lookup("matched", match=Match(status="matched", candidate=answer))


def only(obligations: list[Obligation], **fields: Any) -> list[Obligation]:
    return [o for o in obligations if all(getattr(o, k) == v for k, v in fields.items())]


def meeting(cases: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    base = {"area": "Doncaster", "date": "2026-12-03", "time": "10:00",
            "coordinator": {"name": "C Coord", "email": "marac@example.org"}}
    return {"meeting": {**base, **extra}, "cases": cases}
