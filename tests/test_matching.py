"""Person matching: one test per agenda error kind, asserting what matters (never the wrong record)."""

from __future__ import annotations

import datetime as dt

import pytest

from marac_core.matching.decide import Match, match_person, nhs_number_valid
from marac_core.model.meeting import Person, Role
from marac_core.model.records import Candidate

D = dt.date
VALID_NHS = "9434765919"  # passes the modulus 11 check
OTHER_VALID_NHS = "9434765870"


def rec(record: str, name: str, dob: dt.date | None = None, nhs: str | None = None,
        aliases: list[str] | None = None, postcode: str | None = None) -> Candidate:
    return Candidate(record=record, name=name, dob=dob, nhs_number=nhs, aliases=aliases or [], postcode=postcode)


def match(name: str, dob: dt.date | None, candidates: list[Candidate], *, nhs: str | None = None,
          aliases: list[str] | None = None, known: str | None = None, postcode: str | None = None,
          role: Role | None = None, on: dt.date | None = None) -> Match:
    person = Person(name=name, dob=dob, nhs_number=nhs, aliases=aliases or [], postcode=postcode)
    return match_person(person, candidates, known, role=role, on=on)


def matched(result: Match) -> str | None:
    return result.candidate.record if result.status == "matched" and result.candidate else None


# ---- NHS number -------------------------------------------------------------------------------

def test_nhs_number_check_digit() -> None:
    assert nhs_number_valid(VALID_NHS)
    assert nhs_number_valid(OTHER_VALID_NHS)
    assert not nhs_number_valid("9434765918")  # last digit wrong
    assert not nhs_number_valid("9434756919")  # two digits swapped
    assert not nhs_number_valid("943476591")  # too short
    assert not nhs_number_valid("94347659xx")


def test_invalid_nhs_number_is_not_trusted_and_reason_says_so() -> None:
    # The record carries the same (invalid) number but nothing else agrees: not a match.
    result = match("Sarah JONES", D(1991, 3, 14), [rec("R1", "Karen Webb", D(1970, 1, 1), "9434765918")],
                   nhs="9434765918")
    assert result.status != "matched"
    assert "check digit" in (result.reason or "")


def test_invalid_nhs_number_still_matches_on_name_and_dob() -> None:
    result = match("Sarah JONES", D(1991, 3, 14), [rec("R1", "Sarah Jones", D(1991, 3, 14), VALID_NHS)],
                   nhs="9434765918")
    assert matched(result) == "R1"
    assert "not trusted" in (result.reason or "")


def test_nhs_number_differs_is_never_matched() -> None:
    result = match("Sarah JONES", D(1991, 3, 14), [rec("R1", "Sarah Jones", D(1991, 3, 14), OTHER_VALID_NHS)],
                   nhs=VALID_NHS)
    assert result.status != "matched"


def test_nhs_number_equal_carries_a_weak_name() -> None:
    result = match("Sarah JONSE", None, [rec("R1", "Sarah Jones", D(1991, 3, 14), VALID_NHS),
                                         rec("R2", "Sarah Jonas", D(1990, 2, 2))], nhs=VALID_NHS)
    assert matched(result) == "R1"


def test_nhs_number_copied_from_a_sibling_goes_to_review() -> None:
    # Same NHS number and surname, but another child's given name and date of birth.
    result = match("Tom JONES", D(2016, 2, 2), [rec("R1", "Lily Jones", D(2019, 5, 22), VALID_NHS)],
                   nhs=VALID_NHS)
    assert result.status == "review"
    assert "NHS number equal but" in (result.reason or "")


# ---- names ------------------------------------------------------------------------------------

def test_surname_in_capitals() -> None:
    result = match("Sarah JONES", D(1991, 3, 14), [rec("R1", "Sarah Jones", D(1991, 3, 14)),
                                                   rec("R2", "Mark Jones", D(1988, 7, 1))])
    assert matched(result) == "R1"
    assert 0.0 <= min(s.score for s in result.scored) and max(s.score for s in result.scored) <= 1.0
    assert "given name equal" in result.scored[0].reasons


