"""Reading a name as an agenda writes it: the surname in CAPITALS or before a comma, other names written in."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

CommaReading = Literal["no_comma", "surname_first", "ambiguous"]
# A meeting's names come back in every search of its families (namesakes, relatives): each writing
# is read once. The functions below are pure, and what they return is immutable.
_CACHE = 65536
_DROPPED = re.compile(r"['’`.]")
_WORDS = re.compile(r"[\s,\-]+")
_BRACKETS = re.compile(r"\([^)]*\)")
_ALIAS = re.compile(r"\s+(?:n[ée]e|formerly|aka)\s+|\s*/\s*", re.I)
_LETTERS = re.compile(r"[A-Za-z]+")


@lru_cache(maxsize=_CACHE)
def fold(text: str) -> str:
    """Casefolded, accents removed, apostrophes dropped (O'Brien = OBrien = obrien)."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return _DROPPED.sub("", plain).casefold()


@lru_cache(maxsize=_CACHE)
def name_key(name: str) -> tuple[str, ...]:
    """The words of a name, folded and in order, for telling whether two writings name one person.

    `Jayden O'NEILL`, `JAYDEN O'NEILL` and `O'Neill, Jayden` agree; `Jaden ONeill` does not.
    """
    return tuple(sorted(w for w in _WORDS.split(fold(name)) if w))


def _capitals(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


@lru_cache(maxsize=_CACHE)
def comma_reading(name: str) -> CommaReading:
    """How a comma in a name may be read.

    "JONES, Sarah" and "Jones, Sarah" are "SURNAME, Given": the part before the comma is written
    as a surname (in CAPITALS, or one word with no CAPITALS anywhere) and the part after holds no
    surname in CAPITALS. Anything else with a comma ("Mark JONES,SMITH", "Sarah JONES, Lily JONES",
    "a, b, c") can be read more than one way, and is never taken as a confident match.
    """
    main = _BRACKETS.sub(" ", name)
    if "," not in main:
        return "no_comma"
    before, _, after = main.partition(",")
    family, given = before.split(), after.split()
    if "," in after or not family or not given or any(_capitals(w) for w in given):
        return "ambiguous"
    if all(_capitals(w) for w in family):
        return "surname_first"
    if len(family) == 1 and not any(_capitals(w) for w in family):
        return "surname_first"
    return "ambiguous"


@lru_cache(maxsize=_CACHE)
def split_name(name: str) -> tuple[str, str]:
    """(given, family) as written: "JONES, Sarah", "Sarah JONES", "Mary-Ann SMITH-JONES", "Sarah Jones"."""
    main = _ALIAS.split(_BRACKETS.sub(" ", name), maxsplit=1)[0].strip()
    if "," in main:
        if comma_reading(main) == "surname_first":
            family, _, given = main.partition(",")
            return given.strip(), family.strip()
        main = main.replace(",", " ")  # read as written, commas as spaces: never a confident match
    words = main.split()
    capitals = [w for w in words if w.isupper() and len(w.strip(".'-")) > 1]
    if capitals and len(capitals) < len(words):  # the agenda's convention: surname in CAPITALS
        return " ".join(w for w in words if w not in capitals), " ".join(capitals)
    return " ".join(words[:-1]), (words[-1] if words else name)


@lru_cache(maxsize=_CACHE)
def written_surname(surname: str) -> str:
    """JONES -> Jones, SMITH-JONES -> Smith-Jones, O'NEILL -> O'Neill (systems search case-insensitively)."""
    return _LETTERS.sub(lambda m: m.group(0).capitalize(), surname) if surname.isupper() else surname


def embedded_aliases(name: str) -> list[str]:
    """Other names written into the agenda's name: "Sarah Jones née Brown", "Sarah JONES / Sarah BROWN"."""
    parts = _ALIAS.split(_BRACKETS.sub(" ", name))
    return [p.strip() for p in parts[1:] if p.strip()]
