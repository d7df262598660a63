"""Scoring candidates against a person on the agenda, and deciding (see docs/matching.md).

Each candidate gets a level of agreement on NHS number, surname, given name,
date of birth and postcode, and (when the agenda has no date of birth) whether
the record's age fits the person's role on the agenda (a child, or an adult
victim or perpetrator). The levels add up to a weight (evidence for,
minus evidence against, roughly log-odds in the Fellegi-Sunter manner); the
weight is shown as a score from 0 to 1. The decision does not rest on the
weight alone: a match is used only when the levels fit one of a few
confident patterns and no other record could also be the person. Anything
ambiguous or weak goes to review, because a wrong record is worse than a
question to the rep.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

from marac_core.matching.dates import DobLevel, compare_dob
from marac_core.matching.name_levels import (
    FamilyLevel,
    GivenLevel,
    Reading,
    compare_family,
    compare_given,
    readings,
    swapped,
)
from marac_core.matching.result import Match, ScoredCandidate, nhs_number_valid
from marac_core.model.meeting import Person, Role, age_on
from marac_core.model.names import comma_reading
from marac_core.model.records import Candidate

NhsLevel = Literal["equal", "differs", "unknown"]
PostcodeLevel = Literal["equal", "differs", "unknown"]
# Whether the record's age on the meeting day fits the person's role, when the agenda has no
# date of birth: "child" (a child on the agenda, a child's record), "adult" (a victim or
# perpetrator, a record at least 16), "contradicts", or "unknown" (a date of birth on the agenda,
# no role, or none on the record).
AgeLevel = Literal["child", "adult", "contradicts", "unknown"]

# Evidence weights, roughly log2 of (chance of this agreement for the same person) over (for another).
NHS_WEIGHT: dict[NhsLevel, float] = {"equal": 14.0, "differs": -14.0, "unknown": 0.0}
FAMILY_WEIGHT: dict[FamilyLevel, float] = {"exact": 7.0, "part": 6.0, "close": 4.5, "swapped": 5.0, "differs": -5.0}
GIVEN_WEIGHT: dict[GivenLevel, float] = {
    "exact": 6.0, "nickname": 5.0, "close": 4.0, "middle": 3.0, "swapped": 5.0,
    "initial": 1.5, "letter_changed": 0.0, "missing": 0.0, "differs": -5.0,
}
DOB_WEIGHT: dict[DobLevel, float] = {"exact": 9.0, "transposed": 4.5, "one_digit": 4.0, "unknown": 0.0,
                                     "differs": -8.0}
# A postcode is shared by the household (and by neighbours): evidence of where the person lives,
# not of who they are. A different one is no evidence against (people fleeing abuse move often).
POSTCODE_WEIGHT: dict[PostcodeLevel, float] = {"equal": 3.0, "differs": 0.0, "unknown": 0.0}
AGE_WEIGHT: dict[AgeLevel, float] = {"child": 0.0, "adult": 0.0, "contradicts": -8.0, "unknown": 0.0}
# MARAC victims and perpetrators are 16 or over; the children on the agenda are under 18.
ADULT_FROM, CHILD_UNTIL = 16, 18
ALIAS_PENALTY = 0.5

# Day and month transposed needs at least this name weight:
# surname equal and given name equal or a nickname, or one part of a double-barrelled surname and
# given name equal.
NEAR_DOB_NAME_WEIGHT = 12.0
# With this many other records of the same name (any date of birth) the name is so common that a
# namesake born on the same day, when the person is not in the system at all, becomes a real risk
# (about namesakes / 20,000 days of birth): only an NHS number then confirms a match.
NAMESAKE_LIMIT = 10
# A candidate worth showing the rep: this much evidence, or an equal NHS number.
PLAUSIBLE_WEIGHT = 3.0
# A match shows the plausible candidates and at least this many of the best.
SHOWN_AT_LEAST = 5
# Two candidates whose weights are this close are "equally likely".
CLOSE_CALL_WEIGHT = 3.0
# The weight shown as a 0..1 score: a logistic curve centred on this weight.
_SCORE_CENTRE, _SCORE_SPREAD = 8.0, 3.5

_FAMILY_OK = frozenset({"exact", "part", "close", "swapped"})
_FAMILY_STRONG = frozenset({"exact", "part"})
_GIVEN_OK = frozenset({"exact", "nickname", "close", "middle", "swapped"})
_GIVEN_STRONG = frozenset({"exact", "nickname", "swapped"})
_DOB_NEAR = frozenset({"transposed", "one_digit"})

INVALID_NHS = "the agenda's NHS number fails its check digit and is not trusted"
AMBIGUOUS_COMMA = "the name is written with a comma that can be read more than one way (which is the surname?)"


@dataclass(eq=False)
class Evidence:
    """How one candidate agrees with the person, and what that allows."""

    candidate: Candidate
    nhs: NhsLevel
    family: FamilyLevel
    given: GivenLevel
    dob: DobLevel
    ours: Reading | None
    theirs: Reading | None
    weight: float
    name_weight: float
    person: Person
    nhs_note: str | None = None
    postcode: PostcodeLevel = "unknown"
    age: AgeLevel = "unknown"

    @property
    def reasons(self) -> list[str]:
        # Built only for the candidates a Match shows: searches can return hundreds.
        found = [self.nhs_note] if self.nhs_note else []
        found += _name_reasons(self.family, self.given, self.ours, self.theirs)
        found.append(_dob_reason(self.dob, self.person, self.candidate))
        if self.age == "contradicts":
            found.append(_AGE_CONTRADICTS)
        if self.postcode != "unknown":
            found.append("postcode equal (the household's)" if self.postcode == "equal"
                         else f"postcode differs ({self.person.postcode} / {self.candidate.postcode})")
        return found

    @property
    def score(self) -> float:
        return round(1.0 / (1.0 + math.exp(-(self.weight - _SCORE_CENTRE) / _SCORE_SPREAD)), 3)

    @property
    def plausible(self) -> bool:
        # A postcode alone does not make a record worth showing: a household shares it. The
        # person's name at the agenda's address is, whatever its date of birth says: a slip in
        # the date, or a parent of that name, is for the rep to tell apart, not "no record". So is
        # someone born that very day at that address under another name: a name the agenda
        # does not know (an alias, a name changed), or a twin.
        at_home = self.postcode == "equal"
        named_at_home = at_home and self.family in _FAMILY_OK and self.given in _GIVEN_OK
        born_at_home = at_home and self.dob == "exact"
        return (self.weight - POSTCODE_WEIGHT[self.postcode] >= PLAUSIBLE_WEIGHT or self.nhs == "equal"
                or named_at_home or born_at_home)

    @property
    def compatible(self) -> bool:
        """Nothing contradicts this being the person (so it could be a duplicate record)."""
        # A given name one letter off may be another name (Mark / Mary): not a duplicate's.
        return ("differs" not in (self.nhs, self.family, self.given, self.dob) and self.given != "letter_changed"
                and self.age != "contradicts")

    @property
    def confident(self) -> bool:
        """Enough independent agreement to act on, with nothing strongly against."""
        if self.nhs == "differs" or self.age == "contradicts":
            return False
        family_ok, given_ok = self.family in _FAMILY_OK, self.given in _GIVEN_OK and not self._first_name_not_held
        if self.nhs == "equal":
            # An NHS number can be copied from a sibling or a parent of the same name: the given
            # name must agree and the date of birth must not contradict it.
            return given_ok and self.dob != "differs" and (family_ok or self.dob == "exact" or self.dob in _DOB_NEAR)
        at_home = self.postcode == "equal"
        if self.dob == "exact":
            # A married name with nothing linking it: given name and date of birth equal and the
            # same address. Another woman of that given name born that day at that postcode is
            # far less likely than a namesake born that day anywhere.
            # Not for a name read turned round: its "given name" was written as the surname.
            turned = self.ours is not None and self.ours.turned
            return (family_ok and given_ok) or (self.family == "differs" and self.given == "exact" and at_home
                                                and not turned)
        full_name = self.family in _FAMILY_STRONG and self.given in _GIVEN_STRONG
        if self.dob == "transposed":
            # Day and month swapped, with a (nearly) exact name: "Bill SMITH" for William Smith.
            # A namesake born on exactly the swapped date is as unlikely as one born on the same day.
            return full_name and self.name_weight >= NEAR_DOB_NAME_WEIGHT
        if self.dob == "one_digit":
            # A date one digit off has some twenty neighbours: a namesake born on one of them is
            # too likely, unless they also live at the agenda's address. A father and son of one
            # name at one address can be born on the same day and month decades apart, one digit
            # off (1965 / 1995): so only a slip within the decade counts.
            return (full_name and self.name_weight >= NEAR_DOB_NAME_WEIGHT and at_home
                    and _same_decade(self.person.dob, self.candidate.dob))
        # No date of birth on the agenda: a child of that name at the agenda's address. Only a
        # child: a son named after his father lives at the same address, and an adult's name and
        # postcode cannot tell the two apart when one of them has no record. A child on the
        # agenda is never an adult's record (the role), and siblings do not share a given name.
        return (self.dob == "unknown" and self.person.dob is None and self.age == "child" and at_home
                and full_name and self.name_weight >= NEAR_DOB_NAME_WEIGHT)

    @property
    def _first_name_not_held(self) -> bool:
        """The agenda gives its first given name and more, and the record agrees only with a later one.

        "Lewis George WILLIAMS" and a record "George Williams" born the same day: a twin whose
        middle name is the other twin's first name, as likely as the person known as George.
        ("Jane SMITH" for Mary Jane Smith stays a middle-name agreement.)
        """
        if self.given != "middle" or self.ours is None or self.theirs is None or len(self.ours.given) < 2:
            return False
        first = self.ours.given[:1]
        return all(compare_given(first, (name,)) not in ("exact", "nickname") for name in self.theirs.given)

    def scored(self) -> ScoredCandidate:
        return ScoredCandidate(record=self.candidate.record, score=self.score, reasons=self.reasons)


_AGE_CONTRADICTS = "the record's age does not fit the person's role on the agenda (child / adult)"


def _same_decade(a: dt.date | None, b: dt.date | None) -> bool:
    return a is not None and b is not None and a.year // 10 == b.year // 10


def _show(words: tuple[str, ...]) -> str:
    return " ".join(w.title() for w in words) if words else "-"


def _name_weight(family: FamilyLevel, given: GivenLevel, via_alias: bool) -> float:
    return FAMILY_WEIGHT[family] + GIVEN_WEIGHT[given] - (ALIAS_PENALTY if via_alias else 0.0)


def _best_names(ours: tuple[Reading, ...], theirs: tuple[Reading, ...]) -> tuple[FamilyLevel, GivenLevel,
                                                                                  Reading | None, Reading | None]:
    best: tuple[float, FamilyLevel, GivenLevel, Reading | None, Reading | None] = (
        -math.inf, "differs", "missing", None, None)
    for a in ours:
        for b in theirs:
            family, given = compare_family(a.family, b.family), compare_given(a.given, b.given)
            if family == "differs" and given in ("differs", "letter_changed", "missing") and a.given and b.given:
                if swapped(a, b):
                    family, given = "swapped", "swapped"
                else:
                    # Written the other way round, with a typo or one part replaced ("Graham-Jones
                    # AMELUA" for Amelia Graham-Jones): compared turned round too, each part to its
                    # level as usual, and the better reading kept.
                    turned = a.turned_round()
                    turned_family = compare_family(turned.family, b.family)
                    turned_given = compare_given(turned.given, b.given)
                    if _name_weight(turned_family, turned_given, False) > _name_weight(family, given, False):
                        family, given, a = turned_family, turned_given, turned
            weight = _name_weight(family, given, a.alias or b.alias)
            if weight > best[0]:
                best = (weight, family, given, a, b)
    return best[1], best[2], best[3], best[4]


def _name_reasons(family: FamilyLevel, given: GivenLevel, ours: Reading | None, theirs: Reading | None) -> list[str]:
    a_family, b_family = _show(ours.family if ours else ()), _show(theirs.family if theirs else ())
    a_given = ours.given[0].title() if ours and ours.given else "-"
    b_given = theirs.given[0].title() if theirs and theirs.given else "-"
    reasons = {
        "exact": "surname equal",
        "part": f"surname is part of a double-barrelled surname ({a_family} / {b_family})",
        "close": f"surname close ({a_family} / {b_family})",
        "swapped": "given name and surname written the other way round",
        "differs": f"surname differs ({a_family} / {b_family})",
    }
    found = [reasons[family]]
    if ours is not None and ours.turned:
        found.insert(0, "given name and surname written the other way round")
    if family != "swapped":
        found.append({
            "exact": "given name equal",
            "nickname": f"given name a nickname ({a_given} / {b_given})",
            "close": f"given name close ({a_given} / {b_given})",
            "middle": "known by a middle name",
            "initial": "given name only an initial",
            "missing": "given name missing",
            "differs": f"given name differs ({a_given} / {b_given})",
            "letter_changed": f"given name one letter off ({a_given} / {b_given})",
            "swapped": "",
        }[given])
    if ours is not None and ours.alias:
        found.append(f"through the agenda's other name {ours.written!r}")
    if theirs is not None and theirs.alias:
        found.append(f"through the record's other name {theirs.written!r}")
    return found


def _dob_reason(level: DobLevel, person: Person, candidate: Candidate) -> str:
    pair = f"({person.dob} / {candidate.dob})"
    return {
        "exact": "date of birth equal",
        "transposed": f"date of birth with day and month transposed {pair}",
        "one_digit": f"date of birth one digit off {pair}",
        "unknown": "date of birth missing" + (" on the agenda" if person.dob is None else " on the record"),
        "differs": f"date of birth differs {pair}",
    }[level]


def compare_postcode(a: str | None, b: str | None) -> PostcodeLevel:
    """Both are normalised when read (``Person`` and ``Candidate`` validate them)."""
    if not a or not b:
        return "unknown"
    return "equal" if a == b else "differs"


def compare_age(person: Person, candidate: Candidate, role: Role | None, on: dt.date | None) -> AgeLevel:
    """Whether the record's age on the meeting day fits the role; judged only without an agenda date of birth."""
    if person.dob is not None or role is None or on is None or candidate.dob is None:
        return "unknown"
    age = age_on(candidate.dob, on)
    if role == "child":
        return "child" if 0 <= age < CHILD_UNTIL else "contradicts"
    return "adult" if age >= ADULT_FROM else "contradicts"