def test_surname_in_capitals_first_with_comma() -> None:
    assert matched(match("JONES, Sarah", D(1991, 3, 14), [rec("R1", "Sarah Jones", D(1991, 3, 14))])) == "R1"


def test_whole_name_in_capitals() -> None:
    assert matched(match("SARAH JONES", D(1991, 3, 14), [rec("R1", "Sarah Jones", D(1991, 3, 14))])) == "R1"


def test_capitals_mark_a_two_word_surname() -> None:
    result = match("Helena BONHAM CARTER", D(1966, 5, 26), [rec("R1", "Helena Bonham-Carter", D(1966, 5, 26))])
    assert matched(result) == "R1"


def test_typo_in_surname() -> None:
    assert matched(match("Sarah JNOES", D(1991, 3, 14), [rec("R1", "Sarah Jones", D(1991, 3, 14))])) == "R1"


def test_typo_in_given_name() -> None:
    assert matched(match("Sarha JONES", D(1991, 3, 14), [rec("R1", "Sarah Jones", D(1991, 3, 14))])) == "R1"


def test_different_short_given_name_is_not_a_typo() -> None:
    # Mark and Mary are one letter apart but different people.
    result = match("Mark JONES", D(1991, 3, 14), [rec("R1", "Mary Jones", D(1991, 3, 14))])
    assert result.status != "matched"


@pytest.mark.parametrize(("nickname", "formal"), [("Bill", "William"), ("Liz", "Elizabeth"), ("Bob", "Robert"),
                                                  ("Peggy", "Margaret"), ("Jack", "John")])
def test_nickname(nickname: str, formal: str) -> None:
    result = match(f"{nickname} SMITH", D(1980, 6, 1), [rec("R1", f"{formal} Smith", D(1980, 6, 1))])
    assert matched(result) == "R1"
    assert any("nickname" in r for r in result.scored[0].reasons)


def test_known_as_name_in_brackets() -> None:
    result = match("Elizabeth (Betty) SMITH", D(1950, 6, 1), [rec("R1", "Betty Smith", D(1950, 6, 1))])
    assert matched(result) == "R1"


def test_known_by_middle_name() -> None:
    assert matched(match("Jane SMITH", D(1980, 6, 1), [rec("R1", "Mary Jane Smith", D(1980, 6, 1))])) == "R1"


def test_alias_on_agenda() -> None:
    result = match("Jay WEBB", D(2010, 1, 5), [rec("R1", "Jason Smith", D(2010, 1, 5))], aliases=["Jason SMITH"])
    assert matched(result) == "R1"
    assert any("other name" in r for r in result.scored[0].reasons)


def test_alias_on_record() -> None:
    result = match("Tom WEBB", D(2016, 2, 2), [rec("R1", "Tom Jones", D(2016, 2, 2), aliases=["Tom Webb"])])
    assert matched(result) == "R1"


def test_married_name_with_nee_on_agenda() -> None:
    result = match("Sarah JONES (née SMITH)", D(1991, 3, 14), [rec("R1", "Sarah Smith", D(1991, 3, 14))])
    assert matched(result) == "R1"


def test_married_name_held_as_alias_on_record() -> None:
    result = match("Sarah SMITH", D(1991, 3, 14),
                   [rec("R1", "Sarah Jones", D(1991, 3, 14), aliases=["Sarah Smith"])])
    assert matched(result) == "R1"


def test_married_name_without_any_link_goes_to_review() -> None:
    # Only given name and date of birth agree: a guess, so the rep decides.
    result = match("Sarah JONES", D(1991, 3, 14), [rec("R1", "Sarah Smith", D(1991, 3, 14))])
    assert result.status == "review"
    assert "surname differs" in (result.reason or "")


