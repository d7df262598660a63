"""Synthetic people, a record system holding them, and agenda lines with UK-style errors.

Everything is drawn from one random.Random(seed), so a seed gives the same benchmark.

A population of households (adults, children, some twins, some married women with a
maiden name, some double-barrelled surnames) is put into one record system; each
error kind then takes households of its own, changes their records where the kind
needs it (a duplicate record, an alias, a record removed) and writes an agenda line.

Each household has a postcode drawn from a pool of a quarter as many postcodes as
households, so that unrelated households often share one (about four to a
postcode, some with the same surname). A record holds the current postcode in 75% of
cases (20% an old address, 5% none: people move, systems lag); an agenda line carries
the postcode in 70% (addresses are withheld for victims in refuge). Each line has the
person's role on the agenda: a child if under 18 on the meeting day, else a victim
(women) or a perpetrator (men).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from names import FEMALE, MALE, SURNAMES

from marac_core.matching.name_levels import _NICKNAME_GROUPS, compare_given
from marac_core.model.meeting import Person, Role, age_on

MEETING_DAY = dt.date(2026, 12, 3)
RECORD_POSTCODE_CURRENT, RECORD_POSTCODE_OLD = 0.75, 0.20  # the rest: no postcode on the record
AGENDA_POSTCODE = 0.70
HOUSEHOLDS_PER_POSTCODE = 4

# Familiar forms of each formal given name, from the matcher's own nickname table. The agenda
# generator only uses nicknames the table knows: an unknown nickname can only be reviewed.
NICKNAMES: dict[str, list[str]] = {}
for _group in _NICKNAME_GROUPS:
    NICKNAMES.setdefault(_group[0].title(), []).extend(n.title() for n in _group[1:])


@dataclass
class Human:
    key: str
    given: list[str]
    surname: str
    dob: dt.date
    nhs: str
    female: bool
    household: int
    postcode: str = ""
    maiden: str | None = None
    twin: str | None = None

    @property
    def role(self) -> Role:
        if age_on(self.dob, MEETING_DAY) < 18:
            return "child"
        return "victim" if self.female else "perpetrator"


@dataclass
class Case:
    kind: str
    person: Person
    human: Human
    expect: str  # "auto", "review" or "absent": what a careful person would do with the line
    truth: set[str] = field(default_factory=set)
    role: Role | None = None  # None: not known (FEBRL lines without a date of birth)


def nhs_check(nine: str) -> int:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1)))
    return (11 - total % 11) % 11


def valid_nhs(rng: random.Random) -> str:
    while True:
        nine = str(rng.randint(4, 7)) + "".join(str(rng.randint(0, 9)) for _ in range(8))
        check = nhs_check(nine)
        if check != 10:
            return nine + str(check)


def invalid_nhs(rng: random.Random, number: str) -> str:
    # One digit changed: the modulus 11 check catches every single-digit error.
    at = rng.randrange(10)
    digit = rng.choice([d for d in "0123456789" if d != number[at]])
    return number[:at] + digit + number[at + 1:]


def _ranked(rng: random.Random, names: list[str], power: float = 0.3) -> str:
    # Zipf-like: the most common names are much more common.
    weights = [1.0 / (rank + 1) ** power for rank in range(len(names))]
    return rng.choices(names, weights)[0]


def _date(rng: random.Random, first: int, last: int) -> dt.date:
    start, end = dt.date(first, 1, 1), dt.date(last, 12, 31)
    return start + dt.timedelta(days=rng.randrange((end - start).days))


_AREAS = ["DN", "S", "LS", "WF", "HD", "HU", "YO", "M", "B", "SG", "AL", "WD", "EN", "HP", "LU"]
_UNIT = "ABDEFGHJLNPQRSTUWXYZ"


def postcode_pool(rng: random.Random, size: int) -> list[str]:
    """Distinct UK-shaped postcodes (area, district, sector, unit)."""
    pool: set[str] = set()
    while len(pool) < size:
        pool.add(f"{rng.choice(_AREAS)}{rng.randint(1, 40)} {rng.randint(0, 9)}{rng.choice(_UNIT)}{rng.choice(_UNIT)}")
    return sorted(pool)


class World:
    """The population, the record system's rows, and the households still free for a kind."""

    def __init__(self, seed: int, households: int) -> None:
        self.rng = random.Random(seed)
        self.count = households
        self.humans: dict[str, Human] = {}
        self.households: dict[int, list[Human]] = {}
        self.held: dict[str, list[dict]] = {}
        self._next_row = 0
        self.postcodes = postcode_pool(self.rng, max(1, households // HOUSEHOLDS_PER_POSTCODE))
        self._people()
        for human in self.humans.values():
            self.add_row(human)
        self.free = list(self.households)
        self.rng.shuffle(self.free)

    def _given(self, female: bool, avoid: set[str]) -> list[str]:
        names = FEMALE if female else MALE
        first = _ranked(self.rng, names)
        # Siblings do not share a name, nor two spellings or forms of one (Mohammed, Muhammad).
        while any(compare_given((first.lower(),), (a.lower(),)) in ("exact", "nickname", "close") for a in avoid):
            first = _ranked(self.rng, names)
        given = [first]
        if self.rng.random() < 0.45:
            given.append(self.rng.choice([n for n in names if n != first]))
        return given

    def _person(self, household: int, surname: str, female: bool, dob: dt.date, avoid: set[str],
                postcode: str) -> Human:
        human = Human(f"P{len(self.humans)}", self._given(female, avoid), surname, dob, valid_nhs(self.rng),
                      female, household, postcode)
        self.humans[human.key] = human
        self.households.setdefault(household, []).append(human)
        avoid.add(human.given[0])
        return human

    def _people(self) -> None:
        rng = self.rng
        for household in range(self.count):
            surname = _ranked(rng, SURNAMES, 0.3)
            if rng.random() < 0.08:
                other = _ranked(rng, SURNAMES, 0.3)
                if other != surname:
                    surname = f"{surname}-{other}"
            taken: set[str] = set()
            postcode = rng.choice(self.postcodes)
            mother = self._person(household, surname, True, _date(rng, 1965, 2003), taken, postcode)
            if rng.random() < 0.5:
                maiden = _ranked(rng, SURNAMES, 0.3)
                if maiden != surname:
                    mother.maiden = maiden
            if rng.random() < 0.6:
                self._person(household, surname, False, _date(rng, 1960, 2002), taken, postcode)
            for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4])):
                dob = _date(rng, 2006, 2024)
                child = self._person(household, surname, rng.random() < 0.5, dob, taken, postcode)
                if rng.random() < 0.05:
                    twin = self._person(household, surname, rng.random() < 0.5, dob, taken, postcode)
                    child.twin, twin.twin = twin.key, child.key

    def add_row(self, human: Human, **changes: object) -> dict:
        rng = self.rng
        given = human.given if rng.random() < 0.6 else human.given[:1]
        row = {
            "id": f"R{self._next_row}",
            "person": human.key,
            "name": " ".join([*given, human.surname]),
            "dob": human.dob if rng.random() > 0.02 else None,
            "nhs_number": human.nhs if rng.random() < 0.8 else None,
            "aliases": [],
            "postcode": self.record_postcode(human),
        }
        row.update(changes)
        self._next_row += 1
        self.held.setdefault(human.key, []).append(row)
        return row

    def record_postcode(self, human: Human) -> str | None:
        draw = self.rng.random()
        if draw < RECORD_POSTCODE_CURRENT:
            return human.postcode
        if draw < RECORD_POSTCODE_CURRENT + RECORD_POSTCODE_OLD:
            return self.moved_from(human)
        return None

    def moved_from(self, human: Human) -> str:
        """Another postcode from the pool: an old address, or a new one the record does not have."""
        return self.rng.choice([p for p in self.postcodes if p != human.postcode] or [human.postcode])

    @property
    def rows(self) -> list[dict]:
        """The record system: every row, in the order they were added."""
        return sorted((r for rows in self.held.values() for r in rows), key=lambda r: int(r["id"][1:]))

    def rows_of(self, human: Human) -> list[dict]:
        return self.held.get(human.key, [])

    def remove(self, human: Human) -> None:
        self.held.pop(human.key, None)

    def family_namesake(self, parent: Human, dob: dt.date) -> Human:
        """A son named after his father (first given name and surname), in the same household."""
        given = [parent.given[0]] + ([self.rng.choice(MALE)] if self.rng.random() < 0.45 else [])
        son = Human(f"J{parent.key}", given, parent.surname, dob, valid_nhs(self.rng), False, parent.household,
                    parent.postcode)
        self.humans[son.key] = son
        self.households[parent.household].append(son)
        return son

    def take(self, wanted: Callable[[Human], bool]) -> Human:
        """Someone from a household no other case has used, meeting the kind's needs."""
        for index, household in enumerate(self.free):
            fits = [h for h in self.households[household] if wanted(h)]
            if fits:
                del self.free[index]
                return self.rng.choice(fits)
        raise RuntimeError("population too small for the benchmark")


