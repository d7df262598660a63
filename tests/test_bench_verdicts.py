"""The performance benchmark's verdicts (bench/): issue 17's way out, a goal two shared cores cannot meet
whose own-CPU figure meets it, must be said, and must never hide a goal missed both ways."""

from __future__ import annotations

from bench.perf.measure import ApplyRun, Figure, _say_where_own_cpu_meets
from bench.run_performance import verdict


def _run(runner_cpu: float) -> ApplyRun:
    return ApplyRun("herts-childrens", 16, 1.3, 0.33, 1.2, 108, 70, {"done": 160}, {"lcs": 104}, 120, {"lcs": 100},
                    {"planning_cpu_s": 0.05, "recording_cpu_s": 0.02, "writing_cpu_s": runner_cpu - 0.07,
                     "sandbox_cpu_s": 0.15})


def _wall(passed: bool) -> Figure:
    return Figure("apply herts-childrens: concurrency 16 speed-up", 7.8 if not passed else 10.5, "x",
                  "at least 10 x", 1.28, passed, "looking up and writing: ...")


def _own(passed: bool) -> Figure:
    return Figure("apply herts-childrens: the runner's own CPU allows at concurrency 16, at this run's CPU speed",
                  11.1 if passed else 8.0, "x", "at least 10 x", 0.9, passed)


def test_a_wall_goal_missed_here_whose_own_cpu_figure_meets_it_says_so() -> None:
    wall = _wall(False)
    _say_where_own_cpu_meets(wall, _own(True), _run(0.21))
    assert verdict(wall) == "FAIL, own CPU meets it"
    assert "NOT MET ON THIS MACHINE" in wall.detail and "0.36 s" in wall.detail  # the runner's and the sandbox's CPU
    assert "11.10 x" in wall.detail


def test_a_goal_missed_both_ways_stays_a_plain_failure() -> None:
    # Harm prevented: a runner too slow on any machine reported as if only this machine were to blame.
    wall = _wall(False)
    _say_where_own_cpu_meets(wall, _own(False), _run(0.3))
    assert verdict(wall) == "FAIL" and "met_by_own_cpu" not in wall.extra


def test_a_wall_goal_met_is_left_as_it_is() -> None:
    wall = _wall(True)
    _say_where_own_cpu_meets(wall, _own(True), _run(0.21))
    assert verdict(wall) == "PASS" and wall.detail == "looking up and writing: ..."


def test_the_own_cpu_figures_are_taken_from_the_repeat_with_the_least_runner_cpu() -> None:
    fastest = _run(0.24)
    fastest.speed_ms = 12.0
    fastest.repeats = [(fastest.runner, 12.0),
                       ({"planning_cpu_s": 0.05, "recording_cpu_s": 0.02, "writing_cpu_s": 0.12}, 11.0),
                       ({"planning_cpu_s": 0.06, "recording_cpu_s": 0.02, "writing_cpu_s": 0.14}, 10.5)]
    quietest = fastest.with_least_cpu()
    assert round(quietest.runner_cpu, 3) == 0.19 and quietest.speed_ms == 11.0
    assert round(fastest.runner_cpu, 3) == 0.24 and fastest.speed_ms == 12.0  # the wall-time figures keep the fastest's
