"""The contract between the core and an adapter for one record system.

pluggy has no async hooks, so the hooks (marac_core.plugins.hookspecs) only register
adapters; the I/O lives on adapter objects, whose coroutines the core awaits
with bounded concurrency. An adapter translates these calls into its system's
protocol and nothing more: which record gets which wording is the
procedure's business, never the adapter's.

Every write carries a ``marker`` (the obligation id). The adapter stores it in
a field of its system that it can search again, so that after a crash the core
can ask ``find_write`` whether a write landed instead of writing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from marac_core.intake.config import SystemSettings
from marac_core.model.obligations import Action
from marac_core.model.records import (
    Alert,
    Candidate,
    CaseNote,
    Document,
    EmailMessage,
    PersonQuery,
    RecordedAlert,
    TemplateEntry,
    WriteReceipt,
)

if TYPE_CHECKING:
    from marac_core.sandbox.emulator import Emulator



class Unsupported(Exception):
    """The adapter's system cannot do this; the obligation becomes manual."""


class Adapter:
    """Base class of every adapter. Override what your system supports.

    Subclasses set ``name`` (the system name used in plans) and
    ``capabilities`` (the obligation actions they can carry out).
    """

    name: ClassVar[str]
    capabilities: ClassVar[frozenset[Action]] = frozenset()
    # The most searches one ``find_many_people`` call is given (an adapter that overrides it may lower it).
    max_batch: ClassVar[int] = 50
    # The keys of its config section ([systems.NAME]) it reads beyond base_url, username, timeout and
    # mode: any other key there is refused when a run opens, naming file and field (a misspelt setting
    # is never ignored in silence). None: not declared, so any key is accepted (adapters written before).
    settings_keys: ClassVar[frozenset[str] | None] = None

    def __init__(
        self,
        settings: SystemSettings,
        http: httpx.AsyncClient,
        secret: str | None = None,
    ) -> None:
        self.settings = settings
        self.http = http
        self.secret = secret

    # Look-ups -------------------------------------------------------------
    async def find_people(self, query: PersonQuery) -> list[Candidate]:
        """Search the system once for a person; return every plausible record."""
        raise Unsupported("find_people")

    async def find_many_people(self, queries: Sequence[PersonQuery]) -> list[list[Candidate] | Exception]:
        """Search for several people at once, where the system's protocol allows one request for many
        (a FHIR batch Bundle, a gateway's batch search); at most ``max_batch`` queries a call.

        The answer has one item per query, in order: the records found, or the exception that query
        met (a failed entry fails that person's look-up only). A failure of the whole request raises.
        By default each query is one ``find_people`` call: an adapter whose system has no batch
        search keeps one search per person per system per run, and the core then calls
        ``find_people`` itself, concurrently, without coming here (see ``has_batch_search``).
        """
        found: list[list[Candidate] | Exception] = []
        for query in queries:
            try:
                found.append(await self.find_people(query))
            except Exception as error:  # noqa: BLE001 - one person's failure is that person's
                found.append(error)
        return found

    @classmethod
    def has_batch_search(cls) -> bool:
        """Whether this adapter searches for many people in one request (overrides ``find_many_people``)."""
        return cls.find_many_people is not Adapter.find_many_people

    async def get_record(self, record: str) -> Candidate | None:
        """Read one record by its id (for people whose id the meeting file gives)."""
        raise Unsupported("get_record")

    # Writes -----------------------------------------------------------------
    async def write_case_note(self, record: str, note: CaseNote) -> WriteReceipt:
        raise Unsupported("case_note")

    async def add_alert(self, record: str, alert: Alert) -> WriteReceipt:
        raise Unsupported("alert")

    async def list_alerts(self, record: str) -> list[RecordedAlert]:
        raise Unsupported("list_alerts")

    async def expire_alert(self, record: str, alert_id: str, ended: dt.date, marker: str) -> WriteReceipt:
        raise Unsupported("expire_alert")

    async def tick_template(self, record: str, entry: TemplateEntry) -> WriteReceipt:
        raise Unsupported("template_ticks")

    async def upload_document(self, record: str, document: Document) -> WriteReceipt:
        raise Unsupported("upload_document")

    async def delete_document(self, record: str, document_id: str, marker: str) -> WriteReceipt:
        raise Unsupported("delete_document")

    async def send_email(self, message: EmailMessage) -> WriteReceipt:
        raise Unsupported("email")

    async def find_write(self, record: str | None, action: Action, marker: str) -> WriteReceipt | None:
        """Find a write this runner made earlier, by its marker; None if it never landed."""
        raise Unsupported("find_write")

    async def aclose(self) -> None:
        """Release sessions (log out) at the end of a run."""


@dataclass(frozen=True)
class AdapterRegistration:
    """What an adapter plugin hands to ``marac_register_adapters``."""

    name: str
    version: str
    title: str
    adapter: Callable[[], type[Adapter]]
    emulator: Callable[[], type[Emulator]] | None = None
    sandbox_settings: dict[str, Any] = field(default_factory=dict)
    builtin: bool = False
