"""Run ``marac ARGS`` in this process and write the runner's own CPU and memory to $MARAC_BENCH_CPU (JSON).

The sandbox serves from a child process forked by the runner, so this process's own figures
(``RUSAGE_SELF``) are the runner's alone; the sandbox's come from ``RUSAGE_CHILDREN`` once it has
ended. The CPU spent while the people are looked up (``LookupRun.all``) and while the obligations are
carried out (``Executor.run``) is measured with ``time.process_time`` (every thread of this process,
none of the sandbox's), so that a busy machine's waiting is not counted as the runner's work. So is
all that ``marac apply --json`` times as the apply itself (``timing``): the plan (``make_plan``, the
looking up and what follows it, such as the due times) and, between the plan and the first write, the
plan's record in the ledger.

Besides, for each record system, the CPU spent while writing and that system had no request in
flight (``LaneTransport``: from the moment its last request in flight was answered until the next
request was started). At concurrency 1 that CPU lies on the critical path: the next request waits
for it; work done while a request is in flight (overlapping its wait) is not counted.
"""

from __future__ import annotations

import atexit
import json
import os
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

SPENT = {"looking_up": 0.0, "writing": 0.0, "planning": 0.0, "recording": 0.0}
WRITING = [False]
PLANNED = [-1.0]  # process CPU seconds when the last plan was made
# Per system's lanes (keyed by their queue of free lanes): requests in flight, when the last one was
# answered (process CPU seconds), the CPU spent since with none in flight, and the requests started.
IDLE: dict[int, dict[str, float]] = {}


def _timed(owner: Any, name: str, part: str) -> None:
    original: Callable[..., Awaitable[Any]] = getattr(owner, name)

    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        if part == "writing" and PLANNED[0] >= 0:  # the plan's record in the ledger, since the plan was made
            SPENT["recording"] += started - PLANNED[0]
            PLANNED[0] = -1.0
        WRITING[0] = part == "writing"
        try:
            return await original(*args, **kwargs)
        finally:
            SPENT[part] += time.process_time() - started
            WRITING[0] = False

    setattr(owner, name, timed)


def _phases() -> None:
    """The CPU of the apply's two timed phases (marac_core.execution.session's ``timing``): the plan,
    and from the plan to the end of the writes; the writes' own window (``Executor.run``) is one part
    of the second, the plan's record in the ledger before it the other."""
    from marac_core.execution import session

    make_plan = session.make_plan

    async def planning(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return await make_plan(*args, **kwargs)
        finally:
            PLANNED[0] = time.process_time()
            SPENT["planning"] += PLANNED[0] - started

    session.make_plan = planning  # type: ignore[assignment]


def _watch_lanes() -> None:
    """Count the CPU spent while writing with no request of a system in flight (see the module's doc)."""
    from marac_core.plugins import lanes

    handle, close = lanes.LaneTransport.handle_async_request, lanes._LaneStream.aclose

    def started(queue: object) -> dict[str, float]:
        state = IDLE.setdefault(id(queue), {"in_flight": 0, "since": -1.0, "idle_cpu_s": 0.0, "requests": 0})
        if state["in_flight"] == 0 and state["since"] >= 0 and WRITING[0]:
            state["idle_cpu_s"] += time.process_time() - state["since"]
        state["in_flight"] += 1
        state["requests"] += WRITING[0]
        return state

    def ended(state: dict[str, float]) -> None:
        state["in_flight"] -= 1
        if state["in_flight"] == 0:
            state["since"] = time.process_time()

    async def counted(self: Any, request: Any) -> Any:
        state = started(self._free)
        try:
            return await handle(self, request)
        except BaseException:
            ended(state)
            raise

    async def aclose(self: Any) -> None:
        if self._lane is not None:
            ended(IDLE[id(self._free)])
        await close(self)

    lanes.LaneTransport.handle_async_request = counted  # type: ignore[method-assign]
    lanes._LaneStream.aclose = aclose  # type: ignore[method-assign]


def _report() -> None:
    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = {"cpu_s": mine.ru_utime + mine.ru_stime, "looking_up_cpu_s": SPENT["looking_up"],
               "writing_cpu_s": SPENT["writing"], "planning_cpu_s": SPENT["planning"],
               "recording_cpu_s": SPENT["recording"], "peak_mib": mine.ru_maxrss / 1024,
               "sandbox_cpu_s": children.ru_utime + children.ru_stime, "sandbox_peak_mib": children.ru_maxrss / 1024}
    # The system that had the most write requests: at concurrency 1 its chain of requests sets the time.
    busiest = max(IDLE.values(), key=lambda s: s["requests"], default=None)
    if busiest is not None and busiest["requests"]:
        figures["idle_cpu_s"] = busiest["idle_cpu_s"]
        figures["idle_requests"] = busiest["requests"]
    with open(os.environ["MARAC_BENCH_CPU"], "w", encoding="utf-8") as out:
        json.dump(figures, out)


def main() -> None:
    from marac_core.cli.main import main as marac
    from marac_core.execution.executor import Executor
    from marac_core.planning.lookup import LookupRun

    _timed(LookupRun, "all", "looking_up")
    _timed(Executor, "run", "writing")
    _phases()
    _watch_lanes()
    atexit.register(_report)
    sys.argv[0] = "marac"
    marac()


if __name__ == "__main__":
    main()
