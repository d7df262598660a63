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
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate
from typing import ClassVar

from marac_core import __version__
from marac_core.adapter import Action, Adapter, AdapterRegistration
from marac_core.hookspecs import hookimpl
from marac_core.records import EmailMessage, WriteReceipt

MARKER_HEADER = "X-MARAC-Marker"


class EmailAdapter(Adapter):
    name = "email"
    capabilities: ClassVar[frozenset[Action]] = frozenset({"email"})

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

    def _send(self, mime: MimeMessage) -> None:
        extra = self.settings.model_extra or {}
        host = str(extra.get("host") or "localhost")
        port = int(extra.get("port") or 25)
        with smtplib.SMTP(host, port, timeout=self.settings.timeout) as smtp:
            if extra.get("starttls"):
                smtp.starttls()
            if self.settings.username and self.secret:
                smtp.login(self.settings.username, self.secret)
            smtp.send_message(mime)

    async def send_email(self, message: EmailMessage) -> WriteReceipt:
        await asyncio.to_thread(self._send, self._mime(message))
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
