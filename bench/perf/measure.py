"""Timed runs of the ``marac`` command, one function per measurement of issue 7.

Every figure is the wall time of the real command in a child process, as a rep
would run it, against the sandbox's emulators on loopback.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.perf.synthetic import MEETING_DATE, generate, write

MARAC = str(Path(sys.executable).with_name("marac"))


class CommandFailed(RuntimeError):
    pass


@dataclass
class Figure:
    """One measured figure, its goal and whether it met it."""

    name: str
    value: float
    unit: str
    goal: str
    ratio: float | None  # value against the goal: at most 1.0 passes (for "at least" goals, goal / value)
    passed: bool | None  # None: not measured
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


LAST_CPU = [0.0]  # CPU seconds (user + system) of the last command, beside its wall time


def marac(*args: str, check: bool = True, env: dict[str, str] | None = None,
          timeout: float | None = None) -> tuple[float, str]:
    """Run ``marac ARGS``; the wall time in seconds and what it printed (subprocess.TimeoutExpired
    after ``timeout`` seconds)."""
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run([MARAC, *args], capture_output=True, text=True, env=env, timeout=timeout)
    elapsed = time.perf_counter() - started
    LAST_CPU[0] = _children_cpu() - cpu
    if check and done.returncode not in (0, 1):
        raise CommandFailed(f"marac {' '.join(args)} exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    return elapsed, done.stdout


def requests_answered(state: Path) -> dict[str, int]:
    """The HTTP requests each emulated system answered, from ``marac sandbox dump --json``."""
    _, out = marac("sandbox", "dump", "--state", str(state), "--json")
    held = json.loads(out)
    return {name: int(system.get("requests") or 0) for name, system in held.items()}


def seed_sandbox(records: Path, state: Path, procedure: str, work: Path) -> None:
    """Seed the emulators from ``records`` by planning a one-case meeting against them."""
    tiny = generate(procedure, 1, first_case=999_999)
    meeting, _ = write(tiny, work / "seed", "seed")
    marac("plan", str(meeting), "--sandbox", str(records), "--state", str(state), "--json",
          "--on", MEETING_DATE.isoformat())


# -- apply: concurrency 1 against 16 --------------------------------------------------------------
@dataclass
class ApplyRun:
    procedure: str
    concurrency: int
    seconds: float  # the whole command, start-up included
    phase: float  # looking up and writing, as the command reports it ("timing" in its JSON)
    cpu: float  # CPU seconds the command used (user + system), a check on a busy machine
    requests: int  # HTTP requests the record systems' emulators answered during the run
    messages: int  # messages the mail catcher accepted (SMTP, no added latency)
    summary: dict[str, int]
    by_system: dict[str, int]  # requests answered, per record system
    searches: int  # people x systems the procedure looks up (one search each, at most)
    writes: dict[str, int]  # obligations carried out, per record system


def apply_runs(work: Path, procedure: str, cases: int, latency_ms: float,
               concurrencies: tuple[int, ...], repeats: int = 2) -> list[ApplyRun]:
    """``marac apply`` of the same meeting from the same starting state, at each concurrency (the best
    of ``repeats`` runs, by the time the apply itself took)."""
    folder = work / f"apply-{procedure}"
    synthetic = generate(procedure, cases)
    meeting, records = write(synthetic, folder, "meeting")
    searches = looked_up(synthetic.meeting, procedure)
    template = folder / "seeded"
    seed_sandbox(records, template, procedure, folder)
    before = requests_answered(template)
    runs = []
    for concurrency in concurrencies:
        state = folder / f"state-c{concurrency}"
        best: tuple[float, float, float, str] | None = None
        for _ in range(repeats):  # the best of a few: the machine may be shared
            shutil.rmtree(state, ignore_errors=True)
            shutil.copytree(template, state)
            seconds, out = marac("apply", str(meeting), "--sandbox", str(records), "--state", str(state),
                                 "--on", MEETING_DATE.isoformat(), "--concurrency", str(concurrency),
                                 "--sandbox-latency-ms", str(latency_ms), "--json")
            timing = json.loads(out)["timing"]
            phase = timing["looking_up_s"] + timing["writing_s"]
            if best is None or phase < best[0]:
                best = (phase, seconds, LAST_CPU[0], out)
        assert best is not None
        phase, seconds, cpu, out = best
        after = requests_answered(state)
        systems = [n for n in after if n != "email"]
        applied = json.loads(out)
        writes: dict[str, int] = {}
        for o in applied["obligations"]:
            if o["status"] == "done" and o["system"] in systems:
                writes[o["system"]] = writes.get(o["system"], 0) + 1
        by_system = {n: after[n] - before.get(n, 0) for n in systems}
        runs.append(ApplyRun(procedure, concurrency, seconds, phase, cpu, sum(by_system.values()),
                             after.get("email", 0) - before.get("email", 0), applied["summary"],
                             {n: v for n, v in by_system.items() if v}, searches, writes))
    return runs


def looked_up(meeting: dict[str, Any], procedure: str) -> int:
    """People x systems the procedure looks up: rdash everyone in SystmOne; herts children in LCS and EHM."""
    if procedure == "rdash":
        return sum(2 + len(c.get("children") or []) for c in meeting["cases"])
    return sum(2 * len(c.get("children") or []) for c in meeting["cases"])  # the synthetic adults are over 18


def apply_figures(runs: list[ApplyRun], latency_ms: float) -> list[Figure]:
    figures = []
    by = {(r.procedure, r.concurrency): r for r in runs}
    for procedure in dict.fromkeys(r.procedure for r in runs):
        one, many = by.get((procedure, 1)), by.get((procedure, 16))
        if one is None or many is None:
            continue
        written = {k: v for k, v in one.summary.items() if v}
        same = one.summary == many.summary
        speedup = one.phase / many.phase
        figures.append(Figure(
            f"apply {procedure}: concurrency 16 speed-up", speedup, "x", "at least 10 x",
            10 / speedup, speedup >= 10,
            f"looking up and writing: c1 {one.phase:.2f} s, c16 {many.phase:.2f} s; whole command (start-up"
            f" included): c1 {one.seconds:.2f} s (CPU {one.cpu:.2f} s), c16 {many.seconds:.2f} s (CPU"
            f" {many.cpu:.2f} s), {one.seconds / many.seconds:.2f} x; {one.requests} requests"
            f" (c16: {many.requests}), {one.messages} emails; outcome {written}"
            + ("" if same else f"; c16 outcome differs: {many.summary}"),
        ))
        extras = {r.concurrency: r.requests - r.searches - sum(r.writes.values()) for r in (one, many)}
        extra = max(extras.values())
        allowed = 3 * len(one.by_system)  # a session or token and a folder look-up per system
        figures.append(Figure(
            f"apply {procedure}: requests beyond one per search and one per write", extra, "requests",
            f"at most {allowed}",
            extra / allowed if allowed else None, extra <= allowed,
            f"c1: {one.requests} requests {one.by_system}, c16: {many.requests} {many.by_system}, for "
            f"{one.searches} people x systems looked up and {sum(one.writes.values())} writes {one.writes}",
        ))
        bound = one.requests * latency_ms / 1000
        overhead = one.phase / bound if bound else float("inf")
        figures.append(Figure(
            f"apply {procedure}: concurrency 1 against requests x latency", overhead, "x", "at most 1.3 x",
            overhead / 1.3, overhead <= 1.3,
            f"looking up and writing {one.phase:.2f} s for {one.requests} requests x {latency_ms:g} ms ="
            f" {bound:.2f} s; whole command {one.seconds:.2f} s ({one.seconds / bound:.2f} x)",
        ))
    return figures


def latency_figures(runs: list[ApplyRun], latency_ms: float) -> list[Figure]:
    """The same apply at another latency, for information: no goal is set there."""
    by = {r.concurrency: r for r in runs}
    one, many = by[1], by[16]
    speedup = one.phase / many.phase
    bound = one.requests * latency_ms / 1000
    return [Figure(
        f"apply {one.procedure} at {latency_ms:g} ms: concurrency 16 speed-up", speedup, "x", "none (information)",
        None, None,
        f"looking up and writing: c1 {one.phase:.2f} s ({one.phase / bound:.2f} x requests x latency), c16"
        f" {many.phase:.2f} s; whole command: c1 {one.seconds:.2f} s, c16 {many.seconds:.2f} s"
        f" ({one.seconds / many.seconds:.2f} x)",
        {"information": True},
    )]


# -- plan: linear growth ----------------------------------------------------------------------
def plan_seconds(work: Path, procedure: str, cases: int, repeats: int,
                 timeout: float | None = None) -> tuple[float, dict[str, int]]:
    folder = work / f"plan-{procedure}-{cases}"
    meeting, records = write(generate(procedure, cases), folder, "meeting")
    state = folder / "state"
    seed_sandbox(records, state, procedure, folder)
    times, counts = [], {}
    for _ in range(repeats):
        seconds, out = marac("plan", str(meeting), "--sandbox", str(records), "--state", str(state), "--json",
                             "--on", MEETING_DATE.isoformat(), timeout=timeout)
        times.append(seconds)
        planned = json.loads(out)
        counts = {"obligations": len(planned["obligations"]), "reviews": len(planned["reviews"]),
                  "lookup_failures": len(planned["lookup_failures"])}
    return min(times), counts


def plan_figures(work: Path, procedure: str, small: int, large: int) -> list[Figure]:
    small_s, small_counts = plan_seconds(work, procedure, small, repeats=2)
    allowed = 12 * large / small / 10  # 12 x for 10 times the cases
    # A plan that grows much faster than allowed is stopped: it has failed, and would take long.
    limit = 1.5 * allowed * small_s + 30
    try:
        large_s, large_counts = plan_seconds(work, procedure, large, repeats=1, timeout=limit)
    except subprocess.TimeoutExpired:
        return [Figure(
            f"plan {procedure}: {large:,} cases against {small:,}", limit / small_s, "x", f"at most {allowed:g} x",
            limit / small_s / allowed, False,
            f"{small:,} cases {small_s:.2f} s ({small_counts}); {large:,} cases stopped after {limit:.0f} s: "
            f"more than {limit / small_s:.1f} x",
        )]
    growth = large_s / small_s
    return [Figure(
        f"plan {procedure}: {large:,} cases against {small:,}", growth, "x", f"at most {allowed:g} x",
        growth / allowed, growth <= allowed,
        f"{small:,} cases {small_s:.2f} s ({small_counts}); {large:,} cases {large_s:.2f} s ({large_counts})",
    )]


# -- due: a year of meetings ------------------------------------------------------------------
def due_available() -> bool:
    done = subprocess.run([MARAC, "due", "--help"], capture_output=True, text=True)
    return done.returncode == 0


def due_figures(work: Path, cases: int, meetings: int = 12) -> list[Figure]:
    """``marac due`` over a ledger holding a year of monthly meetings (``cases`` cases in all)."""
    goal = "under 1 s"
    name = f"marac due over a year ({cases:,} cases)"
    if not due_available():
        return [Figure(name, float("nan"), "s", goal, None, None, "skipped: this marac has no 'due' command yet")]
    state = work / "year"
    on = year_of_meetings(work, state, cases, meetings)
    times = []
    for _ in range(3):
        seconds, out = marac(*due_arguments(state), "--on", on.isoformat())
        times.append(seconds)
    shown = len(json.loads(out)["deadlines"]) if out.lstrip().startswith("{") else "?"
    best = min(times)
    return [Figure(name, best, "s", goal, best / 1.0, best < 1.0,
                   f"best of 3: {', '.join(f'{t:.3f}' for t in times)} s; {meetings} meetings, {shown} deadlines"
                   f" listed on {on.isoformat()}")]


def year_of_meetings(work: Path, state: Path, cases: int, meetings: int) -> dt.date:
    """A ledger as a year of applied meetings leaves it; returns the day to ask ``marac due`` on.

    One meeting per procedure is planned against the sandbox with ``marac plan``; its
    obligations are then recorded for each month's meeting (the dates moved to that month),
    as ``marac apply`` records them, and those due before the last month are marked done.
    """
    import datetime as _dt

    from sqlalchemy import update

    from marac_core.model.obligations import Obligation
    from marac_core.state.ledger import Ledger, meeting_key, obligations_table

    per_meeting = -(-cases // meetings)
    planned: dict[str, list[dict[str, Any]]] = {}
    for procedure in ("rdash", "herts-childrens"):
        synthetic = generate(procedure, per_meeting, area="Doncaster" if procedure == "rdash" else "Stevenage")
        meeting, records = write(synthetic, work / f"year-{procedure}", "meeting")
        for phase in ("before", "after"):
            _, out = marac("plan", str(meeting), "--sandbox", str(records), "--state", str(work / f"year-{procedure}"),
                           "--phase", phase, "--on", MEETING_DATE.isoformat(), "--json")
            planned.setdefault(procedure, []).extend(json.loads(out)["obligations"])
    shutil.rmtree(state, ignore_errors=True)
    ledger = Ledger.at(state)
    try:
        last = MEETING_DATE
        for month in range(meetings):
            procedure = ("rdash", "herts-childrens")[month % 2]
            area = "Doncaster" if procedure == "rdash" else "Stevenage"
            day = _first_thursday(MEETING_DATE.year, month + 1)
            shift = day - MEETING_DATE
            obligations = []
            for raw in planned[procedure]:
                moved = dict(raw)
                for key in ("due", "expires"):
                    if moved.get(key):
                        value = (_dt.datetime if key == "due" else _dt.date).fromisoformat(moved[key])
                        moved[key] = (value + shift).isoformat()
                obligations.append(Obligation.model_validate(moved))
            key = meeting_key(area, day, procedure)
            ledger.record_plan(key, area, day, procedure, obligations)
            last = day
        on = last + dt.timedelta(days=1)
        with ledger.engine.begin() as db:  # what earlier runs carried out
            db.execute(update(obligations_table).where(
                obligations_table.c.due < dt.datetime.combine(last, dt.time(0, 0), tzinfo=dt.timezone.utc)
            ).values(state="done", receipt="bench"))
    finally:
        ledger.close()
    return on


def due_arguments(state: Path) -> list[str]:
    """How ``marac due`` is asked about the whole ledger (adjust here if its options change)."""
    options = subprocess.run([MARAC, "due", "--help"], capture_output=True, text=True).stdout
    return ["due", "--state", str(state), *(["--json"] if "--json" in options else [])]


def _first_thursday(year: int, month: int) -> dt.date:
    day = dt.date(year, month, 1)
    return day + dt.timedelta(days=(3 - day.weekday()) % 7)


# -- start-up ---------------------------------------------------------------------------------
def help_figures(repeats: int = 7) -> list[Figure]:
    marac("--help")  # warm the file cache once
    times = [marac("--help")[0] for _ in range(repeats)]
    median = statistics.median(times)
    return [Figure("marac --help start-up", median * 1000, "ms", "under 350 ms", median / 0.35, median < 0.35,
                   f"median of {repeats}: {', '.join(f'{t * 1000:.0f}' for t in times)} ms")]