def test_married_name_with_nhs_number_matches() -> None:
    result = match("Sarah JONES", D(1991, 3, 14), [rec("R1", "Sarah Smith", D(1991, 3, 14), VALID_NHS)],
                   nhs=VALID_NHS)
    assert matched(result) == "R1"


def test_double_barrelled_surname_one_part_on_agenda() -> None:
    result = match("Amy SMITH", D(2012, 4, 4), [rec("R1", "Amy Smith-Jones", D(2012, 4, 4))])
    assert matched(result) == "R1"
    assert any("double-barrelled" in r for r in result.scored[0].reasons)


def test_hyphenated_surname_on_agenda_one_part_on_record() -> None:
    assert matched(match("Amy SMITH-JONES", D(2012, 4, 4), [rec("R1", "Amy Jones", D(2012, 4, 4))])) == "R1"


def test_hyphenated_and_spaced_surname_are_the_same() -> None:
    assert matched(match("Amy SMITH JONES", D(2012, 4, 4), [rec("R1", "Amy Smith-Jones", D(2012, 4, 4))])) == "R1"


def test_given_name_and_surname_the_other_way_round_are_matched() -> None:
    result = match("Hannagan MIKHAYLA", D(1990, 2, 3), [rec("R1", "Mikhayla Hannagan", D(1990, 2, 3))])
    assert matched(result) == "R1"


def test_the_other_way_round_with_a_typo_is_matched_and_says_so() -> None:
    result = match("Graham-Jones AMELUA", D(1900, 6, 19), [rec("R1", "Amelia Graham-Jones", D(1900, 6, 19)),
                                                           rec("R2", "Amelia Grant", D(1950, 1, 1))])
    assert matched(result) == "R1"
    assert "other way round" in " ".join(result.scored[0].reasons)


def test_the_other_way_round_with_a_part_replaced_goes_to_review_not_none() -> None:
    # The given name (written as the surname) and the date of birth agree; the surname does not.
    result = match("Renfrey ANNABELLA", D(1988, 9, 2), [rec("R1", "Annabella Goldsworthy", D(1988, 9, 2))])
    assert result.status == "review"


def test_a_surname_that_is_someone_else_s_given_name_is_not_a_married_name_at_that_address() -> None:
    # Read turned round, "Sarah JAMES" has the given name of James Brown, born the same day at the
    # same address: that is not the unlinked married name the postcode rule is for.
    brown = rec("R1", "James Brown", D(1985, 5, 5), postcode="LS1 4AP")
    assert matched(match("Sarah JAMES", D(1985, 5, 5), [brown], postcode="LS1 4AP")) is None


def test_a_surname_that_is_someone_else_s_given_name_never_matches_them() -> None:
    # Born the same day, "James Brown" shares only a word with "Sarah JAMES": never matched,
    # and the real Sarah James is still matched.
    brown = rec("R1", "James Brown", D(1985, 5, 5))
    assert matched(match("Sarah JAMES", D(1985, 5, 5), [brown])) is None
    assert matched(match("Sarah JAMES", D(1985, 5, 5), [brown, rec("R2", "Sarah James", D(1985, 5, 5))])) == "R2"


# ---- dates of birth ---------------------------------------------------------------------------

def test_dob_transposed_matches_when_name_agrees() -> None:
    result = match("Sarah JONES", D(1991, 4, 3), [rec("R1", "Sarah Jones", D(1991, 3, 4))])
    assert matched(result) == "R1"
    assert any("transposed" in r for r in result.scored[0].reasons)


def test_dob_transposed_with_an_inexact_name_goes_to_review() -> None:
    result = match("Sarha JONES", D(1991, 4, 3), [rec("R1", "Sarah Jones", D(1991, 3, 4))])
    assert result.status == "review"


def test_dob_one_digit_off_goes_to_review_without_nhs_number() -> None:
    # Some twenty dates are one digit away: a namesake on one of them is too likely.
    result = match("Sarah JONES", D(1991, 3, 15), [rec("R1", "Sarah Jones", D(1991, 3, 14))])
    assert result.status == "review"
    assert any("one digit off" in r for r in result.scored[0].reasons)


