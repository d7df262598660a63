"""Run ``marac ARGS`` in this process and write the runner's own CPU and memory to $MARAC_BENCH_CPU (JSON).

The sandbox serves from a child process forked by the runner, so this process's own figures
(``RUSAGE_SELF``) are the runner's alone; the sandbox's come from ``RUSAGE_CHILDREN`` once it has
ended. The CPU spent while the people are looked up (``LookupRun.all``) and while the obligations are
carried out (``Executor.run``) is measured with ``time.process_time`` (every thread of this process,
none of the sandbox's), so that a busy machine's waiting is not counted as the runner's work.
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

SPENT = {"looking_up": 0.0, "writing": 0.0}


def _timed(owner: Any, name: str, part: str) -> None:
    original: Callable[..., Awaitable[Any]] = getattr(owner, name)

    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return await original(*args, **kwargs)
        finally:
            SPENT[part] += time.process_time() - started

    setattr(owner, name, timed)


def _report() -> None:
    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = {"cpu_s": mine.ru_utime + mine.ru_stime, "looking_up_cpu_s": SPENT["looking_up"],
               "writing_cpu_s": SPENT["writing"], "peak_mib": mine.ru_maxrss / 1024,
               "sandbox_cpu_s": children.ru_utime + children.ru_stime, "sandbox_peak_mib": children.ru_maxrss / 1024}
    with open(os.environ["MARAC_BENCH_CPU"], "w", encoding="utf-8") as out:
        json.dump(figures, out)


def main() -> None:
    from marac_core.cli.main import main as marac
    from marac_core.execution.executor import Executor
    from marac_core.planning.lookup import LookupRun

    _timed(LookupRun, "all", "looking_up")
    _timed(Executor, "run", "writing")
    atexit.register(_report)
    sys.argv[0] = "marac"
    marac()


if __name__ == "__main__":
    main()
