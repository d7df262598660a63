"""Testing a procedure: plan a meeting against given look-up answers, with no systems, then check the obligations.

    from marac_core.testing import ProcedureHarness, record, meeting, one, REVIEW

    harness = ProcedureHarness(PROCEDURE)
    obligations = harness.plan(meeting([case]), "before", {("Sarah JONES", "systmone"): record("S1", "Sarah Jones")})
    alert = one(obligations, action="alert", role="victim")

``found`` maps (a person's name as on the agenda, system) to that system's answer: a record
(``record(...)``: matched), ``None`` or ``NO_RECORD`` (surely no record), ``REVIEW`` (two records
match equally: the rep must choose), ``FAILED`` (the system did not answer) or ``MANUAL`` (the
system is in manual mode: the rep looks the person up by hand). A person missing from ``found`` has
no record. A system not in ``installed`` has no adapter (``not_installed``).

Imports the core only through marac_core.api, like the procedures it tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from marac_core.api import (
    EMAIL,
    Candidate,
    Involvement,
    Listed,
    Lookup,
    Match,
    MeetingFile,
    Obligation,
    Phase,
    PlanContext,
    Procedure,
    Worker,
    meeting_from_data,
)
from marac_core.api import (
    MANUAL as MANUAL_SYSTEM,
)

NO_RECORD = None
REVIEW = "review"
FAILED = "failed"
MANUAL = "manual"
ANSWERS = (REVIEW, FAILED, MANUAL)

# What each action needs before it can be carried out (a manual look-up's obligation has no record yet).
NEEDS: dict[str, tuple[str, ...]] = {
    "case_note": ("record", "text"),
    "alert": ("record", "text", "expires"),
    "expire_alert": ("record", "target"),
    "template_ticks": ("record", "boxes", "text"),
    "upload_document": ("attachments", "title"),
    "delete_document": ("record", "target"),
    "email": ("to", "title", "text"),
    "task": ("text",),
}


def record(record_id: str, name: str, *, open: bool = True, team: str | None = None,
           worker: str | None = "worker@example.org", manager: str | None = "manager@example.org",
           dob: str | None = None) -> Candidate:
    """A record the system holds for the person: open to the service (or not), with its team and workers."""
    return Candidate(
        record=record_id, name=name, dob=dt.date.fromisoformat(dob) if dob else None,
        involvement=Involvement(
            open=open, team=team,
            allocated_worker=Worker(name="Allocated Worker", email=worker) if worker else None,
            team_manager=Worker(name="Team Manager", email=manager) if manager else None,
        ),
    )


def meeting(cases: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """A meeting file (as read from YAML) with these cases; ``fields`` override the meeting's defaults."""
    base = {"area": "Example", "date": "2026-12-03", "time": "10:00",
            "coordinator": {"name": "C Coord", "email": "marac@example.org"}}
    return {"meeting": {**base, **fields}, "cases": cases}


def lookup_for(answer: Any) -> Lookup:
    """The look-up a system's answer amounts to (see the module's docstring)."""
    if answer == REVIEW:
        return Lookup("review", match=Match(status="review", reason="two records match equally"))
    if answer == FAILED:
        return Lookup("failed", error="503 from the system")
    if answer == MANUAL:
        return Lookup("manual")
    if answer is None:
        return Lookup("none", match=Match(status="none"))
    if isinstance(answer, Candidate):
        return Lookup("matched", match=Match(status="matched", candidate=answer))
    raise TypeError(f"a look-up answer is a record(...), None, REVIEW, FAILED or MANUAL, not {answer!r}")


class ProcedureHarness:
    """Plans one procedure's phases on meetings given as dicts, with look-up answers given directly."""

    def __init__(self, procedure: Procedure, *, installed: Iterable[str] | None = None,
                 settings: Any = None, representative: Any = None) -> None:
        self.procedure = procedure
        # Default: an adapter for every system the procedure looks people up in, and email.
        self.installed = frozenset(installed) if installed is not None else frozenset({*procedure.systems, EMAIL})
        self.settings = settings
        self.representative = representative

    def settings_of(self, given: Any) -> Any:
        """The procedure's settings from a dict (as the config file's section) or a model instance."""
        model = self.procedure.settings_model
        if model is None:
            if given:
                raise ValueError(f"procedure {self.procedure.name} takes no settings")
            return None
        if isinstance(given, model):
            return given
        unknown = set(given or {}) - set(model.model_fields)
        if unknown:
            raise ValueError(f"unknown settings for {self.procedure.name}: {sorted(unknown)}")
        return model.model_validate(dict(given or {}))

    def context(self, meeting_file: Mapping[str, Any] | MeetingFile, phase: Phase,
                found: Mapping[tuple[str, str], Any] | None = None, *, installed: Iterable[str] | None = None,
                on: dt.date | None = None, settings: Any = None, representative: Any = None) -> PlanContext:
        """The PlanContext the procedure's rules see for this meeting, phase and answers."""
        # As the runner reads it: only the keys the procedure declares, and the meeting file's rules.
        parsed = (meeting_file if isinstance(meeting_file, MeetingFile)
                  else meeting_from_data(dict(meeting_file), self.procedure, on=on))
        systems = frozenset(installed) if installed is not None else self.installed
        found = found or {}
        lookups: dict[tuple[str, str, str], Lookup] = {}
        for listed, system in self.procedure.people(parsed, phase):
            lookups[(listed.case.ref, listed.key, system)] = self._lookup(listed, system, systems, found)
        return PlanContext(
            meeting=parsed, procedure=self.procedure.name, phase=phase, on=on or parsed.meeting.date,
            installed=systems, lookups=lookups,
            representative=representative if representative is not None else self.representative,
            settings=self.settings_of(settings if settings is not None else self.settings),
        )

    def plan(self, meeting_file: Mapping[str, Any] | MeetingFile, phase: Phase,
             found: Mapping[tuple[str, str], Any] | None = None, **options: Any) -> list[Obligation]:
        """The obligations of ``phase`` (options: installed, on, settings, representative)."""
        return self.procedure.plan(self.context(meeting_file, phase, found, **options))

    def warnings(self, meeting_file: Mapping[str, Any] | MeetingFile, phase: Phase,
                 found: Mapping[tuple[str, str], Any] | None = None, **options: Any) -> list[str]:
        return self.procedure.warnings(self.context(meeting_file, phase, found, **options))

    @staticmethod
    def _lookup(listed: Listed, system: str, installed: frozenset[str],
                found: Mapping[tuple[str, str], Any]) -> Lookup:
        if system not in installed:
            return Lookup("not_installed")
        return lookup_for(found.get((listed.person.name, system)))


