"""A write that may have landed on a system that cannot be read back is never guessed: the rep decides."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from pathlib import Path

from marac_core.builtin.email import EmailAdapter
from marac_core.execution.executor import Executor
from marac_core.model.obligations import Obligation
from marac_core.plugins.adapter import SystemSettings
from marac_core.plugins.systems import System, Systems
from marac_core.sandbox.mail_catcher import MailCatcher
from marac_core.sandbox.store import EmulatorStore
from marac_core.state.ledger import Ledger

MEETING = "rdash:2026-12-03:doncaster"
EMAIL = Obligation(id="obligation-1", case="DN-1", system="email", action="email", title="MARAC: actions completed",
                   text="Confirmation of the completion of the trust's actions.", to=["marac@example.org"],
                   phase="followup", rule="rdash 4.5 confirmation")


def run(ledger: Ledger, host: str, port: int) -> str:
    async def go() -> str:
        import httpx

        async with httpx.AsyncClient() as client:
            # A real mail server with no read-back API configured: like most SMTP relays.
            adapter = EmailAdapter(SystemSettings(host=host, port=port), client)
            systems = Systems({"email": System("email", adapter, asyncio.Semaphore(4))})
            results = await Executor(ledger, MEETING, systems, Path("."), b"k" * 32, dt.date(2026, 12, 4)).run([EMAIL])
            return results[0].status

    return asyncio.run(go())


def test_an_email_interrupted_mid_send_is_left_for_the_rep_to_check_then_sent_once(tmp_path: Path) -> None:
    catcher = MailCatcher(EmulatorStore(tmp_path / "mail.sqlite"))
    host, port = catcher.start()
    try:
        ledger = Ledger.at(tmp_path)
        ledger.record_plan(MEETING, "Doncaster", dt.date(2026, 12, 3), "rdash", [EMAIL])
        crashed = Ledger.at(tmp_path)
        crashed.owner = f"{socket.gethostname()}:999999999:dead"  # a run on this machine that died mid-send
        assert crashed.claim(MEETING, EMAIL.id) == "planned"

        assert run(ledger, host, port) == "failed"
        assert ledger.entry(MEETING, EMAIL.id).state == "uncertain"  # type: ignore[union-attr]
        assert run(ledger, host, port) == "failed", "an uncertain email must not be resent without the rep"
        assert catcher.dump()["messages"] == []

        assert ledger.mark_for_retry(EMAIL.id) == [MEETING]
        assert run(ledger, host, port) == "done"
        assert run(ledger, host, port) == "already_done"
        assert len(catcher.dump()["messages"]) == 1
        outcomes = [e["outcome"] for e in ledger.audit.entries()]
        assert outcomes == ["uncertain", "retry confirmed by hand", "done"]
    finally:
        catcher.stop()
