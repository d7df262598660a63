"""Reading one cell: dates, names, NHS numbers, postcodes; and the table of heading synonyms."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marac_core.intake.agenda.cells import CellError, postcode_in, read_date, read_nhs_number
from marac_core.intake.agenda.headings import Field, parse_field, recognise
from marac_core.intake.agenda.people import read_people, read_person

MEETING = dt.date(2026, 12, 3)
days = st.dates(min_value=dt.date(1900, 1, 1), max_value=MEETING)


@given(days, st.sampled_from(["{d:02d}/{m:02d}/{y}", "{d}/{m}/{y}", "{d}.{m}.{y}", "{d}-{m:02d}-{y}",
                              "{y}-{m:02d}-{d:02d}", "{d} {mon} {y}", "{d} {month} {y}", "{month} {d}, {y}"]))
def test_a_date_written_any_usual_way_reads_back(day: dt.date, shape: str) -> None:
    written = shape.format(d=day.day, m=day.month, y=day.year, mon=day.strftime("%b"), month=day.strftime("%B"))
    assert read_date(written, MEETING) == day


@given(st.dates(min_value=dt.date(1927, 1, 1), max_value=MEETING))
def test_a_two_digit_year_is_the_latest_that_is_not_after_the_meeting(day: dt.date) -> None:
    written = f"{day.day}/{day.month}/{day.year % 100:02d}"
    assert read_date(written, MEETING) == day


@given(st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2026, 12, 3)))
def test_an_excel_date_cell_is_its_day(moment: dt.datetime) -> None:
    assert read_date(moment, MEETING) == moment.date()


@pytest.mark.parametrize("written", ["31/02/2019", "29/02/2019", "00/01/2019", "14/13/1991", "2019-02-30",
                                     "31 Sept 2020"])
def test_an_impossible_date_is_refused(written: str) -> None:
    with pytest.raises(CellError, match="impossible date"):
        read_date(written, MEETING)


@pytest.mark.parametrize("written", ["14/03/199", "14th of March", "1991", "next week", "14/03/1991 or 15/03/1991"])
def test_text_that_is_not_one_date_is_refused_not_dropped(written: str) -> None:
    with pytest.raises(CellError):
        read_date(written, MEETING)


@pytest.mark.parametrize("written", ["", "unknown", "Not known", "N/K", "TBC", "?", "-", "unborn", "EDD 12/01/2027"])
def test_a_date_said_to_be_unknown_is_none(written: str) -> None:
    assert read_date(written, MEETING) is None


@pytest.mark.parametrize("written", ["9434765919", "943 476 5919", "943-476-5919", " 943 476-5919 ", 9434765919])
def test_nhs_numbers_with_spaces_or_dashes(written: object) -> None:
    assert read_nhs_number(written) == "9434765919"


def test_an_nhs_number_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(CellError):
        read_nhs_number("943 476 591")


@pytest.mark.parametrize(("address", "postcode"), [
    ("12 Oak Road, Stevenage SG1 2AB", "SG1 2AB"), ("flat 2, 1 high st, sw1a1aa", "SW1A 1AA"),
    ("No fixed abode", None), ("3 Elm Way, Doncaster, DN1  3HT (temporary)", "DN1 3HT"),
])
def test_a_postcode_is_taken_from_an_address(address: str, postcode: str | None) -> None:
    assert postcode_in(address) == postcode


surnames = st.sampled_from(["JONES", "SMITH-JONES", "O'NEILL", "MCDONALD", "NGUYEN", "DE SOUSA"])
given_names = st.sampled_from(["Lily", "Noah", "Mary-Ann", "Zoë", "Tom", "Aisha"])


@given(given_names, surnames, days)
def test_a_person_is_the_same_written_surname_first_or_last(first: str, family: str, born: dt.date) -> None:
    assert read_person(f"{family}, {first}", MEETING).name == f"{first} {family}"
    read = read_person(f"{first} {family} {born.day:02d}/{born.month:02d}/{born.year}", MEETING)
    assert (read.name, read.dob) == (f"{first} {family}", born)


@given(st.lists(st.tuples(given_names, surnames, days), min_size=1, max_size=5, unique_by=lambda t: t[0]),
       st.sampled_from(["; ", "\n", " and ", " & "]))
def test_every_child_in_one_cell_is_read_in_order(children: list[tuple[str, str, dt.date]], between: str) -> None:
    cell = between.join(f"{g} {s} ({d:%d/%m/%Y})" for g, s, d in children)
    assert [(p.name, p.dob) for p in read_people(cell, MEETING)] == [(f"{g} {s}", d) for g, s, d in children]


def test_a_surname_written_once_goes_to_each_child() -> None:
    read = read_people("Lily (5) and Noah (3) JONES", MEETING)
    assert [(p.name, p.age) for p in read] == [("Lily JONES", 5), ("Noah JONES", 3)]


@pytest.mark.parametrize(("written", "name", "aliases"), [
    ("Sarah JONES aka Sally JONES", "Sarah JONES", ["Sally JONES"]),
    ("Sarah JONES (née BROWN)", "Sarah JONES", ["Sarah BROWN"]),
    ("Sarah JONES nee Brown", "Sarah JONES", ["Sarah BROWN"]),
    ("Mark JONES alias Marcus JONES", "Mark JONES", ["Marcus JONES"]),
    ("JONES, Sarah / BROWN, Sarah", "Sarah JONES", ["Sarah BROWN"]),
])
def test_other_names_written_into_a_name(written: str, name: str, aliases: list[str]) -> None:
    read = read_person(written, MEETING)
    assert (read.name, read.aliases) == (name, aliases)


@pytest.mark.parametrize(("heading", "field"), [
    ("Victim Name", "victim.name"), ("Victim/Survivor", "victim.name"), ("Client", "victim.name"),
    ("D.O.B.", "person.dob"), ("Victim DOB", "victim.dob"), ("DOB of victim", "victim.dob"),
    ("Date of Birth (Victim)", "victim.dob"), ("Victim's NHS No.", "victim.nhs_number"),
    ("Perp", "perpetrator.name"), ("Alleged Perpetrator", "perpetrator.name"), ("AP DOB", "perpetrator.dob"),
    ("Perpetrator Address", "perpetrator.address"), ("Children", "children.name"), ("Child(ren)", "children.name"),
    ("CYP names and DOBs", "children.name"), ("Children's DOBs", "children.dob"), ("Child 2 DOB", "children[2].dob"),
    ("Lives with", "person.living_with"), ("Child resides with", "children.living_with"),
    ("MARAC Ref", "ref"), ("Case No.", "ref"), ("Referring Agency", "referring_agency"), ("Referrer", "referring_agency"),
    ("Role", "role"), ("Person type", "role"), ("AKA", "person.aliases"), ("Victim née", "victim.aliases"),
    ("Post code", "person.postcode"), ("DASH score", "ignore"), ("Relationship to victim", "person.ignore"),
])
def test_the_usual_headings_are_recognised_by_meaning(heading: str, field: str) -> None:
    assert str(recognise(heading)) == field


@pytest.mark.parametrize("heading", ["Cost", "Budget line", "Colour", "Meeting room"])
def test_headings_of_other_tables_are_not_taken_for_an_agendas(heading: str) -> None:
    assert recognise(heading) is None


def test_fields_as_a_mapping_file_writes_them_read_back() -> None:
    for field in (Field("children", "dob", 2), Field("victim", "name"), Field(None, "ref")):
        assert parse_field(str(field)) == field
    assert parse_field("victim.dobb") is None
