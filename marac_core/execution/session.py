"""What the commands do with an open run: plan it, apply it, report its status."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
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
    try:
        return runner_key(run.state_dir, sandbox=run.sandbox is not None)
    except NoKeyring:
        return None


def _after_planning(run: Run, planned: Plan, ledger: Ledger | None) -> None:
    """Repeat-MARAC marks and research packs, which need the runner's key."""
    key = _key(run)
    if key is None:
        planned.warnings.append("no keyring: research packs are not kept and repeat MARACs are not detected")
        return
    meeting = key_of(run)
    if ledger is not None:
        repeats = Repeats(ledger.engine, key)
        planned.repeats = repeats.earlier(meeting, run.meeting)
        repeats.record(meeting, run.meeting)
    packs = ResearchPacks(run.state_dir, key)
    if run.on < run.meeting.meeting.date:
        packs.keep(meeting, research.summaries(run.meeting.cases, planned.lookups))
    else:
        packs.destroy(meeting)


async def plan(run: Run, ledger: Ledger | None = None) -> Plan:
    decisions = ledger.review_decisions(key_of(run)) if ledger is not None else None
    earlier = list(ledger.entries(key_of(run)).values()) if ledger is not None else None
    systems = run.connect()
    try:
        planned = await make_plan(run.meeting, run.procedure, run.phase, run.on, systems, run.options.meeting,
                                  decisions, earlier, run.config.representative, run.settings)
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
                                  decisions, earlier, run.config.representative, run.settings)
        planned_at = time.perf_counter()
        _after_planning(run, planned, ledger)
        m = run.meeting.meeting
        ledger.record_plan(key_of(run), m.area, m.date, run.procedure.name, planned.obligations, run.phase)
        task = progress.add_task("Applying", total=len(planned.obligations)) if progress is not None else None
        meeting_start = calendar.meeting_start(m.date, m.time)
        executor = Executor(ledger, key_of(run), systems, run.options.meeting.parent, _key(run), run.on,
                            protection=run.procedure.protected,
                            not_before=meeting_start if run.phase != "before" else None,
                            now=acting_time(run.options.on),
                            advance=(lambda: progress.advance(task)) if progress is not None else None)
        results = await executor.run(planned.obligations)
        done_at = time.perf_counter()
    finally:
        await systems.aclose()
    return Applied(planned, results, {"looking_up_s": planned_at - started, "writing_s": done_at - planned_at})


def research_packs(run: Run) -> list[dict[str, Any]]:
    key = _key(run)
    packs = ResearchPacks(run.state_dir, key).read(key_of(run)) if key is not None else []
    order = {case.ref: n for n, case in enumerate(run.meeting.cases)}
    return sorted(packs, key=lambda pack: order.get(pack["case"], len(order)))
