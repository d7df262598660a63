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


def _plain(text: str) -> str:
    """A name as the rep may type it: case, spaces and apostrophes aside."""
    return " ".join(text.replace("'", "").replace("\u2019", "").replace("-", " ").split()).casefold()


def find_review(open_reviews: list[Review], name: str) -> Review:
    """The open review the rep names as CASE/PERSON/SYSTEM, PERSON being the review's key (``victim-0``),
    a role where the case has one person in it (``victim``, ``perpetrator``, ``child``) or the person's
    name; refused, with the choices, when it names none or more than one."""
    case, _, rest = name.partition("/")
    person, _, system = rest.rpartition("/")
    if not case or not person or not system:
        raise InputError("marac review", f"{name!r}: expected CASE/PERSON/SYSTEM, e.g. DN-0412/victim/systmone")
    in_case = [r for r in open_reviews if r.case == case and r.system == system]
    found = [r for r in in_case if r.key == person]
    if not found:
        by_role = [r for r in in_case if r.role == person.casefold()]
        found = by_role if len({r.key for r in by_role}) == 1 else []
        if len({r.key for r in by_role}) > 1:
            raise InputError("marac review", f"{name!r}: the case has {len(by_role)} {person}s under review; "
                                             "name one: " + ", ".join(f"{r.case}/{r.person}/{r.system}"
                                                                       for r in by_role))
    if not found:
        found = [r for r in in_case if _plain(r.person) == _plain(person)]
    if len({r.key for r in found}) != 1:
        known = ", ".join(f"{r.case}/{r.role if _role_alone(open_reviews, r) else r.person}/{r.system}"
                          for r in open_reviews) or "none"
        raise InputError("marac review", f"{name!r} is not an open review (open: {known})")
    return found[0]


def _role_alone(open_reviews: list[Review], review: Review) -> bool:
    return len({r.key for r in open_reviews if (r.case, r.system, r.role) == (review.case, review.system,
                                                                               review.role)}) == 1


def record_answers(ledger: Ledger, meeting: str, plan: Plan, answers: list[Answer]) -> list[str]:
    """Check every answer against the open reviews first, then keep them all (or none)."""
    chosen = []
    for answer in answers:
        review = find_review(plan.reviews, answer.review)
        offered = {c["record"] for c in review.candidates}
        if answer.decision == "confirm" and answer.record not in offered:
            raise InputError("--confirm", f"{answer.record!r} is not one of the records offered for "
                                          f"{answer.review} ({', '.join(sorted(offered))})")
        chosen.append((review, answer))
    said = []
    for review, answer in chosen:
        ledger.decide_review(meeting, review.case, review.key, review.system, answer.decision, answer.record)
        said.append(f"{review.ref} ({review.role} {review.person}): {answer.decision}"
                    + (f" {answer.record}" if answer.record else ""))
    return said


def how_to_answer(plan: Plan, meeting: str) -> list[str]:
    """What the rep types to answer each open review (said when there is no terminal to ask at)."""
    lines = []
    for r in plan.reviews:
        person = r.role if _role_alone(plan.reviews, r) else r.person
        name = f"{r.case}/{person}/{r.system}"
        offered = ", ".join(c["record"] for c in r.candidates) or "none"
        lines.append(f"{name}: {r.person} ({r.reason}); records offered: {offered}")
        lines.append(f"  marac review {meeting} --confirm '{name}=RECORD'   or   --reject '{name}'")
    return lines


def ask(plan: Plan, prompt: Callable[[Review, list[Candidate]], Answer | None]) -> list[Answer]:
    """Ask the rep about each open review (interactive use)."""
    answers = []
    for review in plan.reviews:
        answer = prompt(review, candidates_of(plan, review))
        if answer is not None:
            answers.append(answer)
    return answers