def test_dob_one_digit_off_matches_with_nhs_number() -> None:
    result = match("Sarah JONES", D(1981, 3, 14), [rec("R1", "Sarah Jones", D(1991, 3, 14), VALID_NHS)],
                   nhs=VALID_NHS)
    assert matched(result) == "R1"


def test_dob_one_digit_off_namesake_is_never_matched() -> None:
    # The person is not in the system; a namesake born a day later is.
    result = match("David SMITH", D(2023, 11, 22), [rec("R1", "David Smith", D(2023, 11, 23))])
    assert result.status != "matched"


def test_dob_missing_goes_to_review() -> None:
    result = match("Daniel WEBB", None, [rec("R1", "Daniel Webb", D(1985, 1, 1))])
    assert result.status == "review"
    assert "no date of birth" in (result.reason or "")


def test_dob_differs_goes_to_review_not_match() -> None:
    result = match("Daniel WEBB", D(1990, 6, 6), [rec("R1", "Daniel Webb", D(1972, 11, 30))])
    assert result.status == "review"


# ---- twins, duplicates, namesakes ---------------------------------------------------------------

TWINS = [rec("R1", "Lily Jones", D(2019, 5, 22)), rec("R2", "Rose Jones", D(2019, 5, 22))]


def test_twin_named_on_agenda_matches_that_twin() -> None:
    assert matched(match("Rose JONES", D(2019, 5, 22), TWINS)) == "R2"
    assert matched(match("Lily JONES", D(2019, 5, 22), TWINS)) == "R1"


def test_wrong_twin_is_never_matched_when_the_named_twin_has_no_record() -> None:
    result = match("Rose JONES", D(2019, 5, 22), TWINS[:1])
    assert result.status == "review"
    assert "twin" in (result.reason or "")


def test_twins_with_similar_names_go_to_review() -> None:
    # A typo could point at either twin.
    result = match("Lilly JONES", D(2019, 5, 22), [rec("R1", "Lily Jones", D(2019, 5, 22)),
                                                   rec("R2", "Lila Jones", D(2019, 5, 22))])
    assert result.status == "review"


def test_twin_given_only_as_initial_goes_to_review() -> None:
    result = match("L JONES", D(2019, 5, 22), [rec("R1", "Lily Jones", D(2019, 5, 22)),
                                               rec("R2", "Luke Jones", D(2019, 5, 22))])
    assert result.status == "review"


def test_duplicates_in_the_system_go_to_review() -> None:
    result = match("Sarah JONES", D(1991, 3, 14), [rec("R1", "Sarah Jones", D(1991, 3, 14)),
                                                   rec("R2", "Sarah Jones", D(1991, 3, 14))])
    assert result.status == "review"
    assert result.reason == "two records match equally"
    assert {s.record for s in result.scored} == {"R1", "R2"}


def test_duplicate_with_a_nickname_goes_to_review() -> None:
    result = match("William SMITH", D(1980, 6, 1), [rec("R1", "William Smith", D(1980, 6, 1)),
                                                    rec("R2", "Bill Smith", D(1980, 6, 1))])
    assert result.status == "review"


def test_record_of_the_name_without_dob_does_not_block_a_confirmed_match() -> None:
    result = match("Sarah JONES", D(1991, 3, 14), [rec("R1", "Sarah Jones", D(1991, 3, 14)),
                                                   rec("R2", "Sarah Jones", None)])
    assert matched(result) == "R1"
    assert "R2" in (result.reason or "")


