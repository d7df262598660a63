"""Reading and comparing people's names for matching.

Agendas write surnames in CAPITALS ("Sarah JONES"), sometimes surname first
("JONES, Sarah"), add maiden names ("née SMITH") and known-as names
("Elizabeth (Liz) SMITH"); record systems hold double-barrelled and
hyphenated surnames, aliases and typos. This module turns each written name
into the readings it could have and grades how well two readings agree.
The similarity measures themselves come from jellyfish and rapidfuzz.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import jellyfish
from rapidfuzz.distance import DamerauLevenshtein, Levenshtein

from marac_core.model.names import comma_reading, fold

FamilyLevel = Literal["exact", "part", "close", "swapped", "differs"]
GivenLevel = Literal["exact", "nickname", "close", "middle", "initial", "swapped", "letter_changed", "missing",
                     "differs"]

_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "master", "prof", "sir", "dame", "rev", "lady", "lord"})
# Words that introduce another name the person is or was known by.
_ALIAS_MARKER = re.compile(
    r"\b(?:n[ée]e|formerly|previously|aka|a\.k\.a\.?|also\s+known\s+as|known\s+as|maiden\s+name|"
    r"birth\s+name|alias)\b[:\s]*",
    re.IGNORECASE,
)
_BRACKETED = re.compile(r"\(([^)]*)\)|\"([^\"]*)\"|“([^”]*)”")

# British given-name nicknames the `nicknames` package lacks or spells otherwise, each group one name
# and its familiar forms; the package's set is added to these (see _package_groups).
_NICKNAME_GROUPS: tuple[tuple[str, ...], ...] = (
    ("william", "bill", "billy", "will", "willy", "liam", "wills"),
    ("elizabeth", "liz", "lizzie", "lizzy", "beth", "betty", "bess", "bessie", "eliza", "libby", "lisa", "elspeth"),
    ("robert", "bob", "bobby", "rob", "robbie", "bert"),
    ("richard", "rick", "ricky", "dick", "rich", "richie"),
    ("james", "jim", "jimmy", "jamie", "jimbo"),
    ("john", "jack", "johnny", "jon"),
    ("jonathan", "jon", "jonny", "johnny"),
    ("margaret", "maggie", "meg", "peggy", "marge", "madge", "maisie", "greta", "rita"),
    ("catherine", "katherine", "kathryn", "cath", "kath", "cathy", "kathy", "kate", "katie", "kay", "kitty"),
    ("thomas", "tom", "tommy"),
    ("michael", "mike", "mick", "mickey", "mikey"),
    ("christopher", "chris", "kit"),
    ("christine", "chris", "chrissie", "tina"),
    ("christina", "chris", "tina", "kirsty"),
    ("edward", "ed", "eddie", "ted", "teddy", "ned"),
    ("anthony", "tony", "ant"),
    ("alexander", "alex", "alec", "sandy", "xander", "al"),
    ("alexandra", "alex", "lexi", "sandra", "sandy", "ali"),
    ("andrew", "andy", "drew"),
    ("daniel", "dan", "danny"),
    ("david", "dave", "davey", "dai"),
    ("joseph", "joe", "joey", "jo"),
    ("josephine", "jo", "josie", "jojo"),
    ("joanne", "jo", "joanna", "jojo"),
    ("samuel", "sam", "sammy"),
    ("samantha", "sam", "sammy"),
    ("benjamin", "ben", "benny", "benji"),
    ("matthew", "matt", "matty"),
    ("nicholas", "nick", "nicky", "nico"),
    ("nicola", "nicky", "nikki"),
    ("stephen", "steve", "stevie", "steven"),
    ("steven", "steve", "stevie"),
    ("peter", "pete"),
    ("patrick", "pat", "paddy"),
    ("patricia", "pat", "patsy", "tricia", "trish"),
    ("charles", "charlie", "chas", "chuck"),
    ("charlotte", "charlie", "lottie", "lotte"),
    ("henry", "harry", "hal", "hank"),
    ("harold", "harry", "hal"),
    ("frederick", "fred", "freddie", "freddy"),
    ("francis", "frank", "frankie", "fran"),
    ("frances", "fran", "frankie", "fanny"),
    ("gerald", "gerry", "jerry"),
    ("geoffrey", "geoff", "jeff"),
    ("jeffrey", "jeff"),
    ("kenneth", "ken", "kenny"),
    ("lawrence", "laurence", "larry", "laurie"),
    ("leonard", "len", "lenny", "leo"),
    ("raymond", "ray"),
    ("ronald", "ron", "ronnie"),
    ("donald", "don", "donny"),
    ("timothy", "tim", "timmy"),
    ("terence", "terry", "tel"),
    ("philip", "phil", "pip"),
    ("gregory", "greg"),
    ("douglas", "doug", "dougie"),
    ("zachary", "zac", "zack", "zak"),
    ("oliver", "olly", "ollie"),
    ("olivia", "liv", "livvy", "olive"),
    ("victoria", "vicky", "vicki", "tori", "vic"),
    ("rebecca", "becky", "becca", "bex"),
    ("deborah", "debbie", "deb", "debs"),
    ("jennifer", "jen", "jenny", "jenna"),
    ("susan", "sue", "susie", "suzy"),
    ("suzanne", "sue", "suzy", "susie"),
    ("jacqueline", "jackie", "jacqui"),
    ("abigail", "abby", "abbie", "gail"),
    ("amanda", "mandy", "manda"),
    ("dorothy", "dot", "dottie", "dolly"),
    ("eleanor", "ellie", "nell", "nellie", "ella", "elle"),
    ("helen", "nell", "nellie", "ellie"),
    ("isabel", "isabella", "izzy", "bella", "issy"),
    ("jessica", "jess", "jessie"),
    ("louise", "lou", "lulu"),
    ("lucy", "lucie", "lu"),
    ("mary", "molly", "polly", "mae", "may", "mamie"),
    ("sarah", "sally", "sal", "sadie"),
    ("theresa", "teresa", "tess", "tessa", "terri"),
    ("vanessa", "nessa", "ness"),
    ("gwendolyn", "gwen", "wendy"),
    ("kimberley", "kimberly", "kim"),
    ("natalie", "nat", "nattie"),
    ("nathan", "nat", "nate"),
    ("nathaniel", "nat", "nate", "nathan"),
    ("jacob", "jake"),
    ("joshua", "josh"),
    ("gabriel", "gabe"),
    ("gabrielle", "gabby", "gabi"),
    ("madeleine", "madeline", "maddie", "maddy"),
    ("penelope", "penny", "pen"),
    ("rosemary", "rosie", "rose"),
    ("ruth", "ruthie"),
    ("stuart", "stu"),
    ("vincent", "vince", "vinny"),
    ("walter", "walt", "wally"),
    ("albert", "al", "bert", "bertie"),
    ("alfred", "alf", "alfie", "fred"),
    ("arthur", "art", "artie"),
    ("archibald", "archie"),
    ("angela", "angie", "ange"),
    ("barbara", "barb", "babs"),
    ("caroline", "carol", "carrie", "caz"),
    ("cynthia", "cindy"),
    ("danielle", "dani", "danni"),
    ("florence", "flo", "florrie", "flossie"),
    ("georgina", "georgie", "gina"),
    ("george", "georgie"),
    ("harriet", "hattie", "harri"),
    ("hannah", "hanna", "annie"),
    ("ann", "anne", "annie", "anna", "nan", "nancy"),
    ("jane", "janie", "jenny"),
    ("janet", "jan", "jenny"),
    ("kayleigh", "kayley", "kaylee", "kay"),
    ("leanne", "lee"),
    ("megan", "meg", "meggie"),
    ("michelle", "shell", "shelly", "chelle"),
    ("pamela", "pam"),
    ("sandra", "sandy"),
    ("sharon", "shaz"),
    ("stephanie", "steph", "stephie"),
    ("tracey", "tracy", "trace"),
    ("valerie", "val"),
    ("wendy", "wend"),
    ("bradley", "brad"),
    ("callum", "cal"),
    ("cameron", "cam"),
    ("connor", "con"),
    ("dominic", "dom"),
    ("jordan", "jord"),
    ("kieran", "kiran"),
    ("lewis", "louis", "lou"),
    ("mohammed", "muhammad", "mohammad", "mohamed", "mo"),
    ("reginald", "reg", "reggie"),
    ("sebastian", "seb", "bastian"),
    ("tobias", "toby"),
)


def _package_groups() -> list[tuple[str, ...]]:
    """The `nicknames` package's hand-curated English set, one group per formal name.

    Only familiar forms that begin with the formal name's letter are taken (Fred for Frederick,
    Al for Alan): the set also pairs names that are full names in their own right and start
    otherwise (Erin for Aaron), and twins so named must never read as one person. The British
    forms above (Bill, Peggy, Jack...) are kept as they are. A form a letter or two from the
    formal name (Lilly for Lily) is a spelling, not a nickname: the "close" level weighs it,
    more warily, since twins are often named so (Lily and Lila).
    """
    from nicknames import name_triplets
    from rapidfuzz.distance import Levenshtein

    groups: dict[str, list[str]] = {}
    for formal, relationship, familiar in name_triplets():
        if (relationship == "has_nickname" and familiar[:1] == formal[:1] and familiar.isalpha()
                and Levenshtein.distance(formal, familiar) > 2):
            groups.setdefault(formal, [formal]).append(familiar)
    return [tuple(group) for group in groups.values()]


def _build_nicknames() -> dict[str, frozenset[int]]:
    groups: dict[str, set[int]] = {}
    for index, group in enumerate((*_NICKNAME_GROUPS, *_package_groups())):
        for name in group:
            groups.setdefault(name, set()).add(index)
    return {name: frozenset(found) for name, found in groups.items()}


_NICKNAMES = _build_nicknames()


def nickname_of(a: str, b: str) -> bool:
    """Whether two (folded) given names are the same name in familiar and formal form."""
    return bool(_NICKNAMES.get(a, frozenset()) & _NICKNAMES.get(b, frozenset()))




@dataclass(frozen=True)
class Reading:
    """One way of reading a written name: given names and surname parts, folded."""

    given: tuple[str, ...]
    family: tuple[str, ...]
    written: str
    alias: bool = False
    turned: bool = False  # given names and surname taken the other way round from how they were written

    @property
    def family_key(self) -> str:
        return "".join(self.family)

    def turned_round(self) -> Reading:
        """The same words with given names and surname exchanged ("Hannagan MIKHAYLA" for Mikhayla Hannagan)."""
        return Reading(given=self.family, family=self.given, written=self.written, alias=self.alias, turned=True)


def _tokens(text: str) -> list[str]:
    words = [w for w in re.split(r"[\s,]+", text.strip()) if w]
    # Only a leading title is dropped: Lord, Master and Sir are surnames too ("Emma LORD").
    while len(words) > 1 and fold(words[0]) in _TITLES:
        words.pop(0)
    return words


def _is_capitals(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _parts(words: list[str]) -> tuple[str, ...]:
    # Hyphens and spaces inside surnames both separate the parts of a double-barrelled name.
    return tuple(p for w in words for p in (fold(x) for x in w.split("-")) if p)


def _given(words: list[str]) -> tuple[str, ...]:
    return tuple(p for w in words for p in (fold(x) for x in w.split("-")) if p)


def _split_main(text: str) -> tuple[str, list[str], list[str]]:
    """The main name, names it says the person is or was known by, and known-as given names."""
    aliases: list[str] = []
    known_as: list[str] = []

    def bracketed(found: re.Match[str]) -> str:
        inner = next(g for g in found.groups() if g is not None).strip()
        if _ALIAS_MARKER.match(inner):
            aliases.append(_ALIAS_MARKER.sub("", inner, count=1).strip())
        elif len(inner.split()) == 1 and not _is_capitals(inner):
            known_as.append(inner)
        elif inner:
            aliases.append(inner)
        return " "

    main = _BRACKETED.sub(bracketed, text)
    marker = _ALIAS_MARKER.search(main)
    if marker:
        aliases.append(main[marker.end():].strip(" ,;/"))
        main = main[: marker.start()]
    if "/" in main:
        first, *rest = main.split("/")
        aliases += [r.strip() for r in rest if r.strip()]
        main = first
    return main.strip(" ,;"), [a for a in aliases if a], known_as


def _structured(text: str) -> list[tuple[list[str], list[str]]]:
    """(given words, surname words) for each plausible reading of a plain name."""
    if "," in text and comma_reading(text) == "surname_first":
        before, _, after = text.partition(",")
        family, given = _tokens(before), _tokens(after)
        if family:
            return [(given, family)]
    # Any other comma is read as a space; such a name is never a confident match (scoring.decide).
    words = _tokens(text)
    if not words:
        return []
    capitals = [_is_capitals(w) for w in words]
    if any(capitals) and not all(capitals):
        return [([w for w, c in zip(words, capitals) if not c], [w for w, c in zip(words, capitals) if c])]
    readings = [(words[:-1], words[-1:])]
    if len(words) >= 3:
        # "Helena Bonham Carter": an unhyphenated double-barrelled surname.
        readings.append((words[:-2], words[-2:]))
    return readings


def readings(name: str, aliases: list[str] | tuple[str, ...] = ()) -> tuple[Reading, ...]:
    """Every reading of a person's name and aliases.

    A one-word alias is taken as another surname (a maiden or married name)
    with the main given names, and also as a known-as given name.
    """
    return _readings(name, tuple(aliases))


@lru_cache(maxsize=65536)
def _readings(name: str, aliases: tuple[str, ...]) -> tuple[Reading, ...]:
    main, embedded, known_as = _split_main(name)
    found: list[Reading] = []
    for given, family in _structured(main):
        found.append(Reading(_given(given), _parts(family), name))
        for other in known_as:
            found.append(Reading(_given([other]), _parts(family), f"{other} (known as)", alias=True))
    main_given = found[0].given if found else ()
    main_family = found[0].family if found else ()
    for alias in [*embedded, *aliases]:
        alias_main, _, _ = _split_main(alias)
        words = _tokens(alias_main)
        if len(words) == 1:
            found.append(Reading(main_given, _parts(words), alias, alias=True))
            if main_family:
                found.append(Reading(_given(words), main_family, alias, alias=True))
        else:
            found += [Reading(_given(g), _parts(f), alias, alias=True) for g, f in _structured(alias_main)]
    return tuple(dict.fromkeys(r for r in found if r.family or r.given))


@lru_cache(maxsize=65536)
def _close(a: str, b: str, *, surname: bool) -> bool:
    """A likely typing error: one edit apart, or very similar by Jaro-Winkler, or sounds alike."""
    if not a or not b:
        return False
    jw = jellyfish.jaro_winkler_similarity(a, b)
    if jw >= 0.9:
        return True
    shortest = min(len(a), len(b))
    if surname:
        if DamerauLevenshtein.distance(a, b) <= 1 and shortest >= 4:
            return True
        return jw >= 0.85 and jellyfish.metaphone(a) == jellyfish.metaphone(b) and shortest >= 4
    # Given names: "Mark"/"Mary" are one letter changed but different people; only a letter
    # dropped or added ("Srah", "Pnelope") or two letters swapped ("Jhon") counts as a typo.
    if shortest < 4 or DamerauLevenshtein.distance(a, b) != 1:
        return False
    return len(a) != len(b) or Levenshtein.distance(a, b) == 2


@lru_cache(maxsize=65536)
def compare_family(a: tuple[str, ...], b: tuple[str, ...]) -> FamilyLevel:
    if not a or not b:
        return "differs"
    if "".join(a) == "".join(b):
        return "exact"
    sa, sb = set(a), set(b)
    if sa < sb or sb < sa:
        return "part"
    if _close("".join(a), "".join(b), surname=True):
        return "close"
    if len(a) > 1 or len(b) > 1:
        # A typo in one part of a double-barrelled name, or one part given alone with a typo.
        shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
        if all(any(p == q or _close(p, q, surname=True) for q in longer) for p in shorter):
            return "close"
    return "differs"


@lru_cache(maxsize=65536)
def compare_given(a: tuple[str, ...], b: tuple[str, ...]) -> GivenLevel:
    if not a or not b:
        return "missing"
    first_a, first_b = a[0], b[0]
    if first_a == first_b or "".join(a) == "".join(b):
        # "Andr Ew" / "Andrew", "Mary-Jane" / "Maryjane".
        return "exact"
    if nickname_of(first_a, first_b):
        return "nickname"
    if len(first_a) > 1 and len(first_b) > 1 and _close(first_a, first_b, surname=False):
        return "close"
    # Known by a middle name: "Jane SMITH" for Mary Jane Smith.
    rest_a, rest_b = [x for x in a if len(x) > 1], [x for x in b if len(x) > 1]
    if any(x == y or nickname_of(x, y) for x in rest_a for y in rest_b):
        return "middle"
    if (len(first_a) == 1 and first_b.startswith(first_a)) or (len(first_b) == 1 and first_a.startswith(first_b)):
        return "initial"
    if _letter_changed(first_a, first_b):
        return "letter_changed"
    return "differs"


def _letter_changed(a: str, b: str) -> bool:
    """One letter changed ("Loura" / "Laura"): a slip, or another name ("Mark" / "Mary"). Worth showing only."""
    return len(a) == len(b) >= 4 and Levenshtein.distance(a, b) == 1


def swapped(a: Reading, b: Reading) -> bool:
    """The same words with given name and surname the other way round ("Hannagan MIKHAYLA")."""
    return bool(a.given and b.given) and sorted(a.given + a.family) == sorted(b.given + b.family)
