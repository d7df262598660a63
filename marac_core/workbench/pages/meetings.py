"""The meetings list, a new meeting, a meeting's page, its reviews and its apply."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from marac_core.model.errors import InputError
from marac_core.model.meeting import Case
from marac_core.planning.plan import Plan
from marac_core.workbench.desk import PHASE_NAMES, Desk, View
from marac_core.workbench.intake import new_meeting
from marac_core.workbench.web import checked_form, number, render

LOOKUP_WORDS = {"matched": "found", "none": "no record", "review": "to review", "failed": "look-up failed",
                "manual": "check by hand"}


def desk_of(request: Request) -> Desk:
    return request.app.state.desk


def back(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


async def meetings(request: Request) -> Response:
    desk = desk_of(request)
    listed = []
    keys = set()
    for n, path in enumerate(desk.files, start=1):
        try:
            m = desk.meeting(n).meeting
            key = desk.key_of_file(n)
        except InputError as error:
            listed.append({"number": n, "error": str(error)})
            continue
        keys.add(key)
        listed.append({"number": n, "area": m.area, "date": m.date, "procedure": m.procedure,
                       "cases": len(desk.meeting(n).cases)})
    in_ledger = [m for m in await run_in_threadpool(desk.ledger_meetings) if m["meeting"] not in keys]
    return render(request, "meetings.html", listed=listed, in_ledger=in_ledger, error=None,
                  procedures=_procedures())


def _procedures() -> list[tuple[str, str]]:
    from marac_core.plugins.registry import load

    return [(name, procedure.title) for name, procedure in sorted(load().procedures.items())]


async def new(request: Request) -> Response:
    desk = desk_of(request)
    fields, files = await checked_form(request)
    upload = files.get("file")
    try:
        if upload is None:
            raise InputError("upload", "choose the agenda or meeting file to upload")
        content = await upload.read()
        procedure = fields.get("procedure") or None
        if procedure is not None and procedure not in dict(_procedures()):
            raise InputError("procedure", f"unknown procedure {procedure!r}")
        path, unsure = new_meeting(desk.imported_dir, upload.filename or "", content, procedure)
        created = desk.add_file(path)
        desk.keep_cells(created, unsure)  # worked out again from the agenda when the workbench restarts
    except InputError as error:
        return render(request, "meetings.html", status=400, error=str(error), listed=[], in_ledger=[],
                      procedures=_procedures())
    return back(f"/meetings/{created}")


async def acting_day(request: Request) -> Response:
    fields, _ = await checked_form(request)
    desk = desk_of(request)
    text = fields.get("on", "").strip()
    try:
        desk.on = dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise HTTPException(400, f"{text!r} is not a date in the form YYYY-MM-DD") from None
    desk.forget_all()
    return back(fields.get("next", "/") if fields.get("next", "/").startswith("/") else "/")


def people_found(plan: Plan, case: Case) -> list[dict[str, Any]]:
    """Each person on the case with what each system's look-up found."""
    rows = []
    for role, index, person in case.people():
        key = f"{role}-{index}"
        found = []
        for (ref, person_key, system), lookup in plan.lookups.items():
            if ref != case.ref or person_key != key:
                continue
            record = lookup.record
            found.append({"system": system, "status": lookup.status, "word": LOOKUP_WORDS.get(lookup.status,
                                                                                             lookup.status),
                          "record": record.record if record is not None else None,
                          "open": record.involvement.open if record is not None else None})
        rows.append({"role": role, "key": key, "person": person, "found": sorted(found, key=lambda f: f["system"])})
    return rows


def _index_lookups(plan: Plan) -> dict[str, list[tuple[str, str, Any]]]:
    by_case: dict[str, list[tuple[str, str, Any]]] = {}
    for (ref, key, system), lookup in plan.lookups.items():
        by_case.setdefault(ref, []).append((key, system, lookup))
    return by_case