def test_common_name_without_nhs_number_goes_to_review() -> None:
    namesakes = [rec(f"R{i}", "John Smith", D(1950 + i, 1 + i % 12, 1 + i)) for i in range(12)]
    result = match("John SMITH", D(1955, 6, 6), namesakes)
    assert result.status == "review"
    assert "common name" in (result.reason or "")
    with_nhs = [*namesakes[:-1], rec("R11", "John Smith", D(1961, 12, 12), VALID_NHS)]
    assert matched(match("John SMITH", D(1961, 12, 12), with_nhs, nhs=VALID_NHS)) == "R11"


# ---- outcomes ---------------------------------------------------------------------------------

def test_known_record_among_candidates_is_a_confident_match() -> None:
    result = match("S JONES", None, [rec("R1", "Sarah Jones"), rec("R2", "Sam Jones")], known="R2")
    assert matched(result) == "R2"


def test_known_record_not_among_candidates_falls_back_to_scoring() -> None:
    result = match("Sarah JONES", D(1991, 3, 14), [rec("R1", "Sarah Jones", D(1991, 3, 14))], known="R9")
    assert matched(result) == "R1"


def test_no_candidates_is_no_match() -> None:
    result = match("Sarah JONES", D(1991, 3, 14), [])
    assert result.status == "none" and result.candidate is None


def test_unrelated_candidates_are_no_match() -> None:
    result = match("Sarah JONES", D(1991, 3, 14), [rec("R1", "Mark Jones", D(1960, 1, 1)),
                                                   rec("R2", "Tom Jonas", D(2016, 2, 2))])
    assert result.status == "none"


def test_a_record_returned_twice_is_one_record() -> None:
    same = rec("R1", "Sarah Jones", D(1991, 3, 14))
    assert matched(match("Sarah JONES", D(1991, 3, 14), [same, same])) == "R1"


def test_titles_are_dropped_but_title_like_surnames_kept() -> None:
    assert matched(match("Mrs Emma LORD", D(1980, 6, 1), [rec("R1", "Emma Lord", D(1980, 6, 1)),
                                                          rec("R2", "Emma Lorde", D(1960, 1, 1))])) == "R1"


# ---- postcode -----------------------------------------------------------------------------------
# Evidence of the household, not of the person: family members share it. Each rule below needs
# the postcode equal; a postcode that differs never rejects (people fleeing abuse move).

MEETING = D(2026, 12, 3)
HOME, ELSEWHERE = "DN1 3BU", "LS10 2AB"


def child(name: str, candidates: list[Candidate], postcode: str | None = HOME) -> Match:
    return match(name, None, candidates, postcode=postcode, role="child", on=MEETING)


def test_postcode_is_compared_after_normalising_case_and_spaces() -> None:
    result = child("Tom WEBB", [rec("R1", "Tom Webb", D(2016, 2, 2), postcode="dn13bu")], postcode=" dn1  3bu ")
    assert matched(result) == "R1"
    assert "postcode equal (the household's)" in result.scored[0].reasons


def test_child_without_dob_at_the_agenda_address_matches() -> None:
    result = child("Tom WEBB", [rec("R1", "Tom Webb", D(2016, 2, 2), postcode=HOME)])
    assert matched(result) == "R1"
    assert result.reason == "name, age (a child) and postcode agree"


def test_child_without_dob_needs_the_postcode_and_a_full_name() -> None:
    assert child("Tom WEBB", [rec("R1", "Tom Webb", D(2016, 2, 2), postcode=ELSEWHERE)]).status == "review"
    assert child("Tom WEBB", [rec("R1", "Tom Webb", D(2016, 2, 2))]).status == "review"
    assert child("Tom WEBB", [rec("R1", "Tom Webb", D(2016, 2, 2), postcode=HOME)], postcode=None).status == "review"
    assert child("Olivr WEBB", [rec("R1", "Oliver Webb", D(2016, 2, 2), postcode=HOME)]).status == "review"
    # Without the role (or the meeting day) the record's age cannot be checked against it.
    assert match("Tom WEBB", None, [rec("R1", "Tom Webb", D(2016, 2, 2), postcode=HOME)],
                 postcode=HOME).status == "review"