def score(person: Person, candidate: Candidate, ours: tuple[Reading, ...] | None = None, *,
          role: Role | None = None, on: dt.date | None = None) -> Evidence:
    """The evidence for one candidate. The person's NHS number must already be valid or None.

    ``role`` is the person's role on the agenda and ``on`` the meeting day (both optional).
    """
    nhs: NhsLevel = "unknown"
    note = None
    if person.nhs_number and candidate.nhs_number:
        if not nhs_number_valid(candidate.nhs_number):
            note = "the record's NHS number fails its check digit and is ignored"
        elif person.nhs_number == candidate.nhs_number:
            nhs, note = "equal", "NHS number equal"
        else:
            nhs, note = "differs", "NHS number differs"
    ours = ours if ours is not None else readings(person.name, person.aliases)
    family, given, a, b = _best_names(ours, readings(candidate.name, candidate.aliases))
    dob = compare_dob(person.dob, candidate.dob)
    name_weight = _name_weight(family, given, bool((a and a.alias) or (b and b.alias)))
    postcode, age = compare_postcode(person.postcode, candidate.postcode), compare_age(person, candidate, role, on)
    weight = NHS_WEIGHT[nhs] + name_weight + DOB_WEIGHT[dob] + POSTCODE_WEIGHT[postcode] + AGE_WEIGHT[age]
    return Evidence(candidate, nhs, family, given, dob, a, b, weight, name_weight, person, note, postcode, age)


