"""The adapter conformance kit: the contract of marac_core.plugins.adapter, as tests.

An adapter package runs it against its own emulator by subclassing
``AdapterConformance`` in one of its test modules::

    import marac_emis
    from marac_core.testing import AdapterConformance, sample_records

    class TestEmisConformance(AdapterConformance):
        plugin = marac_emis
        records = sample_records(["EMIS-1", "EMIS-2", "EMIS-3"])

The kit registers the plugin through pluggy, serves its emulator on loopback
(SandboxHost), builds the adapter as the core does in the sandbox, and checks
what the emulator then holds through ``Emulator.dump()`` (never through the
adapter under test). Tests of actions the adapter does not list in
``capabilities`` are skipped, except the one that checks such actions raise
``Unsupported`` without sending anything.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator
from types import ModuleType
from typing import Any, ClassVar

import pytest

from marac_core.api import (
    ACTIONS,
    Action,
    Adapter,
    AdapterRegistration,
    Alert,
    Candidate,
    CaseNote,
    Document,
    Emulator,
    PersonQuery,
    SandboxOptions,
    SystemSettings,
    TemplateEntry,
    Unsupported,
    WriteReceipt,
    is_transient,
)
from marac_core.testing.sandbox import SandboxSystem, registrations_of

# The record-writing actions (email and task are not record systems' business).
WRITE_ACTIONS: tuple[Action, ...] = (
    "case_note", "alert", "expire_alert", "template_ticks", "upload_document", "delete_document")
# Writes that create something new, as opposed to ending something written before.
CREATING_ACTIONS: tuple[Action, ...] = ("case_note", "alert", "template_ticks", "upload_document")
# Where each creating write shows in the dump (spec section 6).
DUMP_SECTION: dict[str, str] = {
    "case_note": "case_notes", "alert": "alerts", "template_ticks": "template_ticks",
    "upload_document": "documents"}
_NOBODY = PersonQuery(name="Zebedee QUIXOTIC-VANE", family="Quixotic-Vane", given="Zebedee",
                      dob=dt.date(1901, 1, 1))


def sample_records(ids: list[str]) -> list[dict[str, Any]]:
    """Three people in the records-file shape (spec section 3), under the record ids given.

    The first is open to the service with a team, worker and manager; the
    second shares her surname (a search for one finds both) and is not open;
    the third has another surname.
    """
    if len(ids) != 3:
        raise ValueError("sample_records needs three record ids")
    return [
        {"id": ids[0], "name": "Sarah Jones", "dob": "1991-03-14", "nhs_number": "9434765919", "open": True,
         "team": "Assessment", "allocated_worker": {"name": "Kim Patel", "email": "kim.patel@example.org"},
         "team_manager": {"name": "Jo Reed", "email": "jo.reed@example.org"}},
        {"id": ids[1], "name": "Lily Jones", "dob": "2019-05-22", "open": False},
        {"id": ids[2], "name": "Tom Ray", "dob": "2016-02-02", "open": True, "team": "Early Intervention",
         "allocated_worker": {"name": "Ann Lee", "email": "ann.lee@example.org"}},
    ]


def query_for(person: dict[str, Any], *, with_nhs_number: bool = False) -> PersonQuery:
    """The query the runner would make for a records-file person (given names first, surname last)."""
    parts = str(person["name"]).split()
    dob = dt.date.fromisoformat(str(person["dob"])) if person.get("dob") else None
    return PersonQuery(name=person["name"], family=parts[-1], given=" ".join(parts[:-1]), dob=dob,
                       nhs_number=person.get("nhs_number") if with_nhs_number else None)


def _tag() -> str:
    return uuid.uuid4().hex[:20]


class _Write:
    """One write of the kit: what it sends, and how to find it in the dump."""

    def __init__(self, action: Action, record: str, *, confidential: bool = True) -> None:
        self.action = action
        self.record = record
        # Markers are obligation ids; a document's further attachments get ".1", ".2" after it.
        self.marker = _tag() + (".1" if action == "upload_document" else "")
        self.confidential = confidential
        tag = self.marker[:8]
        # Non-ASCII and a line break: the system must hold the wording exactly as sent.
        self.title = f"MARAC conformance {tag}"
        self.text = f"Discussed at MARAC {tag} – café\nSecond line."
        self.boxes = ["Discussed at MARAC", "Domestic abuse"]
        # The runner acts as of a day (--on) that need not be today.
        self.start = dt.date.today() + dt.timedelta(days=3)
        self.expires = self.start + dt.timedelta(days=365)
        self.filename = f"minutes-{tag}.pdf"
        self.content = b"%PDF-1.4\n% marac conformance " + tag.encode() + b"\n%%EOF\n"

    def call(self, adapter: Adapter) -> Awaitable[WriteReceipt]:
        if self.action == "case_note":
            return adapter.write_case_note(self.record, CaseNote(
                title=self.title, text=self.text, marker=self.marker, confidential=self.confidential))
        if self.action == "alert":
            return adapter.add_alert(self.record, Alert(
                text=self.text, expires=self.expires, marker=self.marker, start=self.start,
                confidential=self.confidential))
        if self.action == "template_ticks":
            return adapter.tick_template(self.record, TemplateEntry(
                text=self.text, boxes=self.boxes, marker=self.marker, confidential=self.confidential))
        if self.action == "upload_document":
            return adapter.upload_document(self.record, Document(
                title=self.title, filename=self.filename, content=self.content, marker=self.marker,
                media_type="application/pdf", confidential=self.confidential))
        raise ValueError(f"{self.action} is not a creating write")

    def entries(self, dump: dict[str, Any]) -> list[dict[str, Any]]:
        """The dump entries this write made (by record and its unique wording or title)."""
        section = dump.get(DUMP_SECTION[self.action])
        assert isinstance(section, list), f"dump() has no list {DUMP_SECTION[self.action]!r}: {dump!r}"
        key, value = ("title", self.title) if self.action == "upload_document" else ("text", self.text)
        return [e for e in section if str(e.get("record")) == self.record and e.get(key) == value]


async def write_exactly_once(adapter: Adapter, record: str, action: Action, marker: str,
                             write: Callable[[], Awaitable[WriteReceipt]], attempts: int = 30) -> WriteReceipt:
    """Write as the runner does: on a transient fault, ask ``find_write`` before writing again."""
    for attempt in range(attempts):
        try:
            if attempt:
                found = await adapter.find_write(record, action, marker)
                if found is not None:
                    return found
            return await write()
        except Exception as error:
            if not is_transient(error):
                raise
    raise AssertionError(f"{action}: still failing after {attempts} attempts")


async def _retrying(call: Callable[[], Awaitable[Any]], attempts: int = 30) -> Any:
    """Read through transient faults (reads are safe to repeat)."""
    for _ in range(attempts - 1):
        try:
            return await call()
        except Exception as error:
            if not is_transient(error):
                raise
    return await call()


class AdapterConformance:
    """Base class of an adapter's conformance tests. Subclass it once per adapter.

    Set in the subclass:

    - ``plugin``: the plugin module (the one with the ``marac_register_adapters``
      hookimpl); the kit asks it for its registration through pluggy. Or set
      ``registration`` to an ``AdapterRegistration`` directly.
    - ``records``: the emulator's seed, records-file shape (spec section 3),
      at least two people with ``id``, ``name`` (given names then surname) and
      ``dob``; ``sample_records([id1, id2, id3])`` makes three. Writes go to
      the first person; the second is "another record".

    Optional:

    - ``system``: which adapter, if the plugin registers several.
    - ``unknown_record``: a record id the system does not hold, in its format.
    - ``reports_involvement``: False for systems with no notion of a person's
      involvement (a document store): skips the checks of open, team and workers.
    - ``searches_aliases``: False if the system's search cannot look for several
      surnames in one request (the query's own and those of its aliases).
    - ``keeps_deleted_documents``: False if deleting a document erases it, and
      its markers with it, so that ``find_write`` can find neither the deletion
      nor the upload; ``delete_document`` must then be safe to repeat (it is
      checked either way).
    - ``fault_rate`` / ``fault_seed``: the transient faults of the exactly-once tests.
    - ``settings``: extra ``SystemSettings`` fields beyond the registration's sandbox_settings.
    """

    plugin: ClassVar[ModuleType | object | None] = None
    registration: ClassVar[AdapterRegistration | None] = None
    system: ClassVar[str | None] = None
    records: ClassVar[list[dict[str, Any]]] = []
    unknown_record: ClassVar[str] = "NO-SUCH-RECORD-404"
    reports_involvement: ClassVar[bool] = True
    searches_aliases: ClassVar[bool] = True
    keeps_deleted_documents: ClassVar[bool] = True
    fault_rate: ClassVar[float] = 0.3
    fault_seed: ClassVar[int] = 7
    settings: ClassVar[dict[str, Any]] = {}

    # Fixtures ------------------------------------------------------------------------
    @pytest.fixture(scope="class")
    @classmethod
    def adapter_registration(cls) -> AdapterRegistration:
        if cls.registration is not None:
            return cls.registration
        if cls.plugin is None:
            raise TypeError(f"{cls.__name__}: set `plugin` (the plugin module) or `registration`")
        found = registrations_of(cls.plugin)
        if cls.system is not None:
            assert cls.system in found, f"the plugin registers {sorted(found)}, not {cls.system!r}"
            return found[cls.system]
        assert len(found) == 1, f"the plugin registers {sorted(found)}: set `system` to choose one"
        return next(iter(found.values()))

    @pytest.fixture(scope="class")
    @classmethod
    def sandbox(cls, adapter_registration: AdapterRegistration,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxSystem]:
        """The emulator, seeded with ``records``, shared by the tests of the class (each writes its own)."""
        cls._check_records()
        with SandboxSystem(adapter_registration, tmp_path_factory.mktemp("conformance"), cls.records,
                           settings=cls.settings) as system:
            yield system

    @pytest.fixture(scope="class")
    @classmethod
    def faulty_sandbox(cls, adapter_registration: AdapterRegistration,
                       tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxSystem]:
        """The emulator behind transient faults, some of them after the write landed."""
        cls._check_records()
        options = SandboxOptions(fault_rate=cls.fault_rate, seed=cls.fault_seed)
        with SandboxSystem(adapter_registration, tmp_path_factory.mktemp("conformance-faults"), cls.records,
                           options, settings=cls.settings) as system:
            yield system

    @pytest.fixture
    def fresh_sandbox(self, adapter_registration: AdapterRegistration,
                      tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxSystem]:
        """An emulator of the test's own (for restarts)."""
        with SandboxSystem(adapter_registration, tmp_path_factory.mktemp("conformance-own"), self.records,
                           settings=self.settings) as system:
            yield system

    # Helpers ---------------------------------------------------------------------------
    @classmethod
    def _check_records(cls) -> None:
        people = [p for p in cls.records if p.get("id") and p.get("name") and p.get("dob")]
        if len(people) < 2:
            raise TypeError(f"{cls.__name__}.records needs two people with id, name and dob "
                            "(sample_records([...]) makes three)")

    @property
    def person(self) -> dict[str, Any]:
        """The person the kit writes to."""
        return self.records[0]

    @property
    def record(self) -> str:
        return str(self.person["id"])

    @property
    def other_record(self) -> str:
        return str(self.records[1]["id"])

    @staticmethod
    def require(registration: AdapterRegistration, *actions: Action) -> None:
        """Skip the test unless the adapter lists every one of ``actions`` in its capabilities."""
        capabilities = registration.adapter().capabilities
        missing = [a for a in actions if a not in capabilities]
        if missing:
            pytest.skip(f"{registration.name} does not support {', '.join(missing)}")

    def require_involvement(self) -> None:
        if not self.reports_involvement:
            pytest.skip("this system reports no involvement")

    def _first_creating(self, registration: AdapterRegistration) -> Action:
        capabilities = registration.adapter().capabilities
        for action in CREATING_ACTIONS:
            if action in capabilities:
                return action
        pytest.skip(f"{registration.name} creates nothing on records")
        raise AssertionError("unreachable")

    # Registration -----------------------------------------------------------------------
    def test_registration_names_adapter_and_emulator(self, adapter_registration: AdapterRegistration) -> None:
        adapter_class = adapter_registration.adapter()
        assert isinstance(adapter_class, type) and issubclass(adapter_class, Adapter)
        assert adapter_class.name == adapter_registration.name
        assert adapter_registration.emulator is not None, "the kit needs the registration's emulator"
        emulator_class = adapter_registration.emulator()
        assert isinstance(emulator_class, type) and issubclass(emulator_class, Emulator)
        assert adapter_registration.version and adapter_registration.title

    def test_capabilities_are_known_actions(self, adapter_registration: AdapterRegistration) -> None:
        capabilities = adapter_registration.adapter().capabilities
        assert isinstance(capabilities, frozenset)
        assert capabilities <= set(ACTIONS), f"unknown actions: {sorted(capabilities - set(ACTIONS))}"

    def test_the_settings_it_reads_are_declared(self, adapter_registration: AdapterRegistration) -> None:
        """``settings_keys`` lists what its config section may hold beyond the common keys (any other
        key is refused when a run opens); the sandbox's own settings must be among them."""
        keys = adapter_registration.adapter().settings_keys
        if keys is None:
            pytest.skip(f"{adapter_registration.name} does not declare settings_keys: any key in its "
                        "config section is accepted unchecked")
        assert isinstance(keys, frozenset)
        undeclared = set(adapter_registration.sandbox_settings) - keys - set(SystemSettings.model_fields)
        assert not undeclared, f"sandbox_settings not in settings_keys: {sorted(undeclared)}"

    def test_plugin_module_imports_adapter_and_emulator_lazily(self) -> None:
        if not isinstance(self.plugin, ModuleType):
            pytest.skip("no plugin module given")
        name = self.plugin.__name__
        # A fresh interpreter: importing the plugin (as the core does for every command) must not load
        # the adapter's and emulator's modules, so that start-up stays fast with many plugins installed.
        probe = (f"import sys, {name}\n"
                 f"heavy = [m for m in sys.modules if m.startswith('{name}.')]\n"
                 "print(' '.join(heavy))")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # import what we import
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                             check=True, env=env).stdout.split()
        registration = registrations_of(self.plugin)
        loaded = {reg.adapter().__module__ for reg in registration.values()}
        loaded |= {reg.emulator().__module__ for reg in registration.values() if reg.emulator}
        eager = sorted(loaded & set(out))
        assert not eager, f"importing {name} imports {eager}; import them inside the registration's lambdas"

    # Emulator ----------------------------------------------------------------------------
    def test_dump_is_json_with_a_list_per_write_capability(self, sandbox: SandboxSystem) -> None:
        dump = sandbox.dump()
        json.dumps(dump)
        for action in sandbox.registration.adapter().capabilities & set(CREATING_ACTIONS):
            assert isinstance(dump.get(DUMP_SECTION[action]), list), \
                f"{action} is a capability, so dump() needs a list {DUMP_SECTION[action]!r}"

    # Look-ups ----------------------------------------------------------------------------
    def test_find_people_finds_each_seeded_person_by_name_and_dob(self, sandbox: SandboxSystem) -> None:
        people = [p for p in self.records if p.get("id") and p.get("dob")]

        async def scenario(adapter: Adapter) -> list[list[Candidate]]:
            return [await adapter.find_people(query_for(p)) for p in people]

        for person, candidates in zip(people, sandbox.run(scenario), strict=True):
            found = [c for c in candidates if c.record == str(person["id"])]
            assert found, f"searching {person['name']} {person['dob']} did not return {person['id']}"
            if found[0].dob is not None:
                assert found[0].dob.isoformat() == str(person["dob"])
            assert query_for(person).family.casefold() in found[0].name.casefold()

    def test_find_people_with_nhs_number_still_finds_the_person(self, sandbox: SandboxSystem) -> None:
        if not self.person.get("nhs_number"):
            pytest.skip("the first seeded person has no NHS number")
        candidates = sandbox.run(lambda a: a.find_people(query_for(self.person, with_nhs_number=True)))
        assert self.record in [c.record for c in candidates]

    def test_find_people_returns_every_plausible_record(self, sandbox: SandboxSystem) -> None:
        # Two seeded people share a surname: a search for one by name and birth date returns both
        # (the core scores them; adapters do not filter hard).
        same = [p for p in self.records[1:] if query_for(p).family.casefold() == query_for(self.person).family.casefold()]
        if not same:
            pytest.skip("no two seeded people share a surname")
        candidates = sandbox.run(lambda a: a.find_people(query_for(self.person)))
        assert {self.record, str(same[0]["id"])} <= {c.record for c in candidates}

    def test_find_people_searches_the_surnames_of_aliases(self, sandbox: SandboxSystem) -> None:
        # A referral may give a woman's current surname and, as an alias, the one her record is under.
        if not self.searches_aliases:
            pytest.skip("this system's search takes one name")
        parts = str(self.person["name"]).split()
        query = PersonQuery(name=f"{' '.join(parts[:-1])} WHITFIELD", family="WHITFIELD", given=" ".join(parts[:-1]),
                            aliases=[f"{' '.join(parts[:-1])} {parts[-1].upper()}"])
        candidates = sandbox.run(lambda a: a.find_people(query))
        assert self.record in [c.record for c in candidates], "a search does not look for the aliases' surnames"

    def test_find_people_for_nobody_returns_no_candidates(self, sandbox: SandboxSystem) -> None:
        assert sandbox.run(lambda a: a.find_people(_NOBODY)) == []

    def test_find_people_makes_exactly_one_request(self, sandbox: SandboxSystem) -> None:
        async def scenario(adapter: Adapter) -> int:
            await adapter.find_people(query_for(self.person))  # a first call may log in
            before = sandbox.requests()
            await adapter.find_people(query_for(self.person, with_nhs_number=True))
            return sandbox.requests() - before

        sent = sandbox.run(scenario)
        assert sent == 1, f"find_people sent {sent} requests; one search (with involvement) is the contract"

    def test_batch_search_answers_each_query_as_find_people_does_in_one_request(
            self, sandbox: SandboxSystem, adapter_registration: AdapterRegistration) -> None:
        if not adapter_registration.adapter().has_batch_search():
            pytest.skip("this adapter searches for one person a request (the default find_many_people)")
        queries = [*(query_for(p) for p in self.records if p.get("id") and p.get("dob")), _NOBODY]
        queries = queries[:adapter_registration.adapter().max_batch]

        async def scenario(adapter: Adapter) -> tuple[list[set[str]], list[Any], int]:
            one_by_one = [{c.record for c in await adapter.find_people(q)} for q in queries]
            before = sandbox.requests()
            batched = await adapter.find_many_people(queries)
            return one_by_one, batched, sandbox.requests() - before

        one_by_one, batched, sent = sandbox.run(scenario)
        assert sent == 1, f"find_many_people sent {sent} requests for {len(queries)} searches; one is the point"
        assert len(batched) == len(queries), "one answer per query, in order"
        failed = [a for a in batched if isinstance(a, Exception)]
        assert not failed, f"searches that find_people answers failed in the batch: {failed}"
        assert [{c.record for c in found} for found in batched] == one_by_one

    def test_find_people_reports_involvement_of_an_open_person(self, sandbox: SandboxSystem) -> None:
        self.require_involvement()
        candidates = sandbox.run(lambda a: a.find_people(query_for(self.person)))
        self._check_involvement(self.person, next(c for c in candidates if c.record == self.record))

    def test_find_people_reports_a_closed_person_as_not_open(self, sandbox: SandboxSystem) -> None:
        self.require_involvement()
        closed = [p for p in self.records if p.get("open") is False and p.get("dob")]
        if not closed:
            pytest.skip("no seeded person is closed")
        candidates = sandbox.run(lambda a: a.find_people(query_for(closed[0])))
        found = next(c for c in candidates if c.record == str(closed[0]["id"]))
        assert found.involvement.open is False

    def _check_involvement(self, person: dict[str, Any], candidate: Candidate) -> None:
        involvement = candidate.involvement
        assert involvement.open is bool(person.get("open"))
        # What the system reports must agree with what it holds; what it does not report may be None.
        if person.get("team") and involvement.team is not None:
            assert involvement.team == person["team"]
        for role in ("allocated_worker", "team_manager"):
            seeded, reported = person.get(role), getattr(involvement, role)
            if seeded and reported is not None:
                assert reported.name == seeded["name"], f"{role}: {reported!r}"
                if reported.email is not None:
                    assert reported.email == seeded.get("email")
        if person.get("allocated_worker"):
            assert involvement.allocated_worker is not None, "the allocated worker is not reported"

    def test_get_record_returns_the_seeded_person(self, sandbox: SandboxSystem) -> None:
        found = sandbox.run(lambda a: a.get_record(self.record))
        assert found is not None and found.record == self.record
        assert query_for(self.person).family.casefold() in found.name.casefold()
        if self.reports_involvement:
            self._check_involvement(self.person, found)

    def test_get_record_makes_exactly_one_request(self, sandbox: SandboxSystem) -> None:
        async def scenario(adapter: Adapter) -> int:
            await adapter.get_record(self.record)  # a first call may log in
            before = sandbox.requests()
            await adapter.get_record(self.other_record)
            return sandbox.requests() - before

        sent = sandbox.run(scenario)
        assert sent == 1, f"get_record sent {sent} requests, not one"

    def test_get_record_of_unknown_id_returns_none(self, sandbox: SandboxSystem) -> None:
        assert sandbox.run(lambda a: a.get_record(self.unknown_record)) is None

    # Writes -----------------------------------------------------------------------------
    @pytest.mark.parametrize("action", CREATING_ACTIONS)
    def test_write_lands_once_as_sent(self, sandbox: SandboxSystem, action: Action) -> None:
        self.require(sandbox.registration, action)
        write = _Write(action, self.record)
        receipt = sandbox.run(write.call)
        assert isinstance(receipt, WriteReceipt) and receipt.id
        entries = write.entries(sandbox.dump())
        assert len(entries) == 1, f"expected one {action} on {self.record}, dump has {entries!r}"
        self._check_entry(write, entries[0])

    @staticmethod
    def _check_entry(write: _Write, entry: dict[str, Any]) -> None:
        if write.action == "case_note":
            assert entry.get("title") == write.title
        elif write.action == "alert":
            assert str(entry.get("expires"))[:10] == write.expires.isoformat()
            assert entry.get("status") == "active"
            if entry.get("start") is not None:
                assert str(entry["start"])[:10] == write.start.isoformat(), "the alert does not start on Alert.start"
        elif write.action == "template_ticks":
            assert sorted(entry.get("boxes") or []) == sorted(write.boxes)
        elif write.action == "upload_document":
            assert entry.get("title") == write.title

    @pytest.mark.parametrize("action", CREATING_ACTIONS)
    def test_find_write_finds_a_write_by_its_marker(self, sandbox: SandboxSystem, action: Action) -> None:
        self.require(sandbox.registration, action)
        write = _Write(action, self.record)

        async def scenario(adapter: Adapter) -> tuple[WriteReceipt, WriteReceipt | None]:
            receipt = await write.call(adapter)
            return receipt, await adapter.find_write(self.record, action, write.marker)

        receipt, found = sandbox.run(scenario)
        assert found is not None, f"find_write did not find the {action} just written"
        assert found.id == receipt.id

    @pytest.mark.parametrize("action", WRITE_ACTIONS)
    def test_find_write_of_unknown_marker_returns_none(self, sandbox: SandboxSystem, action: Action) -> None:
        self.require(sandbox.registration, action)
        assert sandbox.run(lambda a: a.find_write(self.record, action, _tag())) is None

    def test_find_write_looks_only_at_the_record_given(self, sandbox: SandboxSystem) -> None:
        action = self._first_creating(sandbox.registration)
        write = _Write(action, self.record)

        async def scenario(adapter: Adapter) -> WriteReceipt | None:
            await write.call(adapter)
            return await adapter.find_write(self.other_record, action, write.marker)

        assert sandbox.run(scenario) is None

    @pytest.mark.parametrize("confidential", [True, False])
    @pytest.mark.parametrize("action", CREATING_ACTIONS)
    def test_confidential_flag_reaches_the_system(self, sandbox: SandboxSystem, action: Action,
                                                  confidential: bool) -> None:
        self.require(sandbox.registration, action)
        write = _Write(action, self.record, confidential=confidential)
        sandbox.run(write.call)
        entries = write.entries(sandbox.dump())
        assert len(entries) == 1
        # Emulators that show the system's restriction marking in their dump must show it as sent.
        if "confidential" in entries[0]:
            assert entries[0]["confidential"] is confidential

    def test_list_alerts_shows_an_alert_with_its_marker(self, sandbox: SandboxSystem) -> None:
        self.require(sandbox.registration, "alert", "expire_alert")
        write = _Write("alert", self.record)

        async def scenario(adapter: Adapter) -> tuple[WriteReceipt, list[Any]]:
            receipt = await write.call(adapter)
            return receipt, await adapter.list_alerts(self.record)

        receipt, alerts = sandbox.run(scenario)
        found = [a for a in alerts if a.id == receipt.id]
        assert len(found) == 1, f"list_alerts does not show alert {receipt.id}: {alerts!r}"
        assert found[0].text == write.text and found[0].status == "active"
        assert found[0].marker in (None, write.marker)
        assert found[0].expires == write.expires

    def test_expire_alert_ends_it_once_and_is_found_by_marker(self, sandbox: SandboxSystem) -> None:
        self.require(sandbox.registration, "alert", "expire_alert")
        write = _Write("alert", self.record)
        marker = _tag()

        async def scenario(adapter: Adapter) -> tuple[WriteReceipt, WriteReceipt | None, WriteReceipt | None]:
            alert = await write.call(adapter)
            ended = await adapter.expire_alert(self.record, alert.id, dt.date.today(), marker)
            found = await adapter.find_write(self.record, "expire_alert", marker)
            # Ending an alert that is already ended (by this runner or by staff) is not an error.
            await adapter.expire_alert(self.record, alert.id, dt.date.today(), _tag())
            # The alert's own marker still finds it: a re-run must not add it again.
            return ended, found, await adapter.find_write(self.record, "alert", write.marker)

        ended, found, still = sandbox.run(scenario)
        entries = write.entries(sandbox.dump())
        assert len(entries) == 1 and entries[0].get("status") != "active", entries
        assert found is not None, "find_write does not find the expiry by its marker"
        assert found.id == ended.id
        assert still is not None, "find_write does not find an expired alert by the marker that wrote it"

    def test_delete_document_removes_it_and_can_be_reconciled(self, sandbox: SandboxSystem) -> None:
        self.require(sandbox.registration, "upload_document", "delete_document")
        write = _Write("upload_document", self.record)
        marker = _tag()

        async def scenario(adapter: Adapter) -> tuple[WriteReceipt | None, WriteReceipt, WriteReceipt | None]:
            uploaded = await write.call(adapter)
            await adapter.delete_document(self.record, uploaded.id, marker)
            found = await adapter.find_write(self.record, "delete_document", marker)
            # Deleting what is already gone succeeds: a retry after a lost answer must not fail.
            again = await adapter.delete_document(self.record, uploaded.id, marker)
            return found, again, await adapter.find_write(self.record, "upload_document", write.marker)

        found, again, upload = sandbox.run(scenario)
        assert write.entries(sandbox.dump()) == []
        assert again.id
        if self.keeps_deleted_documents:
            assert found is not None, "find_write does not find the deletion by its marker"
            assert upload is not None, "find_write does not find a deleted document by the marker that uploaded it"

    def test_concurrent_writes_from_a_fresh_adapter_each_land_once(self, sandbox: SandboxSystem) -> None:
        # The core awaits several calls of one adapter at once, the first of them before any log-in.
        action = self._first_creating(sandbox.registration)
        writes = [_Write(action, self.record) for _ in range(6)]

        async def scenario(adapter: Adapter) -> list[WriteReceipt]:
            return list(await asyncio.gather(*(w.call(adapter) for w in writes)))

        receipts = sandbox.run(scenario)
        assert len({r.id for r in receipts}) == len(writes), f"receipts repeat an id: {receipts!r}"
        dump = sandbox.dump()
        assert [len(w.entries(dump)) for w in writes] == [1] * len(writes)

    # Exactly once under faults ------------------------------------------------------------
    @pytest.mark.parametrize("action", WRITE_ACTIONS)
    def test_write_through_faults_leaves_exactly_one(self, faulty_sandbox: SandboxSystem,
                                                     action: Action) -> None:
        self.require(faulty_sandbox.registration, action)
        creating: Action = action if action in CREATING_ACTIONS else (
            "alert" if action == "expire_alert" else "upload_document")
        self.require(faulty_sandbox.registration, creating)
        write = _Write(creating, self.record)
        end_marker = _tag()

        async def scenario(adapter: Adapter) -> WriteReceipt | None:
            made = await write_exactly_once(adapter, self.record, creating, write.marker,
                                            lambda: write.call(adapter))
            if action == creating:
                return await _retrying(lambda: adapter.find_write(self.record, action, write.marker))
            if action == "expire_alert":
                def end() -> Awaitable[WriteReceipt]:
                    return adapter.expire_alert(self.record, made.id, dt.date.today(), end_marker)
            else:
                def end() -> Awaitable[WriteReceipt]:
                    return adapter.delete_document(self.record, made.id, end_marker)
            await write_exactly_once(adapter, self.record, action, end_marker, end)
            if action == "delete_document" and not self.keeps_deleted_documents:
                return None
            return await _retrying(lambda: adapter.find_write(self.record, action, end_marker))

        found = faulty_sandbox.run(scenario)
        entries = write.entries(faulty_sandbox.dump())
        if action == "delete_document":
            assert entries == [], entries
        else:
            assert len(entries) == 1, f"expected exactly one {creating}, dump has {entries!r}"
        if action == "expire_alert":
            assert entries[0].get("status") != "active"
        if action != "delete_document" or self.keeps_deleted_documents:
            assert found is not None, f"find_write does not find the {action} after the faults"

    # Unsupported actions -------------------------------------------------------------------
    def test_unsupported_actions_raise_without_a_request(self, sandbox: SandboxSystem) -> None:
        unsupported = [a for a in WRITE_ACTIONS if a not in sandbox.registration.adapter().capabilities]
        if not unsupported:
            pytest.skip(f"{sandbox.registration.name} supports every write action")
        calls: dict[str, Callable[[Adapter], Awaitable[Any]]] = {
            "case_note": lambda a: _Write("case_note", self.record).call(a),
            "alert": lambda a: _Write("alert", self.record).call(a),
            "template_ticks": lambda a: _Write("template_ticks", self.record).call(a),
            "upload_document": lambda a: _Write("upload_document", self.record).call(a),
            "expire_alert": lambda a: a.expire_alert(self.record, "1", dt.date.today(), _tag()),
            "delete_document": lambda a: a.delete_document(self.record, "1", _tag()),
        }

        async def scenario(adapter: Adapter) -> dict[str, int]:
            sent = {}
            for action in unsupported:
                before = sandbox.requests()
                for what, call in ((action, calls[action]),
                                   (f"find_write({action!r})", lambda a: a.find_write(self.record, action, _tag()))):
                    try:
                        await call(adapter)
                    except Unsupported:
                        continue
                    raise AssertionError(f"{action} is not a capability, yet {what} did not raise Unsupported")
                sent[action] = sandbox.requests() - before
            return sent

        sent = sandbox.run(scenario, close=False)
        assert sent == dict.fromkeys(unsupported, 0), f"requests sent for actions that are not capabilities: {sent}"

    # Durability and sessions -----------------------------------------------------------------
    def test_writes_survive_a_restart_of_the_system(self, fresh_sandbox: SandboxSystem) -> None:
        action = self._first_creating(fresh_sandbox.registration)
        before, after = _Write(action, self.record), _Write(action, self.record)
        receipt = fresh_sandbox.run(before.call)
        fresh_sandbox.restart()

        async def scenario(adapter: Adapter) -> tuple[WriteReceipt | None, Candidate | None, WriteReceipt]:
            found = await adapter.find_write(self.record, action, before.marker)
            return found, await adapter.get_record(self.record), await after.call(adapter)

        found, person, second = fresh_sandbox.run(scenario)
        assert found is not None and found.id == receipt.id
        assert person is not None
        dump = fresh_sandbox.dump()
        assert len(before.entries(dump)) == 1 and len(after.entries(dump)) == 1
        assert second.id != receipt.id, "a write after the restart reused an id from before it"

    def test_aclose_after_use_and_twice(self, sandbox: SandboxSystem) -> None:
        async def scenario(adapter: Adapter) -> bool:
            await adapter.get_record(self.record)
            await adapter.aclose()
            await adapter.aclose()
            return adapter.http.is_closed

        # The HTTP client is the core's: the adapter releases its session, not the client.
        assert sandbox.run(scenario, close=False) is False

    def test_aclose_of_an_unused_adapter_sends_nothing(self, sandbox: SandboxSystem) -> None:
        async def scenario(adapter: Adapter) -> int:
            before = sandbox.requests()
            await adapter.aclose()
            return sandbox.requests() - before

        assert sandbox.run(scenario, close=False) == 0