def test_adult_without_dob_at_the_agenda_address_goes_to_review() -> None:
    # A son named after his father lives at the same address: name and postcode cannot tell an
    # adult from a parent or grown-up child of the same name, so no adult is matched without a date.
    result = match("Mark JONES", None, [rec("R1", "Mark Jones", D(1968, 7, 1), postcode=HOME)],
                   postcode=HOME, role="perpetrator", on=MEETING)
    assert result.status == "review"
    assert "parent and grown-up child" in (result.reason or "")


def test_junior_absent_child_on_the_agenda_is_never_the_father() -> None:
    # The son (a child) has no record; his father of the same name has one, at the same address.
    result = child("Mark JONES", [rec("R1", "Mark Jones", D(1968, 7, 1), postcode=HOME)])
    assert result.status == "review"
    assert "age does not fit" in (result.reason or "")


def test_junior_absent_adult_son_on_the_agenda_is_never_the_father() -> None:
    result = match("Mark JONES", None, [rec("R1", "Mark Jones", D(1968, 7, 1), postcode=HOME)],
                   postcode=HOME, role="perpetrator", on=MEETING)
    assert matched(result) is None


def test_senior_absent_father_on_the_agenda_is_never_the_son() -> None:
    for son_dob in (D(2015, 3, 3), D(1999, 3, 3)):
        result = match("Mark JONES", None, [rec("R1", "Mark Jones", son_dob, postcode=HOME)],
                       postcode=HOME, role="perpetrator", on=MEETING)
        assert matched(result) is None


def test_junior_and_senior_both_recorded_the_child_is_matched_by_age() -> None:
    result = child("Mark JONES", [rec("R1", "Mark Jones", D(1968, 7, 1), postcode=HOME),
                                  rec("R2", "Mark Jones", D(2015, 3, 3), postcode=HOME)])
    assert matched(result) == "R2"


def test_an_adult_role_never_takes_a_childs_record_on_nhs_number_alone() -> None:
    # An NHS number copied from a child onto the parent's line: the age contradicts the role.
    result = match("Mark JONES", None, [rec("R1", "Mark Jones", D(2015, 3, 3), VALID_NHS)], nhs=VALID_NHS,
                   role="perpetrator", on=MEETING)
    assert result.status == "review"


def test_twins_sharing_a_postcode_the_named_twin_is_matched() -> None:
    twins = [rec("R1", "Lily Jones", D(2019, 5, 22), postcode=HOME),
             rec("R2", "Rose Jones", D(2019, 5, 22), postcode=HOME)]
    assert matched(child("Rose JONES", twins)) == "R2"
    assert matched(child("Lily JONES", twins)) == "R1"


def test_twins_sharing_a_postcode_never_the_other_twin_or_a_typo() -> None:
    twins = [rec("R1", "Lily Jones", D(2019, 5, 22), postcode=HOME),
             rec("R2", "Lila Jones", D(2019, 5, 22), postcode=HOME)]
    assert child("Lilly JONES", twins).status == "review"
    assert matched(child("Rose JONES", twins[:1])) is None
    assert matched(match("Rose JONES", D(2019, 5, 22), twins[:1], postcode=HOME)) is None


def test_two_children_of_one_name_at_one_address_go_to_review() -> None:
    # A duplicate record, or two children of one name (cousins) in one household.
    result = child("Tom WEBB", [rec("R1", "Tom Webb", D(2016, 2, 2), postcode=HOME),
                                rec("R2", "Tom Webb", D(2014, 9, 9), postcode=HOME)])
    assert result.status == "review"


def test_child_of_the_name_elsewhere_does_not_block_the_one_at_the_address() -> None:
    result = child("Tom WEBB", [rec("R1", "Tom Webb", D(2016, 2, 2), postcode=HOME),
                                rec("R2", "Tom Webb", D(2014, 9, 9), postcode=ELSEWHERE)])
    assert matched(result) == "R1"
    assert "record R2 has the name but not what confirms this one" in (result.reason or "")


