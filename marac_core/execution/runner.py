"""One run of the runner: inputs checked first, then systems connected (sandboxed or real).

Every input is validated before anything is started or written, so bad input
leaves no trace.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marac_core.intake.config import Config, default_state_dir, load_config
from marac_core.intake.meeting_file import load_records
from marac_core.model.errors import InputError
from marac_core.model.meeting import MeetingFile
from marac_core.model.obligations import PHASES, Phase
from marac_core.planning.meeting_input import read_meeting
from marac_core.planning.plan import acting_time, default_phase
from marac_core.plugins.procedure import Procedure
from marac_core.plugins.procedure_settings import settings_for
from marac_core.plugins.registry import Registry, load
from marac_core.plugins.system_settings import check_system_sections
from marac_core.plugins.systems import DEFAULT_CONCURRENCY, Systems, connect
from marac_core.sandbox.host import SandboxEndpoints, SandboxHost, SandboxOptions, check_seeded_from
from marac_core.sandbox.records_file import RecordsFile, sandbox_root, sandbox_state_dir


@dataclass(frozen=True)
class RunOptions:
    meeting: Path
    procedure: str | None = None
    phase: str | None = None
    on: dt.date | None = None
    sandbox: Path | None = None
    state: Path | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    config: Path | None = None
    sandbox_latency_ms: float = 0.0
    sandbox_fault_rate: float = 0.0
    sandbox_seed: int | None = None
    ledger: str | None = None


@dataclass
class Run:
    registry: Registry
    meeting: MeetingFile
    procedure: Procedure
    phase: Phase
    on: dt.date
    state_dir: Path
    config: Config
    sandbox: SandboxEndpoints | None
    options: RunOptions
    # The chosen procedure's settings, from the config's [procedures.NAME] (checked on opening).
    settings: Any = None
    # The ledger's meeting this run is about (session.meeting_of), and, when the file was recognised as
    # correcting a meeting applied under another area or date, that meeting's key.
    key: str | None = None
    corrects_meeting: str | None = None

    def connect(self) -> Systems:
        return connect(self.registry, self.config, self.sandbox, self.options.concurrency)


def check_options(options: RunOptions) -> None:
    if options.phase is not None and options.phase not in PHASES:
        raise InputError("--phase", f"must be one of {', '.join(PHASES)}, not {options.phase!r}")
    if options.concurrency < 1:
        raise InputError("--concurrency", "must be at least 1")
    if not 0.0 <= options.sandbox_fault_rate < 1.0:
        raise InputError("--sandbox-fault-rate", "must be at least 0 and less than 1")
    if options.ledger and not options.ledger.startswith(("postgresql://", "postgresql+psycopg://", "sqlite:///")):
        raise InputError("--ledger", "expected postgresql://... (or sqlite:///PATH)")
    if options.sandbox_latency_ms < 0:
        raise InputError("--sandbox-latency-ms", "must not be negative")


@contextmanager
def open_run(options: RunOptions) -> Iterator[Run]:
    check_options(options)
    on = options.on or dt.date.today()
    registry = load()
    meeting, procedure = read_meeting(registry, options.meeting, options.procedure, on)
    source = RecordsFile(options.sandbox) if options.sandbox else None
    # The sandbox needs no configuration; one given explicitly still applies (e.g. the rep's training dates).
    config = load_config(options.config) if options.sandbox is None or options.config else Config()
    settings = settings_for(config, registry.procedures, procedure)
    check_system_sections(config, registry)
    phase: Phase = options.phase or default_phase(meeting, acting_time(options.on))  # type: ignore[assignment]
    state_dir = state_of(options, source)
    host = None
    endpoints = None
    if source is not None:
        # A sandbox seeded from these very bytes is not given the records again (nor are they read).
        records = None if source.seeded(state_dir, _emulated(registry)) else source.records()
        host = _host(registry, state_dir, records, SandboxOptions(
            options.sandbox_latency_ms, options.sandbox_fault_rate, options.sandbox_seed))
        source.remember(state_dir / "sandbox", *([] if options.state else [sandbox_root()]))
        endpoints = host.start()
    try:
        yield Run(registry, meeting, procedure, phase, on, state_dir, config, endpoints, options, settings)
    finally:
        if host is not None:
            host.stop()
            host.close()


def _emulated(registry: Registry) -> list[str]:
    return [name for name, reg in registry.record_systems().items() if reg.emulator]


def state_of(options: RunOptions, source: RecordsFile | None) -> Path:
    """The state folder of a run, checked so that a sandbox run and a real one never share one."""
    real = default_state_dir()
    if source is None:
        state = options.state or real
        if options.state is not None and (state / "sandbox").is_dir():
            raise InputError("--state", f"{state} holds a sandbox's state; a run against real systems never "
                                        "uses it (give --sandbox RECORDS_FILE, or another --state)")
        return state
    if options.state is None:
        return sandbox_state_dir(source)
    if _same_folder(options.state, real):
        raise InputError("--state", f"{options.state} is the real default state; a sandbox run never uses it "
                                    "(give another --state, or none)")
    if not source.same_as_seeded(options.state):
        check_seeded_from(options.state, source.records(), str(options.sandbox))
    return options.state


def _same_folder(one: Path, other: Path) -> bool:
    try:
        return one.resolve() == other.resolve()
    except OSError:
        return False


def _host(registry: Registry, state_dir: Path, records: dict[str, list[dict[str, Any]]] | None,
          options: SandboxOptions) -> SandboxHost:
    """The emulators of the installed adapters, seeded from ``records`` the first time."""
    emulators = {name: reg.emulator() for name, reg in registry.record_systems().items() if reg.emulator}
    return SandboxHost(emulators, state_dir, records, options)


@contextmanager
def sandbox_only(records_file: Path | None, state_dir: Path, options: SandboxOptions = SandboxOptions(),
                 serve: bool = True) -> Iterator[SandboxHost]:
    """The sandbox on its own (for ``sandbox serve`` and ``sandbox dump``)."""
    records = load_records(records_file) if records_file else None
    host = _host(load(), state_dir, records, options)
    try:
        if serve:
            host.start()
        yield host
    finally:
        if serve:
            host.stop()
        host.close()
