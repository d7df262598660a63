"""The conformance kit catches broken adapters (each a small change to a scaffolded one)."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from marac_core.scaffold import generate
from marac_core.testing import SandboxSystem, registrations_of, sample_records

MUTANTS = '''
from marac_core.plugins.adapter import AdapterRegistration, Unsupported
from marac_core.testing import AdapterConformance, sample_records
from marac_kitprobe.adapter import KitprobeAdapter
from marac_kitprobe.emulator import KitprobeEmulator


class TwoSearches(KitprobeAdapter):
    async def find_people(self, query):
        await super().find_people(query)
        return await super().find_people(query)


class ForgetsMarkers(KitprobeAdapter):
    async def find_write(self, record, action, marker):
        await super().find_write(record, action, marker)
        return None


class WritesTwice(KitprobeAdapter):
    async def add_alert(self, record, alert):
        await super().add_alert(record, alert)
        return await super().add_alert(record, alert)


class DropsConfidentiality(KitprobeAdapter):
    async def write_case_note(self, record, note):
        return await super().write_case_note(record, note.model_copy(update={"confidential": False}))


class AsksBeforeRefusing(KitprobeAdapter):
    async def tick_template(self, record, entry):
        await self.get_record(record)
        raise Unsupported("template_ticks")


def registration(adapter):
    return AdapterRegistration(name="kitprobe", version="0", title="probe", adapter=lambda: adapter,
                               emulator=lambda: KitprobeEmulator)


class Base(AdapterConformance):
    records = sample_records(["P-1", "P-2", "P-3"])


class TestTwoSearches(Base):
    registration = registration(TwoSearches)


class TestForgetsMarkers(Base):
    registration = registration(ForgetsMarkers)


class TestWritesTwice(Base):
    registration = registration(WritesTwice)


class TestDropsConfidentiality(Base):
    registration = registration(DropsConfidentiality)


class TestAsksBeforeRefusing(Base):
    registration = registration(AsksBeforeRefusing)
'''


def test_kit_fails_each_broken_adapter_on_the_rule_it_breaks(tmp_path: Path) -> None:
    root, _ = generate("kitprobe", tmp_path)
    (root / "tests" / "test_kitprobe_mutants.py").write_text(MUTANTS)
    report = tmp_path / "report.xml"
    selected = ("exactly_one_request or finds_a_write_by_its_marker or lands_once_as_sent or "
                "confidential_flag or unsupported_actions")
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_kitprobe_mutants.py",
         "-k", selected, f"--junitxml={report}"],
        cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True, timeout=120)
    failed = set()
    for case in ET.parse(report).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed.add(f"{case.get('classname', '').rsplit('.', 1)[-1]}::{case.get('name')}")
    assert failed == {
        "TestTwoSearches::test_find_people_makes_exactly_one_request",
        "TestForgetsMarkers::test_find_write_finds_a_write_by_its_marker[case_note]",
        "TestForgetsMarkers::test_find_write_finds_a_write_by_its_marker[alert]",
        "TestWritesTwice::test_write_lands_once_as_sent[alert]",
        "TestWritesTwice::test_find_write_finds_a_write_by_its_marker[alert]",
        "TestWritesTwice::test_confidential_flag_reaches_the_system[alert-True]",
        "TestWritesTwice::test_confidential_flag_reaches_the_system[alert-False]",
        "TestDropsConfidentiality::test_confidential_flag_reaches_the_system[case_note-True]",
        "TestAsksBeforeRefusing::test_unsupported_actions_raise_without_a_request",
    }


def test_marac_sandbox_fixture_serves_one_emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   marac_sandbox: Callable[..., SandboxSystem]) -> None:
    root, _ = generate("fixtureprobe", tmp_path)
    monkeypatch.syspath_prepend(str(root))
    try:
        import marac_fixtureprobe  # type: ignore[import-not-found]

        registration = registrations_of(marac_fixtureprobe)["fixtureprobe"]
        system = marac_sandbox(registration, sample_records(["F-1", "F-2", "F-3"]))
        found = system.run(lambda adapter: adapter.get_record("F-1"))
        assert found is not None and found.name == "Sarah Jones" and found.involvement.open
        assert system.requests() == 1 and system.dump()["case_notes"] == []
    finally:
        for module in [m for m in sys.modules if m.split(".")[0] == "marac_fixtureprobe"]:
            del sys.modules[module]
