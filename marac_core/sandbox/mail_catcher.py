"""A real SMTP server on loopback that keeps every message it accepts.

A message is committed to DIR/sandbox/email.sqlite before the server answers
250, so an accepted message is never lost.
"""

from __future__ import annotations

import asyncio
import email
import email.header
import socket
import threading
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from marac_core.sandbox.store import EmulatorStore


def _header(value: Any) -> str:
    """A header's text, unfolded (RFC 5322 2.2.3: a long header is folded onto several lines) and encoded
    words (RFC 2047) decoded."""
    if value is None:
        return ""
    unfolded = str(value).replace("\r\n", "").replace("\n", "")
    return str(email.header.make_header(email.header.decode_header(unfolded))).strip()


class _KeepMessages:
    def __init__(self, store: EmulatorStore) -> None:
        self.store = store

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode()
        # The compat32 parser: the default policy's header objects made parsing most of the sandbox's
        # work while mail went out (about 17 ms a message), and the catcher needs only text.
        parsed = email.message_from_bytes(raw)
        body, attachments = "", []
        for part in parsed.walk():
            if part.is_multipart():
                continue
            if part.get_filename():
                attachments.append(_header(part.get_filename()))
            elif not body and part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True) or b""
                body = payload.decode(part.get_content_charset() or "utf-8", "replace").replace("\r\n", "\n")
        self.store.insert("messages", {
            "message_id": _header(parsed.get("Message-ID")),
            "marker": _header(parsed.get("X-MARAC-Marker")),
            "from": _header(parsed.get("From")),
            "to": [a.strip() for a in _header(parsed.get("To")).split(",") if a.strip()],
            "cc": [a.strip() for a in _header(parsed.get("Cc")).split(",") if a.strip()],
            "recipients": list(envelope.rcpt_tos),
            "subject": _header(parsed.get("Subject")),
            "body": body,
            "attachments": attachments,
        })
        self.store.count_request()
        return "250 Message accepted for delivery"


class MailCatcher:
    def __init__(self, store: EmulatorStore) -> None:
        self.store = store
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> tuple[str, int]:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        ready = threading.Event()
        handler = _KeepMessages(self.store)

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            server = loop.run_until_complete(
                loop.create_server(lambda: SMTP(handler, hostname="marac-sandbox"), sock=sock))
            ready.set()
            loop.run_forever()
            server.close()
            loop.run_until_complete(server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        ready.wait(10)
        return ("127.0.0.1", sock.getsockname()[1])

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def dump(self) -> dict[str, Any]:
        messages = [
            {k: m.get(k) for k in ("to", "cc", "subject", "body", "attachments", "message_id")}
            for m in self.store.all("messages")
        ]
        return {"messages": messages, "requests": self.store.requests()}

    def readback_app(self) -> Starlette:
        """A mailbox API: GET /messages?marker=... lists the messages carrying that marker."""

        async def messages(request: Request) -> JSONResponse:
            marker = request.query_params.get("marker")
            found = self.store.find("messages", marker=marker) if marker else self.store.all("messages")
            return JSONResponse({"messages": [{"message_id": m.get("message_id"), "marker": m.get("marker")}
                                              for m in found]})

        return Starlette(routes=[Route("/messages", messages)])
