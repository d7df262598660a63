"""Searches for many people in one request, for systems whose protocol allows it.

A run's look-ups are first gathered by system; for a system whose adapter has a batch
search (``Adapter.has_batch_search``), its people's searches go as batches of at most
``max_batch``, and each person's search is then their share of one batch's answer. Other
systems keep one search per person per system per run, made by the LookupRun as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

from marac_core.model.meeting import Person
from marac_core.model.records import Candidate, PersonQuery
from marac_core.plugins.procedure import Listed
from marac_core.plugins.systems import Systems

SearchKey = tuple[str, str]


def start_batches(systems: Systems, pairs: Iterable[tuple[Listed, str]],
                  searches: dict[SearchKey, asyncio.Future[list[Candidate]]],
                  query_for: Callable[[Person, str], PersonQuery],
                  then: Callable[[str, PersonQuery, list[Candidate]], Awaitable[list[Candidate]]]) -> None:
    """Start the batch searches for ``pairs``, putting each person's share into ``searches`` (keyed as the
    LookupRun keys its searches: system and the query's JSON); searches already there are left alone.
    ``then`` is given each person's share, as the LookupRun would have its own search's answer (an NHS
    number that found nobody is searched again by name and date of birth)."""
    wanted: dict[str, dict[SearchKey, PersonQuery]] = {}
    for listed, system in pairs:
        if system not in systems or systems[system].manual or not systems[system].adapter.has_batch_search():
            continue
        query = query_for(listed.person, system)
        if query.known_record:
            continue  # read by its id first, then searched for only if it is gone
        key = (system, query.model_dump_json())
        if key not in searches:
            wanted.setdefault(system, {})[key] = query
    for system, queries in wanted.items():
        connected = systems[system]
        items = list(queries.items())
        most = max(1, connected.adapter.max_batch)
        batches = -(-len(items) // most)
        size = -(-len(items) // batches)  # as even as they can be
        for start in range(0, len(items), size):
            chunk = items[start:start + size]
            asked = [query for _, query in chunk]
            batch = asyncio.ensure_future(connected.call(lambda a, asked=asked: a.find_many_people(asked)))
            for position, (key, query) in enumerate(chunk):
                searches[key] = asyncio.ensure_future(_share(batch, position, len(chunk), system, query, then))


async def _share(batch: asyncio.Future[list[list[Candidate] | Exception]], position: int, asked: int,
                 system: str, query: PersonQuery,
                 then: Callable[[str, PersonQuery, list[Candidate]], Awaitable[list[Candidate]]]) -> list[Candidate]:
    answers = await batch
    if len(answers) != asked:
        raise ValueError(f"the batch search answered {len(answers)} of {asked} searches")
    answer = answers[position]
    if isinstance(answer, BaseException):
        raise answer
    return await then(system, query, answer)