def cases_overview(view: View) -> list[dict[str, Any]]:
    plan = view.plan
    by_case = _index_lookups(plan)
    counts: dict[str, int] = {}
    for o in plan.obligations:
        counts[o.case] = counts.get(o.case, 0) + 1
    reviews: dict[str, int] = {}
    for r in plan.reviews:
        reviews[r.case] = reviews.get(r.case, 0) + 1
    out = []
    for n, case in enumerate(plan.meeting.cases, start=1):
        found: dict[str, list[dict[str, Any]]] = {}
        for key, system, lookup in by_case.get(case.ref, []):
            record = lookup.record
            found.setdefault(key, []).append({"system": system, "status": lookup.status,
                                              "word": LOOKUP_WORDS.get(lookup.status, lookup.status),
                                              "record": record.record if record is not None else None})
        people = [{"role": role, "person": person, "found": sorted(found.get(f"{role}-{i}", []),
                                                                   key=lambda f: f["system"])}
                  for role, i, person in case.people()]
        out.append({"number": n, "case": case, "people": people, "obligations": counts.get(case.ref, 0),
                    "reviews": reviews.get(case.ref, 0), "repeat": plan.repeats.get(case.ref),
                    "outcome": case.outcome is not None})
    return out


async def meeting(request: Request) -> Response:
    desk = desk_of(request)
    n = number(request, "meeting")
    try:
        left = await run_in_threadpool(desk.open_cells, n)
        if left:  # nobody is looked up on a guessed value: the cells first
            return render(request, "cells.html", n=n, meeting=desk.meeting(n).meeting, cells=left)
        phase = desk.phase_of(n, request.query_params.get("phase"))
        view = await run_in_threadpool(desk.view, n, phase)
    except KeyError:
        raise HTTPException(404) from None
    except InputError as error:
        return render(request, "problem.html", status=400, error=str(error), meeting_number=n)
    return render(request, "meeting.html", n=n, phase=phase, phases=PHASE_NAMES, view=view, plan=view.plan,
                  cases=cases_overview(view), reviewed=request.query_params.get("reviewed"),
                  settled=[c for c in desk.cells(n) if c.settled] if request.query_params.get("settled") else [])


async def refresh(request: Request) -> Response:
    desk = desk_of(request)
    n = number(request, "meeting")
    fields, _ = await checked_form(request)
    phase = desk.phase_of(n, fields.get("phase"))
    desk.forget(n)
    return back(f"/meetings/{n}?phase={phase}")


def comparison(person: Any, candidate: Any) -> list[dict[str, Any]]:
    """The agenda's line and the system's record, field by field: the same, different, or not given."""
    def fold(text: str) -> str:
        return " ".join(str(text).casefold().split())

    def same(a: Any, b: Any, how: Any = lambda v: v) -> str:
        if a in (None, "", []) or b in (None, "", []):
            return "missing"
        return "agrees" if how(a) == how(b) else "differs"

    return [
        {"field": "Name", "agenda": person.name, "record": candidate.name if candidate else None,
         "verdict": same(person.name, candidate.name if candidate else None, fold)},
        {"field": "Date of birth", "agenda": person.dob, "record": candidate.dob if candidate else None,
         "verdict": same(person.dob, candidate.dob if candidate else None)},
        {"field": "NHS number", "agenda": person.nhs_number, "record": candidate.nhs_number if candidate else None,
         "verdict": same(person.nhs_number, candidate.nhs_number if candidate else None)},
        {"field": "Postcode", "agenda": person.postcode, "record": candidate.postcode if candidate else None,
         "verdict": same(person.postcode, candidate.postcode if candidate else None)},
        {"field": "Also known as", "agenda": ", ".join(person.aliases) or None,
         "record": ", ".join(candidate.aliases) if candidate and candidate.aliases else None,
         "verdict": "missing" if not (person.aliases and candidate and candidate.aliases) else (
             "agrees" if {fold(a) for a in person.aliases} & {fold(a) for a in candidate.aliases} else "differs")},
    ]