def _twins(best: Evidence, other: Evidence) -> bool:
    """Two records with the same surname and date of birth and different given names."""
    one, two = best.candidate, other.candidate
    # Twins can be born either side of midnight.
    if one.dob is None or two.dob is None or abs((one.dob - two.dob).days) > 1:
        return False
    first, second = readings(one.name), readings(two.name)
    if not first or not second:
        return False
    return compare_family(first[0].family, second[0].family) in _FAMILY_STRONG and compare_given(
        first[0].given, second[0].given) not in ("exact", "nickname")


def _lacks_what_confirms(other: Evidence, best: Evidence) -> bool:
    """A record that could only tie with the best if its missing data turned out to agree.

    A record of the same name without a date of birth (or without the NHS number) does not
    make the confirmed one less likely to be the person: if it is anyone, it is the same
    person's duplicate or someone else. It is named in the reason, not sent to review.
    """
    missing_dob = other.dob == "unknown" and best.dob == "exact"
    missing_nhs = other.nhs == "unknown" and best.nhs == "equal"
    # Only if it could at most tie: a record with a better name (Reed for REED where the best is
    # Reid) would beat the best if its missing date of birth turned out to agree.
    restored = other.weight + DOB_WEIGHT["exact"] * missing_dob + NHS_WEIGHT["equal"] * missing_nhs
    return (missing_dob or missing_nhs) and restored <= best.weight


