"""Plan -> apply: every obligation carried out exactly once through the adapters.

For each obligation: claim it in the ledger, look for an earlier write by its
marker if a previous run may have made one, write (retrying transient faults
only, and looking again before each retry, because a fault may come after the
write landed), then record the outcome. Obligations run concurrently; the
per-system semaphore bounds requests in flight.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from marac_core.execution.minutes_archive import encrypted_zip, pyzipper_module
from marac_core.intake.attachments import read_attachment
from marac_core.model.errors import InputError
from marac_core.model.obligations import EMAIL, MANUAL, Obligation
from marac_core.model.records import (
    Alert,
    CaseNote,
    Document,
    EmailMessage,
    TemplateEntry,
    WriteReceipt,
)
from marac_core.plugins.adapter import Adapter, Unsupported
from marac_core.plugins.procedure import Protected
from marac_core.plugins.retrying import is_transient, retrying
from marac_core.planning.addresses import bad_address
from marac_core.plugins.systems import Systems
from marac_core.state.keys import derived_password
from marac_core.state.ledger import FINISHED, Entry, Ledger
from marac_core.state.sealing import Sealer

STATUSES = ("done", "already_done", "manual", "failed", "skipped")
# One write of an obligation: its marker, and the call that makes it.
Step = tuple[str, Callable[[], Awaitable[WriteReceipt]]]


@dataclass
class Result:
    obligation: Obligation
    status: str
    detail: str | None = None
    receipt: str | None = None

    def public(self) -> dict[str, Any]:
        out = self.obligation.public()
        out["status"] = self.status
        if self.detail:
            out["detail"] = self.detail
        if self.receipt:
            out["receipt"] = self.receipt
        return out


class CannotReconcile(Exception):
    """The system cannot say whether an earlier write landed."""


def describe(error: BaseException) -> str:
    """An error as a short line with no personal data (status codes and kinds only)."""
    if isinstance(error, httpx.HTTPStatusError):
        return f"{error.request.method} answered {error.response.status_code}"
    if isinstance(error, httpx.HTTPError):
        return f"{type(error).__name__} talking to the system"
    if isinstance(error, InputError):  # an attachment refused at the moment of reading (no path: it may name someone)
        return "attachment refused: outside the meeting file's folder, missing, or changed since it was checked"
    if isinstance(error, (Unsupported, NotImplementedError)):
        return f"not supported by the adapter: {error}"
    return type(error).__name__


class Executor:
    def __init__(self, ledger: Ledger, meeting: str, systems: Systems, source_dir: Path, key: bytes | None,
                 on: dt.date, advance: Callable[[], None] | None = None,
                 not_before: dt.datetime | None = None, now: dt.datetime | None = None,
                 protection: Callable[[Obligation], Protected] | None = None,
                 sealer: Sealer | None = None, sealed: dict[str, tuple[dict[str, Any], str]] | None = None) -> None:
        self.ledger = ledger
        self.meeting = meeting
        self.systems = systems
        self.source_dir = source_dir
        self.key = key
        self.on = on
        self.advance = advance or (lambda: None)
        # Work after the meeting (e.g. children's alerts, RDaSH 4.2) never starts before the meeting has.
        self.not_before = not_before
        self.now = now
        # The procedure's name for an archive of attachments, and its wording of the password email.
        self.protection = protection or (lambda _: Protected())
        # Keeps what each obligation wrote (encrypted), so a changed meeting file can be compared with it.
        self.sealer = sealer
        # Fingerprints and sealed wording already made for these obligations (when the plan was recorded).
        self._sealed = sealed or {}
        if sealer is not None:
            sealer.prepare()  # its cipher (and the import of cryptography) now, not at the first write

    async def run(self, obligations: list[Obligation]) -> list[Result]:
        # Every obligation is checked against one reading of the ledger and the ready ones claimed
        # in one transaction (each claim's UPDATE still guards against another run taking it).
        entries = self.ledger.entries(self.meeting)
        results: dict[int, Result] = {}
        ready: list[tuple[int, Obligation]] = []
        for n, o in enumerate(obligations):
            early = self._not_now(o, entries)
            if early is None:
                ready.append((n, o))
            else:
                results[n] = early
                self.advance()
        claimed = self.ledger.claim_many(self.meeting, [(o.id, entries.get(o.id)) for _, o in ready])
        # Outcomes are committed off the event loop, in batches; all of them before the results return.
        self._outcomes = self.ledger.outcomes(self.meeting)

        async def one(n: int, o: Obligation) -> None:
            try:
                results[n] = await self._claimed(o, claimed[o.id])
            finally:
                self.advance()

        try:
            await asyncio.gather(*(one(n, o) for n, o in ready))
        finally:
            await self._outcomes.close()
        return [results[n] for n in range(len(obligations))]

    def _not_now(self, o: Obligation, entries: dict[str, Entry]) -> Result | None:
        """Why the obligation is not to be written by this run now, if it is not."""
        entry = entries.get(o.id)
        if entry is not None and entry.state in FINISHED:
            return Result(o, "already_done", receipt=entry.receipt)
        if entry is not None and entry.state == "uncertain":
            return Result(o, "failed", entry.error)
        if o.waiting_for:
            return Result(o, "skipped", f"waiting for {o.waiting_for}")
        if self.not_before is not None and self.now is not None and self.now < self.not_before:
            return Result(o, "skipped", "not before the meeting has taken place "
                                        f"({self.not_before.strftime('%H:%M on %d %B %Y')})")
        pending = [i for i in o.after if (e := entries.get(i)) is None or e.state not in FINISHED]
        if pending:
            return Result(o, "skipped", "waiting for these to be done first: " + ", ".join(pending))
        if o.system == MANUAL or o.action == "task":
            return Result(o, "manual", "a step for a person; mark it done with: marac done " + o.id)
        if (problem := bad_address(o)) is not None:  # planned before the check existed: never sent
            return Result(o, "manual", f"not sent: {problem}; send it by hand, then: marac done {o.id}")
        if o.system not in self.systems:
            return Result(o, "manual", f"no {o.system} adapter is installed; do this by hand, then: marac done {o.id}")
        if self.systems[o.system].manual:
            return Result(o, "manual", f"{o.system} is in manual mode; do this by hand, then: marac done {o.id}")
        return None

    async def _claimed(self, o: Obligation, previous: str | None) -> Result:
        """Carry out an obligation this run tried to claim (``previous``: its state before, None if not taken)."""
        if previous is None:
            entry = self.ledger.entry(self.meeting, o.id)
            if entry is not None and entry.state in FINISHED:
                return Result(o, "already_done", receipt=entry.receipt)
            return Result(o, "skipped", "being carried out by another run")
        try:
            steps = self._steps(o)  # built once: uploads read their files here
            landed: dict[str, str] = {}
            if previous in ("in_flight", "failed"):
                # An earlier attempt may have landed: find it by its marker before writing again.
                landed = await self._landed(o, steps)
                if len(landed) == len(steps):
                    receipt = landed[o.id]
                    self._outcomes.record(o, "done", receipt=receipt, outcome="found after a crash",
                                          written=self._written(o))
                    return Result(o, "already_done", "found in the system from an earlier run", receipt)
            receipt = await self._write_once(o, steps, landed)
        except CannotReconcile as error:
            # Never guess: the rep checks the record and says done or retry.
            self._outcomes.record(o, "uncertain", error=str(error))
            return Result(o, "failed", str(error))
        except Exception as error:  # noqa: BLE001 - one failure must not stop the others
            self._outcomes.record(o, "failed", error=describe(error))
            return Result(o, "failed", describe(error))
        self._outcomes.record(o, "done", receipt=receipt, written=self._written(o))
        return Result(o, "done", receipt=receipt)

    def _written(self, o: Obligation) -> tuple[dict[str, Any], str] | None:
        """What was written, as the ledger keeps it; a correction's was kept when it was planned (it records
        the content it brings, not its own)."""
        if self.sealer is None or (o.model_extra or {}).get("corrects"):
            return None
        return self._sealed.get(o.id) or (self.sealer.fingerprint(o), self.sealer.sealed(o))

    # -- writing ---------------------------------------------------------------------
    async def _write_once(self, o: Obligation, steps: list[Step], landed: dict[str, str]) -> str:
        """Carry out each step that has not landed yet, in order."""
        system = self.systems[o.system]
        receipts = []
        for marker, write in steps:
            if marker in landed:
                receipts.append(landed[marker])
                continue
            receipts.append(await self._step(system.limit, system.adapter, o, marker, write))
        return receipts[0]

    async def _landed(self, o: Obligation, steps: list[Step]) -> dict[str, str]:
        """The steps an earlier attempt already wrote, found by their markers."""
        system = self.systems[o.system]
        landed: dict[str, str] = {}
        for marker, _ in steps:
            async for attempt in retrying(attempts=5):
                with attempt:
                    async with system.limit:
                        found = await self._find(system.adapter, o, marker)
            if found is not None:
                landed[marker] = found
        return landed

    async def _step(self, limit: asyncio.Semaphore, adapter: Adapter, o: Obligation, marker: str,
                    write: Callable[[], Awaitable[WriteReceipt]]) -> str:
        async for attempt in retrying(attempts=5):
            with attempt:
                async with limit:
                    if attempt.retry_state.attempt_number > 1:
                        found = await self._find(adapter, o, marker)
                        if found is not None:
                            return found
                    return (await write()).id
        raise AssertionError("unreachable")

    async def _find(self, adapter: Adapter, o: Obligation, marker: str) -> str | None:
        """An earlier write by its marker; a system that cannot be asked leaves the decision to the rep."""
        try:
            found = await adapter.find_write(o.record or None, o.action, marker)
        except (Unsupported, NotImplementedError):
            raise CannotReconcile(
                f"an earlier attempt may have written this and {o.system} cannot be read back: check the "
                f"record, then run 'marac done {o.id}' if it is there or 'marac retry {o.id}' if not"
            ) from None
        except httpx.HTTPStatusError as error:
            if is_transient(error):
                raise
            return None
        return found.id if found else None

    def _steps(self, o: Obligation) -> list[Step]:
        """The writes an obligation consists of, each with its own marker (the first is the obligation id)."""
        adapter = self.systems[o.system].adapter
        record = o.record or ""
        extra = o.model_extra or {}
        if o.action == "case_note":
            note = CaseNote(title=o.title or "MARAC", text=o.text, marker=o.id, copy_to=o.cc,
                            section=extra.get("section"))
            return [(o.id, lambda: adapter.write_case_note(record, note))]
        if o.action == "alert":
            if o.expires is None:
                raise ValueError("an alert needs an expiry date")
            alert = Alert(text=o.text, expires=o.expires, marker=o.id, start=self.on)
            return [(o.id, lambda: adapter.add_alert(record, alert))]
        if o.action == "expire_alert":
            return [(o.id, lambda: adapter.expire_alert(record, o.target or "", self.on, o.id))]
        if o.action == "template_ticks":
            entry = TemplateEntry(text=o.text, boxes=o.boxes, marker=o.id)
            return [(o.id, lambda: adapter.tick_template(record, entry))]
        if o.action == "delete_document":
            return [(o.id, lambda: adapter.delete_document(record, o.target or "", o.id))]
        if o.action == "upload_document":
            steps = []
            for number, attachment in enumerate(o.attachments):
                marker = o.id if number == 0 else f"{o.id}.{number}"
                path = self.source_dir / attachment
                content = read_attachment(self.source_dir, attachment)  # inside the meeting's folder, read once
                document = Document(title=o.title or path.name, filename=path.name, content=content,
                                    marker=marker, media_type=_media_type(path))
                steps.append((marker, lambda d=document: adapter.upload_document(record, d)))
            return steps
        if o.action == "email" and o.system == EMAIL:
            return self._email_steps(adapter, o)
        raise Unsupported(o.action)

    def _email_steps(self, adapter: Adapter, o: Obligation) -> list[Step]:
        subject = o.title or "MARAC"
        if not o.attachments:
            message = EmailMessage(to=o.to, cc=o.cc, subject=subject, body=o.text, marker=o.id)
            return [(o.id, lambda: adapter.send_email(message))]
        # Minutes go as an AES-256 archive; its password follows in a separate message.
        if not self.key:
            raise Unsupported("no keyring holds the runner's key, so minutes cannot be password protected")
        # The key's label stays "minutes:" whatever is attached: a resumed run derives the same password.
        password = derived_password(self.key, f"minutes:{o.id}")
        archive = encrypted_zip([(Path(a).name, read_attachment(self.source_dir, a)) for a in o.attachments], password)
        protected = self.protection(o)
        message = EmailMessage(to=o.to, cc=o.cc, subject=subject, body=o.text, marker=o.id,
                               attachments=[(protected.archive, archive)])
        notice = EmailMessage(to=o.to, cc=o.cc, subject=protected.subject_of_password(subject),
                              marker=f"{o.id}.password", body=protected.notice(subject, password))
        return [(o.id, lambda: adapter.send_email(message)),
                (f"{o.id}.password", lambda: adapter.send_email(notice))]


def _media_type(path: Path) -> str:
    import mimetypes

    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def prepare_attachments(by_email: bool = True) -> None:
    """Read the system's table of media types (an upload's type is looked up in it) and, for minutes sent
    by e-mail, import pyzipper (and the ciphers under it: minutes_archive), in the background: 0.02 to
    0.05 s each, which a run with minutes can spend while it waits for the look-ups' answers rather than
    at its first upload or e-mail."""
    import mimetypes

    def prepare() -> None:
        mimetypes.init()
        if by_email:
            pyzipper_module()

    threading.Thread(target=prepare, daemon=True).start()


def summary(results: list[Result]) -> dict[str, int]:
    counts = {status: 0 for status in STATUSES}
    for result in results:
        counts[result.status] += 1
    return counts
