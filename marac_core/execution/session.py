"""What the commands do with an open run: plan it, apply it, report its status."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marac_core.execution.executor import Executor, Result, prepare_attachments, summary
from marac_core.execution.runner import Run
from marac_core.followup import research, same_meeting
from marac_core.followup.repeats import Repeats
from marac_core.followup.research import ResearchPacks
from marac_core.model import calendar
from marac_core.model.obligations import EMAIL
from marac_core.planning.plan import Plan, acting_time, make_plan
from marac_core.state.keys import key_for_state
from marac_core.state.ledger import Ledger, meeting_key
from marac_core.state.sealing import Sealer


def ledger_for(run: Run) -> Ledger:
    return Ledger.at(run.state_dir, run.options.ledger)


def own_key(run: Run) -> str:
    """The meeting as its file names it."""
    m = run.meeting.meeting
    return meeting_key(m.area, m.date, run.procedure.name)


def key_of(run: Run) -> str:
    """The ledger's meeting the run is about (once meeting_of has looked)."""
    return run.key or own_key(run)


def meeting_of(run: Run, ledger: Ledger | None) -> str:
    """The ledger's meeting for this file: its own, the one it was recorded as correcting, or one it is
    recognised as correcting (its area or date changed since it was applied)."""
    if run.key is not None:
        return run.key
    own = own_key(run)
    found = ledger.resolve(own) if ledger is not None else None
    if ledger is not None and found is None:
        found = same_meeting.recognise(ledger, run.meeting, run.procedure.name, own, _key(run))
        run.corrects_meeting = found
    run.key = found or own
    return run.key


def _sealer(run: Run) -> Sealer | None:
    key = _key(run)
    return Sealer(key) if key is not None else None


def _written_rows(planned: Plan, sealer: Sealer) -> list[dict[str, Any]]:
    rows = []
    for o in planned.obligations:
        kind = planned.correction_kinds.get(o.id)
        brings = planned.replacing.get(o.id)
        rows.append({"id": o.id, "corrects": (o.model_extra or {}).get("corrects"), "kind": kind,
                     "target": o.target if kind == "retracts" else None,
                     "fingerprint": sealer.fingerprint(brings or o), "sealed": sealer.sealed(o, brings)})
    return rows


def _correction_warning(run: Run, planned: Plan, ledger: Ledger | None) -> None:
    if run.corrects_meeting is None or ledger is None:
        return
    held = next((m for m in ledger.meetings() if m["meeting"] == run.corrects_meeting), None)
    if held is not None:
        planned.warnings.append(
            f"this meeting file is taken as a correction of the meeting applied as {held['area']} on "
            f"{held['date']} (the same cases and people): what was written for it is compared with this file "
            "and corrected (see drift), never written a second time")


def _key(run: Run) -> bytes | None:
    return key_at(run.state_dir, run.sandbox is not None)


def key_at(state_dir: Path, sandbox: bool = False) -> bytes | None:
    return key_for_state(state_dir, sandbox)


def _after_planning(run: Run, planned: Plan, ledger: Ledger | None) -> None:
    """Repeat-MARAC marks, read only: a plan changes nothing the runner holds."""
    key = _key(run)
    if key is None:
        planned.warnings.append("no keyring: research packs are not kept, repeat MARACs are not detected and "
                                "changes to what was written are not detected")
        return
    if ledger is not None:
        planned.repeats = Repeats(ledger.engine, key).earlier(key_of(run), run.meeting)


def _after_applying(run: Run, planned: Plan, ledger: Ledger) -> None:
    """What an apply keeps: the victims' marks, and the research packs until the meeting has taken place
    (then they are destroyed, RDaSH 4.2)."""
    key = _key(run)
    if key is None:
        return
    Repeats(ledger.engine, key).record(key_of(run), run.meeting)
    meeting = own_key(run)  # as marac research names it, from the file
    packs = ResearchPacks(run.state_dir, key)
    start = calendar.meeting_start(run.meeting.meeting.date, run.meeting.meeting.time)
    if acting_time(run.options.on) < start:
        packs.keep(meeting, research.summaries(run.meeting.cases, planned.lookups))
    else:
        packs.destroy(meeting)


