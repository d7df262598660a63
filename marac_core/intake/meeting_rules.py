"""The meeting file's rules beyond its shape: each one stops a write to the wrong person or a lost one.

- a name in ``outcome.actions[].person`` or ``outcome.children[].name`` must be a person of
  that case (else the action or the child's alert silently vanishes); it is then written as
  the agenda writes it, so that every procedure finds it;
- one person may be listed once in a case, in one role (else two alerts on one record, or the
  victim's record gets the perpetrator's);
- dates must be plausible (a meeting in 1900 writes alerts already expired; one in 9999 fails
  after the look-ups; a child born after the meeting is a typo).
"""

from __future__ import annotations

import datetime as dt
import difflib

from marac_core.model.errors import InputError
from marac_core.model.meeting import Case, MeetingFile, Person
from marac_core.model.names import name_key

MEETING_YEARS = 5
EARLIEST_DOB = dt.date(1900, 1, 1)
_ROLE_FIELD = {"victim": "victim", "perpetrator": "perpetrator", "child": "children"}


def check_meeting(meeting: MeetingFile, source: str, on: dt.date) -> None:
    _check_dates(meeting, source, on)
    for index, case in enumerate(meeting.cases):
        _check_people(case, index, source)
        _check_outcome(case, index, source)


def _years_from(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _check_dates(meeting: MeetingFile, source: str, on: dt.date) -> None:
    date = meeting.meeting.date
    if not _years_from(on, -MEETING_YEARS) <= date <= _years_from(on, MEETING_YEARS):
        raise InputError(source, f"{date.isoformat()} is more than {MEETING_YEARS} years from the day acted as of "
                                 f"({on.isoformat()}): a typo?", "meeting.date")
    for index, case in enumerate(meeting.cases):
        for role, position, person in case.people():
            if person.dob is None:
                continue
            where = _where(index, role, position, case) + ".dob"
            if person.dob > date:
                raise InputError(source, f"{person.dob.isoformat()} is after the meeting ({date.isoformat()})", where)
            if person.dob < EARLIEST_DOB:
                raise InputError(source, f"{person.dob.isoformat()} is before {EARLIEST_DOB.year}", where)


def _where(index: int, role: str, position: int, case: Case) -> str:
    field = f"cases[{index}].{_ROLE_FIELD[role]}"
    if role == "child" or (role == "perpetrator" and len(case.perpetrator) > 1):
        field += f"[{position}]"
    return field


def _same_person(a: Person, a_role: str, b: Person, b_role: str) -> bool:
    if a.nhs_number and b.nhs_number and a.nhs_number == b.nhs_number:
        return True
    if any(b.identifiers.get(system) == record for system, record in a.identifiers.items()):
        return True
    if name_key(a.name) != name_key(b.name):
        return False
    if a.dob is not None and b.dob is not None:
        return a.dob == b.dob
    # One name and no dates of birth to tell them apart: one person, unless one is a child and
    # the other an adult of the case (a father and his son named after him).
    return (a_role == "child") == (b_role == "child")


def _check_people(case: Case, index: int, source: str) -> None:
    listed = case.people()
    for n, (role, position, person) in enumerate(listed):
        for earlier_role, earlier_position, earlier in listed[:n]:
            if not _same_person(person, role, earlier, earlier_role):
                continue
            first = _where(index, earlier_role, earlier_position, case)
            if role == earlier_role:
                message = f"{person.name} is listed twice in this case (also {first})"
            else:
                message = (f"{person.name} is listed in two roles of this case ({earlier_role} at {first}, and "
                           f"{role}): one person, one role")
            raise InputError(source, message, _where(index, role, position, case))


def _nearest(name: str, people: list[Person]) -> str:
    folded = " ".join(name_key(name))
    scored = sorted(people, key=lambda p: -difflib.SequenceMatcher(None, folded, " ".join(name_key(p.name))).ratio())
    return scored[0].name if scored else "nobody"


def _check_outcome(case: Case, index: int, source: str) -> None:
    outcome = case.outcome
    if outcome is None:
        return
    people = [person for _, _, person in case.people()]
    by_key: dict[tuple[str, ...], list[Person]] = {}
    for person in people:
        by_key.setdefault(name_key(person.name), []).append(person)
    for n, action in enumerate(outcome.actions):
        if action.person is None:
            continue
        named = by_key.get(name_key(action.person), [])
        if len(named) > 1:
            raise InputError(source, f"{action.person!r} names {len(named)} people of this case (one name, "
                                     "different dates of birth): the action cannot say which",
                             f"cases[{index}].outcome.actions[{n}].person")
        found = named[0] if named else None
        if found is None:
            raise InputError(source, f"{action.person!r} is no person of this case (did you mean "
                                     f"{_nearest(action.person, people)}?)", f"cases[{index}].outcome.actions[{n}].person")
        action.person = found.name
    children = {name_key(c.name): c for c in case.children}
    seen: dict[tuple[str, ...], int] = {}
    for n, child in enumerate(outcome.children):
        key = name_key(child.name)
        found = children.get(key)
        where = f"cases[{index}].outcome.children[{n}].name"
        if found is None:
            nearest = _nearest(child.name, case.children) if case.children else None
            hint = f" (did you mean {nearest}?)" if nearest else " (the case lists no children)"
            raise InputError(source, f"{child.name!r} is no child of this case{hint}", where)
        if key in seen:
            raise InputError(source, f"{child.name} has two outcomes (also outcome.children[{seen[key]}])", where)
        seen[key] = n
        child.name = found.name