def _elsewhere(other: Evidence, best: Evidence) -> bool:
    """A child's record of the same name at another address (or none), when the best is one at the agenda's.

    Without a date of birth on the agenda the other child's record would tie by name. It makes
    the one at the agenda's address no less likely to be the person: that one is someone else
    only if two children of one name live at one address. It is named in the reason (a
    duplicate from an old address?), not sent to review.
    """
    return (best.dob == "unknown" and best.age == "child" and best.postcode == "equal"
            and other.postcode != "equal" and other.nhs != "equal")


def _weakness(best: Evidence) -> str:
    if best.nhs == "differs":
        return "NHS number differs"
    if best.age == "contradicts":
        return _AGE_CONTRADICTS
    if best.nhs == "equal":
        if best.dob == "differs":
            return "NHS number equal but date of birth differs"
        if best.given not in _GIVEN_OK:
            return "NHS number equal but given name does not agree"
        return "NHS number equal but surname and date of birth do not confirm it"
    if best.given in ("differs", "letter_changed") and best.family in _FAMILY_OK and best.dob == "exact":
        return "same surname and date of birth but given name differs (twin or sibling?)"
    if best.dob == "differs":
        return "date of birth differs"
    if best.dob == "one_digit" and best.family in _FAMILY_STRONG and best.given in _GIVEN_STRONG:
        if best.postcode != "equal":
            return "date of birth one digit off and no address to confirm"
        return "date of birth one digit off in the decade (a parent and child of one name?)"
    if best.family == "differs" and best.given not in _GIVEN_OK:
        agree = "date of birth and postcode agree" if best.postcode == "equal" else "date of birth agrees"
        return f"only the {agree} (another name?)"
    if best.family == "differs":
        return "surname differs"
    if best.given == "differs":
        return "given name differs"
    if best.given == "letter_changed":
        return "given name one letter off (a slip, or another name)"
    if best.given == "initial":
        return "given name only an initial"
    if best.given == "missing":
        return "no given name to confirm"
    if best.dob == "unknown" and best.postcode == "equal" and best.age != "child":
        return "no date of birth to confirm (at one address a parent and grown-up child can share a name)"
    if best.dob == "unknown":
        return "no date of birth to confirm"
    return "date of birth and name both inexact"


