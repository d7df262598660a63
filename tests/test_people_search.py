"""The emulators' person search from an index answers exactly as looking through every record does.

Harm prevented: a sandbox that, to be fast at 10,000 cases, stops bringing back a namesake or a
misspelt surname, so that the core's matching is tested against an easier world than a real system's.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marac_core.sandbox.people_search import PeopleIndex, search_people

EXAMPLES = int(os.environ.get("MARAC_PROPERTY_EXAMPLES", "30"))
# Few letters, so that surnames one or two edits apart (and of different lengths) are common.
SURNAME = st.text(alphabet="abnorst-", min_size=0, max_size=12)
DOB = st.sampled_from(["1990-01-01", "1990-01-02", "2015-06-30", "not a date", ""])
ROW = st.fixed_dictionaries({"name": st.builds(lambda g, f: f"{g} {f}", st.sampled_from(["Ann", "Bo"]), SURNAME),
                             "dob": DOB},
                            optional={"nhs_number": st.sampled_from(["9434765919", "9434765870"]),
                                      "aliases": st.lists(st.builds(lambda f: f"Ann {f}", SURNAME), max_size=2)})


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(ROW, max_size=25), queries=st.lists(
    st.tuples(st.one_of(st.none(), SURNAME), st.one_of(st.none(), DOB),
              st.one_of(st.none(), st.sampled_from(["9434765919", "9434765870"]))), min_size=1, max_size=6))
def test_the_index_answers_every_search_as_the_scan_does(rows: list[dict], queries: list[tuple]) -> None:
    index = PeopleIndex(rows)
    for family, dob, nhs_number in queries + queries:  # each asked twice: the second from what was worked out
        wanted = search_people(rows, family=family, dob=dob, nhs_number=nhs_number)
        got = index.search(family=family, dob=dob, nhs_number=nhs_number)
        assert [id(r) for r in got] == [id(r) for r in wanted], (family, dob, nhs_number)


def test_a_misspelt_surname_of_another_length_is_still_found() -> None:
    rows = [{"name": "Sarah Robertson", "dob": "1991-03-14"}, {"name": "Sarah Robinson", "dob": "1991-03-15"},
            {"name": "Sarah Roberts", "dob": "1980-01-01"}, {"name": "Sarah Jones", "dob": "1970-01-01"}]
    index = PeopleIndex(rows)
    for family in ("Robertsen", "Robertso", "Robrtson", "ROBERTSON"):
        assert index.search(family=family) == search_people(rows, family=family)
        assert rows[0] in index.search(family=family)
    assert rows[3] not in index.search(family="Robertson")