# ---- agenda errors ---------------------------------------------------------------------------

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def typo(rng: random.Random, word: str) -> str:
    """One keying error: a letter changed, dropped, added, or two letters swapped."""
    while True:
        chars = list(word.lower())
        at = rng.randrange(1, len(chars)) if len(chars) > 1 else 0
        kind = rng.choice(["change", "drop", "add", "swap"])
        if kind == "change":
            chars[at] = rng.choice(LETTERS)
        elif kind == "drop" and len(chars) > 3:
            del chars[at]
        elif kind == "add":
            chars.insert(at, rng.choice(LETTERS))
        elif kind == "swap" and at + 1 < len(chars):
            chars[at], chars[at + 1] = chars[at + 1], chars[at]
        changed = "".join(chars)
        if changed != word.lower() and "-" not in changed[:1]:
            return changed.title() if word[:1].isupper() else changed


def dob_one_digit(rng: random.Random, dob: dt.date) -> dt.date:
    text = dob.strftime("%Y%m%d")
    while True:
        at = rng.randrange(8)
        digit = rng.choice([d for d in "0123456789" if d != text[at]])
        changed = text[:at] + digit + text[at + 1:]
        try:
            found = dt.datetime.strptime(changed, "%Y%m%d").date()
        except ValueError:
            continue
        if dt.date(1920, 1, 1) < found < dt.date(2026, 1, 1):
            return found


