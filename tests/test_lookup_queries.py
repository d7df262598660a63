"""What the runner asks each system to search for: the surname as the agenda writes it."""

from __future__ import annotations

import pytest

from marac_core.model.meeting import Person
from marac_core.planning.lookup import query_for


@pytest.mark.parametrize(("written", "given", "family"), [
    ("Sarah JONES", "Sarah", "Jones"),
    ("JONES, Sarah", "Sarah", "Jones"),
    ("Mary-Ann SMITH-JONES", "Mary-Ann", "Smith-Jones"),
    ("Elizabeth (Betty) O'NEILL", "Elizabeth", "O'Neill"),
    ("Sarah Jones née Brown", "Sarah", "Jones"),
    ("Anne-Marie DE LA CRUZ", "Anne-Marie", "De La Cruz"),
    ("Sarah Jones", "Sarah", "Jones"),
])
def test_the_surname_is_read_as_the_agenda_writes_it(written: str, given: str, family: str) -> None:
    query = query_for(Person(name=written, aliases=["Sarah BROWN"]), "systmone")
    assert (query.given, query.family) == (given, family)
    assert query.aliases[0] == "Sarah BROWN"  # adapters search the aliases' surnames in the same request


def test_names_written_into_the_agendas_name_are_searched_too() -> None:
    assert query_for(Person(name="Sarah Jones née Brown"), "lcs").aliases == ["Brown"]
    assert query_for(Person(name="Sarah JONES / Sarah BROWN", aliases=["S Smith"]), "lcs").aliases == [
        "S Smith", "Sarah BROWN"]