def _agreement(best: Evidence) -> str:
    parts = []
    if best.nhs == "equal":
        parts.append("NHS number")
    if best.family in _FAMILY_OK and best.given in _GIVEN_OK:
        exact = best.family == "exact" and best.given == "exact"
        parts.append("name" if exact else "name (inexact)")
    elif best.given in _GIVEN_OK:
        parts.append("given name")
    if best.dob == "exact":
        parts.append("date of birth")
    elif best.dob in _DOB_NEAR:
        parts.append("date of birth (" + ("transposed" if best.dob == "transposed" else "one digit off") + ")")
    elif best.age == "child":
        parts.append("age (a child)")
    if best.postcode == "equal":
        parts.append("postcode")
    agree = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    return agree + " agree" + ("; surname differs (married name?)" if best.family == "differs" else "")


def _shown(evidence: list[Evidence]) -> list[ScoredCandidate]:
    """The plausible candidates and the next few best: enough to explain the outcome."""
    return [e.scored() for i, e in enumerate(evidence) if e.plausible or i < SHOWN_AT_LEAST]


def _join(*reasons: str | None) -> str | None:
    found = [r for r in reasons if r]
    return "; ".join(found) if found else None


def decide(person: Person, candidates: list[Candidate], known_record: str | None = None, *,
           role: Role | None = None, on: dt.date | None = None) -> Match:
    ambiguous = comma_reading(person.name) == "ambiguous"
    if known_record is not None:
        chosen = next((c for c in candidates if c.record == known_record), None)
        if chosen is not None:
            return _known(person, chosen, candidates, role=role, on=on, ambiguous=ambiguous)
    invalid = None
    if person.nhs_number and not nhs_number_valid(person.nhs_number):
        invalid = INVALID_NHS
        person = person.model_copy(update={"nhs_number": None})
    ours = readings(person.name, person.aliases)
    # A record returned twice by a search is one record, not two equally likely ones.
    unique = list({c.record: c for c in candidates}.values())
    evidence = sorted((score(person, c, ours, role=role, on=on) for c in unique), key=lambda e: -e.weight)
    plausible = [e for e in evidence if e.plausible]
    if not plausible:
        return Match(status="none", scored=_shown(evidence),
                     reason=_join("no record matches" if evidence else "no records found", invalid))
    best, others = plausible[0], plausible[1:]
    equal = [e for e in others if e.weight >= best.weight - CLOSE_CALL_WEIGHT]
    sparse = [e for e in others if e.compatible and (_elsewhere(e, best)
                                                     or (e not in equal and _lacks_what_confirms(e, best)))]
    equal = [e for e in equal if e not in sparse]
    competing = [e for e in others if (e.compatible or e.confident or e in equal) and e not in sparse]
    namesakes = [e for e in evidence if e is not best and e.family in _FAMILY_STRONG
                 and e.given in ("exact", "nickname")]
    common = best.nhs != "equal" and len(namesakes) >= NAMESAKE_LIMIT
    # With a twin in the system only the given name tells them apart: a typo is not enough.
    twin = best.given not in ("exact", "nickname") and any(_twins(best, e) for e in others)
    if ambiguous and best.confident:
        return Match(status="review", scored=[e.scored() for e in plausible], reason=_join(AMBIGUOUS_COMMA, invalid))
    if best.confident and not competing and not common and not twin:
        note = None
        if sparse:
            note = (("records " if len(sparse) > 1 else "record ") + ", ".join(e.candidate.record for e in sparse)
                    + (" have" if len(sparse) > 1 else " has") + " the name but not what confirms this one"
                    + " (duplicate?)")
        return Match(status="matched", candidate=best.candidate, scored=_shown(evidence),
                     reason=_join(_agreement(best), note, invalid))
    if equal:
        reason = "two records match equally" if len(equal) == 1 else f"{len(equal) + 1} records match equally"
    elif best.confident and (twin or any(_twins(best, e) for e in competing)):
        reason = "twins? two records share surname and date of birth"
    elif best.confident and competing:
        reason = "another record could also be this person (duplicate?)"
    elif best.confident:
        reason = f"common name: {len(namesakes)} other records share it and no NHS number confirms this one"
    else:
        reason = "weak match: " + _weakness(best)
    return Match(status="review", scored=[e.scored() for e in plausible], reason=_join(reason, invalid))


