"""Meeting + look-ups + procedure -> plan. Writes nothing to any record system."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marac_core.model import calendar
from marac_core.model.errors import InputError
from marac_core.model.meeting import MeetingFile
from marac_core.model.obligations import Obligation, Phase
from marac_core.planning.addresses import emails_to_valid_addresses
from marac_core.planning.drift import Drift, reconcile
from marac_core.planning.expiry import expiries
from marac_core.planning.lookup import Decisions, LookupRun
from marac_core.plugins.procedure import Lookup, PlanContext, Procedure
from marac_core.plugins.registry import Registry
from marac_core.plugins.systems import Systems
from marac_core.state.ledger import FINISHED, Entry, Written
from marac_core.state.sealing import Sealer


@dataclass
class Review:
    case: str
    role: str
    person: str
    system: str
    reason: str
    candidates: list[dict[str, Any]] = field(default_factory=list)
    key: str = ""

    @property
    def ref(self) -> str:
        """How the rep names this review to ``marac review --confirm/--reject``."""
        return f"{self.case}/{self.key}/{self.system}"

    def public(self) -> dict[str, Any]:
        return {"case": self.case, "role": self.role, "person": self.person, "system": self.system,
                "reason": self.reason, "candidates": self.candidates, "review": self.ref}


@dataclass
class Plan:
    meeting: MeetingFile
    procedure: str
    phase: Phase
    obligations: list[Obligation]
    reviews: list[Review]
    failures: list[Review]
    warnings: list[str]
    lookups: dict[tuple[str, str, str], Lookup] = field(default_factory=dict)
    # Case ref -> date of an earlier meeting within 12 months that heard the same victim.
    repeats: dict[str, str] = field(default_factory=dict)
    # Carried-out obligations the meeting file no longer agrees with, each with what corrects it.
    drift: list[Drift] = field(default_factory=list)
    # Correction id -> the obligation whose content it brings; correction id -> "replaces"/"retracts".
    replacing: dict[str, Obligation] = field(default_factory=dict)
    correction_kinds: dict[str, str] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        m = self.meeting.meeting
        return {
            "meeting": {"area": m.area, "date": m.date.isoformat(), "procedure": self.procedure},
            "phase": self.phase,
            "obligations": [o.public() for o in self.obligations],
            "reviews": [r.public() for r in self.reviews],
            "lookup_failures": [f.public() for f in self.failures],
            "warnings": self.warnings,
            "repeats": [{"case": ref, "previous_meeting": day} for ref, day in self.repeats.items()],
            "drift": [d.public() for d in self.drift],
        }


def choose_procedure(registry: Registry, meeting: MeetingFile, override: str | None, source: str) -> Procedure:
    name = override or meeting.meeting.procedure
    known = ", ".join(sorted(registry.procedures))
    if not name:
        raise InputError(source, f"no procedure given (use --procedure; known: {known})", "meeting.procedure")
    if name not in registry.procedures:
        where = None if override else "meeting.procedure"
        source_name = "--procedure" if override else source
        raise InputError(source_name, f"unknown procedure {name!r} (known: {known})", where)
    return registry.procedures[name]


def default_phase(meeting: MeetingFile, now: dt.datetime) -> Phase:
    """Before the meeting has started, the before phase; from then on, the after phase."""
    start = calendar.meeting_start(meeting.meeting.date, meeting.meeting.time)
    return "before" if now < start else "after"


def acting_time(on: dt.date | None) -> dt.datetime:
    """The moment the runner acts as of: now, or with --on the end of that day (after any meeting on it)."""
    if on is None:
        return dt.datetime.now(calendar.UK)
    return calendar.at(on, dt.time(23, 59))


async def make_plan(
    meeting: MeetingFile,
    procedure: Procedure,
    phase: Phase,
    on: dt.date,
    systems: Systems,
    source: Path | None = None,
    decisions: Decisions | None = None,
    earlier: list[Entry] | None = None,
    representative: Any = None,
    settings: Any = None,
    written: dict[str, Written] | None = None,
    sealer: Sealer | None = None,
) -> Plan:
    notes = {}
    if sealer is not None:
        for kept in (written or {}).values():
            note = (sealer.open(kept.note) or {}).get("note") if kept.note else None
            if note:
                notes[kept.id] = note
    # Due times need the bank holidays: worked out while the look-ups wait for the systems.
    calendar.prepare(meeting.meeting.date.year, meeting.meeting.date.year + 1)
    wanted = list(procedure.people(meeting, phase))
    looking = LookupRun(systems, decisions, on=meeting.meeting.date)
    lookups = await looking.all(wanted)
    context = PlanContext(meeting=meeting, procedure=procedure.name, phase=phase, on=on,
                          installed=frozenset(n for n in systems.names if not systems[n].manual),
                          lookups=lookups, source_dir=source.parent if source else None,
                          representative=representative, settings=settings, notes=notes)
    obligations = [_in_working_hours(o) for o in emails_to_valid_addresses(procedure.plan(context))]
    written = written or {}
    if phase == "followup" and earlier:
        obligations += expiries(context, _live_alerts(earlier, written))
    reconciled = reconcile(obligations, {e.id: e for e in earlier or []}, written, sealer)
    obligations = reconciled.obligations
    order = {c.ref: i for i, c in enumerate(meeting.cases)}
    obligations.sort(key=lambda o: (order.get(o.case, len(meeting.cases)), o.due or context.start, o.rule, o.id))
    reviews, failures = [], []
    for listed, system in wanted:
        found: Lookup = lookups[(listed.case.ref, listed.key, system)]
        if found.status == "review" and found.match is not None:
            reviews.append(Review(listed.case.ref, listed.role, listed.person.name, system,
                                  found.match.reason or "needs review",
                                  [{"record": s.record, "score": s.score, "reasons": s.reasons}
                                   for s in found.match.scored], listed.key))
        elif found.status == "failed":
            failures.append(Review(listed.case.ref, listed.role, listed.person.name, system,
                                   f"look-up failed: {found.error}", key=listed.key))
    return Plan(meeting, procedure.name, phase, obligations, reviews, failures,
                procedure.warnings(context) + looking.notes + _not_compared(reconciled.not_compared), lookups,
                drift=reconciled.drift,
                replacing=reconciled.replacing, correction_kinds=reconciled.kinds)


def _not_compared(ids: list[str]) -> list[str]:
    if not ids:
        return []
    return [f"{len(ids)} step(s) were carried out by another runner on this shared ledger (a deputy's): "
            "changes to what they wrote are not detected here; run the plan where they were carried out"]


def _in_working_hours(o: Obligation) -> Obligation:
    """Work falls due when people are at work (an alert's expiry keeps its day: it is never due early)."""
    if o.due is None or o.action == "expire_alert":
        return o
    due = calendar.in_working_hours(o.due)
    return o if due == o.due else o.model_copy(update={"due": due})


def _live_alerts(earlier: list[Entry], written: dict[str, Written]) -> list[Entry]:
    """The entries, less the alerts a correction has already expired (they are not expired twice)."""
    finished = {e.id for e in earlier if e.state in FINISHED}
    ended = {w.target for w in written.values() if w.kind == "retracts" and w.target and w.id in finished}
    return [e for e in earlier if not (e.action == "alert" and e.receipt in ended)]
