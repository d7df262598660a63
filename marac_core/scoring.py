"""Scoring candidates against a person (first version; see docs/matching.md)."""

from __future__ import annotations

from rapidfuzz import fuzz

from marac_core.matching import Match, ScoredCandidate, nhs_number_valid
from marac_core.model import Person
from marac_core.records import Candidate

AUTO_MATCH = 0.9
CLOSE_CALL = 0.05


def _name_score(a: str, b: str) -> float:
    return fuzz.token_sort_ratio(a.casefold(), b.casefold()) / 100.0


def score(person: Person, candidate: Candidate) -> ScoredCandidate:
    reasons: list[str] = []
    if person.nhs_number and candidate.nhs_number and nhs_number_valid(person.nhs_number):
        if person.nhs_number == candidate.nhs_number:
            return ScoredCandidate(record=candidate.record, score=1.0, reasons=["NHS number equal"])
        return ScoredCandidate(record=candidate.record, score=0.0, reasons=["NHS number differs"])
    names = [person.name, *person.aliases]
    their = [candidate.name, *candidate.aliases]
    name = max(_name_score(a, b) for a in names for b in their)
    reasons.append(f"name {name:.2f}")
    if person.dob and candidate.dob:
        dob = 1.0 if person.dob == candidate.dob else 0.0
        reasons.append("date of birth equal" if dob else "date of birth differs")
    else:
        dob = 0.5
        reasons.append("date of birth unknown")
    return ScoredCandidate(record=candidate.record, score=round(0.6 * name + 0.4 * dob, 3), reasons=reasons)


def decide(person: Person, candidates: list[Candidate], known_record: str | None = None) -> Match:
    if known_record is not None:
        chosen = next((c for c in candidates if c.record == known_record), None)
        if chosen is not None:
            return Match(status="matched", candidate=chosen,
                         scored=[ScoredCandidate(record=known_record, score=1.0, reasons=["record id given"])])
    if person.nhs_number and not nhs_number_valid(person.nhs_number):
        invalid = "NHS number fails its check digit and is not trusted"
        person = person.model_copy(update={"nhs_number": None})
    else:
        invalid = None
    scored = sorted((score(person, c) for c in candidates), key=lambda s: -s.score)
    plausible = [s for s in scored if s.score >= 0.6]
    if not plausible:
        return Match(status="none", scored=scored, reason=invalid)
    best = plausible[0]
    if best.score >= AUTO_MATCH and (len(plausible) == 1 or plausible[1].score < best.score - CLOSE_CALL):
        chosen = next(c for c in candidates if c.record == best.record)
        return Match(status="matched", candidate=chosen, scored=scored, reason=invalid)
    if len(plausible) > 1 and plausible[1].score >= best.score - CLOSE_CALL:
        reason = "two records match equally"
    else:
        reason = "weak match"
    return Match(status="review", scored=plausible, reason="; ".join(r for r in (reason, invalid) if r))
