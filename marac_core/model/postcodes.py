"""UK postcodes: normalised for storing and comparing.

A postcode is an outward code (area letters, district digits, e.g. ``SW1A``,
``M1``, ``LS10``) and an inward code of three characters (``1AA``). It is
written upper-case with one space before the inward code, however it came in
(``sw1a1aa``, ``SW1A  1AA``). The check is loose: the shape, not whether the
postcode exists.
"""

from __future__ import annotations

import re

_SHAPE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")


def normal_postcode(text: str) -> str | None:
    """``text`` as ``OUTWARD INWARD`` (``SW1A 1AA``), or None when it is not shaped like a UK postcode."""
    packed = "".join(text.split()).upper()
    if not _SHAPE.fullmatch(packed):
        return None
    return f"{packed[:-3]} {packed[-3:]}"


def postcode_field(value: object) -> object:
    """A pydantic ``before`` validator for input files: empty is None, a bad postcode is an error."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValueError("a postcode must be text")
    normal = normal_postcode(value)
    if normal is None:
        raise ValueError(f"not a UK postcode (got {value!r})")
    return normal


def record_postcode(value: object) -> str | None:
    """A postcode as a record system holds it: normalised, or None when it is not a postcode.

    A system's odd entry ("NFA", "see notes") must not stop a search from being read; it is
    simply no evidence.
    """
    return normal_postcode(value) if isinstance(value, str) else None
