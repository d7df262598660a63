"""Deciding which record, if any, is the person on the agenda.

An alert calling someone an alleged perpetrator of domestic abuse on the
wrong person's record is a serious harm, so only a confident, unique match is
used; anything less goes to a person for review and nothing is written.

The scoring rules are in marac_core/scoring.py (with matching_names.py and
matching_dates.py); the rules, thresholds and benchmark are described in
docs/matching.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from marac_core.model import Person, Role
from marac_core.records import Candidate

MatchStatus = Literal["matched", "none", "review"]


class ScoredCandidate(BaseModel):
    record: str
    score: float
    reasons: list[str] = Field(default_factory=list)


class Match(BaseModel):
    """The outcome of matching one person against one system's search results."""

    status: MatchStatus
    candidate: Candidate | None = None
    scored: list[ScoredCandidate] = Field(default_factory=list)
    reason: str | None = None


def nhs_number_valid(number: str) -> bool:
    """The NHS number's modulus 11 check digit."""
    if len(number) != 10 or not number.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(number[9])


def match_person(person: Person, candidates: list[Candidate], known_record: str | None = None, *,
                 role: Role | None = None, on: dt.date | None = None) -> Match:
    """Score the candidates and choose: a confident unique match, none, or review.

    ``role`` (victim, perpetrator, child) and ``on`` (the meeting day) let a record's age be
    checked against the role when the agenda has no date of birth.
    """
    from marac_core.scoring import decide

    return decide(person, candidates, known_record, role=role, on=on)
