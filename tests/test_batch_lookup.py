"""Look-ups in batches where an adapter offers batch search, one search a person elsewhere."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import httpx
import pytest

from marac_core.intake.config import SystemSettings
from marac_core.model.meeting import Case, Person
from marac_core.model.records import Candidate, Involvement, PersonQuery
from marac_core.planning.lookup import LookupRun
from marac_core.plugins.adapter import Adapter
from marac_core.plugins.procedure import Listed
from marac_core.plugins.systems import System, Systems


class OnePersonAdapter(Adapter):
    """A system with no batch search: the contract's default find_many_people."""

    name = "one"

    def __init__(self) -> None:
        super().__init__(SystemSettings(), httpx.AsyncClient())
        self.searched: list[str] = []
        self.read: list[str] = []

    async def find_people(self, query: PersonQuery) -> list[Candidate]:
        self.searched.append(query.family.upper())
        return [Candidate(record=f"R-{query.family}", name=query.name, dob=query.dob,
                          involvement=Involvement(open=True))]

    async def get_record(self, record: str) -> Candidate | None:
        self.read.append(record)
        return Candidate(record=record, name="Known Person", involvement=Involvement(open=True))


class BatchAdapter(OnePersonAdapter):
    name = "batch"
    max_batch = 3

    def __init__(self, refuse: str | None = None) -> None:
        super().__init__()
        self.batches: list[list[str]] = []
        self.refuse = refuse

    async def find_many_people(self, queries: Sequence[PersonQuery]) -> list[list[Candidate] | Exception]:
        self.batches.append([q.family.upper() for q in queries])
        return [ValueError("refused") if q.family.upper() == self.refuse else await self.find_people(q) for q in queries]


def meeting_people(cases: int) -> list[Listed]:
    listed = []
    for n in range(cases):
        case = Case(ref=f"C{n}", victim=Person(name=f"Sarah VICTIM{n}"), perpetrator=[Person(name=f"Mark PERP{n}")])
        listed += [Listed(case, role, index, person) for role, index, person in case.people()]
    return listed


def systems(*adapters: Adapter) -> Systems:
    return Systems({a.name: System(a.name, a, asyncio.Semaphore(4)) for a in adapters})


@pytest.mark.asyncio
async def test_an_adapter_with_batch_search_is_asked_for_many_people_a_request() -> None:
    batch, one = BatchAdapter(), OnePersonAdapter()
    people = meeting_people(4)  # 8 people
    run = LookupRun(systems(batch, one))
    found = await run.all([(p, s) for p in people for s in ("batch", "one")])

    # 8 people in batches of at most 3, as even as they can be; each person once.
    assert [len(b) for b in batch.batches] == [3, 3, 2]
    assert sorted(f for b in batch.batches for f in b) == sorted(p.person.name.split()[1] for p in people)
    # Without batch search: one search per person per system per run, as before.
    assert sorted(one.searched) == sorted(p.person.name.split()[1] for p in people)
    # Each person's look-up got their own search's answer.
    assert all([c.record for c in found[(p.case.ref, p.key, s)].candidates] == [f"R-{p.person.name.split()[1].title()}"]
               for p in people for s in ("batch", "one"))


@pytest.mark.asyncio
async def test_a_person_on_two_cases_is_searched_for_once_in_a_batch() -> None:
    batch = BatchAdapter()
    shared = Person(name="Mark SHARED")
    first = Case(ref="C1", victim=Person(name="Sarah ONE"), perpetrator=[shared])
    second = Case(ref="C2", victim=Person(name="Amy TWO"), perpetrator=[shared])
    wanted = [(Listed(c, r, i, p), "batch") for c in (first, second) for r, i, p in c.people()]
    await LookupRun(systems(batch)).all(wanted)
    assert sorted(f for b in batch.batches for f in b) == ["ONE", "SHARED", "TWO"]


@pytest.mark.asyncio
async def test_a_refused_search_in_a_batch_fails_that_persons_look_up_only() -> None:
    batch = BatchAdapter(refuse="PERP1")
    people = meeting_people(3)
    found = await LookupRun(systems(batch)).all([(p, "batch") for p in people])
    failed = [key for key, lookup in found.items() if lookup.status == "failed"]
    assert failed == [("C1", "perpetrator-0", "batch")]
    assert found[("C1", "perpetrator-0", "batch")].error == "ValueError"


@pytest.mark.asyncio
async def test_a_person_whose_record_the_meeting_gives_is_read_by_id_not_searched() -> None:
    batch = BatchAdapter()
    case = Case(ref="C1", victim=Person(name="Sarah KNOWN", identifiers={"batch": "S1-9001"}),
                perpetrator=[Person(name="Mark PERP")])
    await LookupRun(systems(batch)).all([(Listed(case, r, i, p), "batch") for r, i, p in case.people()])
    assert batch.read == ["S1-9001"] and batch.batches == [["PERP"]]


@pytest.mark.asyncio
async def test_a_batch_that_fails_as_a_whole_fails_each_of_its_people() -> None:
    class Down(BatchAdapter):
        async def find_many_people(self, queries: Sequence[PersonQuery]) -> list[list[Candidate] | Exception]:
            raise httpx.ConnectError("down")

    found = await LookupRun(systems(Down())).all([(p, "batch") for p in meeting_people(2)])
    assert {lookup.status for lookup in found.values()} == {"failed"} and len(found) == 4


def test_the_default_batch_search_is_one_find_people_per_query() -> None:
    one = OnePersonAdapter()
    answers = asyncio.run(one.find_many_people([PersonQuery(name="A B", family="B", given="A"),
                                                PersonQuery(name="C D", family="D", given="C")]))
    assert one.searched == ["B", "D"] and [a[0].record for a in answers] == ["R-B", "R-D"]  # type: ignore[index]
    assert not OnePersonAdapter.has_batch_search() and BatchAdapter.has_batch_search()
