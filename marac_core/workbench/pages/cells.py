"""One cell of the agenda the import was unsure of: what the agenda has, what marac made of it, and
the rep's answer (confirm it, choose a reading, or give the value). See workbench.cells."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from marac_core.model.errors import InputError
from marac_core.workbench.cells import Cell, date_given, settle, value_given
from marac_core.workbench.pages.meetings import desk_of
from marac_core.workbench.web import checked_form, number, render


def _cell(request: Request) -> tuple[int, list[Cell], Cell]:
    desk = desk_of(request)
    n, k = number(request, "meeting"), number(request, "cell")
    try:
        cells = desk.cells(n)
    except KeyError:
        raise HTTPException(404) from None
    if not 1 <= k <= len(cells):
        raise HTTPException(404)
    return n, cells, cells[k - 1]


def spoken(day: str) -> str:
    """2026-04-03 -> 3 April 2026 (as GOV.UK writes dates)."""
    read = dt.date.fromisoformat(day)
    return f"{read.day} {read:%B %Y}"


def choices(cell: Cell) -> list[dict[str, str]]:
    """The radios: each reading marac found, or the value as read (or none); then "another"."""
    note = cell.note
    if cell.kind is None:
        return []
    if note.readings:
        return [{"value": f"reading-{i}", "label": spoken(r) if cell.kind == "dob" else r}
                for i, r in enumerate(note.readings)]
    if cell.kind == "name":
        return [{"value": "as-read", "label": f"Yes: {note.read} is the whole name"}]
    return [{"value": "as-read", "label": f"No {'date of birth' if cell.kind == 'dob' else 'postcode'} is known"}]


def other_label(cell: Cell) -> str:
    if cell.kind == "dob":
        return "Another date" if cell.note.readings else "The date of birth is"
    return {"name": "No, the whole name is", "postcode": "The postcode is"}.get(cell.kind or "", "Another value")


def question(cell: Cell) -> str:
    if cell.kind == "dob":
        return f"What is {cell.name}'s date of birth?"
    if cell.kind == "name":
        return f"Is {cell.note.read!r} the whole name?"
    if cell.kind == "postcode":
        return f"What is {cell.name}'s postcode?"
    return "Is this right?"


def _page(request: Request, n: int, cells: list[Cell], cell: Cell, status: int = 200,
          error: InputError | None = None, fields: dict[str, str] | None = None) -> Response:
    desk = desk_of(request)
    left = [c for c in cells if not c.settled]
    return render(request, "cell.html", status=status, n=n, cell=cell, meeting=desk.meeting(n).meeting,
                  choices=choices(cell), other_label=other_label(cell), question=question(cell),
                  left=len(left), error=error, fields=fields or {})


async def cell_page(request: Request) -> Response:
    n, cells, cell = _cell(request)
    if cell.settled:  # a settled cell is no longer offered: back to what is left
        return _next(n, cells)
    return _page(request, n, cells, cell)


def _next(n: int, cells: list[Cell]) -> Response:
    left = [c for c in cells if not c.settled]
    url = f"/meetings/{n}/cells/{left[0].number}" if left else f"/meetings/{n}?settled=1"
    return RedirectResponse(url, status_code=303)


def answer_of(cell: Cell, fields: dict[str, str]) -> str | None:
    """The value the rep's answer puts in the meeting file (None: confirmed as read); InputError if none is chosen."""
    answer = fields.get("answer", "")
    if cell.kind is None:
        if answer != "as-read":
            raise InputError("answer", "Confirm the cell, or correct the agenda and upload it again")
        return None
    offered = {c["value"] for c in choices(cell)}
    typed = any(fields.get(k, "").strip() for k in ("value-day", "value-month", "value-year")) if \
        cell.kind == "dob" else fields.get("value", "").strip() not in ("", cell.note.read or "")
    if typed and not answer:
        answer = "other"  # a value typed in the box under "another": that is the answer
    elif typed and answer != "other":
        raise InputError("answer", f"You chose an answer and also typed a {_label(cell)}: choose "
                                   f"'{other_label(cell)}' to use what you typed, or clear it")
    if answer == "other":
        if cell.kind == "dob":
            return date_given(fields.get("value-day", ""), fields.get("value-month", ""),
                              fields.get("value-year", ""))
        return value_given(cell, fields.get("value", ""))
    if answer not in offered:
        raise InputError("answer", f"Choose one answer for the {_label(cell)}")
    if answer.startswith("reading-"):
        return cell.note.readings[int(answer.split("-", 1)[1])]
    return None


def _label(cell: Cell) -> str:
    return {"dob": "date of birth", "name": "name", "postcode": "postcode"}.get(cell.kind or "", "cell")


async def answer(request: Request) -> Response:
    desk = desk_of(request)
    n, cells, cell = _cell(request)
    fields, _ = await checked_form(request)
    if cell.settled:
        raise HTTPException(409, "This cell is already settled: nothing was changed.")
    try:
        value = answer_of(cell, fields)
        await run_in_threadpool(_settle, desk, n, cells, cell, value)
    except InputError as error:
        return _page(request, n, cells, cell, status=400, error=error, fields=fields)
    return _next(n, cells)


def _settle(desk: Any, n: int, cells: list[Cell], cell: Cell, value: str | None) -> None:
    with desk.settling(n):
        settle(desk.path_of(n), cells, cell, value)


routes = [
    Route("/meetings/{meeting:int}/cells/{cell:int}", cell_page),
    Route("/meetings/{meeting:int}/cells/{cell:int}", answer, methods=["POST"]),
]
