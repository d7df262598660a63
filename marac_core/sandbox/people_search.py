"""A record system's person search, as emulators answer it.

Real systems search generously (surname sounds-like, date of birth, NHS
number) and leave the choosing to the user; the emulators do the same so that
the core's matching, not the emulator, decides who is who.

``search_people`` looks through the rows it is given; ``PeopleIndex`` answers
the same searches from an index built once, which an emulator keeps while the
collection is unchanged (``EmulatorStore.version(collection)``): a real system
has an index, and scanning every record for every search made planning a large
meeting grow with the square of its size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import jellyfish
from rapidfuzz import fuzz, process

_SIMILAR = 80  # fuzz.ratio at or above which two surnames sound alike


def surname(name: str) -> str:
    parts = name.replace(",", " ").split()
    return parts[-1].casefold() if parts else ""


@lru_cache(maxsize=65536)
def _name_surnames(name: str) -> frozenset[str]:
    last = surname(name)
    return frozenset({last, *(p for p in last.split("-") if p)})


def _surnames(row: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for name in [row.get("name", "")] + list(row.get("aliases") or []):
        found |= _name_surnames(name)
    return found


@lru_cache(maxsize=65536)
def _metaphone(name: str) -> str:
    return jellyfish.metaphone(name)


def _sounds_alike(a: str, b: str) -> bool:
    if not a or not b:
        return False
    return a == b or _metaphone(a) == _metaphone(b) or fuzz.ratio(a, b) >= _SIMILAR


@lru_cache(maxsize=65536)
def _parse_text(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _parse(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    return _parse_text(str(value)) if value else None


def _wanted_surnames(family: str | None) -> set[str]:
    return {p for p in (family or "").casefold().split("-") if p} | ({family.casefold()} if family else set())


def search_people(
    rows: Iterable[dict[str, Any]],
    *,
    family: str | None = None,
    dob: dt.date | str | None = None,
    nhs_number: str | None = None,
) -> list[dict[str, Any]]:
    """Rows whose NHS number is equal, or whose surname sounds alike, or whose birth date is equal."""
    wanted_surnames = _wanted_surnames(family)
    wanted_dob = _parse(dob)
    found = []
    for row in rows:
        if nhs_number and row.get("nhs_number") == nhs_number:
            found.append(row)
        elif wanted_surnames and any(_sounds_alike(a, b) for a in wanted_surnames for b in _surnames(row)):
            found.append(row)
        elif wanted_dob is not None and _parse(row.get("dob")) == wanted_dob:
            found.append(row)
    return found


class PeopleIndex:
    """The answers of ``search_people`` over fixed rows, without looking through all of them each time.

    Build it once from the rows (an emulator keeps it while ``store.version(collection)`` is unchanged);
    ``search`` returns the same rows, in the same order, as ``search_people(rows, ...)``.
    """

    def __init__(self, rows: Sequence[dict[str, Any]]) -> None:
        self.rows = list(rows)
        self._by_nhs: dict[Any, list[int]] = {}
        self._by_dob: dict[dt.date, list[int]] = {}
        self._by_surname: dict[str, list[int]] = {}
        self._by_metaphone: dict[str, set[str]] = {}
        for position, row in enumerate(self.rows):
            if row.get("nhs_number"):
                self._by_nhs.setdefault(row["nhs_number"], []).append(position)
            born = _parse(row.get("dob"))
            if born is not None:
                self._by_dob.setdefault(born, []).append(position)
            for name in _surnames(row):
                if name:
                    self._by_surname.setdefault(name, []).append(position)
        by_length: dict[int, list[str]] = {}
        for name in self._by_surname:
            self._by_metaphone.setdefault(_metaphone(name), set()).add(name)
            by_length.setdefault(len(name), []).append(name)
        self._by_length = by_length
        # A family's surname is searched for each of its members: worked out once per index.
        self._alike_found: dict[str, frozenset[str]] = {}

    def _alike(self, wanted: str) -> frozenset[str]:
        """The indexed surnames that sound like ``wanted`` (as ``_sounds_alike`` decides)."""
        if not wanted:
            return frozenset()
        found = self._alike_found.get(wanted)
        if found is None:
            names = set(self._by_metaphone.get(_metaphone(wanted), ()))
            if wanted in self._by_surname:
                names.add(wanted)
            names.update(match for match, _, _ in process.extract(
                wanted, self._similar_lengths(len(wanted)), scorer=fuzz.ratio, score_cutoff=_SIMILAR, limit=None))
            found = self._alike_found[wanted] = frozenset(names)
        return found

    def _similar_lengths(self, length: int) -> list[str]:
        """The surnames long enough and short enough to reach ``_SIMILAR``: fuzz.ratio is
        200 x (common letters) / (both lengths), and the common letters are at most the shorter length."""
        return [name for other, names in self._by_length.items()
                if 200 * min(length, other) >= _SIMILAR * (length + other) for name in names]

    def search(self, *, family: str | None = None, dob: dt.date | str | None = None,
               nhs_number: str | None = None) -> list[dict[str, Any]]:
        positions: set[int] = set()
        if nhs_number:
            positions.update(self._by_nhs.get(nhs_number, ()))
        for wanted in _wanted_surnames(family):
            for name in self._alike(wanted):
                positions.update(self._by_surname[name])
        wanted_dob = _parse(dob)
        if wanted_dob is not None:
            positions.update(self._by_dob.get(wanted_dob, ()))
        return [self.rows[p] for p in sorted(positions)]
