"""England's bank holidays, kept in the user's cache folder (marac_core.model.bank_holidays).

A wrong set of bank holidays moves every working-day deadline (the herts procedure's next working day,
Dudley's working days to share part B); these tests hold the cache to giving exactly what the
holidays package gives, and never a stale answer.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from marac_core.model import bank_holidays

ENGLAND_2026 = {dt.date(2026, 1, 1), dt.date(2026, 4, 3), dt.date(2026, 4, 6), dt.date(2026, 5, 4),
                dt.date(2026, 5, 25), dt.date(2026, 8, 31), dt.date(2026, 12, 25), dt.date(2026, 12, 26),
                dt.date(2026, 12, 28)}


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return bank_holidays.cache_file()


def _not_worked_out(year: int) -> frozenset[dt.date]:
    raise AssertionError("worked out again, though the cache held the year")


def test_a_later_run_reads_the_year_from_the_cache_without_working_it_out(
        cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert bank_holidays.of_year(2026) == ENGLAND_2026
    assert cache.is_file()
    monkeypatch.setattr(bank_holidays, "_worked_out", _not_worked_out)
    assert bank_holidays.of_year(2026) == ENGLAND_2026


def test_a_cache_kept_by_another_version_of_the_holidays_package_is_not_trusted(cache: Path) -> None:
    # Harm prevented: a bank holiday announced since (a coronation, a jubilee) missing from the deadlines.
    cache.parent.mkdir(parents=True)
    cache.write_text(json.dumps({"holidays": "0.0-old", "subdivision": "ENG", "years": {"2026": ["2026-01-01"]}}))
    assert bank_holidays.of_year(2026) == ENGLAND_2026
    assert json.loads(cache.read_text())["holidays"] == bank_holidays._package_version()


@pytest.mark.parametrize("damage", ["{not json", json.dumps([1, 2]), json.dumps({"subdivision": "ENG", "years": 3}),
                                    "VERSION-years-2026-not-dates"])
def test_a_damaged_cache_is_worked_out_again_and_replaced(cache: Path, damage: str) -> None:
    version = bank_holidays._package_version()
    if damage == "VERSION-years-2026-not-dates":
        damage = json.dumps({"holidays": version, "subdivision": "ENG", "years": {"2026": ["01/01/2026", 7]}})
    cache.parent.mkdir(parents=True)
    cache.write_text(damage)
    assert bank_holidays.of_year(2026) == ENGLAND_2026
    kept = json.loads(cache.read_text())
    assert kept["years"]["2026"] == sorted(d.isoformat() for d in ENGLAND_2026)


def test_a_cache_folder_that_cannot_be_written_still_gives_the_dates(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert bank_holidays.of_year(2026) == ENGLAND_2026
    assert list(tmp_path.iterdir()) == [blocked]  # no half-written file left behind


def test_years_are_kept_together_and_each_is_its_own(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = bank_holidays.of_year(2026)
    second = bank_holidays.of_year(2027)
    assert dt.date(2027, 12, 27) in second and dt.date(2027, 12, 27) not in first
    monkeypatch.setattr(bank_holidays, "_worked_out", _not_worked_out)
    assert (bank_holidays.of_year(2026), bank_holidays.of_year(2027)) == (first, second)


def test_the_version_the_cache_is_kept_under_is_the_installed_package_s() -> None:
    # Harm prevented: an upgrade of the holidays package (a new bank holiday) answered from the cache
    # of the version before it, were the version read from the metadata's head wrongly.
    from importlib.metadata import version

    assert bank_holidays._package_version() == version("holidays")


def test_where_the_package_s_version_cannot_be_told_no_cache_is_read_or_written(
        cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Harm prevented: a cache kept under an unknown version trusted for every version after it.
    monkeypatch.setattr(bank_holidays, "_package_version", lambda: "")
    cache.parent.mkdir(parents=True)
    cache.write_text(json.dumps({"holidays": "", "subdivision": "ENG", "years": {"2026": ["2026-01-01"]}}))
    assert bank_holidays.of_year(2026) == ENGLAND_2026
    assert json.loads(cache.read_text())["years"]["2026"] == ["2026-01-01"]  # neither trusted nor replaced
