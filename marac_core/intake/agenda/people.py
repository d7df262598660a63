"""Reading the cells that name people: "SURNAME, Given" or "Given SURNAME", aka/née/alias, and
several children in one cell ("Lily JONES 22/05/2019; Noah JONES (09/09/21)", "Lily (5) and Noah (3) JONES").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from marac_core.intake.agenda.cells import DATE_IN_TEXT, CellError, date_in, text_of

_ALIAS_MARK = re.compile(r"\s*[(\[]?\s*\b(?:a\.?k\.?a\.?|alias|also\s+known\s+as|known\s+as|n[ée]e|formerly|"
                         r"previously|maiden\s+name)\b\s*:?\s*", re.I)
_AGE = re.compile(r"\(\s*(?:age[d]?\s*)?(\d{1,2})\s*(?:yrs?|years?(?:\s+old)?|y/?o)?\s*\)|"
                  r"\baged?\s+(\d{1,2})\b|\b(\d{1,2})\s*(?:yrs?|years?\s+old|y/?o)\b", re.I)
_UNBORN = re.compile(r"\b(?:unborn|edd|due|expected|pregnan\w*)\b", re.I)
_DOB_WORD = re.compile(r"\b(?:dob|d\.o\.b\.?|date\s+of\s+birth|born|b\.)\s*:?", re.I)


# What a name cell says when it names nobody. ("Unknown" is no name to search for either.)
NOBODY = re.compile(r"^(?:none(?:\s+known)?|n\s*/\s*a|nil|no\s+(?:children|child|kids|cyp)(?:\s+\w+)*|-+|0|"
                    r"not\s+known|unknown|n\s*/\s*k|tbc|not\s+applicable)$", re.I)


@dataclass
class PersonRead:
    """One person read from a cell, before they are given a role."""

    name: str
    dob: dt.date | None = None
    aliases: list[str] = field(default_factory=list)
    age: int | None = None            # "Lily (5)": an age, no date of birth
    dob_not_known: str | None = None  # what the cell said instead of a date ("unborn")


def capitals(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _surname_first(name: str) -> str:
    """"JONES, Sarah" -> "Sarah JONES"; "Jones, Sarah Ann" -> "Sarah Ann JONES"; else as written."""
    if name.count(",") != 1:
        return name.replace(",", " ")
    before, after = (p.strip() for p in name.split(","))
    if not before or not after or any(capitals(w) for w in after.split()):
        return " ".join(name.replace(",", " ").split())
    return f"{after} {before.upper()}"


def split_aliases(text: str) -> tuple[str, list[str]]:
    """The main name and the other names written into it ("aka", "née", "alias", "/")."""
    parts = [p.strip(" ()[]") for p in _ALIAS_MARK.split(text)]
    if len(parts) == 1 and " / " in text:
        parts = [p.strip() for p in text.split("/")]
    main, others = parts[0], [p for p in parts[1:] if p]
    main = " ".join(_surname_first(main.strip(" ,;")).split())
    given = [w for w in main.split() if not capitals(w)]
    aliases = []
    for other in others:
        other = " ".join(_surname_first(other.strip(" ,;")).split())
        if len(other.split()) == 1 and given and main.split()[-1] != other:
            # "Sarah JONES née BROWN": she was Sarah BROWN.
            other = f"{' '.join(given)} {other.upper() if not capitals(other) else other}"
        aliases.append(other)
    return main, aliases


def read_person(text: str, latest: dt.date) -> PersonRead:
    """One person's cell: a name, perhaps with a date of birth or an age written into it."""
    text = text_of(text)
    dob, not_known = None, None
    if m := _UNBORN.search(text):
        # An expected date of delivery is no date of birth (and would be after the meeting).
        not_known = m.group(0)
        text = DATE_IN_TEXT.sub(" ", re.sub(r"\b(?:edd|due|expected)\b:?", " ", text, flags=re.I))
    found = date_in(text, latest)
    if found is not None:
        dob, match = found
        text = text[:match.start()] + " " + text[match.end():]
    age = None
    if m := _AGE.search(text):
        age = int(next(g for g in m.groups() if g))
        text = text[:m.start()] + " " + text[m.end():]
    text = _DOB_WORD.sub(" ", text)
    text = re.sub(r"\(\s*\)|\[\s*\]", " ", text)
    text = re.sub(r"\s+[-–:]\s*$|^\s*[-–:]\s+", " ", text.strip()).strip(" ,;-–:")
    name, aliases = split_aliases(text)
    return PersonRead(name=name, dob=dob, aliases=aliases, age=age, dob_not_known=not_known)


def _pieces(text: str) -> list[str]:
    pieces = [p for p in re.split(r"\s*(?:;|\n|\r|•|\|)\s*", text) if p.strip()]
    out: list[str] = []
    for piece in pieces:
        out += [p for p in re.split(r"\s+(?:and|&)\s+|\s*\+\s*", piece, flags=re.I) if p.strip()]
    final: list[str] = []
    for piece in out:
        # "Lily JONES 22/05/2019, Noah JONES 09/09/2021", "Lily Jones (5), Tom Jones (8)", "Lily JONES,
        # Tom JONES": a comma between people, not the comma of "JONES, Lily".
        parts = [p.strip() for p in piece.split(",")]
        dated = all(DATE_IN_TEXT.search(p) or _AGE.search(p) for p in parts[:-1])
        named = all(len(p.split()) > 1 and any(capitals(w) for w in p.split()) for p in parts)
        final += parts if len(parts) > 1 and (dated or named) else [piece]
    return [p.strip(" ,") for p in final if p.strip(" ,")]


def read_people(value: object, latest: dt.date) -> list[PersonRead]:
    """Everyone named in one cell, in order. A surname written once ("Lily (5) and Noah (3) JONES")
    is given to each name that has none. "None", "N/A", "No children" name nobody."""
    raw = "" if value is None else str(value)
    people = [read_person(piece, latest) for piece in _pieces(raw) if not NOBODY.match(piece.strip(" .()"))]
    people = [p for p in people if p.name]
    surnames = [w for p in people for w in p.name.split()[1:] if capitals(w)]
    shared = next((p.name.split()[-1] for p in reversed(people)
                   if len(p.name.split()) > 1 and capitals(p.name.split()[-1])), None)
    if shared and surnames:
        for person in people:
            if len(person.name.split()) == 1 and not capitals(person.name):
                person.name = f"{person.name} {shared}"
    return people


def read_dates(value: object, latest: dt.date) -> list[dt.date | None]:
    """Several dates in one cell, in order ("22/05/2019; 09/09/2021")."""
    from marac_core.intake.agenda.cells import read_date

    if isinstance(value, (dt.date, dt.datetime)) or value is None:
        return [read_date(value, latest)]
    pieces = [p for p in re.split(r"\s*(?:;|\n|,\s|\band\b|&|/\s)\s*", str(value)) if p.strip()]
    if not pieces:
        return [None]
    try:
        return [read_date(p, latest) for p in pieces]
    except CellError:
        return [read_date(value, latest)]
