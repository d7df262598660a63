"""What matching decides about one person in one system."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from marac_core.model.records import Candidate

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
