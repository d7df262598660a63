"""Synthetic meetings and the sandbox records that go with them.

Every case has a victim, an alleged perpetrator and one or two children, all
fictional. The records file holds each of them, open to the services the
procedure writes to (SystmOne for ``rdash``; LCS, or EHM for some children,
for ``herts-childrens``), plus as many unrelated people as there are cases,
so that the systems' searches have more than the agenda to look through.
Each family's surname is its own and sounds like no other family's, as in a
real system whose population does not grow with the meeting: a search brings
back about as many people at 10,000 cases as at 200. Generation is seeded and
repeatable.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MEETING_DATE = dt.date(2026, 12, 3)  # a Thursday
_WOMEN = ("Sarah", "Emma", "Laura", "Rebecca", "Jessica", "Amy", "Hannah", "Charlotte", "Sophie", "Emily",
          "Rachel", "Katie", "Chloe", "Priya", "Aisha", "Nadia", "Megan", "Leanne", "Kirsty", "Joanne")
_MEN = ("Mark", "Daniel", "James", "Paul", "Craig", "Lee", "Wayne", "Darren", "Jason", "Ryan", "Adam", "Carl",
        "Imran", "Tariq", "Gareth", "Stuart", "Neil", "Dean", "Scott", "Kyle")
_CHILDREN = ("Lily", "Tom", "Zara", "Oliver", "Ava", "Noah", "Mia", "Leo", "Isla", "Jack", "Ruby", "Finley",
             "Evie", "Harry", "Poppy", "Alfie", "Freya", "Theo", "Maisie", "Archie")


# Consonants that metaphone keeps apart (no c/k/q, s/z, d/t, f/v pairs), so that two skeletons are
# never sound-alikes; vowels vary freely (metaphone drops them after the first letter).
_CONSONANTS = "bdfklmnprs"
_VOWELS = "aeiou"
_SKELETONS = len(_CONSONANTS) ** 5  # distinct families before a surname comes round again


def surname(index: int) -> str:
    """A surname of its own for each of the first 100,000 families (index ``i`` and ``i + 100,000`` share one).

    A real system's population does not grow with the meeting, so neither must the number of people
    a search brings back: each family gets a consonant skeleton no other family has (a permutation of
    the index, so neighbours do not look alike) and vowels of its own, and no two families sound alike
    to the emulators' generous search (metaphone, or fuzz.ratio at 80).
    """
    scrambled = (index * 7919 + 12345) % _SKELETONS  # 7919 is prime to 100,000: a permutation
    rng = random.Random(f"surname:{index % _SKELETONS}")
    letters = []
    for position in range(5):
        scrambled, digit = divmod(scrambled, len(_CONSONANTS))
        letters.append(_CONSONANTS[digit])
        if position < 4:
            letters.append(rng.choice(_VOWELS))
    return "".join(letters).title()


def nhs_number(rng: random.Random) -> str:
    """A random NHS number with a valid modulus 11 check digit."""
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        total = sum(d * w for d, w in zip(digits, range(10, 1, -1)))
        check = 11 - total % 11
        check = 0 if check == 11 else check
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def _dob(rng: random.Random, youngest: int, oldest: int) -> dt.date:
    start = MEETING_DATE.replace(year=MEETING_DATE.year - oldest)
    span = (MEETING_DATE.replace(year=MEETING_DATE.year - youngest) - start).days
    return start + dt.timedelta(days=rng.randrange(span))


@dataclass
class Synthetic:
    meeting: dict[str, Any]
    records: dict[str, list[dict[str, Any]]]
    people: int


def generate(procedure: str, cases: int, seed: int = 7, date: dt.date = MEETING_DATE, first_case: int = 0,
             area: str = "Doncaster", outcome: bool = True) -> Synthetic:
    """A meeting of ``cases`` cases for ``procedure`` and the records file that matches it."""
    rng = random.Random(f"{seed}:{procedure}:{first_case}:{cases}")
    contacts = {
        "representative": {"name": "A Rep", "email": "a.rep@example.org"},
        "deputy": {"name": "B Dep", "email": "b.dep@example.org"},
        "coordinator": {"name": "C Coord", "email": "marac@example.org"},
    }
    if procedure == "herts-childrens":
        contacts["assessment_team"] = {"name": "Assessment Team", "email": "assessment.team@example.org"}
    meeting: dict[str, Any] = {"meeting": {"area": area, "date": date.isoformat(), "time": "10:00",
                                           "procedure": procedure, **contacts}, "cases": []}
    records: dict[str, list[dict[str, Any]]] = {"systmone": [], "lcs": [], "ehm": [],
                                                "livelink": [{"id": "5001", "name": "MARAC minutes"}]}
    people = 0
    for number in range(first_case, first_case + cases):
        family = surname(number)
        victim = {"name": f"{rng.choice(_WOMEN)} {family.upper()}", "dob": _dob(rng, 20, 55).isoformat(),
                  "nhs_number": nhs_number(rng)}
        perpetrator = {"name": f"{rng.choice(_MEN)} {family.upper()}", "dob": _dob(rng, 20, 60).isoformat()}
        given = rng.sample(_CHILDREN, rng.choice((1, 2)))
        children = [{"name": f"{g} {family.upper()}", "dob": _dob(rng, 1, 15).isoformat()} for g in given]
        ref = f"BN-{number:05d}"
        case: dict[str, Any] = {"ref": ref, "referring_agency": "Police", "victim": victim,
                                "perpetrator": perpetrator, "children": children}
        if outcome:
            case["outcome"] = {
                "summary": "Safety plan agreed; school to be informed.",
                "risk_factors": ["Police warning marker: weapons"],
                "actions": [
                    {"agency": "RDaSH", "text": "Offer a mental health assessment", "person": victim["name"]},
                    {"agency": "Children's Services", "text": "Home visit within 72 hours",
                     "person": children[0]["name"]},
                ],
                "children": [{"name": c["name"], "in_contact": True} for c in children],
                "minutes": "minutes.pdf",
            }
        meeting["cases"].append(case)
        people += 2 + len(children)
        _add_records(records, procedure, number, victim, perpetrator, children, rng)
    # People the systems hold who are not on the agenda (the search has more to look through): as many
    # as there are cases, about half of them namesakes of a family on the agenda.
    for extra in range(cases):
        name = f"{rng.choice(_WOMEN + _MEN)} {surname(first_case + rng.randrange(2 * cases))}"
        row = {"id": f"X-{first_case + extra}", "name": name, "dob": _dob(rng, 1, 80).isoformat(),
               "open": rng.random() < 0.5}
        for system in ("systmone", "lcs", "ehm"):
            records[system].append({**row, "id": f"{system.upper()}-X{first_case + extra}"})
    return Synthetic(meeting, records, people)


def _worker(rng: random.Random, number: int) -> dict[str, str]:
    given = rng.choice(_WOMEN + _MEN)
    return {"name": f"{given} Worker{number}", "email": f"{given.lower()}.worker{number}@example.org"}


def _add_records(records: dict[str, list[dict[str, Any]]], procedure: str, number: int, victim: dict[str, Any],
                 perpetrator: dict[str, Any], children: list[dict[str, Any]], rng: random.Random) -> None:
    def plain(person: dict[str, Any]) -> tuple[str, str]:
        given, family = person["name"].rsplit(" ", 1)
        return f"{given} {family.title()}", person["dob"]

    if procedure == "rdash":
        for role, person in (("v", victim), ("p", perpetrator), *((f"c{i}", c) for i, c in enumerate(children))):
            name, dob = plain(person)
            row: dict[str, Any] = {"id": f"S1-{number}{role}", "name": name, "dob": dob, "open": True}
            if person.get("nhs_number"):
                row["nhs_number"] = person["nhs_number"]
            records["systmone"].append(row)
        return
    for index, child in enumerate(children):
        name, dob = plain(child)
        # Most children are open on LCS; a second child is sometimes open to Early Intervention on EHM.
        if index == 1 and rng.random() < 0.5:
            records["ehm"].append({"id": f"EHM-{number}c{index}", "name": name, "dob": dob, "open": True,
                                   "team": "Early Intervention", "allocated_worker": _worker(rng, number)})
        else:
            records["lcs"].append({"id": f"LCS-{number}c{index}", "name": name, "dob": dob, "open": True,
                                   "team": "Assessment", "allocated_worker": _worker(rng, number),
                                   "team_manager": {"name": "Jo Reed", "email": "jo.reed@example.org"}})


MINUTES = b"%PDF-1.4\n% synthetic MARAC minutes for the performance benchmark\n%%EOF\n"


def write(synthetic: Synthetic, folder: Path, name: str = "meeting") -> tuple[Path, Path]:
    """The meeting file, the records file and the minutes they refer to, in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    meeting = folder / f"{name}.yaml"
    records = folder / f"{name}-records.yaml"
    meeting.write_text(yaml.safe_dump(synthetic.meeting, sort_keys=False, allow_unicode=True), encoding="utf-8")
    records.write_text(yaml.safe_dump(synthetic.records, sort_keys=False, allow_unicode=True), encoding="utf-8")
    (folder / "minutes.pdf").write_bytes(MINUTES)
    return meeting, records
