"""The built-in email adapter: messages to workers, managers and the MARAC administrator over SMTP.

Settings (``[email]`` in the config): host, port, from_address, starttls (bool),
username; the password comes from keyring. ``readback_url``, where set, is a
mailbox API the adapter can ask whether a message with a marker was accepted
(the sandbox's mail catcher has one), so a crash between sending and recording
never leads to a second copy.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate
from typing import Any, ClassVar

import aiosmtplib

from marac_core.api import (
    Action,
    Adapter,
    AdapterRegistration,
    EmailMessage,
    WriteReceipt,
    __version__,
    hookimpl,
)

MARKER_HEADER = "X-MARAC-Marker"
# The name this computer gives itself in EHLO: aiosmtplib asks the resolver for it on every new
# connection (a DNS look-up each, which on an agency's network can take seconds); it is asked once.
_LOCAL_HOSTNAME: list[str] = []
_ASKING = threading.Lock()  # connections opened at once wait for the one answer


def _asked_once() -> str:
    with _ASKING:
        if not _LOCAL_HOSTNAME:
            _LOCAL_HOSTNAME.append(socket.getfqdn())
        return _LOCAL_HOSTNAME[0]


async def _local_hostname() -> str:
    return _LOCAL_HOSTNAME[0] if _LOCAL_HOSTNAME else await asyncio.to_thread(_asked_once)


@dataclass
class _Kept:
    """A signed-in connection between messages, and the event loop it belongs to."""

    smtp: aiosmtplib.SMTP
    loop: asyncio.AbstractEventLoop


class EmailAdapter(Adapter):
    name = "email"
    capabilities: ClassVar[frozenset[Action]] = frozenset({"email"})
    settings_keys: ClassVar[frozenset[str] | None] = frozenset({"host", "port", "starttls", "from_address",
                                                                "readback_url"})
    # Messages sent at once, each over its own connection (a mail server limits a client's
    # connections: Exchange's default is 20). Each message costs four or five round trips, so one
    # connection at a time made 70 messages the slowest part of a meeting.
    max_connections: ClassVar[int] = 8

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idle: list[_Kept] = []
        self._slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    def _mime(self, message: EmailMessage) -> Message:
        # The email package's legacy classes: the same message as EmailMessage's default policy
        # builds, without parsing every header it is given (about 1.4 ms a message less).
        extra = self.settings.model_extra or {}
        mime = MIMEMultipart() if message.attachments else MIMEText(message.body, "plain", "utf-8")
        mime["From"] = str(extra.get("from_address") or "marac@localhost")
        mime["To"] = ", ".join(message.to)
        if message.cc:
            mime["Cc"] = ", ".join(message.cc)
        mime["Subject"] = message.subject if message.subject.isascii() else Header(message.subject, "utf-8")
        mime["Date"] = formatdate(localtime=False)
        mime["Message-ID"] = f"<{message.marker}@marac.invalid>"
        mime[MARKER_HEADER] = message.marker
        if message.attachments:
            mime.attach(MIMEText(message.body, "plain", "utf-8"))
            for filename, content in message.attachments:
                part = MIMEApplication(content, "zip" if filename.endswith(".zip") else "octet-stream")
                part.add_header("Content-Disposition", "attachment", filename=filename)
                mime.attach(part)
        return mime

    async def _connect(self) -> aiosmtplib.SMTP:
        extra = self.settings.model_extra or {}
        smtp = aiosmtplib.SMTP(hostname=str(extra.get("host") or "localhost"), port=int(extra.get("port") or 25),
                               timeout=self.settings.timeout, start_tls=False,
                               local_hostname=await _local_hostname())
        await smtp.connect()
        try:
            if extra.get("starttls"):
                await smtp.starttls()
            if self.settings.username and self.secret:
                await smtp.login(self.settings.username, self.secret)
        except BaseException:
            smtp.close()
            raise
        return smtp

    async def _connection(self) -> aiosmtplib.SMTP:
        """A signed-in connection: one kept from an earlier message if the server still answers on it
        (a NOOP, before anything of this message is sent), else a new one."""
        loop = asyncio.get_running_loop()
        while self._idle:
            kept = self._idle.pop()
            if kept.loop is not loop:
                continue  # an earlier event loop's (a caller that ran more than one): gone with it
            try:
                if kept.smtp.is_connected and (await kept.smtp.noop()).code == 250:
                    return kept.smtp
            except (aiosmtplib.SMTPException, OSError):
                pass
            kept.smtp.close()
        return await self._connect()

    def _slots_here(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if loop not in self._slots:
            self._slots = {loop: asyncio.Semaphore(self.max_connections)}
        return self._slots[loop]

    async def aclose(self) -> None:
        loop = asyncio.get_running_loop()
        idle, self._idle = self._idle, []
        for kept in idle:
            if kept.loop is not loop:
                continue
            try:
                await kept.smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                kept.smtp.close()

    async def send_email(self, message: EmailMessage) -> WriteReceipt:
        mime = self._mime(message)
        # Several messages go over one connection (one MAIL transaction each), as mail clients do:
        # a new connection per message costs the server and this runner four more round trips.
        async with self._slots_here():
            smtp = await self._connection()
            try:
                # The envelope is given, not read back from the headers just written (a parse of each).
                await smtp.send_message(mime, sender=mime["From"], recipients=[*message.to, *message.cc])
            except BaseException:
                smtp.close()
                raise
            self._idle.append(_Kept(smtp, asyncio.get_running_loop()))
        return WriteReceipt(id=message.marker)

    async def find_write(self, record: str | None, action: Action, marker: str) -> WriteReceipt | None:
        readback = (self.settings.model_extra or {}).get("readback_url")
        if not readback:
            raise NotImplementedError("this mail server cannot be read back")
        response = await self.http.get(f"{readback}/messages", params={"marker": marker},
                                       timeout=self.settings.timeout)
        response.raise_for_status()
        return WriteReceipt(id=marker) if response.json().get("messages") else None


@hookimpl
def marac_register_adapters(register) -> None:  # type: ignore[no-untyped-def]
    register(AdapterRegistration(name="email", version=__version__, title="Email over SMTP (built in)",
                                 adapter=lambda: EmailAdapter, builtin=True))
