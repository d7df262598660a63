"""Comparing dates of birth as agendas get them wrong.

One digit mistyped (1991-03-14 for 1991-03-15, 1981 for 1991) and day and
month swapped (a US-style date: 04/03 for 03/04) are the common errors.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from rapidfuzz.distance import Hamming

DobLevel = Literal["exact", "transposed", "one_digit", "unknown", "differs"]


def compare_dob(a: dt.date | None, b: dt.date | None) -> DobLevel:
    if a is None or b is None:
        return "unknown"
    if a == b:
        return "exact"
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return "transposed"
    if Hamming.distance(f"{a.year:04d}{a.month:02d}{a.day:02d}", f"{b.year:04d}{b.month:02d}{b.day:02d}") == 1:
        return "one_digit"
    return "differs"
