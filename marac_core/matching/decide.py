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

from marac_core.matching.result import (
    Match,
    MatchStatus,
    ScoredCandidate,
    nhs_number_valid,
)
from marac_core.matching.scoring import decide
from marac_core.model.meeting import Person, Role
from marac_core.model.records import Candidate

__all__ = ["Match", "MatchStatus", "ScoredCandidate", "match_person", "nhs_number_valid"]

def match_person(person: Person, candidates: list[Candidate], known_record: str | None = None, *,
                 role: Role | None = None, on: dt.date | None = None) -> Match:
    """Score the candidates and choose: a confident unique match, none, or review.

    ``role`` (victim, perpetrator, child) and ``on`` (the meeting day) let a record's age be
    checked against the role when the agenda has no date of birth.
    """
    return decide(person, candidates, known_record, role=role, on=on)
