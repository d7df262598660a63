"""How fast the workbench serves a page of a 40-case meeting: ``.venv/bin/python bench/workbench_page.py``.

Starts the real ``marac workbench`` on a synthetic 40-case meeting (bench/perf/synthetic.py)
against the sandbox, opens its session, lets the first request work out the plan
(the look-ups: that is the plan's own benchmark), then times each page as the rep
reloads it: the meeting page (every case, its people and what each system found),
a case page (its plan in full and the outcome form) and the reviews page.
Goal: each under 150 ms (median; p95 shown too). Prints the figures; a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.perf.synthetic import generate  # noqa: E402

GOAL_MS = 150.0
PAGES = {"meeting page": "/meetings/1", "case page": "/meetings/1/cases/20", "reviews page": "/meetings/1/reviews"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--procedure", default="rdash", choices=("rdash", "herts-childrens"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="marac-bench-workbench-") as scratch:
        work = Path(scratch)
        synthetic = generate(args.procedure, args.cases, outcome=False)
        (work / "meeting.yaml").write_text(yaml.safe_dump(synthetic.meeting, sort_keys=False), encoding="utf-8")
        (work / "records.yaml").write_text(yaml.safe_dump(synthetic.records, sort_keys=False), encoding="utf-8")
        process = subprocess.Popen(
            [sys.executable, "-m", "marac_core.cli.main", "workbench", "meeting.yaml", "--sandbox", "records.yaml",
             "--state", "state", "--no-browser", "--on", "2026-12-01"],
            cwd=work, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            assert process.stdout is not None
            url = process.stdout.readline().split()[1]
            with httpx.Client(base_url=url.split("/?")[0], follow_redirects=True, timeout=300) as client:
                client.get(url)
                started = time.perf_counter()
                first = client.get("/meetings/1")
                assert first.status_code == 200, first.text[:500]
                plan_s = time.perf_counter() - started
                figures = {}
                for name, path in PAGES.items():
                    client.get(path)  # warm
                    times = []
                    for _ in range(args.repeats):
                        t = time.perf_counter()
                        page = client.get(path)
                        times.append((time.perf_counter() - t) * 1000)
                        assert page.status_code == 200
                    times.sort()
                    figures[name] = {"median_ms": round(statistics.median(times), 1),
                                     "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
                                     "bytes": len(page.content)}
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    print(f"A {args.cases}-case {args.procedure} meeting ({synthetic.people} people) in the workbench; "
          f"first request (planning, with the look-ups) {plan_s:.2f} s")
    failed = False
    for name, figure in figures.items():
        ok = figure["median_ms"] < GOAL_MS
        failed |= not ok
        print(f"  {name}: median {figure['median_ms']} ms, p95 {figure['p95_ms']} ms, {figure['bytes']} bytes "
              f"(goal < {GOAL_MS:.0f} ms) {'PASS' if ok else 'FAIL'}")
    print(json.dumps({"cases": args.cases, "people": synthetic.people, "first_request_s": round(plan_s, 2),
                      "pages": figures, "goal_ms": GOAL_MS}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
