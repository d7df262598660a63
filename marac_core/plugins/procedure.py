"""What a procedure plugin is: rules that turn a meeting and look-ups into obligations."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from marac_core.matching.decide import Match
from marac_core.model import calendar
from marac_core.model.meeting import Case, Contact, MeetingFile, Person, Role, extra_fields
from marac_core.model.obligations import MANUAL, Obligation, Phase, obligation_id
from marac_core.model.records import Candidate, Involvement
from marac_core.plugins.adapter import Action

# "manual": the system is in assisted-manual mode; the rep looks the person up by hand, so the
# procedure plans as if they had an open record and each obligation says so in its ``condition``.
LookupStatus = Literal["matched", "none", "review", "failed", "not_installed", "manual"]


@dataclass(frozen=True)
class Listed:
    """A person on the agenda, in their role on one case."""

    case: Case
    role: Role
    index: int
    person: Person

    @property
    def key(self) -> str:
        # Position, not name: ids and ledger keys must hold no personal data.
        return f"{self.role}-{self.index}"


@dataclass(frozen=True)
class Lookup:
    status: LookupStatus
    match: Match | None = None
    error: str | None = None
    # What the system's search returned, for the rep to choose from in a review.
    candidates: tuple[Candidate, ...] = ()

    @property
    def record(self) -> Candidate | None:
        if self.status == "manual":
            return Candidate(record="", name="", involvement=Involvement(open=True))
        return self.match.candidate if self.match and self.status == "matched" else None

    @property
    def known(self) -> bool:
        """Whether the system's answer is settled (a record, surely none, or the rep's to find)."""
        return self.status in ("matched", "none", "manual")


@dataclass
class PlanContext:
    """Everything a procedure may read to plan one phase of one meeting."""

    meeting: MeetingFile
    procedure: str
    phase: Phase
    on: dt.date
    installed: frozenset[str]
    lookups: dict[tuple[str, str, str], Lookup] = field(default_factory=dict)
    source_dir: Any = None
    # The representative's supervision and training dates, from the configuration.
    representative: Any = None
    # The procedure's own settings: its ``settings_model`` filled from the config's [procedures.NAME].
    settings: Any = None
    # Obligation id -> the rep's note on what was done (``marac done ID --note``), decrypted from the ledger.
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def date(self) -> dt.date:
        return self.meeting.meeting.date

    @property
    def area(self) -> str:
        return self.meeting.meeting.area

    @property
    def start(self) -> dt.datetime:
        return calendar.meeting_start(self.date, self.meeting.meeting.time)

    def contact(self, name: str) -> Contact | None:
        value = getattr(self.meeting.meeting, name, None)
        if value is None:  # a field the procedure declares (meeting_fields), e.g. assessment_team
            value = getattr(extra_fields(self.meeting.meeting), name, None)
        return value if isinstance(value, Contact) else None

    def note(self, obligation_id: str) -> str | None:
        """What the rep said was done for an obligation, if they said."""
        return self.notes.get(obligation_id)

    def lookup(self, listed: Listed, system: str) -> Lookup:
        return self.lookups.get((listed.case.ref, listed.key, system), Lookup("not_installed"))

    def obligation(
        self,
        *,
        rule: str,
        case: Case,
        action: Action,
        system: str,
        text: str,
        listed: Listed | None = None,
        record: str | None = None,
        slot: str = "",
        **fields: Any,
    ) -> Obligation:
        """An obligation whose id is stable for the same meeting, case, rule, person and record."""
        ident = obligation_id(self.area, self.date.isoformat(), self.procedure, rule, case.ref,
                              listed.key if listed else "-", system, record or "-", action, slot)
        if listed is not None and self.lookups.get((case.ref, listed.key, system), Lookup("none")).status == "manual":
            # Assisted-manual mode: the rep finds the record and does this by hand if it applies.
            fields.setdefault("condition", f"if {listed.person.name} has a record in {system} that is open to "
                                           "the service (look them up by hand)")
            record = None
        return Obligation(
            id=ident,
            case=case.ref,
            role=listed.role if listed else None,
            person=listed.person.name if listed else None,
            system=system,
            record=record,
            action=action,
            text=text,
            phase=self.phase,
            rule=rule,
            person_key=listed.key if listed else None,
            **fields,
        )

    def task(self, *, rule: str, case: Case, text: str, listed: Listed | None = None,
             slot: str = "", **fields: Any) -> Obligation:
        """A step a person does by hand."""
        return self.obligation(rule=rule, case=case, action="task", system=MANUAL, text=text,
                               listed=listed, slot=slot, **fields)


@dataclass(frozen=True)
class Protected:
    """How a procedure's attachments go by email: in one AES-256 archive, its password in a second email.

    ``password_subject`` may use ``{subject}`` (the first email's subject); ``password_notice`` must
    use ``{password}`` and may use ``{subject}``. The defaults are the core's wording for minutes.
    """

    archive: str = "MARAC-minutes.zip"
    password_subject: str = "{subject}: password"
    password_notice: str = "The password for the MARAC minutes sent in a separate message is: {password}"

    def __post_init__(self) -> None:
        if not self.archive.endswith(".zip") or any(c in self.archive for c in '/\\:'):
            raise ValueError(f"archive {self.archive!r}: a file name ending in .zip, with no folder")
        for label, template, needed in (("password_subject", self.password_subject, set()),
                                        ("password_notice", self.password_notice, {"password"})):
            used = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
            if not needed <= used or not used <= {"subject", "password"}:
                raise ValueError(f"{label} {template!r}: may use {{subject}} and {{password}}"
                                 + (", and must use {password}" if needed else ""))

    def subject_of_password(self, subject: str) -> str:
        return self.password_subject.format(subject=subject)

    def notice(self, subject: str, password: str) -> str:
        return self.password_notice.format(subject=subject, password=password)


class Procedure:
    """A MARAC procedure. Subclasses give the systems they use and the rules."""

    name: ClassVar[str]
    title: ClassVar[str]
    # The record systems whose records this procedure looks people up in.
    systems: ClassVar[tuple[str, ...]]
    # The extra meeting-file keys this procedure reads, each a pydantic model (extra="forbid") or
    # None: under `meeting:`, under each case, under each case's `outcome:`. Any other key is
    # refused when the file is read; the rules read them with marac_core.api.extra_fields(obj).
    meeting_fields: ClassVar[type[BaseModel] | None] = None
    case_fields: ClassVar[type[BaseModel] | None] = None
    outcome_fields: ClassVar[type[BaseModel] | None] = None

    # -- what a procedure plugin declares besides its rules (docs/writing-a-procedure.md) ------
    # The procedure's own version, listed by `marac procedures` (None: its distribution's version).
    version: ClassVar[str | None] = None
    # A pydantic model of the config file's [procedures.NAME] section, or None: it takes no settings.
    # Its instance is ``PlanContext.settings``.
    settings_model: ClassVar[type[BaseModel] | None] = None
    # The archive name and password email of attachments sent by email (see ``protected``).
    protected_attachments: ClassVar[Protected] = Protected()

    def protected(self, obligation: Obligation) -> Protected:
        """How this obligation's attachments are protected; override to vary it by rule."""
        return self.protected_attachments
    # -- end of the declarations ------------------------------------------------------------

    def people(self, meeting: MeetingFile, phase: Phase) -> Iterable[tuple[Listed, str]]:
        """Which people to look up in which systems."""
        for case in meeting.cases:
            for role, index, person in case.people():
                for system in self.systems:
                    yield Listed(case, role, index, person), system

    def plan(self, context: PlanContext) -> list[Obligation]:
        obligations = list(self.manual_lookups(context))
        obligations += self.rules(context)
        return obligations

    def rules(self, context: PlanContext) -> list[Obligation]:
        raise NotImplementedError

    def warnings(self, context: PlanContext) -> list[str]:
        return []

    def manual_lookups(self, context: PlanContext) -> Iterable[Obligation]:
        """A look-up task for each person in a system this agency has no adapter for."""
        for listed, system in self.people(context.meeting, context.phase):
            if context.lookup(listed, system).status == "not_installed":
                yield context.task(
                    # The phase is in the id: each phase's steps are a new task, not one already done.
                    rule=f"{self.name}: look-up", case=listed.case, listed=listed, slot=f"{system} {context.phase}",
                    text=(f"No {system} adapter is installed: look {listed.person.name} up in {system} "
                          f"by hand and carry out the {self.title} steps for them there."),
                    due=context.start,
                )


def long_date(day: dt.date) -> str:
    """Dates in wording: 3 December 2026."""
    return f"{day.day} {day:%B %Y}"


def short_date(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "not known"
