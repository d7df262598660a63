"""The built-in email adapter: messages to workers, managers and the MARAC administrator over SMTP.

Settings (``[email]`` in the config): host, port, from_address, starttls (bool),
username; the password comes from keyring. ``readback_url``, where set, is a
mailbox API the adapter can ask whether a message with a marker was accepted
(the sandbox's mail catcher has one), so a crash between sending and recording
never leads to a second copy.
"""

from __future__ import annotations

import asyncio
import smtplib
import threading
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate
from typing import Any, ClassVar

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


class EmailAdapter(Adapter):
    name = "email"
    capabilities: ClassVar[frozenset[Action]] = frozenset({"email"})
    settings_keys: ClassVar[frozenset[str] | None] = frozenset({"host", "port", "starttls", "from_address",
                                                                "readback_url"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idle: list[smtplib.SMTP] = []
        self._pool_lock = threading.Lock()  # sends run in worker threads
        # Two threads: smtplib holds the interpreter lock for much of a send, and more threads than
        # this starve the event loop (and every other system's requests) while mail goes out.
        self._senders = ThreadPoolExecutor(max_workers=2, thread_name_prefix="marac-smtp")

    def _mime(self, message: EmailMessage) -> MimeMessage:
        extra = self.settings.model_extra or {}
        mime = MimeMessage()
        mime["From"] = str(extra.get("from_address") or "marac@localhost")
        mime["To"] = ", ".join(message.to)
        if message.cc:
            mime["Cc"] = ", ".join(message.cc)
        mime["Subject"] = message.subject
        mime["Date"] = formatdate(localtime=False)
        mime["Message-ID"] = f"<{message.marker}@marac.invalid>"
        mime[MARKER_HEADER] = message.marker
        mime.set_content(message.body)
        for filename, content in message.attachments:
            mime.add_attachment(content, maintype="application", subtype="zip" if filename.endswith(".zip")
                                else "octet-stream", filename=filename)
        return mime

    def _connect(self) -> smtplib.SMTP:
        extra = self.settings.model_extra or {}
        smtp = smtplib.SMTP(str(extra.get("host") or "localhost"), int(extra.get("port") or 25),
                            timeout=self.settings.timeout)
        try:
            if extra.get("starttls"):
                smtp.starttls()
            if self.settings.username and self.secret:
                smtp.login(self.settings.username, self.secret)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _connection(self) -> smtplib.SMTP:
        """A signed-in connection: one kept from an earlier message if the server still answers on it
        (a NOOP, before anything of this message is sent), else a new one."""
        while True:
            with self._pool_lock:
                kept = self._idle.pop() if self._idle else None
            if kept is None:
                return self._connect()
            try:
                if kept.noop()[0] == 250:
                    return kept
            except (smtplib.SMTPException, OSError):
                pass
            kept.close()

    def _send(self, message: EmailMessage) -> None:
        # The message is built here, in the sender's thread (about 1 ms of the email package's header
        # parsing), so that the event loop goes on sending the other systems' requests meanwhile.
        mime = self._mime(message)
        # Several messages go over one connection (one MAIL transaction each), as mail clients do:
        # a new connection per message costs the server and this runner four more round trips.
        smtp = self._connection()
        try:
            smtp.send_message(mime)
        except BaseException:
            smtp.close()
            raise
        with self._pool_lock:
            self._idle.append(smtp)

    def _quit_all(self) -> None:
        with self._pool_lock:
            idle, self._idle = self._idle, []
        for smtp in idle:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    async def aclose(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._senders, self._quit_all)
        self._senders.shutdown(wait=False)

    async def send_email(self, message: EmailMessage) -> WriteReceipt:
        await asyncio.get_running_loop().run_in_executor(self._senders, self._send, message)
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
