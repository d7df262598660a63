"""The --json output written by orjson is the text json.dumps(indent=2, ensure_ascii=False) gives.

Harm prevented: acceptance tests and agencies' scripts that read marac's JSON (spec §5) broken by a
change of format made for speed: dates written another way, non-ASCII escaped, keys dropped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from marac_core.cli.json_out import json_text

# Floats as marac writes them (scores, seconds); orjson writes a tiny or huge one's exponent without
# the leading zero (1e-08 is 1e-8), the same number: see the last test.
ORDINARY_FLOATS = st.one_of(st.just(0.0), st.floats(min_value=1e-4, max_value=1e15),
                            st.floats(min_value=-1e15, max_value=-1e-4))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**62, max_value=2**62), ORDINARY_FLOATS,
                    st.text())
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.text(), inner, max_size=4)), max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_the_same_text_as_the_standard_library(value: object) -> None:
    assert json_text(value) == json.dumps(value, indent=2, ensure_ascii=False)


@dataclasses.dataclass
class _Row:
    name: str


def test_dates_and_other_values_are_written_by_default_as_json_dumps_writes_them() -> None:
    row = {"due": dt.datetime(2026, 12, 3, 10, tzinfo=dt.timezone.utc), "on": dt.date(2026, 12, 3),
           "row": _Row("Sarah Jones"), 3: "a key that is a number", "name": "Zoë Ó Briain"}
    assert json_text(row, default=str) == json.dumps(row, indent=2, ensure_ascii=False, default=str)


@settings(max_examples=100, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_any_float_reads_back_as_the_same_number(value: float) -> None:
    assert json.loads(json_text([value])) == [value]
