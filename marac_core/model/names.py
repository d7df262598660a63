"""Reading a name as an agenda writes it: the surname in CAPITALS or before a comma, other names written in."""

from __future__ import annotations

import re


def split_name(name: str) -> tuple[str, str]:
    """(given, family) as written: "JONES, Sarah", "Sarah JONES", "Mary-Ann SMITH-JONES", "Sarah Jones"."""
    known_as_removed = re.sub(r"\([^)]*\)", " ", name)
    main = re.split(r"\s+(?:n[ée]e|formerly|aka)\s+|\s*/\s*", known_as_removed, maxsplit=1, flags=re.I)[0].strip()
    if "," in main:
        family, _, given = main.partition(",")
        return given.strip(), family.strip()
    words = main.split()
    capitals = [w for w in words if w.isupper() and len(w.strip(".'-")) > 1]
    if capitals and len(capitals) < len(words):  # the agenda's convention: surname in CAPITALS
        return " ".join(w for w in words if w not in capitals), " ".join(capitals)
    return " ".join(words[:-1]), (words[-1] if words else name)


def written_surname(surname: str) -> str:
    """JONES -> Jones, SMITH-JONES -> Smith-Jones, O'NEILL -> O'Neill (systems search case-insensitively)."""
    return re.sub(r"[A-Za-z]+", lambda m: m.group(0).capitalize(), surname) if surname.isupper() else surname


def embedded_aliases(name: str) -> list[str]:
    """Other names written into the agenda's name: "Sarah Jones née Brown", "Sarah JONES / Sarah BROWN"."""
    parts = re.split(r"\s+(?:n[ée]e|formerly|aka)\s+|\s*/\s*", re.sub(r"\([^)]*\)", " ", name), flags=re.I)
    return [p.strip() for p in parts[1:] if p.strip()]