def test_child_without_dob_with_a_common_name_goes_to_review() -> None:
    namesakes = [rec(f"N{i}", "Tom Webb", D(2010 + i % 10, 1, 1 + i), postcode=ELSEWHERE) for i in range(10)]
    result = child("Tom WEBB", [rec("R1", "Tom Webb", D(2016, 2, 2), postcode=HOME), *namesakes])
    assert result.status == "review"


def test_dob_one_digit_off_with_full_name_at_the_agenda_address_matches() -> None:
    result = match("Sarah JONES", D(1991, 3, 15), [rec("R1", "Sarah Jones", D(1991, 3, 14), postcode=HOME)],
                   postcode=HOME)
    assert matched(result) == "R1"
    assert result.reason == "name, date of birth (one digit off) and postcode agree"


def test_dob_one_digit_off_needs_the_postcode_and_the_full_name() -> None:
    record = [rec("R1", "Sarah Jones", D(1991, 3, 14), postcode=HOME)]
    result = match("Sarah JONES", D(1991, 3, 15), record, postcode=ELSEWHERE)
    assert result.status == "review" and "no address to confirm" in (result.reason or "")
    assert match("Sarha JONES", D(1991, 3, 15), record, postcode=HOME).status == "review"
    assert match("S JONES", D(1991, 3, 15), record, postcode=HOME).status == "review"


def test_dob_one_digit_off_in_the_decade_is_never_the_father() -> None:
    # Junior and senior born on the same day and month thirty years apart: 1965 / 1995.
    result = match("Mark JONES", D(1995, 7, 1), [rec("R1", "Mark Jones", D(1965, 7, 1), postcode=HOME)],
                   postcode=HOME)
    assert result.status == "review"
    assert "in the decade" in (result.reason or "")


def test_dob_one_digit_off_twin_at_the_same_address_is_never_matched() -> None:
    # The named twin has no record; the other twin, born after midnight, has.
    result = match("Rose JONES", D(2019, 5, 22), [rec("R1", "Lily Jones", D(2019, 5, 23), postcode=HOME)],
                   postcode=HOME)
    assert matched(result) is None


def test_married_name_unlinked_at_the_agenda_address_matches() -> None:
    result = match("Sarah JONES", D(1991, 3, 14), [rec("R1", "Sarah Smith", D(1991, 3, 14), postcode=HOME)],
                   postcode=HOME)
    assert matched(result) == "R1"
    assert "surname differs (married name?)" in (result.reason or "")


def test_married_name_unlinked_needs_the_postcode_and_the_exact_given_name() -> None:
    record = [rec("R1", "Sarah Smith", D(1991, 3, 14), postcode=HOME)]
    assert match("Sarah JONES", D(1991, 3, 14), record, postcode=ELSEWHERE).status == "review"
    assert match("Sally JONES", D(1991, 3, 14), record, postcode=HOME).status == "review"


def test_married_name_unlinked_with_a_record_of_the_name_without_dob_goes_to_review() -> None:
    result = match("Sarah JONES", D(1991, 3, 14), [rec("R1", "Sarah Smith", D(1991, 3, 14), postcode=HOME),
                                                   rec("R2", "Sarah Jones", postcode=ELSEWHERE)], postcode=HOME)
    assert result.status == "review"


def test_postcode_moved_never_rejects() -> None:
    # The agenda has the new address, the record the old one: the usual rules decide.
    result = match("Sarah JONES", D(1991, 3, 14), [rec("R1", "Sarah Jones", D(1991, 3, 14), postcode=ELSEWHERE)],
                   postcode=HOME)
    assert matched(result) == "R1"
    assert "postcode differs (DN1 3BU / LS10 2AB)" in result.scored[0].reasons


def test_postcode_alone_does_not_make_a_household_member_plausible() -> None:
    # Another member of the household: surname and postcode only. Not shown for review.
    result = match("Sarah JONES", None, [rec("R1", "Mark Jones", D(1968, 7, 1), postcode=HOME)], postcode=HOME)
    assert result.status == "none"