async def plan(run: Run, ledger: Ledger | None = None) -> Plan:
    meeting = meeting_of(run, ledger)
    decisions = ledger.review_decisions(meeting) if ledger is not None else None
    earlier = list(ledger.entries(meeting).values()) if ledger is not None else None
    written = ledger.written(meeting) if ledger is not None else None
    systems = run.connect()
    try:
        planned = await make_plan(run.meeting, run.procedure, run.phase, run.on, systems, run.options.meeting,
                                  decisions, earlier, run.config.representative, run.settings, written,
                                  _sealer(run))
    finally:
        await systems.aclose()
    _after_planning(run, planned, ledger)
    _correction_warning(run, planned, ledger)
    return planned


@dataclass
class Applied:
    plan: Plan
    results: list[Result]
    # Seconds spent looking people up and carrying out the obligations (start-up excluded).
    timing: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(r.status == "failed" for r in self.results) or bool(self.plan.failures)

    def public(self) -> dict[str, Any]:
        out = self.plan.public()
        out["obligations"] = [r.public() for r in self.results]
        out["summary"] = {**summary(self.results), "reviews": len(self.plan.reviews),
                          "lookup_failures": len(self.plan.failures)}
        if self.timing:
            out["timing"] = {k: round(v, 3) for k, v in self.timing.items()}
        return out


async def apply(run: Run, ledger: Ledger, progress: Any = None) -> Applied:
    meeting = meeting_of(run, ledger)
    decisions = ledger.review_decisions(meeting)
    earlier = list(ledger.entries(meeting).values())
    written = ledger.written(meeting)
    sealer = _sealer(run)
    systems = run.connect()
    if any(c.outcome and c.outcome.minutes for c in run.meeting.cases):
        # Minutes are uploaded (their type looked up) or go by e-mail as encrypted archives.
        prepare_attachments(by_email=EMAIL in systems and not systems[EMAIL].manual)
    started = time.perf_counter()
    try:
        planned = await make_plan(run.meeting, run.procedure, run.phase, run.on, systems, run.options.meeting,
                                  decisions, earlier, run.config.representative, run.settings, written, sealer)
        planned_at = time.perf_counter()
        _after_planning(run, planned, ledger)
        _correction_warning(run, planned, ledger)
        m = run.meeting.meeting
        if run.corrects_meeting is not None:
            ledger.correct_meeting(own_key(run), meeting, m.area, m.date)
        _after_applying(run, planned, ledger)
        ledger.record_plan(meeting, m.area, m.date, run.procedure.name, planned.obligations, run.phase)
        sealed: dict[str, tuple[dict[str, Any], str]] = {}
        if sealer is not None:
            rows = _written_rows(planned, sealer)
            ledger.record_written(meeting, rows)
            # What an obligation of the plan itself writes is what its row says: sealed once, not again per write.
            replacing = planned.replacing
            sealed = {r["id"]: (r["fingerprint"], r["sealed"]) for r in rows
                      if not r["corrects"] and r["id"] not in replacing}
        task = progress.add_task("Applying", total=len(planned.obligations)) if progress is not None else None
        meeting_start = calendar.meeting_start(m.date, m.time)
        executor = Executor(ledger, meeting, systems, run.options.meeting.parent, _key(run), run.on, sealer=sealer,
                            protection=run.procedure.protected,
                            not_before=meeting_start if run.phase != "before" else None,
                            now=acting_time(run.options.on),
                            advance=(lambda: progress.advance(task)) if progress is not None else None,
                            sealed=sealed)
        results = await executor.run(planned.obligations)
        done_at = time.perf_counter()
    finally:
        await systems.aclose()
    return Applied(planned, results, {"looking_up_s": planned_at - started, "writing_s": done_at - planned_at})


def research_packs(state_dir: Path, meeting: str, order: list[str]) -> list[dict[str, Any]]:
    key = key_at(state_dir)
    packs = ResearchPacks(state_dir, key).read(meeting) if key is not None else []
    rank = {ref: n for n, ref in enumerate(order)}
    return sorted(packs, key=lambda pack: rank.get(pack["case"], len(rank)))


def destroy_research_packs(state_dir: Path, meeting: str) -> bool:
    return ResearchPacks(state_dir, b"").destroy(meeting)
