"""After the meeting: the to-do list across meetings, marking a manual step done, the calendar, the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from marac_core.model import calendar
from marac_core.model.errors import InputError
from marac_core.model.obligations import MANUAL
from marac_core.workbench.desk import Desk
from marac_core.workbench.pages.meetings import desk_of
from marac_core.workbench.web import checked_form, render


def _now(desk: Desk) -> dt.datetime:
    """As ``marac due`` reckons it: now, or 09:00 on the day the workbench acts as of."""
    if desk.on is None:
        return dt.datetime.now(calendar.UK)
    return dt.datetime.combine(desk.on, dt.time(9, 0), tzinfo=calendar.UK)


def _notes(desk: Desk, ledger: Any) -> dict[str, dict[str, str]]:
    """Obligation id -> the rep's note on what was done and when, as ``marac done --note`` keeps it
    (encrypted in the ledger; ``marac status`` shows the same)."""
    from marac_core.state.keys import key_for_state
    from marac_core.state.sealing import Sealer

    key = key_for_state(desk.state_dir)
    if key is None:
        return {}
    sealer, notes = Sealer(key), {}
    for meeting in ledger.meetings():
        for written in ledger.written(meeting["meeting"]).values():
            note = (sealer.open(written.note) or {}).get("note") if written.note else None
            if note:
                notes[written.id] = {"note": note, "at": written.updated.isoformat(timespec="seconds")
                                     if written.updated else ""}
    return notes


def _todo(desk: Desk) -> dict[str, Any]:
    from marac_core.followup.deadlines import deadlines

    if not desk.settings.ledger and not (desk.state_dir / "ledger.sqlite").exists():
        return {"items": [], "now": _now(desk), "files": {}, "done": []}
    ledger = desk.open_ledger()
    try:
        notes = _notes(desk, ledger)
        items = deadlines(ledger, _now(desk))
        marked = [(meeting, e) for meeting, e in ledger.all_entries() if e.id in notes and e.state == "manual_done"]
        names = {m["meeting"]: m for m in ledger.meetings()}
    finally:
        ledger.close()
    # The exact words of each manual step come from the meeting's plan (the ledger keeps no text).
    files = {desk.key_of_file(n): n for n in range(1, len(desk.files) + 1)}
    texts: dict[str, Any] = {}
    for n, phase in {(files[i.meeting], ledger_phase) for i in items if i.meeting in files
                     for ledger_phase in _phases_of(desk, i)}:
        try:
            view = desk.view(n, phase)
        except InputError:
            continue
        texts.update({o.id: o for o in view.plan.obligations})
    rows = [{"item": i, "obligation": texts.get(i.id), "meeting_number": files.get(i.meeting),
             "manual": i.system == MANUAL} for i in items]
    done = sorted(({"entry": e, "meeting": names.get(meeting, {}), "meeting_number": files.get(meeting),
                    **notes[e.id]} for meeting, e in marked), key=lambda d: d["at"], reverse=True)
    return {"items": rows, "now": _now(desk), "files": files, "done": done}


def _phases_of(desk: Desk, item: Any) -> list[str]:
    return ["before", "after"] if item.action != "expire_alert" else []


async def followup(request: Request) -> Response:
    desk = desk_of(request)
    todo = await run_in_threadpool(_todo, desk)
    return render(request, "followup.html", **todo, said=request.query_params.get("said"), error=None)


async def done(request: Request) -> Response:
    """``marac done ID --note TEXT``: the core marks it done; the note is kept with it."""
    from marac_core.followup.status import mark

    desk = desk_of(request)
    fields, _ = await checked_form(request)
    obligation = fields.get("obligation", "").strip()
    note = fields.get("note", "").strip()
    try:
        if not note:
            raise InputError("note", "say what was done (the note is kept with the step)")
        await run_in_threadpool(mark, obligation, desk.state_dir, desk.settings.ledger, "done", note)
    except InputError as error:
        todo = await run_in_threadpool(_todo, desk)
        return render(request, "followup.html", status=400, **todo, said=None, error=str(error))
    for n in range(1, len(desk.files) + 1):
        desk.forget(n)
    return RedirectResponse("/followup?said=1", status_code=303)


async def ics(request: Request) -> Response:
    from marac_core.followup.deadlines import deadlines, to_ics

    desk = desk_of(request)
    if not desk.settings.ledger and not (desk.state_dir / "ledger.sqlite").exists():
        raise HTTPException(404, "nothing is due yet: no meeting has been applied")
    ledger = desk.open_ledger()
    try:
        items = deadlines(ledger, _now(desk))
    finally:
        ledger.close()
    return Response(to_ics(items), media_type="text/calendar",
                    headers={"content-disposition": 'attachment; filename="marac-deadlines.ics"'})


async def audit(request: Request) -> Response:
    desk = desk_of(request)

    def read() -> tuple[list[dict[str, Any]], Any]:
        if not desk.settings.ledger and not (desk.state_dir / "ledger.sqlite").exists():
            return [], None
        ledger = desk.open_ledger()
        try:
            return ledger.audit.entries(), ledger.audit.verify()
        finally:
            ledger.close()

    entries, verified = await run_in_threadpool(read)
    return render(request, "audit.html", entries=list(reversed(entries)), verified=verified)


routes = [
    Route("/followup", followup),
    Route("/followup/done", done, methods=["POST"]),
    Route("/followup/calendar.ics", ics),
    Route("/audit", audit),
]