def test_a_records_postcode_that_is_not_a_postcode_is_no_evidence() -> None:
    assert rec("R1", "Tom Webb", postcode="no fixed abode").postcode is None
    assert rec("R1", "Tom Webb", postcode="sw1a1aa").postcode == "SW1A 1AA"


def test_a_record_without_dob_with_a_better_name_is_not_set_aside() -> None:
    # The person's own record has no date of birth; someone else with a similar name shares the
    # date. Had the record's date agreed it would have won: review, never the other one.
    result = match("Stzeven REED", D(1993, 11, 26), [rec("R1", "Steven Raymond Reid", D(1993, 11, 26)),
                                                     rec("R2", "Steven Reed")])
    assert result.status == "review"


def test_agenda_first_name_missing_from_the_record_is_not_a_middle_name_match() -> None:
    # Twin Lewis George has no record; his twin George has. Never George on "Lewis George".
    result = match("Lewis George WILLIAMS", D(2022, 11, 26), [rec("R1", "George Williams", D(2022, 11, 26))])
    assert result.status == "review"
    # Known by the middle name, the record holding both, is still a match.
    assert matched(match("George WILLIAMS", D(2022, 11, 26), [rec("R1", "Lewis George Williams", D(2022, 11, 26))]))


def test_the_name_at_the_agenda_address_with_another_date_of_birth_is_shown_for_review() -> None:
    # Years swapped and a surname typo: too little to act on, but the person's own name at their
    # address is for the rep to see, not "no record".
    result = match("Amy MASNO", D(1921, 11, 26), [rec("R1", "Amy Mason", D(1912, 11, 26), postcode=HOME)],
                   postcode=HOME)
    assert result.status == "review"
    assert result.scored[0].record == "R1"
    elsewhere = match("Amy MASNO", D(1921, 11, 26), [rec("R1", "Amy Mason", D(1912, 11, 26), postcode=ELSEWHERE)],
                      postcode=HOME)
    assert elsewhere.status == "none"


def test_a_given_name_one_letter_off_is_shown_for_review_never_matched() -> None:
    # "Loura" for Laura: a slip, or another name (Mark / Mary). Shown to the rep, not "no record".
    result = match("Loura SINGH", D(1992, 4, 13), [rec("R1", "Laura Singh", D(1992, 4, 13))])
    assert result.status == "review"
    assert "given name one letter off (Loura / Laura)" in result.scored[0].reasons
    no_dob = match("Loura SINGH", None, [rec("R1", "Laura Joanne Singh", postcode=HOME)], postcode=HOME)
    assert no_dob.status == "review"


def test_a_twin_one_letter_off_the_named_twin_does_not_block_the_named_twin() -> None:
    # Twins Mark and Mary: "Mary JONES" is Mary's record; Mark's is not a possible duplicate.
    result = match("Mary JONES", D(2015, 6, 1), [rec("R1", "Mary Jones", D(2015, 6, 1)),
                                                 rec("R2", "Mark Jones", D(2015, 6, 1))])
    assert matched(result) == "R1"


def test_someone_born_that_day_at_the_agenda_address_under_another_name_is_shown_for_review() -> None:
    # A name the agenda does not know (an alias, a changed name): for the rep, never matched.
    result = match("Kaela GREEN", D(1962, 8, 25), [rec("R1", "Alexa-Rose Vatavuk", D(1962, 8, 25), postcode=HOME)],
                   postcode=HOME)
    assert result.status == "review"
    assert result.reason == "weak match: only the date of birth and postcode agree (another name?)"
    elsewhere = match("Kaela GREEN", D(1962, 8, 25),
                      [rec("R1", "Alexa-Rose Vatavuk", D(1962, 8, 25), postcode=ELSEWHERE)], postcode=HOME)
    assert elsewhere.status == "none"
