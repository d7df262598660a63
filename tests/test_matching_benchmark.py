"""The matching benchmark itself: what it counts as findable, and a small run of it as a guard."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from marac_core.model.meeting import Person
from marac_core.model.records import Candidate

BENCH = Path(__file__).resolve().parent.parent / "bench" / "matching"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("matching_benchmark", BENCH / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["matching_benchmark"] = module
    spec.loader.exec_module(module)
    return module


def line(bench: ModuleType, name: str, dob: dt.date | None, nhs: str | None = None) -> Any:
    human = bench.synthetic.Human("h1", [], "", dt.date(1990, 1, 1), "", False, -1)
    return bench.Case("test", Person(name=name, dob=dob, nhs_number=nhs), human, "auto")


RECORD = Candidate(record="R1", name="Sarah Jane Jones", dob=dt.date(1991, 3, 14), nhs_number="9434765919")


@pytest.mark.parametrize(("name", "dob", "nhs"), [
    ("Sarah JONES", dt.date(1991, 3, 14), None),
    ("Sarha JONSE", dt.date(1991, 3, 14), None),      # typos in both names
    ("Sally JONES", dt.date(1991, 3, 14), None),      # a nickname
    ("Jane JONES", dt.date(1991, 3, 14), None),       # known by the middle name
    ("Sarah JONES", dt.date(1991, 4, 14), None),      # one digit off
    ("Sarah SMITH", None, "9434765919"),              # NHS number and given name
])
def test_a_line_that_agrees_field_by_field_is_findable(bench: ModuleType, name: str, dob: dt.date | None,
                                                       nhs: str | None) -> None:
    assert bench.identifies(line(bench, name, dob, nhs), RECORD)


@pytest.mark.parametrize(("name", "dob", "nhs"), [
    ("Sarah JONES", None, None),                      # no date of birth: a mother and daughter of one name
    ("JONES", dt.date(1991, 3, 14), None),            # no given name: either twin
    ("Emily JONES", dt.date(1991, 3, 14), None),      # another given name: a twin
    ("Sarah JONES", dt.date(1965, 8, 2), None),       # another date: a parent of the same name
    ("Sarah SMITH", dt.date(1991, 3, 14), None),      # another surname, nothing linking it
    ("Sarah JONES", None, "9434765918"),              # an NHS number failing its check digit
])
def test_a_line_that_lost_or_replaced_a_field_is_not_findable(bench: ModuleType, name: str,
                                                              dob: dt.date | None, nhs: str | None) -> None:
    assert not bench.identifies(line(bench, name, dob, nhs), RECORD)


def test_a_small_benchmark_run_has_no_wrong_match_and_no_findable_line_lost(
        bench: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    # Exits non-zero on any wrong auto-match or any findable line ending as "none"; "met" also
    # needs 90% of the findable lines auto-matched.
    assert bench.main(["--seed", "5", "--per-kind", "10", "--mix", "200", "--no-febrl"]) == 0
    shown = capsys.readouterr().out
    assert "synthetic: each error kind: met" in shown
    assert "synthetic: agenda mix: met" in shown