def _known(person: Person, chosen: Candidate, candidates: list[Candidate], *, role: Role | None,
           on: dt.date | None, ambiguous: bool) -> Match:
    """A record id the meeting file gives for this system: used only if the record agrees with the person.

    An id copied from the wrong line of a referral (the perpetrator's record on the victim) would
    otherwise write "victim of domestic abuse" on his record. The id stands in for the search,
    not for the comparison: name and date of birth must agree as the matcher judges them (a
    date of birth missing on either side is no evidence against; a differing one is).
    """
    if person.nhs_number and not nhs_number_valid(person.nhs_number):
        person = person.model_copy(update={"nhs_number": None})
    evidence = score(person, chosen, role=role, on=on)
    # A given name only an initial agrees ("S JONES", a record of Sam Jones): nothing contradicts it.
    agrees = (evidence.family in _FAMILY_OK and (evidence.given in _GIVEN_OK or evidence.given == "initial")
              and evidence.nhs != "differs"
              and evidence.dob != "differs" and evidence.age != "contradicts" and not ambiguous)
    if agrees:
        agreed = "; " + ", ".join(evidence.reasons[:3])
        return Match(status="matched", candidate=chosen, reason="record id given for this system" + agreed,
                     scored=[evidence.scored()])
    others = [score(person, c, role=role, on=on) for c in {c.record: c for c in candidates}.values()
              if c.record != chosen.record]
    shown = [evidence.scored()] + [e.scored() for e in sorted(others, key=lambda e: -e.weight) if e.plausible]
    why = AMBIGUOUS_COMMA if ambiguous and evidence.family in _FAMILY_OK else _weakness(evidence)
    return Match(status="review", scored=shown,
                 reason=f"the record id given for this system ({chosen.record}) does not agree with the person: {why}")