def reviews_view(view: View) -> list[dict[str, Any]]:
    from marac_core.planning.reviewing import candidates_of

    plan = view.plan
    out = []
    for review in plan.reviews:
        case = plan.meeting.case(review.case)
        role, _, index = review.key.partition("-")
        person = dict((f"{r}-{i}", p) for r, i, p in case.people())[review.key]
        records = {c.record: c for c in candidates_of(plan, review)}
        candidates = []
        for scored in review.candidates:
            candidate = records.get(scored["record"])
            candidates.append({"record": scored["record"], "score": scored["score"], "reasons": scored["reasons"],
                               "fields": comparison(person, candidate),
                               "open": candidate.involvement.open if candidate else None})
        out.append({"review": review, "person": person, "candidates": candidates,
                    "case_number": next(i for i, c in enumerate(plan.meeting.cases, 1) if c.ref == review.case)})
    return out


async def reviews(request: Request) -> Response:
    desk = desk_of(request)
    n = number(request, "meeting")
    phase = desk.phase_of(n, request.query_params.get("phase"))
    view = await run_in_threadpool(desk.view, n, phase)
    return render(request, "reviews.html", n=n, phase=phase, view=view, items=reviews_view(view),
                  said=request.query_params.get("said"), error=None)


async def decide(request: Request) -> Response:
    desk = desk_of(request)
    n = number(request, "meeting")
    fields, _ = await checked_form(request)
    phase = desk.phase_of(n, fields.get("phase"))
    decision = fields.get("decision", "")
    record = fields.get("record") or None
    if decision not in ("confirm", "reject"):
        raise HTTPException(400, "decision must be confirm or reject")
    left = len((await run_in_threadpool(desk.view, n, phase)).plan.reviews) - 1
    try:
        await run_in_threadpool(desk.decide, n, phase, fields.get("review", ""), decision,
                                record if decision == "confirm" else None)
    except InputError as error:
        view = await run_in_threadpool(desk.view, n, phase)
        return render(request, "reviews.html", status=400, n=n, phase=phase, view=view, items=reviews_view(view),
                      said=None, error=str(error))
    if left <= 0:  # the last one: straight back to the meeting, where the plan now uses the answers
        return back(f"/meetings/{n}?phase={phase}&reviewed=1")
    return back(f"/meetings/{n}/reviews?phase={phase}&said=1")


async def apply(request: Request) -> Response:
    desk = desk_of(request)
    n = number(request, "meeting")
    fields, _ = await checked_form(request)
    phase = desk.phase_of(n, fields.get("phase"))
    job = desk.start_apply(n, phase)
    return back(f"/meetings/{n}/apply/{job}")


def _job(request: Request) -> Any:
    job = desk_of(request).jobs.get(request.path_params["job"])
    if job is None or job.meeting != number(request, "meeting"):
        raise HTTPException(404)
    return job


async def applying(request: Request) -> Response:
    job = _job(request)
    template = "_apply_progress.html" if request.headers.get("hx-request") else "apply.html"
    return render(request, template, n=job.meeting, job=job, job_id=request.path_params["job"],
                  phase=job.phase)


async def status(request: Request) -> Response:
    desk = desk_of(request)
    n = number(request, "meeting")
    phase = desk.phase_of(n, request.query_params.get("phase"))
    rows = await run_in_threadpool(desk.status, n, phase)
    meeting_file = desk.meeting(n)
    return render(request, "status.html", n=n, phase=phase, rows=rows, meeting=meeting_file.meeting)


routes = [
    Route("/", meetings),
    Route("/meetings/new", new, methods=["POST"]),
    Route("/acting-day", acting_day, methods=["POST"]),
    Route("/meetings/{meeting:int}", meeting),
    Route("/meetings/{meeting:int}/refresh", refresh, methods=["POST"]),
    Route("/meetings/{meeting:int}/reviews", reviews),
    Route("/meetings/{meeting:int}/reviews", decide, methods=["POST"]),
    Route("/meetings/{meeting:int}/apply", apply, methods=["POST"]),
    Route("/meetings/{meeting:int}/apply/{job}", applying),
    Route("/meetings/{meeting:int}/status", status),
]