def write_name(given: list[str], surname: str, style: str) -> str:
    if style == "plain":
        return " ".join([*given, surname])
    if style == "allcaps":
        return " ".join([*given, surname]).upper()
    if style == "surname_first":
        return f"{surname.upper()}, {' '.join(given)}"
    return " ".join([*given, surname.upper()])


def agenda(rng: random.Random, human: Human, *, given: list[str] | None = None, surname: str | None = None,
           dob: dt.date | None | str = "same", style: str | None = None, nhs: str | None | bool = None,
           aliases: list[str] | None = None, suffix: str = "", postcode: str | None | bool = None) -> Person:
    """An agenda line; by default surname in CAPITALS (most lines), first given name only, no NHS number,
    the household's postcode on AGENDA_POSTCODE of the lines."""
    if given is None:
        given = human.given if rng.random() < 0.2 else human.given[:1]
    style = style or rng.choices(["caps", "plain"], [0.85, 0.15])[0]
    name = write_name(given, surname or human.surname, style) + suffix
    if nhs is None:
        nhs = human.nhs if rng.random() < 0.3 else None
    elif nhs is True:
        nhs = human.nhs
    if postcode is None:
        postcode = human.postcode if rng.random() < AGENDA_POSTCODE else None
    elif postcode is True:
        postcode = human.postcode
    return Person(name=name, dob=human.dob if dob == "same" else dob, nhs_number=nhs or None,
                  aliases=aliases or [], postcode=postcode or None)


def _adult_woman_married(h: Human) -> bool:
    return h.maiden is not None


def _has_nickname(h: Human) -> bool:
    return h.given[0] in NICKNAMES


def _no_twin(h: Human) -> bool:
    return h.twin is None


def _father(h: Human) -> bool:
    return not h.female and h.dob.year < 2006


