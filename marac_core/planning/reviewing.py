"""``marac review``: the rep confirms or rejects each unsure match; the answer is kept in the ledger.

Nothing is written to a record under review. A confirmation names one of the
records the system offered; if that record is no longer offered later, the
person comes back for review rather than being written to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from marac_core.model.errors import InputError
from marac_core.model.records import Candidate
from marac_core.planning.plan import Plan, Review
from marac_core.state.ledger import Ledger


@dataclass(frozen=True)
class Answer:
    review: str
    decision: str  # "confirm" or "reject"
    record: str | None = None


def parse_answers(confirm: tuple[str, ...], reject: tuple[str, ...]) -> list[Answer]:
    answers = []
    for text in confirm:
        review, sep, record = text.partition("=")
        if not sep or not record:
            raise InputError("--confirm", f"expected CASE/PERSON/SYSTEM=RECORD, got {text!r}")
        answers.append(Answer(review, "confirm", record))
    answers += [Answer(text, "reject") for text in reject]
    return answers


def candidates_of(plan: Plan, review: Review) -> list[Candidate]:
    lookup = plan.lookups.get((review.case, review.key, review.system))
    return list(lookup.candidates) if lookup is not None else []


def record_answers(ledger: Ledger, meeting: str, plan: Plan, answers: list[Answer]) -> list[str]:
    """Check every answer against the open reviews first, then keep them all (or none)."""
    open_reviews = {r.ref: r for r in plan.reviews}
    for answer in answers:
        review = open_reviews.get(answer.review)
        if review is None:
            known = ", ".join(open_reviews) or "none"
            raise InputError("marac review", f"{answer.review!r} is not an open review (open: {known})")
        offered = {c["record"] for c in review.candidates}
        if answer.decision == "confirm" and answer.record not in offered:
            raise InputError("--confirm", f"{answer.record!r} is not one of the records offered for "
                                          f"{answer.review} ({', '.join(sorted(offered))})")
    said = []
    for answer in answers:
        review = open_reviews[answer.review]
        ledger.decide_review(meeting, review.case, review.key, review.system, answer.decision, answer.record)
        said.append(f"{answer.review}: {answer.decision}" + (f" {answer.record}" if answer.record else ""))
    return said


def ask(plan: Plan, prompt: Callable[[Review, list[Candidate]], Answer | None]) -> list[Answer]:
    """Ask the rep about each open review (interactive use)."""
    answers = []
    for review in plan.reviews:
        answer = prompt(review, candidates_of(plan, review))
        if answer is not None:
            answers.append(answer)
    return answers
