"""One case: its people and look-ups, its plan in full, its research pack, and its outcome form."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from marac_core.intake.meeting_file import _read
from marac_core.model.errors import InputError
from marac_core.model.meeting import Case
from marac_core.workbench.desk import PHASE_NAMES
from marac_core.workbench.outcome import (
    keep_minutes,
    outcome_from_form,
    people_names,
    save_outcome,
)
from marac_core.workbench.pages.meetings import desk_of, people_found
from marac_core.workbench.web import checked_form, number, render


def _case(request: Request) -> tuple[int, int, Case]:
    desk = desk_of(request)
    n, c = number(request, "meeting"), number(request, "case")
    try:
        cases = desk.meeting(n).cases
    except KeyError:
        raise HTTPException(404) from None
    if not 1 <= c <= len(cases):
        raise HTTPException(404)
    return n, c, cases[c - 1]


def form_values(case: Case) -> dict[str, Any]:
    """The outcome as the form shows it, with one empty row for a new action."""
    outcome = case.outcome
    actions = [{"agency": a.agency, "text": a.text, "due": a.due.isoformat() if a.due else "",
                "person": a.person or ""} for a in (outcome.actions if outcome else [])]
    actions.append({"agency": "", "text": "", "due": "", "person": ""})
    children = []
    for child in case.children:
        held = outcome.child(child.name) if outcome else None
        contact = "" if held is None or held.in_contact is None else ("yes" if held.in_contact else "no")
        children.append({"name": child.name, "in_contact": contact,
                         "new_referral": bool(held and held.new_referral)})
    return {"summary": (outcome.summary if outcome else None) or "",
            "risk_factors": "\n".join(outcome.risk_factors) if outcome else "",
            "actions": actions, "children": children, "minutes": outcome.minutes if outcome else None}


def _values_from_form(case: Case, fields: dict[str, str]) -> dict[str, Any]:
    """What the rep typed, shown again as it was when a save is refused (nothing they gave is lost)."""
    values = form_values(case)
    values["summary"] = fields.get("summary", "")
    values["risk_factors"] = fields.get("risk_factors", "")
    rows = sorted({int(k.split("-")[1]) for k in fields if k.startswith("action-") and k.split("-")[1].isdigit()})
    values["actions"] = [{"agency": fields.get(f"action-{r}-agency", ""), "text": fields.get(f"action-{r}-text", ""),
                          "due": fields.get(f"action-{r}-due", ""), "person": fields.get(f"action-{r}-person", "")}
                         for r in rows if not fields.get(f"action-{r}-remove")] or values["actions"]
    for index, child in enumerate(values["children"]):
        child["in_contact"] = fields.get(f"child-{index}-in_contact", "")
        child["new_referral"] = bool(fields.get(f"child-{index}-new_referral"))
    return values


async def case_page(request: Request) -> Response:
    desk = desk_of(request)
    n, c, case = _case(request)
    phase = desk.phase_of(n, request.query_params.get("phase"))
    try:
        view = await run_in_threadpool(desk.view, n, phase)
    except InputError as error:
        return render(request, "problem.html", status=400, error=str(error), meeting_number=n)
    obligations = [o for o in view.plan.obligations if o.case == case.ref]
    research = next((p for p in view.research if p.get("case") == case.ref), None)
    states = await run_in_threadpool(desk.states, view.key)
    return render(request, "case.html", n=n, c=c, case=case, phase=phase, phases=PHASE_NAMES, view=view,
                  people=people_found(view.plan, case), obligations=obligations, research=research, states=states,
                  repeat=view.plan.repeats.get(case.ref), values=form_values(case), names=people_names(case),
                  saved=request.query_params.get("saved"), error=None,
                  reviews=[r for r in view.plan.reviews if r.case == case.ref])


async def save(request: Request) -> Response:
    """Every change of the outcome form is saved to the meeting file at once (htmx), or on Save without it.

    Saving as the rep types answers with the status line only, so nothing being typed elsewhere in the
    form is replaced; the whole form is drawn again only when the rep asks (another action, Save).
    """
    desk = desk_of(request)
    n, c, case = _case(request)
    fields, files = await checked_form(request)
    path = desk.path_of(n)
    as_typed = bool(request.headers.get("hx-request")) and not fields.get("add_action") and not fields.get("save")
    error = None
    pending: list[int] = []
    try:
        held = _read(path)["cases"][c - 1].get("outcome")
        outcome = outcome_from_form(case, fields, held if isinstance(held, dict) else None,
                                    pending if as_typed else None)
        upload = files.get("minutes")
        if upload is not None:
            outcome["minutes"] = keep_minutes(path, c - 1, case, upload.filename or "", await upload.read())
        await run_in_threadpool(save_outcome, path, c - 1, outcome)
    except InputError as error_:
        error = str(error_)
    desk.forget(n)
    case = desk.meeting(n).cases[c - 1]
    status = 200 if error is None else 400
    if as_typed:
        return render(request, "_save_status.html", status=status, error=error, saved=error is None,
                      pending=pending, minutes=case.outcome.minutes if case.outcome else None)
    values = form_values(case) if error is None else _values_from_form(case, fields)
    if fields.get("add_action") and error is None:
        values["actions"].append({"agency": "", "text": "", "due": "", "person": ""})
    context = dict(n=n, c=c, case=case, values=values, names=people_names(case), error=error, saved=error is None,
                   pending=[])
    if request.headers.get("hx-request"):
        response = render(request, "_outcome_form.html", status=200, **context)
        response.headers["hx-retarget"] = "#outcome-form"
        response.headers["hx-reswap"] = "innerHTML"
        return response
    if error is None:
        return RedirectResponse(f"/meetings/{n}/cases/{c}?saved=1#outcome", status_code=303)
    return render(request, "outcome_refused.html", status=400, **context)


routes = [
    Route("/meetings/{meeting:int}/cases/{case:int}", case_page),
    Route("/meetings/{meeting:int}/cases/{case:int}/outcome", save, methods=["POST"]),
]
