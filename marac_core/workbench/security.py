"""Who may use the workbench: a one-time token becomes a session; every form carries a CSRF token.

The token is printed once on stdout (``workbench URL``). Its first use sets an
HttpOnly, SameSite=Strict session cookie and redirects to a URL without it, so
the token never stays in the address bar or the history, and cannot be used
again. Sessions and their CSRF tokens live only in this process's memory: they
end when the server stops.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

COOKIE = "marac_workbench"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
ALLOWED_HOSTS = frozenset({"127.0.0.1"})

# No inline script or style anywhere: only the workbench's own files (vendored ones included).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cache-control": "no-store",
}

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


class Guard:
    """The one-time token, the sessions it granted and their CSRF tokens (all in memory)."""

    def __init__(self) -> None:
        self.token = secrets.token_urlsafe(32)
        self._secret = secrets.token_bytes(32)
        self._sessions: set[str] = set()
        self._token_used = False
        self._lock = threading.Lock()

    def redeem(self, token: str) -> str | None:
        """The token's first use: a new session id. Any later use, or a wrong token: None."""
        with self._lock:
            if self._token_used or not hmac.compare_digest(token.encode(), self.token.encode()):
                return None
            self._token_used = True
            session = secrets.token_urlsafe(32)
            self._sessions.add(session)
            return session

    def valid(self, session: str | None) -> bool:
        return session is not None and session in self._sessions

    def csrf_for(self, session: str) -> str:
        return hmac.new(self._secret, session.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: str | None, given: str | None) -> bool:
        return self.valid(session) and given is not None and hmac.compare_digest(
            self.csrf_for(session), given)  # type: ignore[arg-type]


def session_of(request: Request) -> str | None:
    return request.cookies.get(COOKIE)


class GuardMiddleware:
    """Refuses any request without the session (401); redeems the token; adds the security headers."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in HEADERS.items() if k.encode() not in present]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        # Only the name the workbench printed: a page elsewhere that rebinds its own name to 127.0.0.1 is refused.
        if request.headers.get("host", "").rsplit(":", 1)[0] not in ALLOWED_HOSTS:
            await _refuse(400, "Open the workbench at the address it printed.")(scope, receive, send_with_headers)
            return
        token = request.query_params.get("token")
        if token is not None:
            session = self.guard.redeem(token)
            if session is None:
                await _refuse(403, "This link has already been used or is not valid. Start the workbench again "
                                   "for a new one.")(scope, receive, send_with_headers)
                return
            # Back to the same page without the token (it must not stay in the address bar or history).
            response = RedirectResponse(scope["path"] or "/", status_code=303)
            response.set_cookie(COOKIE, session, httponly=True, samesite="strict", path="/")
            await response(scope, receive, send_with_headers)
            return
        if not self.guard.valid(session_of(request)):
            await _refuse(401, "Open the workbench with the link it printed when it started.")(
                scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def _refuse(status: int, text: str) -> Response:
    return PlainTextResponse(text, status_code=status)
