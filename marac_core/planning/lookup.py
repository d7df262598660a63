"""Looking people up: one search per person per system per run, then matching."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable

import httpx

from marac_core.matching.decide import Match, ScoredCandidate, match_person, nhs_number_valid
from marac_core.model.meeting import Person
from marac_core.model.names import embedded_aliases, split_name, written_surname
from marac_core.model.records import Candidate, PersonQuery
from marac_core.planning.batched import start_batches
from marac_core.plugins.procedure import Listed, Lookup
from marac_core.plugins.systems import Systems


def query_for(person: Person, system: str) -> PersonQuery:
    given, family = split_name(person.name)
    aliases = [*person.aliases, *(a for a in embedded_aliases(person.name) if a not in person.aliases)]
    # An NHS number that fails its check digit is a typo: searching by it finds nobody, or someone else.
    nhs = person.nhs_number if person.nhs_number and nhs_number_valid(person.nhs_number) else None
    return PersonQuery(name=person.name, family=written_surname(family), given=given, dob=person.dob,
                       nhs_number=nhs, aliases=aliases, known_record=person.identifiers.get(system))


def _describe(error: BaseException) -> str:
    if isinstance(error, httpx.HTTPStatusError):
        return f"{error.response.status_code} from the system"
    return type(error).__name__


Decisions = dict[tuple[str, str, str], tuple[str, str | None]]


class LookupRun:
    """Searches made within one run, shared by every case that lists the same person.

    ``decisions`` are the rep's answers to earlier reviews, keyed by (case ref, person key, system):
    ("confirm", record) or ("reject", None). ``on`` is the meeting day: a record's age on it must
    fit the person's role (child or adult) when the agenda has no date of birth.
    """

    def __init__(self, systems: Systems, decisions: Decisions | None = None, on: dt.date | None = None) -> None:
        self.systems = systems
        self.decisions = decisions or {}
        self.on = on
        self._searches: dict[tuple[str, str], asyncio.Future[list[Candidate]]] = {}
        # What the plan must say about how people were looked up (no names: case ref and role).
        self.notes: list[str] = []
        self._nhs_found_nothing: set[tuple[str, str]] = set()

    def _search(self, system: str, person: Person) -> asyncio.Future[list[Candidate]]:
        query = query_for(person, system)
        key = (system, query.model_dump_json())
        if key not in self._searches:
            self._searches[key] = asyncio.ensure_future(self._fetch(system, query))
        return self._searches[key]

    async def _fetch(self, system: str, query: PersonQuery) -> list[Candidate]:
        connected = self.systems[system]
        known: list[Candidate] = []
        if query.known_record:
            # Evidence, never authority: the record is compared with the person like any other,
            # and the search still runs so that the rep sees who else it could be.
            found = await connected.call(lambda a: a.get_record(query.known_record or ""))
            known = [found] if found is not None else []
        searched = await connected.call(lambda a: a.find_people(query))
        searched = await self._unless_nhs_found_nobody(system, query, searched)
        return [*known, *(c for c in searched if not known or c.record != known[0].record)]

    async def _unless_nhs_found_nobody(self, system: str, query: PersonQuery,
                                       searched: list[Candidate]) -> list[Candidate]:
        if query.nhs_number and not searched:
            # An NHS number that finds nobody may be a valid-looking typo: search by name and date of birth.
            by_name = query.model_copy(update={"nhs_number": None})
            self._nhs_found_nothing.add((system, query.model_dump_json()))
            return await self.systems[system].call(lambda a: a.find_people(by_name))
        return searched

    def _note(self, listed: Listed, system: str, what: str) -> None:
        note = f"{listed.case.ref} {listed.role}{'' if listed.index == 0 else f' {listed.index + 1}'} ({system}): {what}"
        if note not in self.notes:
            self.notes.append(note)

    def _explain(self, listed: Listed, system: str, query: PersonQuery, candidates: list[Candidate],
                 match: Match) -> None:
        person = listed.person
        if person.nhs_number and not nhs_number_valid(person.nhs_number):
            self._note(listed, system, "the NHS number fails its check digit; searched by name and date of birth "
                                       "instead")
        elif (system, query.model_dump_json()) in self._nhs_found_nothing:
            self._note(listed, system, "the NHS number found no record; searched by name and date of birth instead")
        known = query.known_record
        if known and not any(c.record == known for c in candidates):
            self._note(listed, system, f"the record id given ({known}) was not found; searched by name and date of "
                                       "birth instead")
        elif known and not (match.status == "matched" and match.candidate and match.candidate.record == known):
            self._note(listed, system, f"the record id given ({known}) does not agree with the person: "
                                       "not used" + ("" if match.status != "review" else ", sent to review"))

    async def look_up(self, listed: Listed, system: str) -> Lookup:
        if system not in self.systems:
            return Lookup("not_installed")
        if self.systems[system].manual:
            return Lookup("manual")
        try:
            candidates = await self._search(system, listed.person)
        except Exception as error:  # noqa: BLE001 - a failed look-up is reported, never fatal to the plan
            return Lookup("failed", error=_describe(error))
        match = match_person(listed.person, candidates, listed.person.identifiers.get(system),
                             role=listed.role, on=self.on)
        self._explain(listed, system, query_for(listed.person, system), candidates, match)
        decision = self.decisions.get((listed.case.ref, listed.key, system))
        if decision is not None and match.status == "review":
            return decided(match, decision, candidates)
        return Lookup(match.status, match=match, candidates=tuple(candidates))

    async def all(self, wanted: Iterable[tuple[Listed, str]]) -> dict[tuple[str, str, str], Lookup]:
        pairs = list(wanted)
        # Many people a request, where the system allows it.
        start_batches(self.systems, pairs, self._searches, query_for, self._unless_nhs_found_nobody)
        results = await asyncio.gather(*(self.look_up(listed, system) for listed, system in pairs))
        return {(listed.case.ref, listed.key, system): result
                for (listed, system), result in zip(pairs, results)}


def decided(match: Match, decision: tuple[str, str | None], candidates: list[Candidate]) -> Lookup:
    """A review the rep has answered: the confirmed record is used; a rejection means no record."""
    verdict, record = decision
    if verdict == "reject":
        return Lookup("none", match=Match(status="none", scored=match.scored, reason="rejected by the rep"))
    chosen = next((c for c in candidates if c.record == record), None)
    if chosen is None:  # The confirmed record is no longer offered: ask again.
        return Lookup("review", match=match, candidates=tuple(candidates))
    return Lookup("matched", match=Match(status="matched", candidate=chosen,
                                         scored=[ScoredCandidate(record=chosen.record, score=1.0,
                                                                 reasons=["confirmed by the rep"])]))