def kinds(world: World) -> dict[str, Callable[[], Case]]:
    """One builder per error kind; each call takes a fresh household and returns one agenda case."""
    rng = world.rng

    def clean() -> Case:
        h = world.take(_no_twin)
        return Case("clean", agenda(rng, h), h, "auto")

    def all_capitals() -> Case:
        h = world.take(_no_twin)
        return Case("all_capitals", agenda(rng, h, style="allcaps"), h, "auto")

    def surname_first() -> Case:
        h = world.take(_no_twin)
        return Case("surname_first", agenda(rng, h, style="surname_first"), h, "auto")

    def typo_surname() -> Case:
        h = world.take(lambda x: _no_twin(x) and "-" not in x.surname and len(x.surname) >= 4)
        return Case("typo_surname", agenda(rng, h, surname=typo(rng, h.surname)), h, "auto")

    def typo_given() -> Case:
        h = world.take(lambda x: _no_twin(x) and len(x.given[0]) >= 4)
        return Case("typo_given", agenda(rng, h, given=[typo(rng, h.given[0])]), h, "auto")

    def nickname() -> Case:
        h = world.take(lambda x: _no_twin(x) and _has_nickname(x))
        return Case("nickname", agenda(rng, h, given=[rng.choice(NICKNAMES[h.given[0]])]), h, "auto")

    def middle_name() -> Case:
        # Known by the middle name; the record holds both given names.
        h = world.take(lambda x: _no_twin(x) and len(x.given) > 1)
        for row in world.rows_of(h):
            row["name"] = " ".join([*h.given, h.surname])
        return Case("middle_name", agenda(rng, h, given=[h.given[1]]), h, "auto")

    def married_alias_on_record() -> Case:
        h = world.take(_adult_woman_married)
        assert h.maiden
        for row in world.rows_of(h):
            row["aliases"] = [f"{h.given[0]} {h.maiden}"]
        return Case("married_alias_on_record", agenda(rng, h, surname=h.maiden), h, "auto")

    def married_nee_on_agenda() -> Case:
        h = world.take(_adult_woman_married)
        assert h.maiden
        for row in world.rows_of(h):
            row["name"] = f"{h.given[0]} {h.maiden}"
        suffix = rng.choice([f" (née {h.maiden.upper()})", f" nee {h.maiden.upper()}", f" (formerly {h.maiden})"])
        return Case("married_nee_on_agenda", agenda(rng, h, nhs=False, suffix=suffix), h, "auto")

    def married_unlinked() -> Case:
        # The record still has the maiden name and nothing on either side links the two.
        h = world.take(_adult_woman_married)
        assert h.maiden
        for row in world.rows_of(h):
            row["name"] = f"{h.given[0]} {h.maiden}"
        return Case("married_unlinked", agenda(rng, h, nhs=False), h, "review")

    def married_unlinked_nhs() -> Case:
        h = world.take(_adult_woman_married)
        assert h.maiden
        for row in world.rows_of(h):
            row["name"] = f"{h.given[0]} {h.maiden}"
            row["nhs_number"] = h.nhs
        return Case("married_unlinked_nhs", agenda(rng, h, nhs=True), h, "auto")

    def double_barrelled() -> Case:
        h = world.take(lambda x: _no_twin(x) and "-" in x.surname)
        first, second = h.surname.split("-", 1)
        written = rng.choice([first, second, f"{first} {second}", h.surname])
        return Case("double_barrelled", agenda(rng, h, surname=written), h, "auto")

    def hyphenated_on_agenda() -> Case:
        # The agenda has the double-barrelled name; the record only one part.
        h = world.take(lambda x: _no_twin(x) and "-" not in x.surname)
        other = _ranked(rng, SURNAMES, 0.3)
        written = rng.choice([f"{h.surname}-{other}", f"{other}-{h.surname}"])
        return Case("hyphenated_on_agenda", agenda(rng, h, surname=written), h, "auto")

    def alias_on_agenda() -> Case:
        # Agenda lists a known-as name with the record's name as an alias.
        h = world.take(_no_twin)
        other = _ranked(rng, SURNAMES, 0.3)
        alias = f"{h.given[0]} {h.surname}"
        person = agenda(rng, h, surname=other, aliases=[alias])
        return Case("alias_on_agenda", person, h, "auto")

    def alias_on_record() -> Case:
        # e.g. a child known by a stepfather's surname, which the record lists as an alias.
        h = world.take(_no_twin)
        other = _ranked(rng, SURNAMES, 0.3)
        for row in world.rows_of(h):
            row["aliases"] = [f"{h.given[0]} {other}"]
        return Case("alias_on_record", agenda(rng, h, surname=other), h, "auto")

    def dob_one_digit_off() -> Case:
        h = world.take(_no_twin)
        return Case("dob_one_digit_off", agenda(rng, h, dob=dob_one_digit(rng, h.dob)), h, "auto")

    def dob_transposed() -> Case:
        h = world.take(lambda x: _no_twin(x) and x.dob.day <= 12 and x.dob.day != x.dob.month)
        swapped = dt.date(h.dob.year, h.dob.day, h.dob.month)
        return Case("dob_transposed", agenda(rng, h, dob=swapped), h, "auto")

    def dob_missing() -> Case:
        h = world.take(_no_twin)
        return Case("dob_missing", agenda(rng, h, dob=None, nhs=False), h, "review")

    def nhs_invalid() -> Case:
        h = world.take(_no_twin)
        return Case("nhs_invalid", agenda(rng, h, nhs=invalid_nhs(rng, h.nhs)), h, "auto")

    def nhs_with_weak_name() -> Case:
        # A valid NHS number carries a line with a surname typo and no date of birth.
        h = world.take(lambda x: _no_twin(x) and "-" not in x.surname and len(x.surname) >= 4)
        for row in world.rows_of(h):
            row["nhs_number"] = h.nhs
        return Case("nhs_with_weak_name", agenda(rng, h, surname=typo(rng, h.surname), dob=None, nhs=True),
                    h, "auto")

    def twin() -> Case:
        h = world.take(lambda x: x.twin is not None)
        return Case("twin", agenda(rng, h), h, "auto")

    def twin_typo() -> Case:
        h = world.take(lambda x: x.twin is not None and len(x.given[0]) >= 4)
        return Case("twin_typo", agenda(rng, h, given=[typo(rng, h.given[0])], nhs=False), h, "review")

    def twin_absent() -> Case:
        # The twin on the agenda has no record; the other twin does.
        h = world.take(lambda x: x.twin is not None)
        world.remove(h)
        return Case("twin_absent", agenda(rng, h), h, "absent")

    def duplicate() -> Case:
        h = world.take(_no_twin)
        variant = rng.choice(["same", "nickname", "no_dob", "typo"])
        extra: dict[str, object] = {}
        if variant == "nickname" and _has_nickname(h):
            extra["name"] = f"{rng.choice(NICKNAMES[h.given[0]])} {h.surname}"
        elif variant == "no_dob":
            extra["dob"] = None
        elif variant == "typo" and "-" not in h.surname:
            extra["name"] = f"{h.given[0]} {typo(rng, h.surname)}"
        world.add_row(h, nhs_number=None, **extra)
        return Case("duplicate", agenda(rng, h, nhs=False), h, "review")

    def absent() -> Case:
        # Not in the system at all; relatives and namesakes may be.
        h = world.take(lambda x: True)
        world.remove(h)
        return Case("absent", agenda(rng, h), h, "absent")

    def namesake_absent() -> Case:
        # Not in the system, but someone of the same name is (another date of birth).
        h = world.take(lambda x: True)
        world.remove(h)
        namesake = Human(f"N{h.key}", list(h.given), h.surname, _date(rng, 1960, 2024), valid_nhs(rng),
                         h.female, -1, rng.choice(world.postcodes))
        world.humans[namesake.key] = namesake
        world.add_row(namesake)
        return Case("namesake_absent", agenda(rng, h), h, "absent")

    def junior_absent() -> Case:
        # A son named after his father, at the same address, with no record; the father has one.
        # The agenda names the son without a date of birth (pessimistic: the postcode is on the
        # line and current on the father's record). Never the father.
        father = world.take(_father)
        son = world.family_namesake(father, _date(rng, father.dob.year + 18, 2024))
        for row in world.rows_of(father):
            row["postcode"] = father.postcode
        return Case("junior_absent", agenda(rng, son, dob=None, nhs=False, postcode=True), son, "absent")

    def senior_absent() -> Case:
        # The same household the other way round: the father is on the agenda and has no record,
        # the son of the same name has one.
        father = world.take(_father)
        son = world.family_namesake(father, _date(rng, father.dob.year + 18, 2024))
        world.remove(father)
        world.add_row(son, postcode=son.postcode)
        return Case("senior_absent", agenda(rng, father, dob=None, nhs=False, postcode=True), father, "absent")

    def postcode_moved() -> Case:
        # The agenda has the new address, the record the old one: no support, never a reason against.
        h = world.take(_no_twin)
        for row in world.rows_of(h):
            row["postcode"] = world.moved_from(h)
        return Case("postcode_moved", agenda(rng, h, postcode=True), h, "auto")

    def two_errors() -> Case:
        h = world.take(lambda x: _no_twin(x) and len(x.given[0]) >= 4 and "-" not in x.surname)
        errors = rng.sample(["typo_surname", "typo_given", "nickname", "dob_one_digit", "dob_transposed",
                             "capitals"], 2)
        args: dict[str, object] = {"nhs": False}
        if "typo_surname" in errors:
            args["surname"] = typo(rng, h.surname)
        if "typo_given" in errors:
            args["given"] = [typo(rng, h.given[0])]
        elif "nickname" in errors and _has_nickname(h):
            args["given"] = [rng.choice(NICKNAMES[h.given[0]])]
        if "dob_one_digit" in errors:
            args["dob"] = dob_one_digit(rng, h.dob)
        elif "dob_transposed" in errors and h.dob.day <= 12 and h.dob.day != h.dob.month:
            args["dob"] = dt.date(h.dob.year, h.dob.day, h.dob.month)
        if "capitals" in errors:
            args["style"] = "allcaps"
        return Case("two_errors", agenda(rng, h, **args), h, "review")

    return {f.__name__: f for f in (
        clean, all_capitals, surname_first, typo_surname, typo_given, nickname, middle_name,
        married_alias_on_record, married_nee_on_agenda, married_unlinked, married_unlinked_nhs,
        double_barrelled, hyphenated_on_agenda, alias_on_agenda, alias_on_record, dob_one_digit_off,
        dob_transposed, dob_missing, nhs_invalid, nhs_with_weak_name, twin, twin_typo, twin_absent,
        duplicate, absent, namesake_absent, junior_absent, senior_absent, postcode_moved, two_errors)}