def plan_meeting(procedure: Procedure, meeting_file: Mapping[str, Any] | MeetingFile, phase: Phase,
                 found: Mapping[tuple[str, str], Any] | None = None, **options: Any) -> list[Obligation]:
    """One plan, without keeping a harness: ``ProcedureHarness(procedure).plan(...)``."""
    return ProcedureHarness(procedure).plan(meeting_file, phase, found, **options)


# -- checking obligations -------------------------------------------------------------------------

def only(obligations: Iterable[Obligation], **fields: Any) -> list[Obligation]:
    """The obligations whose fields have these values (e.g. ``action="alert", role="victim"``)."""
    return [o for o in obligations if all(_field(o, k) == v for k, v in fields.items())]


def one(obligations: Iterable[Obligation], **fields: Any) -> Obligation:
    """The one obligation with these values; fails showing what the plan holds if there is not exactly one."""
    obligations = list(obligations)
    found = only(obligations, **fields)
    if len(found) != 1:
        raise AssertionError(f"expected one obligation with {fields}, found {len(found)}; the plan holds:\n"
                             + describe(obligations))
    return found[0]


def assert_none(obligations: Iterable[Obligation], **fields: Any) -> None:
    """No obligation has these values."""
    obligations = list(obligations)
    found = only(obligations, **fields)
    if found:
        raise AssertionError(f"expected no obligation with {fields}, found:\n" + describe(found))


def problems(obligation: Obligation) -> list[str]:
    """What an obligation lacks to be carried out (empty when it can be); see NEEDS."""
    found = []
    extra = obligation.model_extra or {}
    waiting = obligation.waiting_for is not None
    for name in NEEDS[obligation.action]:
        if name == "record" and extra.get("condition"):
            continue  # a manual look-up: the rep finds the record
        if name == "attachments" and waiting:
            continue  # waiting for the document itself
        if not getattr(obligation, name):
            found.append(f"{obligation.action} without {name}")
    if obligation.action == "task" and obligation.system != MANUAL_SYSTEM:
        found.append(f"a task in system {obligation.system!r}, not {MANUAL_SYSTEM!r}")
    if obligation.action == "email" and obligation.system != EMAIL:
        found.append(f"an email in system {obligation.system!r}, not {EMAIL!r}")
    if obligation.due is not None and obligation.due.tzinfo is None:
        found.append("a due time with no time zone")
    return found


def assert_complete(obligations: Iterable[Obligation]) -> None:
    """Every obligation has what its action needs, ids are unique and ``after`` names obligations of the plan."""
    obligations = list(obligations)
    ids = [o.id for o in obligations]
    lines = [f"{o.rule} ({o.action}, case {o.case}): {p}" for o in obligations for p in problems(o)]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    lines += [f"two obligations share the id {i}" for i in duplicates]
    lines += [f"{o.rule}: after {i}, which is not in the plan" for o in obligations for i in o.after if i not in ids]
    if lines:
        raise AssertionError("obligations that cannot be carried out as planned:\n" + "\n".join(lines))


def describe(obligations: Iterable[Obligation]) -> str:
    """One line per obligation: rule, role, system, record, action (what a rep sees first)."""
    return "\n".join(f"- {o.rule} | {o.role or '-'} | {o.system} | {o.record or '-'} | {o.action}"
                     + (f" | waiting for {o.waiting_for}" if o.waiting_for else "") for o in obligations) or "(none)"


def _field(obligation: Obligation, name: str) -> Any:
    if name in type(obligation).model_fields:
        return getattr(obligation, name)
    return (obligation.model_extra or {}).get(name)
