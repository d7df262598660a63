"""Dudley children's community health: Safeguarding Children SOP 3, Multi Agency Risk Assessment Committee (MARAC).

Source: "Standard Operating Procedure 3 (SOP 3): Multi Agency Risk Assessment Committee (MARAC)",
a Safeguarding Children SOP of the NHS trust whose children's community health practitioners work
in Dudley (health visitors, family nurses, paediatric allied health practitioners, community
children's nurses; it extends to school nurses working for Shropshire Community Trust). Published
at https://www.scribd.com/document/543988869/Safeguarding-Children-SOP-03-Multi-Agency-Risk-Assessment-Committee-MARAC
(page 1 of 10, as retrieved on 1 December 2026; the version and date of issue are cut off in the
text retrieved, and the trust is named only as "the Trust").

What the SOP asks of the trust's practitioners, by paragraph (docs/procedures.md, "Dudley
children's community health", records the choices made where it is ambiguous):

- "Why we have a procedure": what the meeting generates is shared with the trust's practitioners
  involved with the child.
- "Who does the procedure apply to": practitioners of children's community health, so the people
  looked up are the children (and anyone else on the agenda under 18), in the child health record.
- "When should the procedure be applied" (1): a referral the practitioner makes; (2) a request for
  information from the child's health record, the MARAC Notification Form Part A; (3) feedback after
  the meeting, the MARAC Form Part B, with recommendations for further action.
- "The entire document (Part A and B)" is filed in the child health record.

Written with the procedure kit alone: it imports marac only through marac_core.api.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

import marac_core.api as api
from marac_core.api import (
    EMAIL,
    AgreedAction,
    AttachedFile,
    Case,
    Listed,
    MeetingFile,
    Obligation,
    Phase,
    PlanContext,
    Procedure,
    Protected,
    __version__,
    calendar,
    hookimpl,
    long_date,
)

NAME = "dudley-childrens-health"
# The child health record. The SOP names no system; the trust's community children's services
# keep it in SystmOne, whose adapter marac ships (docs/procedures.md).
CHILD_HEALTH_RECORD = "systmone"
PART_A = "MARAC Notification Form Part A"
PART_B = "MARAC Form Part B"
ADULT_AGE = 18


def _inside_the_meetings_folder(value: str | None) -> str | None:
    """A form is a file in the meeting's folder: nothing from elsewhere is filed or emailed."""
    if value is None:
        return None
    path = PurePosixPath(value.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", value):
        raise ValueError("must be a file in the meeting's folder (a relative path, no '..')")
    return value


class CaseFields(BaseModel):
    """What this procedure reads under each case of the meeting file."""

    model_config = ConfigDict(extra="forbid")

    # "When ... applied" (2): the Part A the MARAC sent, as a file in the meeting's folder.
    part_a: AttachedFile | None = None

    @field_validator("part_a")
    @classmethod
    def _inside(cls, value: str | None) -> str | None:
        return _inside_the_meetings_folder(value)


class OutcomeFields(BaseModel):
    """What this procedure reads under each case's outcome."""

    model_config = ConfigDict(extra="forbid")

    # "When ... applied" (3): the Part B feedback after the meeting.
    part_b: AttachedFile | None = None

    @field_validator("part_b")
    @classmethod
    def _inside(cls, value: str | None) -> str | None:
        return _inside_the_meetings_folder(value)


class Settings(BaseModel):
    """The config file's [procedures.dudley-childrens-health] section."""

    model_config = ConfigDict(extra="forbid")

    # Which agencies named in the agreed actions are the trust's practitioners (a regular expression).
    trust_agencies: str = (r"health visit|\bHV\b|school nurs|family nurs|\bFNP?\b|physio|occupational therap|"
                           r"speech and language|community children|children'?s community|\bNHS\b|\btrust\b")
    # Part B filed and shared by the end of this working day after the meeting (the SOP gives no time).
    share_within_working_days: int = Field(default=1, ge=0, le=10)
    # Where Part B goes when the child's record names no practitioner's email (e.g. the 0-19
    # service's secure mailbox); without it, sharing is a task for the representative.
    practitioners_mailbox: str | None = None

    @field_validator("practitioners_mailbox")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError("not an email address")
        return value

    @field_validator("trust_agencies")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"not a regular expression: {error}") from None
        return value


