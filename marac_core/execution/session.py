"""What the commands do with an open run: plan it, apply it, report its status."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marac_core.execution.executor import Executor, Result, summary
from marac_core.execution.runner import Run
from marac_core.followup import research
from marac_core.followup.repeats import Repeats
from marac_core.followup.research import ResearchPacks
from marac_core.model import calendar
from marac_core.planning.plan import Plan, acting_time, make_plan
from marac_core.state.keys import NoKeyring, runner_key
from marac_core.state.ledger import Ledger, meeting_key


def ledger_for(run: Run) -> Ledger:
    return Ledger.at(run.state_dir, run.options.ledger)


def key_of(run: Run) -> str:
    m = run.meeting.meeting
    return meeting_key(m.area, m.date, run.procedure.name)


def _key(run: Run) -> bytes | None:
    return key_at(run.state_dir, run.sandbox is not None)


def key_at(state_dir: Path, sandbox: bool = False) -> bytes | None:
    """The runner's key for this state: a sandbox's own (kept beside its data), else the keyring's."""
    try:
        return runner_key(state_dir, sandbox=sandbox or (state_dir / "sandbox" / "runner.key").exists())
    except NoKeyring:
        return None


def _after_planning(run: Run, planned: Plan, ledger: Ledger | None) -> None:
    """Repeat-MARAC marks, read only: a plan changes nothing the runner holds."""
    key = _key(run)
    if key is None:
        planned.warnings.append("no keyring: research packs are not kept and repeat MARACs are not detected")
        return
    if ledger is not None:
        planned.repeats = Repeats(ledger.engine, key).earlier(key_of(run), run.meeting)


def _after_applying(run: Run, planned: Plan, ledger: Ledger) -> None:
    """What an apply keeps: the victims' marks, and the research packs until the meeting has taken place
    (then they are destroyed, RDaSH 4.2)."""
    key = _key(run)
    if key is None:
        return
    meeting = key_of(run)
    Repeats(ledger.engine, key).record(meeting, run.meeting)
    packs = ResearchPacks(run.state_dir, key)
    start = calendar.meeting_start(run.meeting.meeting.date, run.meeting.meeting.time)
    if acting_time(run.options.on) < start:
        packs.keep(meeting, [research.summary(c, planned.lookups) for c in run.meeting.cases])
    else:
        packs.destroy(meeting)


async def plan(run: Run, ledger: Ledger | None = None) -> Plan:
    decisions = ledger.review_decisions(key_of(run)) if ledger is not None else None
    earlier = list(ledger.entries(key_of(run)).values()) if ledger is not None else None
    systems = run.connect()
    try:
        planned = await make_plan(run.meeting, run.procedure, run.phase, run.on, systems, run.options.meeting,
                                  decisions, earlier, run.config.representative)
    finally:
        await systems.aclose()
    _after_planning(run, planned, ledger)
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
    decisions = ledger.review_decisions(key_of(run))
    earlier = list(ledger.entries(key_of(run)).values())
    systems = run.connect()
    started = time.perf_counter()
    try:
        planned = await make_plan(run.meeting, run.procedure, run.phase, run.on, systems, run.options.meeting,
                                  decisions, earlier, run.config.representative)
        planned_at = time.perf_counter()
        _after_planning(run, planned, ledger)
        _after_applying(run, planned, ledger)
        m = run.meeting.meeting
        ledger.record_plan(key_of(run), m.area, m.date, run.procedure.name, planned.obligations, run.phase)
        task = progress.add_task("Applying", total=len(planned.obligations)) if progress is not None else None
        meeting_start = calendar.meeting_start(m.date, m.time)
        executor = Executor(ledger, key_of(run), systems, run.options.meeting.parent, _key(run), run.on,
                            not_before=meeting_start if run.phase != "before" else None,
                            now=acting_time(run.options.on),
                            advance=(lambda: progress.advance(task)) if progress is not None else None)
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
