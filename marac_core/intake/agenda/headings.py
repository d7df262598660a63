"""Recognising an agenda's column headings by what they mean, and finding the heading row.

A heading is a role ("Victim", "Alleged perpetrator", "CYP") and an attribute ("DOB", "NHS no",
"Address"), in either order ("Victim DOB", "DOB of victim"), or a case-wide field ("MARAC ref",
"Referring agency", "Role"). What each heading was read as is a *field*:

    ref, referring_agency, role, ignore,
    victim.name, perpetrator.dob, children.name, children[2].dob, person.nhs_number, ...

(``person.*`` is a column of a one-row-per-person agenda, whose role column says whose it is.)
The same strings are the values of a mapping file (see ``mapping``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ROLES = ("victim", "perpetrator", "children")
ATTRIBUTES = ("name", "surname", "forename", "dob", "nhs_number", "address", "postcode", "aliases",
              "living_with")
CASE_FIELDS = ("ref", "referring_agency", "role", "ignore")

# Each role as agendas head it (normalised: lower case, words only).
ROLE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "victim": ("victim survivor", "adult victim", "victim", "survivor", "client", "aggrieved",
               "service user", "adult at risk", "person at risk", "vs"),
    "perpetrator": ("alleged perpetrator", "alleged abuser", "person causing harm", "perpetrator",
                    "perp", "abuser", "offender", "suspect", "ap"),
    "children": ("children and young people", "children young people", "child ren", "childrens",
                 "children", "child", "cyp", "young people", "young person", "kids", "dependants",
                 "dependents"),
}

ATTRIBUTE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("", "name", "names", "full name", "full names", "fullname", "details", "name and dob",
             "names and dobs", "name and date of birth", "names and dates of birth", "name dob",
             "names dobs", "name s"),
    "surname": ("surname", "surnames", "last name", "family name"),
    "forename": ("forename", "forenames", "first name", "first names", "given name", "given names",
                 "christian name"),
    "dob": ("dob", "dobs", "date of birth", "dates of birth", "birth date", "born", "d o b"),
    "nhs_number": ("nhs", "nhs no", "nhs number", "nhs num", "nhs numbers"),
    "address": ("address", "addresses", "home address", "current address", "address and postcode"),
    "postcode": ("postcode", "post code", "postcodes"),
    "aliases": ("aka", "alias", "aliases", "also known as", "other names", "previous names",
                "maiden name", "nee", "known as"),
    "living_with": ("living with", "lives with", "resides with", "residing with", "resident with",
                    "who they live with", "who lives with", "main carer", "lives with whom"),
    # Read but not carried into the meeting file (no field of spec section 2 holds them).
    "ignore": ("relationship", "relationship to victim", "relationship to perpetrator", "relation",
               "age", "ages", "gender", "sex", "ethnicity", "occupation", "school", "gp"),
}

CASE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "ref": ("ref", "case ref", "case reference", "reference", "marac ref", "marac reference",
            "marac no", "marac number", "marac case ref", "marac case number", "case no", "case number",
            "case id", "ref no", "reference number", "case"),
    "referring_agency": ("referring agency", "referrer", "referred by", "referral agency", "referral from",
                         "referring agency name", "source of referral", "referral source", "agency referring"),
    "role": ("role", "person type", "type", "involvement", "category", "role in case", "party",
             "subject type"),
    "ignore": ("no", "number", "item", "date of referral", "referral date", "risk", "dash score",
               "dash", "notes", "comments", "repeat", "previous marac", "repeat case", "idva",
               "actions", "agencies involved", "high risk factors", "risk factors", "reason for referral"),
}


@dataclass(frozen=True)
class Field:
    """What a column holds: a case field, or one attribute of a role (and which one, if numbered)."""

    role: str | None          # victim, perpetrator, children, person; None for case fields
    attribute: str            # name, dob, ...; or ref, referring_agency, role, ignore
    index: int | None = None  # "Child 2 DOB" -> 2

    def __str__(self) -> str:
        if self.role is None:
            return self.attribute
        number = f"[{self.index}]" if self.index is not None else ""
        return f"{self.role}{number}.{self.attribute}"


_FIELD = re.compile(r"^(victim|perpetrator|children|person)(?:\[(\d+)\])?\.(\w+)$")


def parse_field(text: str) -> Field | None:
    """A field as a mapping file writes it (``children[2].dob``), or None when it is no field."""
    text = text.strip()
    if text in CASE_FIELDS:
        return Field(None, text)
    m = _FIELD.match(text)
    if m and m[3] in ATTRIBUTES + ("ignore",):
        return Field(m[1], m[3], int(m[2]) if m[2] else None)
    return None


def normalise(heading: str) -> str:
    """Lower case, words only: "D.O.B." -> "dob", "Child(ren)'s names" -> "child ren names"."""
    text = heading.lower().replace("’", "'")
    text = re.sub(r"\bd\s*\.\s*o\s*\.\s*b\b\.?", "dob", text)
    text = text.replace("'s", "").replace("&", " and ").replace("n.h.s", "nhs")
    text = text.replace("née", "nee")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def _splits(words: str) -> list[tuple[str | None, int | None, str]]:
    """Ways to read a heading as (role, number, the rest): the role first ("Victim DOB"), after
    "of"/"for" ("DOB of victim"), last ("Date of birth (victim)"), or no role at all."""
    found: list[tuple[str | None, int | None, str]] = []
    for role, synonyms in ROLE_SYNONYMS.items():
        for synonym in synonyms:
            m = re.fullmatch(rf"{synonym}(?:\s+(\d+))?(?:\s+(.*))?", words)
            if m:
                found.append((role, int(m[1]) if m[1] else None, m[2] or ""))
            m = re.fullmatch(rf"(.*?)\s+(?:(?:of|for)\s+(?:the\s+)?)?{synonym}(?:\s+(\d+))?", words)
            if m:
                found.append((role, int(m[2]) if m[2] else None, m[1]))
    return [*found, (None, None, words)]


def _split_role(words: str) -> tuple[str | None, int | None, str]:
    return _splits(words)[0]


def _attribute(words: str) -> str | None:
    words = re.sub(r"^(?:the|their)\s+", "", words)
    for attribute, synonyms in ATTRIBUTE_SYNONYMS.items():
        if words in synonyms:
            return attribute
    return None


def recognise(heading: str) -> Field | None:
    """What a heading means, or None when it is not a heading this table knows."""
    words = normalise(heading)
    if not words:
        return None
    for field_name, synonyms in CASE_SYNONYMS.items():
        if words in synonyms:
            return Field(None, field_name)
    for role, index, rest in _splits(words):
        attribute = _attribute(rest)
        if attribute is not None:
            return Field(role or "person", attribute, index)
    return None


def role_alone(heading: str) -> str | None:
    """A group heading above the heading row ("Victim" over "Name | DOB | Address")."""
    role, index, rest = _split_role(normalise(heading))
    return role if role and not rest and index is None else None


def is_name(field: Field | None) -> bool:
    return field is not None and field.attribute in ("name", "surname", "forename")
