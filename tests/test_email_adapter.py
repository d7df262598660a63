"""The built-in email adapter against a real SMTP server (aiosmtpd): connections are reused safely."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from marac_core.builtin.email import EmailAdapter
from marac_core.model.records import EmailMessage
from marac_core.plugins.adapter import SystemSettings
from marac_core.sandbox.mail_catcher import MailCatcher
from marac_core.sandbox.store import EmulatorStore


class CountingCatcher(MailCatcher):
    """The sandbox's mail catcher, counting the SMTP connections it accepts."""

    connections = 0
    adapter: EmailAdapter
    transports: list[asyncio.BaseTransport]

    def start(self) -> tuple[str, int]:
        import aiosmtpd.smtp

        original = aiosmtpd.smtp.SMTP.connection_made
        catcher = self

        catcher.transports = []

        def counted(smtp: aiosmtpd.smtp.SMTP, transport: asyncio.BaseTransport) -> None:
            catcher.connections += 1
            catcher.transports.append(transport)
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


@pytest.fixture
def catcher(tmp_path: Path) -> Iterator[CountingCatcher]:
    """The sandbox's mail catcher (counting connections), and an adapter pointed at it."""
    running = CountingCatcher(EmulatorStore(tmp_path / "mail.sqlite"))
    host, port = running.start()
    running.adapter = EmailAdapter(SystemSettings(host=host, port=port), httpx.AsyncClient())
    yield running
    running._restore()
    running.stop()


def kept(catcher: MailCatcher) -> list[dict]:
    return catcher.store.all("messages")


def test_many_messages_share_a_few_connections_and_each_arrives_once(catcher: CountingCatcher) -> None:
    send_all(catcher.adapter, [message(n) for n in range(30)])
    asyncio.run(catcher.adapter.aclose())
    assert sorted(m["marker"] for m in kept(catcher)) == sorted(f"m{n}" for n in range(30))
    assert catcher.connections <= EmailAdapter.max_connections  # a few kept connections, not one per message


def test_a_connection_the_server_dropped_is_replaced_before_anything_is_sent(catcher: CountingCatcher) -> None:
    # Harm prevented: a message half sent on a connection the server had closed (its idle timeout),
    # and so lost, or sent twice when the runner tried again.
    async def main() -> None:
        await catcher.adapter.send_email(message(1))
        closed = asyncio.Event()
        loop = asyncio.get_running_loop()

        def drop() -> None:  # in the server's thread, as its idle timeout would
            for transport in catcher.transports:
                transport.close()
            loop.call_soon_threadsafe(closed.set)

        assert catcher._loop is not None
        catcher._loop.call_soon_threadsafe(drop)
        await closed.wait()
        await catcher.adapter.send_email(message(2))
        await catcher.adapter.aclose()

    asyncio.run(main())
    assert sorted(m["marker"] for m in kept(catcher)) == ["m1", "m2"]
    assert catcher.connections == 2


def test_messages_sent_from_more_than_one_event_loop_each_arrive_once(catcher: CountingCatcher) -> None:
    # A caller that runs the adapter in one asyncio.run and then another (a test, a workbench job):
    # a connection kept from the first loop is not used by the second.
    send_all(catcher.adapter, [message(1)])
    send_all(catcher.adapter, [message(2), message(3)])
    asyncio.run(catcher.adapter.aclose())
    assert sorted(m["marker"] for m in kept(catcher)) == ["m1", "m2", "m3"]


def test_the_catcher_keeps_text_as_written(catcher: CountingCatcher) -> None:
    accented = EmailMessage(to=["zoe@example.org"], cc=["manager@example.org"], subject="MARAC: Zoë BRONTË",
                            body="Dear Zoë,\nThe MARAC on 3 December…\n", marker="m1",
                            attachments=[("MARAC-minutes.zip", b"PK\x03\x04")])
    send_all(catcher.adapter, [accented])
    asyncio.run(catcher.adapter.aclose())
    (message_kept,) = kept(catcher)
    assert (message_kept["subject"], message_kept["body"]) == ("MARAC: Zoë BRONTË",
                                                               "Dear Zoë,\nThe MARAC on 3 December…\n")
    assert (message_kept["to"], message_kept["cc"], message_kept["attachments"]) == (
        ["zoe@example.org"], ["manager@example.org"], ["MARAC-minutes.zip"])
    assert message_kept["marker"] == "m1"


def test_the_envelope_names_every_to_and_cc_address_and_no_one_else(catcher: CountingCatcher) -> None:
    # Harm prevented: a manager copied in the headers but never sent the message (the envelope is what
    # the mail server delivers to), or the message delivered to someone the headers do not show.
    sent = EmailMessage(to=["allocated.worker@example.org", "team.manager@example.org"],
                        cc=["marac.admin@example.org"], subject="MARAC actions", body="Heard at MARAC.",
                        marker="envelope-1")
    send_all(catcher.adapter, [sent])
    asyncio.run(catcher.adapter.aclose())
    (arrived,) = kept(catcher)
    assert sorted(arrived["recipients"]) == sorted([*sent.to, *sent.cc])


def test_the_computers_name_is_asked_of_the_resolver_once_not_for_every_connection(
        catcher: CountingCatcher, monkeypatch: pytest.MonkeyPatch) -> None:
    # Harm prevented: a DNS look-up for every new connection to the mail server (aiosmtplib's EHLO
    # name), which on an agency's network can take seconds each; the name greeted with stays the same.
    import marac_core.builtin.email as email_adapter

    asked: list[str] = []

    def getfqdn() -> str:
        asked.append("asked")
        return "rep-laptop.agency.example"

    monkeypatch.setattr(email_adapter, "_LOCAL_HOSTNAME", [])
    monkeypatch.setattr(email_adapter.socket, "getfqdn", getfqdn)
    send_all(catcher.adapter, [message(n) for n in range(12)])  # more at once than one connection takes
    asyncio.run(catcher.adapter.aclose())
    assert catcher.connections > 1 and asked == ["asked"]
    assert len(kept(catcher)) == 12
