"""The workbench's Starlette application: its pages, its static files, and the guard in front of them."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from marac_core.workbench.cells import Unsettled
from marac_core.workbench.desk import Desk
from marac_core.workbench.pages import cases, cells, followup, meetings
from marac_core.workbench.security import Guard, GuardMiddleware

STATIC = Path(__file__).parent / "static"


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    from marac_core.workbench.web import render

    if error.status_code in (401, 403) or request.headers.get("hx-request"):
        return PlainTextResponse(error.detail, status_code=error.status_code)
    return render(request, "problem.html", status=error.status_code, error=error.detail, meeting_number=None)


async def _unsettled(request: Request, error: Exception) -> Response:
    from marac_core.workbench.web import number, render

    assert isinstance(error, Unsettled)
    if request.headers.get("hx-request"):
        return PlainTextResponse(error.message, status_code=409)
    return render(request, "problem.html", status=409, error=error.message, meeting_number=number(request, "meeting"))


def create_app(desk: Desk, guard: Guard) -> Starlette:
    app = Starlette(
        routes=[*meetings.routes, *cells.routes, *cases.routes, *followup.routes,
                Mount("/static", app=StaticFiles(directory=STATIC), name="static")],
        middleware=[Middleware(GuardMiddleware, guard=guard)],
        exception_handlers={HTTPException: _http_error, Unsettled: _unsettled},
    )
    app.state.desk = desk
    app.state.guard = guard
    return app
