"""What every page shares: rendering a template and reading a form whose CSRF token was checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from marac_core.workbench.security import CSRF_FIELD, CSRF_HEADER, Guard, session_of

TEMPLATES = Path(__file__).parent / "templates"

environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                          trim_blocks=True, lstrip_blocks=True, auto_reload=False)


def guard_of(request: Request) -> Guard:
    return request.app.state.guard


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    session = session_of(request)
    csrf = guard_of(request).csrf_for(session) if session else ""
    context.setdefault("desk", request.app.state.desk)
    page = environment.get_template(template).render(csrf=csrf, csrf_field=CSRF_FIELD, request=request, **context)
    return HTMLResponse(page, status_code=status)


async def checked_form(request: Request) -> tuple[dict[str, str], dict[str, UploadFile]]:
    """The submitted fields and files, or 403 if the form does not carry this session's CSRF token."""
    form = await request.form(max_files=4, max_fields=2000)
    given = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
    if not guard_of(request).csrf_ok(session_of(request), given if isinstance(given, str) else None):
        raise HTTPException(403, "This form has expired or did not come from the workbench: reload the page.")
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    files = {k: v for k, v in form.multi_items() if isinstance(v, UploadFile) and v.filename}
    return fields, files


def number(request: Request, name: str) -> int:
    try:
        return int(request.path_params[name])
    except (KeyError, ValueError):
        raise HTTPException(404) from None
