"""Reading one cell: its text, a date in any of the ways agendas write one, an NHS number, a postcode.

A date that cannot be a date (31/02/2019, a year of 199) is refused; a cell that says it is not
known ("unknown", "N/K", "unborn") is no date, and the caller notes it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from marac_core.model.postcodes import normal_postcode


class CellError(ValueError):
    """A cell's content cannot be what its column says (the caller adds where it is)."""


_MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for name in names}

_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})(?!\d)")
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_WORDY = re.compile(r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4}|\d{2})(?!\d)")
_MONTH_FIRST = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)")
DATE_IN_TEXT = re.compile("|".join(p.pattern for p in (_ISO, _NUMERIC, _WORDY, _MONTH_FIRST)))

# What coordinators write when a date of birth is not known: no date, and the preview says so.
NOT_KNOWN = re.compile(r"^(?:unknown|not\s+known|n\s*/?\s*k|tbc|tba|\?+|-+|n\s*/\s*a|none|unborn.*|"
                       r"edd\b.*|expected\b.*|due\b.*|pregnant.*|not\s+given|not\s+provided|nil)$", re.I)

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def text_of(value: Any) -> str:
    """A cell as one line of text: whitespace (line breaks, tabs) collapsed, control characters gone."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return " ".join(_CONTROL.sub(" ", str(value)).split())


def century(two_digits: int, latest: dt.date) -> int:
    """A two-digit year read so that the date is not after ``latest`` (nobody is born in the future)."""
    year = 2000 + two_digits
    return year if year <= latest.year else year - 100


def _make(year: int, month: int, day: int, latest: dt.date, two_digit: bool, written: str) -> dt.date:
    try:
        day_is = dt.date(year, month, day)
    except ValueError:
        raise CellError(f"impossible date {written!r}") from None
    if two_digit and day_is > latest:  # same year as `latest`, later in it: the century before
        try:
            day_is = dt.date(year - 100, month, day)
        except ValueError:  # 29 February of a leap year whose century before was not one
            raise CellError(f"impossible date {written!r}") from None
    return day_is


def date_in(text: str, latest: dt.date) -> tuple[dt.date, re.Match[str]] | None:
    """The first date written in ``text`` (dd/mm/yyyy, d.m.yy, 2019-05-22, 3 Dec 2026, December 3, 2026)."""
    found = DATE_IN_TEXT.search(text)
    if found is None:
        return None
    written = found.group(0)
    if m := _ISO.fullmatch(written):
        return _make(int(m[1]), int(m[2]), int(m[3]), latest, False, written), found
    if m := _NUMERIC.fullmatch(written):
        day, month, year = int(m[1]), int(m[2]), m[3]
        two = len(year) == 2
        return _make(century(int(year), latest) if two else int(year), month, day, latest, two, written), found
    if m := _WORDY.fullmatch(written):
        month = _MONTHS.get(m[2].lower())
        if month is None:
            return None
        two = len(m[3]) == 2
        year = century(int(m[3]), latest) if two else int(m[3])
        return _make(year, month, int(m[1]), latest, two, written), found
    m = _MONTH_FIRST.fullmatch(written)
    assert m is not None
    month = _MONTHS.get(m[1].lower())
    if month is None:
        return None
    return _make(int(m[3]), month, int(m[2]), latest, False, written), found


def day_first_evidence(rows: list[list[Any]]) -> bool:
    """Whether any date typed in these cells shows the day comes first (23/04/1990 can be read no other way)."""
    for row in rows:
        for value in row:
            if isinstance(value, str):
                for m in _NUMERIC.finditer(value):
                    if int(m[1]) > 12 and int(m[2]) <= 12:
                        return True
    return False


def month_first_readings(text: str, latest: dt.date) -> list[dt.date | None]:
    """Each dd/mm date typed in ``text``, read month first instead (03/04/1990 as 4 March 1990):
    None where that reading is no other date (day and month alike, or either above 12)."""
    out: list[dt.date | None] = []
    for m in _NUMERIC.finditer(text):
        first, second, year = int(m[1]), int(m[2]), m[3]
        if first == second or first > 12 or second > 12:
            out.append(None)
            continue
        two = len(year) == 2
        try:
            out.append(_make(century(int(year), latest) if two else int(year), first, second, latest, two, m[0]))
        except CellError:
            out.append(None)
    return out


def read_date(value: Any, latest: dt.date) -> dt.date | None:
    """A date cell: an Excel date, or text. None when it says the date is not known.

    Raises CellError for anything else: a typo must be refused, not dropped.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = text_of(value)
    if not text or NOT_KNOWN.match(text):
        return None
    read = date_in(text, latest)
    if read is None or read[1].group(0).strip() != text.strip(" ()"):
        raise CellError(f"cannot read a date in {text!r}")
    return read[0]


def read_nhs_number(value: Any) -> str | None:
    """Ten digits, however spaced or dashed ("943 476 5919", "943-476-5919"); a typo is refused."""
    text = text_of(value)
    if not text or NOT_KNOWN.match(text):
        return None
    digits = re.sub(r"[\s\-]", "", text)
    if not re.fullmatch(r"\d{10}", digits):
        raise CellError(f"not an NHS number (ten digits): {text!r}")
    return digits


_POSTCODE_IN_TEXT = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b", re.I)


def postcode_in(text: str) -> str | None:
    """The last UK postcode written in an address ("12 Oak Road, Stevenage SG1 2AB" -> "SG1 2AB")."""
    found = [normal_postcode(m[1] + m[2]) for m in _POSTCODE_IN_TEXT.finditer(text)]
    found = [p for p in found if p]
    return found[-1] if found else None


def read_postcode(value: Any) -> str | None:
    """A postcode column: a postcode, or none (a typo is refused)."""
    text = text_of(value)
    if not text or NOT_KNOWN.match(text) or text.upper() in {"NFA", "NO FIXED ABODE"}:
        return None
    normal = normal_postcode(text)
    if normal is None:
        raise CellError(f"not a UK postcode: {text!r}")
    return normal