def _settled(world: World, cases: list[Case]) -> list[Case]:
    """Each case's true records (once every kind has changed the system) and role on the agenda."""
    for case in cases:
        case.truth = {r["id"] for r in world.rows_of(case.human)}
        case.role = case.human.role
    return cases


def error_kinds(seed: int, per_kind: int) -> tuple[list[dict], list[Case]]:
    """Each error kind alone, per_kind cases each, over one shared record system."""
    world = World(seed, households=per_kind * 40)
    builders = kinds(world)
    cases = [builders[name]() for _ in range(per_kind) for name in builders]
    return world.rows, _settled(world, cases)


# How often each kind turns up in a run of agendas, for the mixed benchmark (an estimate:
# most lines are right apart from CAPITALS; a few have one error; twins, duplicates and
# people unknown to the system turn up at their rates in the population and the system).
AGENDA_MIX: dict[str, float] = {
    "clean": 40, "all_capitals": 4, "surname_first": 2, "typo_surname": 4, "typo_given": 4, "nickname": 4,
    "middle_name": 2, "married_alias_on_record": 2, "married_nee_on_agenda": 2, "married_unlinked": 1,
    "married_unlinked_nhs": 1, "double_barrelled": 2, "hyphenated_on_agenda": 1, "alias_on_agenda": 1,
    "alias_on_record": 1, "dob_one_digit_off": 3, "dob_transposed": 2, "dob_missing": 5, "nhs_invalid": 2,
    "nhs_with_weak_name": 1, "twin": 1, "twin_typo": 0.5, "twin_absent": 0.5, "duplicate": 3, "absent": 8,
    "namesake_absent": 2, "junior_absent": 0.5, "senior_absent": 0.5, "two_errors": 2,
}


def agenda_mix(seed: int, lines: int) -> tuple[list[dict], list[Case]]:
    """Agenda lines with kinds drawn at the rates of AGENDA_MIX."""
    world = World(seed + 1, households=int(lines * 1.6))
    builders = kinds(world)
    names = list(AGENDA_MIX)
    weights = [AGENDA_MIX[n] for n in names]
    cases = [builders[world.rng.choices(names, weights)[0]]() for _ in range(lines)]
    return world.rows, _settled(world, cases)