def declared(obj: Any, model: type[BaseModel]) -> Any:
    """The fields this procedure declares, as the meeting file gave them.

    Through ``api.extra_fields`` where the core offers it (the strict reader checks them when the
    file is read); until then, the same model applied to the extra keys here.
    """
    reader = getattr(api, "extra_fields", None)
    if reader is not None:
        found = reader(obj)
        if found is not None:
            return found
    given = obj.model_extra or {}
    return model.model_validate({key: given[key] for key in model.model_fields if key in given})


class DudleyChildrensHealth(Procedure):
    name = NAME
    version = __version__
    title = "Dudley children's community health MARAC SOP 3"
    systems = (CHILD_HEALTH_RECORD,)
    settings_model = Settings
    case_fields = CaseFields
    outcome_fields = OutcomeFields
    # "Why": Part B goes to the practitioners as an archive named for it, its password in a second email.
    protected_attachments = Protected(
        archive="MARAC-Part-B.zip",
        password_subject="{subject}: password",
        password_notice=f"The password for the {PART_B} sent in a separate message is: {{password}}",
    )

    def people(self, meeting: MeetingFile, phase: Phase):  # type: ignore[no-untyped-def]
        """"Who": the children's practitioners hold the child health record, so the children are looked up.

        A victim or alleged perpetrator under 18 on the meeting's date is a child too (docs/procedures.md).
        """
        for case in meeting.cases:
            for role, index, person in case.people():
                age = person.age_on(meeting.meeting.date)
                if role == "child" or (age is not None and age < ADULT_AGE):
                    yield Listed(case, role, index, person), CHILD_HEALTH_RECORD

    def rules(self, context: PlanContext) -> list[Obligation]:
        if context.phase == "before":
            return self.before(context)
        if context.phase == "after":
            return self.after(context)
        return []  # the SOP asks nothing later than Part B

    def children(self, context: PlanContext) -> list[tuple[Listed, str, Any]]:
        """Each child with an open child health record: (listed, record id, the record)."""
        found = []
        for listed, system in self.people(context.meeting, context.phase):
            record = context.lookup(listed, system).record  # None unless matched (or to find by hand)
            if record is not None and record.involvement.open:
                found.append((listed, record.record, record))
        return found

    # -- before the meeting: "When" (2) and the filing paragraph --------------------------------
    def before(self, context: PlanContext) -> list[Obligation]:
        out: list[Obligation] = []
        for listed, record_id, _ in self.children(context):
            case = listed.case
            part_a = declared(case, CaseFields).part_a
            out.append(context.task(
                rule="dudley SOP3 when (2) Part A", case=case, listed=listed, due=context.start,
                text=(f"Answer the {PART_A} for {listed.person.name} from the Child Health Record and return it "
                      "to the MARAC before the meeting."),
            ))
            out.append(context.obligation(
                rule="dudley SOP3 filing Part A", case=case, listed=listed, action="upload_document",
                system=CHILD_HEALTH_RECORD, record=record_id, due=context.start,
                title=f"{PART_A}: {context.area} MARAC {long_date(context.date)}",
                attachments=[part_a] if part_a else [],
                waiting_for=None if part_a else f"the {PART_A} (cases[].part_a in the meeting file)",
                text=f"{PART_A} for the {context.area} MARAC on {long_date(context.date)}, filed in the Child "
                     "Health Record.",
            ))
        return out

    # -- after the meeting: "When" (3), "Why" and the filing paragraph ------------------------------
    def after(self, context: PlanContext) -> list[Obligation]:
        settings: Settings = context.settings or Settings()
        due = calendar.at(calendar.add_working_days(context.date, settings.share_within_working_days),
                          calendar.END_OF_DAY)
        out: list[Obligation] = []
        shares: dict[tuple[str, str], list[Listed]] = {}
        for listed, record_id, record in self.children(context):
            case = listed.case
            part_b = self.part_b(case)
            waiting = None if part_b else f"the {PART_B} (cases[].outcome.part_b in the meeting file)"
            out.append(context.obligation(
                rule="dudley SOP3 filing Part B", case=case, listed=listed, action="upload_document",
                system=CHILD_HEALTH_RECORD, record=record_id, due=due, waiting_for=waiting,
                title=f"{PART_B}: {context.area} MARAC {long_date(context.date)}",
                attachments=[part_b] if part_b else [],
                text=f"{PART_B} (feedback and recommendations) from the {context.area} MARAC on "
                     f"{long_date(context.date)}, filed in the Child Health Record.",
            ))
            worker = record.involvement.allocated_worker
            address = worker.email if worker is not None and worker.email else settings.practitioners_mailbox
            if address:
                shares.setdefault((case.ref, address), []).append(listed)
            else:
                out.append(context.task(
                    rule="dudley SOP3 why: shared", case=case, listed=listed, due=due, waiting_for=waiting,
                    text=(f"No practitioner's email is on the Child Health Record for {listed.person.name}: share "
                          f"the {PART_B} with the trust's practitioners involved with the child by hand."),
                ))
        for case in context.meeting.cases:
            out += self.recommendations(context, case, settings, due)
        for (ref, email), children in shares.items():
            case = children[0].case
            part_b = self.part_b(case)
            names = "\n".join(f"- {c.person.name}" for c in children)
            out.append(context.obligation(
                rule="dudley SOP3 why: shared", case=case, action="email", system=EMAIL, slot=email, to=[email],
                due=due, attachments=[part_b] if part_b else [],
                waiting_for=None if part_b else f"the {PART_B} (cases[].outcome.part_b in the meeting file)",
                title=f"MARAC {long_date(context.date)}: {PART_B} (case {ref})",
                text=(f"The {context.area} MARAC on {long_date(context.date)} discussed the family of the "
                      "child(ren) below, with whom the Child Health Record shows the trust's practitioners "
                      f"are involved. The {PART_B} is attached, password protected (the password follows in a "
                      "separate message), with its recommendations; it is filed in the Child Health Record. "
                      f"It is confidential: do not share it with the family.\n\nChild(ren):\n{names}"),
            ))
        return out

    # -- helpers ----------------------------------------------------------------------------
    @staticmethod
    def part_b(case: Case) -> str | None:
        return declared(case.outcome, OutcomeFields).part_b if case.outcome is not None else None

    @staticmethod
    def recommendations(context: PlanContext, case: Case, settings: Settings, default_due: Any) -> list[Obligation]:
        """"When" (3): each agreed action for the trust's practitioners, once, for the person it names."""
        if case.outcome is None:
            return []
        trust = re.compile(settings.trust_agencies, re.I)
        out = []
        for number, action in enumerate(a for a in case.outcome.actions if trust.search(a.agency)):
            listed = _named(case, action)
            who = f" for {listed.person.name}" if listed else ""
            out.append(context.task(
                rule="dudley SOP3 when (3) recommendations", case=case, listed=listed, slot=str(number),
                due=calendar.at(action.due, calendar.END_OF_DAY) if action.due else default_due,
                text=f"Recommendation from the {PART_B}{who} ({action.agency}): {action.text}",
            ))
        return out


def _named(case: Case, action: AgreedAction) -> Listed | None:
    """The person on the case an action names, if it names one."""
    if action.person is None:
        return None
    wanted = " ".join(action.person.casefold().split())
    for role, index, person in case.people():
        if " ".join(person.name.casefold().split()) == wanted:
            return Listed(case, role, index, person)
    return None


PROCEDURE = DudleyChildrensHealth()


@hookimpl
def marac_register_procedures(register) -> None:  # type: ignore[no-untyped-def]
    register(PROCEDURE)
