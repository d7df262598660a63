"""The public API for plugin authors: everything an adapter or a procedure needs, in one place.

    from marac_core.api import Adapter, AdapterRegistration, hookimpl, Procedure, Obligation

Adapters (plugins/*), procedures (marac_core/builtin and outside plugins), the
scaffold's templates and the conformance kit import marac_core only through
this module (tests/test_public_api.py checks it). Every other module of the
core may move between releases; these names stay. Each is loaded on first use,
so importing this module costs nothing at start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> (home module, what it is for): the one table of the contract.
EXPORTS: dict[str, tuple[str, str]] = {
    # Registering plugins
    "hookimpl": ("marac_core.plugins.hookspecs", "Marks a plugin's hook implementations (marac_register_adapters, marac_register_procedures)."),
    "__version__": ("marac_core", "The installed marac-core version."),
    # Writing an adapter
    "Adapter": ("marac_core.plugins.adapter", "Base class of every adapter: override the operations the system supports."),
    "AdapterRegistration": ("marac_core.plugins.adapter", "What an adapter plugin registers: the adapter, its emulator, its settings."),
    "SystemSettings": ("marac_core.intake.config", "One system's configuration from the config file (never its secrets)."),
    "Unsupported": ("marac_core.plugins.adapter", "Raised by an adapter for something its system cannot do: the step becomes manual."),
    "Action": ("marac_core.model.obligations", "The kinds of obligation: case_note, alert, expire_alert, template_ticks, ..."),
    "ACTIONS": ("marac_core.model.obligations", "Every Action, in order."),
    "is_transient": ("marac_core.plugins.retrying", "Whether a request's error is worth retrying (timeouts, 429, 5xx)."),
    # What adapters read and write
    "PersonQuery": ("marac_core.model.records", "A search for one person in one system (names, date of birth, NHS number)."),
    "Candidate": ("marac_core.model.records", "A record a system returned for a search, with what it holds of the person."),
    "Worker": ("marac_core.model.records", "An allocated worker or team manager, as a record system holds them."),
    "Involvement": ("marac_core.model.records", "A record's involvement with a service: open or closed, team, workers."),
    "CaseNote": ("marac_core.model.records", "A case note to write (title, text, restricted, marker)."),
    "Alert": ("marac_core.model.records", "An alert ('flag and tag') to add, with its expiry and marker."),
    "RecordedAlert": ("marac_core.model.records", "An alert as the system holds it (for listing and expiring)."),
    "TemplateEntry": ("marac_core.model.records", "Ticks in a safeguarding template."),
    "Document": ("marac_core.model.records", "A document to upload (name, content, restricted, marker)."),
    "EmailMessage": ("marac_core.model.records", "An email to send (to, cc, subject, body, attachments)."),
    "WriteReceipt": ("marac_core.model.records", "What a system answered for a write (its id for what was written)."),
    # Emulators (the sandbox) for an adapter's system
    "Emulator": ("marac_core.sandbox.emulator", "Base class of a system's emulator, served on loopback by the sandbox."),
    "EmulatorStore": ("marac_core.sandbox.store", "The emulators' durable store (one collection per kind of thing)."),
    "SANDBOX_USERNAME": ("marac_core.sandbox.emulator", "The only username every emulator accepts."),
    "SANDBOX_PASSWORD": ("marac_core.sandbox.emulator", "The only password (or bearer token) every emulator accepts."),
    "search_people": ("marac_core.sandbox.people_search", "An emulator's people search, as record systems search (surname sounds alike, dob)."),
    "PeopleIndex": ("marac_core.sandbox.people_search", "An index of an emulator's people for search_people."),
    "SandboxHost": ("marac_core.sandbox.host", "Serves emulators on loopback (in a child process), as `marac sandbox serve` does."),
    "SandboxOptions": ("marac_core.sandbox.host", "The sandbox's latency, fault rate and seed."),
    "SandboxEndpoints": ("marac_core.sandbox.host", "Where a running sandbox serves each system (base URLs, SMTP port)."),
    "surname": ("marac_core.sandbox.people_search", "The surname part of a name as a record system would file it."),
    # Systems with no public API: marac's REST gateway contract
    "GatewayAdapter": ("marac_core.gateway.client", "An adapter for a system behind marac's REST gateway contract (OpenAPI)."),
    "GatewayEmulator": ("marac_core.gateway.emulator", "The emulator of the gateway contract."),
    "GatewayWording": ("marac_core.gateway.openapi", "How a gateway system names its records in the OpenAPI document."),
    # Writing a procedure
    "Procedure": ("marac_core.plugins.procedure", "Base class of a MARAC procedure: its rules turn a meeting into obligations."),
    "PlanContext": ("marac_core.plugins.procedure", "What a procedure's rules see: the meeting, each person's look-ups, the phase, the day."),
    "Lookup": ("marac_core.plugins.procedure", "What one system's look-up found for one person (matched, none, review or manual)."),
    "Listed": ("marac_core.plugins.procedure", "One person of a case as the rules see them: role, person, look-ups."),
    "Obligation": ("marac_core.model.obligations", "One thing to do, for one person, in one system."),
    "obligation_id": ("marac_core.model.obligations", "A stable id made from an obligation's parts (the same input, the same id)."),
    "Phase": ("marac_core.model.obligations", "The phase of a plan: before, after or followup."),
    "PHASES": ("marac_core.model.obligations", "Every Phase, in order."),
    "MANUAL": ("marac_core.model.obligations", "The system name of a step a person does."),
    "EMAIL": ("marac_core.model.obligations", "The system name of the built-in email adapter."),
    "Protected": ("marac_core.plugins.procedure", "How a procedure's email attachments are sent: the archive's name and the password email's wording."),
    "long_date": ("marac_core.plugins.procedure", "A date as mandated wording writes it: 3 December 2026."),
    "short_date": ("marac_core.plugins.procedure", "A date as 03/12/2026 (or 'not known')."),
    "calendar": ("marac_core.model.calendar", "Due times on England's working days (bank holidays, end of day, end of week)."),
    "Match": ("marac_core.matching.result", "What matching decided for one person in one system."),
    # The meeting file
    "MeetingFile": ("marac_core.model.meeting", "A whole meeting file: the meeting and its cases."),
    "Meeting": ("marac_core.model.meeting", "The meeting: area, date, time, procedure, representative."),
    "Case": ("marac_core.model.meeting", "One case: ref, victim, perpetrators, children, outcome."),
    "Person": ("marac_core.model.meeting", "A person on the agenda: name, date of birth, NHS number, aliases."),
    "Contact": ("marac_core.model.meeting", "A named person with an email address (representative, deputy, coordinator)."),
    "Role": ("marac_core.model.meeting", "A role on the agenda: victim, perpetrator or child."),
    "Outcome": ("marac_core.model.meeting", "What the meeting agreed for a case: summary, risk factors, actions, children."),
    "AgreedAction": ("marac_core.model.meeting", "One action agreed at the meeting: agency, text, due, person."),
    "ChildOutcome": ("marac_core.model.meeting", "A child's outcome: in contact, new referral."),
    "age_on": ("marac_core.model.meeting", "A person's age in whole years on a day."),
    "AttachedFile": ("marac_core.model.attached", "The type of a procedure's own field naming a file to attach: checked inside the meeting's folder, and present, before anyone is looked up."),
    "extra_fields": ("marac_core.model.meeting", "The fields a procedure declares (meeting_fields, case_fields, outcome_fields) of a Meeting, Case or Outcome, validated; None if it declares none."),
    "meeting_from_data": ("marac_core.planning.meeting_input", "A meeting given as a mapping, read strictly for a procedure as a meeting file is read."),
    "InputError": ("marac_core.model.errors", "Bad input: the message names the file and field (exit code 2)."),
}

__all__ = sorted(EXPORTS)


def __getattr__(name: str) -> Any:
    try:
        home, _ = EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    module = importlib.import_module(home)
    value = module if home.rsplit(".", 1)[-1] == name else getattr(module, name)
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # for type checkers and editors; kept equal to EXPORTS by tests/test_public_api.py
    from marac_core import __version__  # noqa: F401
    from marac_core.gateway.client import GatewayAdapter  # noqa: F401
    from marac_core.gateway.emulator import GatewayEmulator  # noqa: F401
    from marac_core.gateway.openapi import GatewayWording  # noqa: F401
    from marac_core.intake.config import SystemSettings  # noqa: F401
    from marac_core.matching.result import Match  # noqa: F401
    from marac_core.model import calendar  # noqa: F401
    from marac_core.model.attached import AttachedFile  # noqa: F401
    from marac_core.model.errors import InputError  # noqa: F401
    from marac_core.model.meeting import (  # noqa: F401
        AgreedAction,
        Case,
        ChildOutcome,
        Contact,
        Meeting,
        MeetingFile,
        Outcome,
        Person,
        Role,
        age_on,
        extra_fields,
    )
    from marac_core.model.obligations import (  # noqa: F401
        ACTIONS,
        EMAIL,
        MANUAL,
        PHASES,
        Action,
        Obligation,
        Phase,
        obligation_id,
    )
    from marac_core.model.records import (  # noqa: F401
        Alert,
        Candidate,
        CaseNote,
        Document,
        EmailMessage,
        Involvement,
        PersonQuery,
        RecordedAlert,
        TemplateEntry,
        Worker,
        WriteReceipt,
    )
    from marac_core.planning.meeting_input import meeting_from_data  # noqa: F401
    from marac_core.plugins.adapter import Adapter, AdapterRegistration, Unsupported  # noqa: F401
    from marac_core.plugins.hookspecs import hookimpl  # noqa: F401
    from marac_core.plugins.procedure import (  # noqa: F401
        Listed,
        Lookup,
        PlanContext,
        Procedure,
        Protected,
        long_date,
        short_date,
    )
    from marac_core.plugins.retrying import is_transient  # noqa: F401
    from marac_core.sandbox.emulator import SANDBOX_PASSWORD, SANDBOX_USERNAME, Emulator  # noqa: F401
    from marac_core.sandbox.host import SandboxEndpoints, SandboxHost, SandboxOptions  # noqa: F401
    from marac_core.sandbox.people_search import PeopleIndex, search_people, surname  # noqa: F401
    from marac_core.sandbox.store import EmulatorStore  # noqa: F401
