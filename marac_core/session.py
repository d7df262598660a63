"""What the commands do with an open run: plan it, apply it, report its status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marac_core.execution import Executor, Result, summary
from marac_core.keys import runner_key
from marac_core.ledger import Ledger, meeting_key
from marac_core.planning import Plan, make_plan
from marac_core.runner import Run


def ledger_for(run: Run) -> Ledger:
    return Ledger.at(run.state_dir, run.options.ledger)


def key_of(run: Run) -> str:
    m = run.meeting.meeting
    return meeting_key(m.area, m.date, run.procedure.name)


async def plan(run: Run, ledger: Ledger | None = None) -> Plan:
    decisions = ledger.review_decisions(key_of(run)) if ledger is not None else None
    earlier = list(ledger.entries(key_of(run)).values()) if ledger is not None else None
    systems = run.connect()
    try:
        return await make_plan(run.meeting, run.procedure, run.phase, run.on, systems, run.options.meeting,
                               decisions, earlier)
    finally:
        await systems.aclose()


@dataclass
class Applied:
    plan: Plan
    results: list[Result]

    @property
    def failed(self) -> bool:
        return any(r.status == "failed" for r in self.results) or bool(self.plan.failures)

    def public(self) -> dict[str, Any]:
        out = self.plan.public()
        out["obligations"] = [r.public() for r in self.results]
        out["summary"] = {**summary(self.results), "reviews": len(self.plan.reviews),
                          "lookup_failures": len(self.plan.failures)}
        return out


async def apply(run: Run, ledger: Ledger, progress: Any = None) -> Applied:
    decisions = ledger.review_decisions(key_of(run))
    earlier = list(ledger.entries(key_of(run)).values())
    systems = run.connect()
    try:
        planned = await make_plan(run.meeting, run.procedure, run.phase, run.on, systems, run.options.meeting,
                                  decisions, earlier)
        m = run.meeting.meeting
        ledger.record_plan(key_of(run), m.area, m.date, run.procedure.name, planned.obligations)
        task = progress.add_task("Applying", total=len(planned.obligations)) if progress is not None else None
        executor = Executor(ledger, key_of(run), systems, run.options.meeting.parent,
                            runner_key(run.state_dir, sandbox=run.sandbox is not None), run.on,
                            advance=(lambda: progress.advance(task)) if progress is not None else None)
        results = await executor.run(planned.obligations)
    finally:
        await systems.aclose()
    return Applied(planned, results)
