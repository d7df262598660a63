"""A record system's person search, as emulators answer it.

Real systems search generously (surname sounds-like, date of birth, NHS
number) and leave the choosing to the user; the emulators do the same so that
the core's matching, not the emulator, decides who is who.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import jellyfish
from rapidfuzz import fuzz


def surname(name: str) -> str:
    parts = name.replace(",", " ").split()
    return parts[-1].casefold() if parts else ""


def _surnames(row: dict[str, Any]) -> set[str]:
    names = [row.get("name", "")] + list(row.get("aliases") or [])
    found = set()
    for name in names:
        last = surname(name)
        found.add(last)
        found.update(p for p in last.split("-") if p)
    return found


def _sounds_alike(a: str, b: str) -> bool:
    if not a or not b:
        return False
    return a == b or jellyfish.metaphone(a) == jellyfish.metaphone(b) or fuzz.ratio(a, b) >= 80


def _parse(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def search_people(
    rows: Iterable[dict[str, Any]],
    *,
    family: str | None = None,
    dob: dt.date | str | None = None,
    nhs_number: str | None = None,
) -> list[dict[str, Any]]:
    """Rows whose NHS number is equal, or whose surname sounds alike, or whose birth date is equal."""
    wanted_surnames = {p for p in (family or "").casefold().split("-") if p} | (
        {family.casefold()} if family else set()
    )
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
