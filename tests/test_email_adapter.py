"""The built-in email adapter against a real SMTP server (aiosmtpd): connections are reused safely."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from marac_core.adapter import SystemSettings
from marac_core.builtin.email import EmailAdapter
from marac_core.records import EmailMessage
from marac_core.sandbox.mail_catcher import MailCatcher
from marac_core.sandbox.store import EmulatorStore


class CountingCatcher(MailCatcher):
    """The sandbox's mail catcher, counting the SMTP connections it accepts."""

    connections = 0

    def start(self) -> tuple[str, int]:
        import aiosmtpd.smtp

        original = aiosmtpd.smtp.SMTP.connection_made
        catcher = self

        def counted(smtp: aiosmtpd.smtp.SMTP, transport: asyncio.BaseTransport) -> None:
            catcher.connections += 1
            original(smtp, transport)

        aiosmtpd.smtp.SMTP.connection_made = counted  # type: ignore[method-assign]
        self._restore = lambda: setattr(aiosmtpd.smtp.SMTP, "connection_made", original)
        return super().start()


def send_all(adapter: EmailAdapter, messages: list[EmailMessage]) -> None:
    async def main() -> None:
        await asyncio.gather(*(adapter.send_email(m) for m in messages))

    asyncio.run(main())


def message(n: int) -> EmailMessage:
    return EmailMessage(to=[f"worker{n}@example.org"], subject="MARAC", body=f"Message {n}", marker=f"m{n}")


def test_many_messages_share_a_few_connections_and_each_arrives_once(tmp_path: Path) -> None:
    catcher = CountingCatcher(EmulatorStore(tmp_path / "mail.sqlite"))
    host, port = catcher.start()
    try:
        adapter = EmailAdapter(SystemSettings(host=host, port=port), httpx.AsyncClient())
        send_all(adapter, [message(n) for n in range(30)])
        asyncio.run(adapter.aclose())
        markers = sorted(m["marker"] for m in catcher.store.all("messages"))
        assert markers == sorted(f"m{n}" for n in range(30))
        assert catcher.connections <= 8  # the worker threads', not one per message
    finally:
        catcher._restore()
        catcher.stop()


def test_a_connection_the_server_dropped_is_replaced_before_anything_is_sent(tmp_path: Path) -> None:
    catcher = MailCatcher(EmulatorStore(tmp_path / "mail.sqlite"))
    host, port = catcher.start()
    try:
        adapter = EmailAdapter(SystemSettings(host=host, port=port), httpx.AsyncClient())
        send_all(adapter, [message(1)])
        for kept in adapter._idle:
            kept.sock.close()  # as if the server had timed the idle connection out
        send_all(adapter, [message(2)])
        asyncio.run(adapter.aclose())
        assert sorted(m["marker"] for m in catcher.store.all("messages")) == ["m1", "m2"]
    finally:
        catcher.stop()


def test_the_catcher_keeps_text_as_written(tmp_path: Path) -> None:
    catcher = MailCatcher(EmulatorStore(tmp_path / "mail.sqlite"))
    host, port = catcher.start()
    try:
        adapter = EmailAdapter(SystemSettings(host=host, port=port), httpx.AsyncClient())
        accented = EmailMessage(to=["zoe@example.org"], cc=["manager@example.org"], subject="MARAC: Zoë BRONTË",
                                body="Dear Zoë,\nThe MARAC on 3 December…\n", marker="m1",
                                attachments=[("MARAC-minutes.zip", b"PK\x03\x04")])
        send_all(adapter, [accented])
        asyncio.run(adapter.aclose())
        (kept,) = catcher.store.all("messages")
        assert (kept["subject"], kept["body"]) == ("MARAC: Zoë BRONTË", "Dear Zoë,\nThe MARAC on 3 December…\n")
        assert (kept["to"], kept["cc"], kept["attachments"]) == (["zoe@example.org"], ["manager@example.org"],
                                                                 ["MARAC-minutes.zip"])
        assert kept["marker"] == "m1"
    finally:
        catcher.stop()
