"""Random mutations of a valid meeting file never misdirect a write (issue 12).

Misspelt keys, swapped names, duplicated people, odd characters and odd dates: every run either
exits 2 with one line on stderr and nothing created, or plans writes only to the records the
unmutated file is written to. `marac check` judges every example; the sandbox plans a few; apply
runs for fewer still. MARAC_PROPERTY_EXAMPLES raises the count (CI keeps it small).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strict_harness import RDASH, Ran, run, written

EXAMPLES = int(os.environ.get("MARAC_PROPERTY_EXAMPLES", "6"))
BASE: dict[str, Any] = yaml.load(RDASH, Loader=yaml.BaseLoader)  # every scalar as text, as written
ODD = ["\r", "\n", "\x00", "\x1b[31m", "\u202e", "\t", "é", "'", "-", ",", " ", "/", "..", "\u200b"]


def _paths(value: Any, where: tuple = ()) -> list[tuple]:
    """Every (path to a mapping, key) and (path to a string) in the data."""
    found: list[tuple] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append(("key", where, key))
            found += _paths(item, where + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, where + (index,))
    elif isinstance(value, str):
        found.append(("text", where))
    return found


def _at(data: Any, where: tuple) -> Any:
    for part in where:
        data = data[part]
    return data


def _cases(data: dict[str, Any]) -> list[dict[str, Any]]:
    cases = data.get("cases")
    return [c for c in cases if isinstance(c, dict)] if isinstance(cases, list) else []


def _people(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The people's mappings that still hold a name (a misspelt key may have taken one away)."""
    found = []
    for case in _cases(data):
        perpetrator = case.get("perpetrator")
        found += [case.get("victim")]
        found += perpetrator if isinstance(perpetrator, list) else [perpetrator]
        found += case.get("children") if isinstance(case.get("children"), list) else []
    return [p for p in found if isinstance(p, dict) and "name" in p]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    data = copy.deepcopy(BASE)
    duplicate_line = False
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["misspell", "swap", "swap", "swap", "duplicate", "odd", "odd", "date", "date",
                                     "twice"]))
        if kind == "misspell":
            _, where, key = draw(st.sampled_from([p for p in _paths(data) if p[0] == "key"]))
            holder = _at(data, where)
            cut = draw(st.integers(0, len(key) - 1))
            holder[key[:cut] + key[cut + 1:] or "x"] = holder.pop(key)
        elif kind == "swap" and len(_people(data)) > 1:
            people = _people(data)
            a, b = draw(st.sampled_from(people)), draw(st.sampled_from(people))
            a["name"], b["name"] = b["name"], a["name"]
        elif kind == "duplicate" and _people(data):
            case = draw(st.sampled_from([c for c in _cases(data) if _people({"cases": [c]})]))
            person = copy.deepcopy(draw(st.sampled_from(_people({"cases": [case]}))))
            if draw(st.booleans()) and isinstance(case.get("children", []), list):
                case.setdefault("children", []).append(person)
            else:
                case["perpetrator"] = person
        elif kind == "odd":
            (_, where) = draw(st.sampled_from([p for p in _paths(data) if p[0] == "text"]))
            text = _at(data, where[:-1])[where[-1]]
            at = draw(st.integers(0, len(text)))
            _at(data, where[:-1])[where[-1]] = text[:at] + draw(st.sampled_from(ODD)) + text[at:]
        elif kind == "date":
            # Mostly near the meeting (plausible, or a child born just after it), sometimes anything.
            near = st.dates(dt.date(2019, 1, 1), dt.date(2027, 12, 31))
            day = draw(near | st.dates(dt.date(1850, 1, 1), dt.date(9999, 12, 31)))
            if draw(st.booleans()) and isinstance(data.get("meeting"), dict):
                data["meeting"]["date"] = day.isoformat()
            elif _people(data):
                draw(st.sampled_from(_people(data)))["dob"] = day.isoformat()
        elif kind == "twice":
            duplicate_line = True
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if duplicate_line:  # a key given twice: PyYAML's default would keep the last one
        text = text.replace("  perpetrator:\n", "  perpetrator: {name: Sarah JONES}\n  perpetrator:\n", 1)
    return text


def targets(ran: Ran) -> set[str]:
    """What a plan would write to: system/record, and email/address."""
    found = set()
    for o in ran.json["obligations"]:
        if o.get("record"):
            found.add(f"{o['system']}/{o['record']}")
        found |= {f"email/{a}" for a in o.get("to", []) + o.get("cc", [])}
    return found


@pytest.fixture(scope="module")
def allowed(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Everything the unmutated file is written to, in either phase."""
    found: set[str] = set()
    for phase in ("before", "after"):
        ran = run("plan", tmp_path_factory.mktemp(phase), RDASH, "--phase", phase)
        assert ran.code == 0, ran.stderr
        found |= targets(ran)
    return found


@pytest.fixture(scope="module")
def allowed_written(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Every record the unmutated file's applies write to, before and after the meeting."""
    folder = tmp_path_factory.mktemp("applied")
    for phase in ("before", "after"):
        ran = run("apply", folder, RDASH, "--phase", phase)
        assert ran.code == 0, ran.stderr
    return set(written(folder / "state"))


def refused_cleanly(ran: Ran) -> bool:
    return ran.code == 2 and len(ran.stderr.strip().splitlines()) == 1 and not ran.state.exists()


_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@_SETTINGS
@given(text=mutated())
def test_a_mutated_meeting_is_refused_in_one_line_or_plans_writes_only_to_its_own_records(
        allowed: set[str], text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        checked = run("check", Path(folder) / "c", text)
        planned = run("plan", Path(folder) / "p", text)
        # check and plan read a file alike: the same refusal, or none.
        assert (checked.code == 2) == (planned.code == 2), (checked.stderr, planned.stderr)
        if planned.code == 2:
            assert refused_cleanly(planned), planned.stderr
            assert checked.stderr.strip() == planned.stderr.strip().replace(f"{folder}/p", f"{folder}/c")
            return
        assert planned.code == 0, planned.stderr
        assert targets(planned) <= allowed


@settings(max_examples=max(2, EXAMPLES // 3), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=mutated())
def test_a_mutated_meeting_applied_writes_only_to_its_own_records(allowed_written: set[str], text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        applied = run("apply", Path(folder), text)
        if applied.code == 2:
            assert refused_cleanly(applied), applied.stderr
            return
        assert applied.code in (0, 1), applied.stderr
        assert set(written(applied.state)) <= allowed_written
