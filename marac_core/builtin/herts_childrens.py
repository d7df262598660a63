"""Hertfordshire children's services: Processing MARAC Tasks (updated November 2024).

Each rule names the section of the guidance it comes from; the choices made
where the text is ambiguous are in docs/procedures.md under the same section.
Quoted wording is reproduced exactly, including its spelling and punctuation.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from enum import Enum

from pydantic import BaseModel, ConfigDict

from marac_core.api import (
    EMAIL,
    AgreedAction,
    Candidate,
    Case,
    Contact,
    Listed,
    Lookup,
    Obligation,
    PlanContext,
    Procedure,
    __version__,
    calendar,
    hookimpl,
    long_date,
)

NAME = "herts-childrens"

# Section 3: the LCS case note layout before the meeting.
BEFORE_NOTE_TITLE = "MARAC"
BEFORE_NOTE_REASON = (
    "Reason for contact: MARAC meeting will be held. See detailed notes for request for information "
    "from allocated worker to share at the MARAC."
)
BEFORE_NOTE_DETAIL = (
    "I represent Children’s Services at the monthly MARAC (Multi Agency Risk Assessment Conference) "
    "discussing high risk domestic violence cases. The following child(ren) are allocated to you and will "
    "be discussed at this month’s MARAC meeting. Please send me a brief update to provide at MARAC "
    "regarding:\n"
    "- Current CS involvement and concerns;\n"
    "- Historical CS involvement and concerns;\n"
    "- Any future CS involvement envisioned at this time;\n"
    "- Any information you want to request from other agencies (probation, police, housing, school, "
    "health, CMHT, IDVA);\n"
    "- Contact arrangements between parent and child;\n"
    "- Known risk factors to be shared at meeting"
)

# Section 5: the statement at the end of the LCS case note after the meeting.
LCS_STATEMENT = (
    "Please note that the above information is confidential and must not be shared with anybody including "
    "the family; the perpetrator cannot know they were discussed at the MARAC. If you feel it necessary for "
    "safeguarding purposes to use information, then you must first obtain consent directly from the agency "
    "that provided the information (i.e. IDVA, Probation, and Police) or consent from the MARAC chair. If you "
    "need contact details for professionals who attended MARAC please contact the MARAC coordinator ( for "
    "further information."
)

# Section 5: the statement in the email to SASH/MASH/Early Intervention/EHM workers.
EARLY_HELP_STATEMENT = (
    "Please find attached MARAC minutes, (which are password protected). Please note that the minutes are "
    "confidential and must not be shared with anybody including the family; the perpetrator cannot know they "
    "were discussed at the MARAC. If you feel it necessary for safeguarding purposes to use information within "
    "the minutes, then you must first obtain consent directly from the agency that provided the information "
    "(i.e. IDVA, Probation, and Police) or consent from the MARAC chair. If you need contact details for "
    "professionals who attended MARAC please contact the MARAC coordinator ( for further information. Please "
    "now upload the full minutes onto Livelink."
)

IFST_AGENCY = re.compile(r"\bIFST\b", re.I)
CHILDRENS_SERVICES = re.compile(r"children|\bCS\b|social care|IFST|MASH|SASH|early (help|intervention)", re.I)


class Involvement(Enum):
    """Where a child stands with Children's Services, as sections 3 and 5 distinguish."""

    LCS_OPEN = "open on LCS"
    IFST = "open to IFST"
    EARLY_HELP = "open to SASH/MASH or Early Intervention or on EHM"
    NOT_OPEN = "not open"


def _team_is(candidate: Candidate, *names: str) -> bool:
    team = (candidate.involvement.team or "").casefold()
    return any(n.casefold() in team for n in names)


def with_coordinator(statement: str, coordinator_email: str | None) -> str:
    """Fill the coordinator's address into the statement's empty parenthesis, when known (docs/procedures.md)."""
    if not coordinator_email:
        return statement
    return statement.replace("coordinator ( for", f"coordinator ({coordinator_email}) for")


class HertsMeetingFields(BaseModel):
    """What the Hertfordshire procedure reads under `meeting:` beyond the core's keys."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # Section 6.3: the Assessment team a new referral's minutes go to within 24 hours.
    assessment_team: Contact | None = None


class HertsChildrensServices(Procedure):
    name = NAME
    meeting_fields = HertsMeetingFields
    version = __version__
    title = "Hertfordshire children's services MARAC tasks"
    systems = ("lcs", "ehm")

    def people(self, meeting, phase):  # type: ignore[no-untyped-def]
        # Section 3: "Check names of children relevant to the list ... against LCS and EHM".
        # A victim or alleged perpetrator under 18 is a child to Children's Services (docs/procedures.md).
        for case in meeting.cases:
            for role, index, person in case.people():
                age = person.age_on(meeting.meeting.date)
                if role == "child" or (age is not None and age < 18):
                    for system in self.systems:
                        yield Listed(case, role, index, person), system

    # -- classification -------------------------------------------------------------
    def involvement(self, lcs: Lookup, ehm: Lookup) -> tuple[Involvement, Candidate | None, str] | None:
        """Where the child stands, the record that says so and its system.

        None while either system's answer is unsettled (review or failure). A system with no
        adapter installed counts as holding no record; its manual look-up task covers it.
        """
        if not all(s.known or s.status == "not_installed" for s in (lcs, ehm)):
            return None
        if lcs.status == ehm.status == "not_installed":
            return None
        on_lcs, on_ehm = lcs.record, ehm.record
        if on_lcs is not None and on_lcs.involvement.open:
            if _team_is(on_lcs, "IFST"):
                return Involvement.IFST, on_lcs, "lcs"
            if _team_is(on_lcs, "SASH", "MASH", "Early Intervention", "Early Help"):
                return Involvement.EARLY_HELP, on_lcs, "lcs"
            return Involvement.LCS_OPEN, on_lcs, "lcs"
        if on_ehm is not None and on_ehm.involvement.open:
            return Involvement.EARLY_HELP, on_ehm, "ehm"
        if on_lcs is not None:
            return Involvement.NOT_OPEN, on_lcs, "lcs"
        return Involvement.NOT_OPEN, on_ehm, "ehm"

    def children(self, context: PlanContext) -> list[tuple[Listed, Involvement, Candidate | None, str]]:
        found = []
        for listed, system in self.people(context.meeting, context.phase):
            if system != "lcs":
                continue
            decided = self.involvement(context.lookup(listed, "lcs"), context.lookup(listed, "ehm"))
            if decided is not None:
                found.append((listed, *decided))
        return found

    # -- rules ----------------------------------------------------------------------
    def rules(self, context: PlanContext) -> list[Obligation]:
        by_phase = {"before": self.before, "after": self.after, "followup": self.followup}
        return by_phase[context.phase](context)

    def before(self, context: PlanContext) -> list[Obligation]:
        """Section 3: Before MARAC Meeting."""
        out: list[Obligation] = []
        due = context.start
        requests: dict[tuple[str, str], list[tuple[Listed, Candidate, str]]] = defaultdict(list)
        # Every case with a child on the agenda, whatever its look-ups said (in review, failed, no adapter).
        cases_with_children: dict[str, Case] = {
            listed.case.ref: listed.case for listed, _ in self.people(context.meeting, context.phase)}
        for listed, involvement, record, system in self.children(context):
            if involvement is Involvement.NOT_OPEN:
                out.append(context.task(
                    rule="herts §3 (2)", case=listed.case, listed=listed, due=due,
                    text=(f"{listed.person.name} is not open to Children's Services: complete a summary of "
                          "information to take to the meeting and share."),
                ))
                continue
            assert record is not None
            out.append(context.obligation(
                rule="herts §3 (3)", case=listed.case, listed=listed, action="case_note", system=system,
                record=record.record, title=BEFORE_NOTE_TITLE, due=due,
                text=f"{BEFORE_NOTE_REASON}\n\n{BEFORE_NOTE_DETAIL}",
            ))
            worker = record.involvement.allocated_worker
            if worker is not None and worker.email:
                requests[(listed.case.ref, worker.email)].append((listed, record, system))
            else:
                out.append(context.task(
                    rule="herts §3 (3)", case=listed.case, listed=listed, due=due, slot="inform-worker",
                    text=(f"No allocated worker's email is on {system} for {listed.person.name}: inform the "
                          "allocated worker that the child is being heard at MARAC and get an update and "
                          "summary to share at the MARAC."),
                ))
        for (ref, worker_email), children in requests.items():
            case = children[0][0].case
            names = "\n".join(f"- {c.person.name} ({system.upper()} {r.record})" for c, r, system in children)
            out.append(context.obligation(
                rule="herts §3 (3)", case=case, action="email", system=EMAIL, slot=worker_email,
                to=[worker_email], due=due,
                title=f"MARAC {long_date(context.date)}: request for an update (case {ref})",
                text=f"{BEFORE_NOTE_DETAIL}\n\nChild(ren):\n{names}",
            ))
        for case in cases_with_children.values():
            out.append(context.task(
                rule="herts §3 (4)", case=case, due=due,
                text="Take the completed summary and agenda to the MARAC.",
            ))
        return out

    def after(self, context: PlanContext) -> list[Obligation]:
        """Sections 1 and 5 (After a Meeting) and 6 (children not open)."""
        out: list[Obligation] = []
        coordinator = context.contact("coordinator")
        coordinator_email = coordinator.email if coordinator else None
        next_day = calendar.next_working_day_end(context.date)
        for listed, involvement, record, system in self.children(context):
            case = listed.case
            outcome = case.outcome
            waiting = None if outcome is not None else "the meeting's outcome (summary and actions)"
            minutes = [outcome.minutes] if outcome and outcome.minutes else []
            actions = self.actions_for(case, listed)
            if involvement is Involvement.LCS_OPEN and record is not None:
                workers = [w.email for w in (record.involvement.allocated_worker, record.involvement.team_manager)
                           if w is not None and w.email]
                summary = self.summary_text(case, actions)
                out.append(context.obligation(
                    rule="herts §5 (1)", case=case, listed=listed, action="case_note", system="lcs",
                    record=record.record, title=f"MARAC {long_date(context.date)}", cc=workers,
                    text=f"{summary}\n\n{with_coordinator(LCS_STATEMENT, coordinator_email)}",
                    due=next_day, waiting_for=waiting,
                ))
                out.append(context.obligation(
                    rule="herts §5 (1)", case=case, listed=listed, action="upload_document", system="lcs",
                    record=record.record, title=f"MARAC {long_date(context.date)} minutes", attachments=minutes,
                    text="Upload minutes into a case note, once received.", due=next_day,
                    waiting_for=None if minutes else "the minutes",
                ))
                worker = record.involvement.allocated_worker
                if worker is not None and worker.email:
                    out.append(context.obligation(
                        rule="herts §1", case=case, listed=listed, action="email", system=EMAIL,
                        to=[worker.email], due=next_day, waiting_for=waiting,
                        title=f"MARAC {long_date(context.date)}: actions agreed (case {case.ref})",
                        text=(f"{listed.person.name} was discussed at the {context.area} MARAC on "
                              f"{long_date(context.date)}.\n\n{summary}\n\n"
                              f"{with_coordinator(LCS_STATEMENT, coordinator_email)}"),
                    ))
                else:
                    out.append(context.task(
                        rule="herts §1", case=case, listed=listed, due=next_day, waiting_for=waiting,
                        text=(f"No allocated worker's email is on lcs for {listed.person.name}: email the "
                              "allocated worker the details of the actions agreed at the meeting by hand."),
                    ))
            elif involvement is Involvement.EARLY_HELP and record is not None:
                worker = record.involvement.allocated_worker
                text = (f"{listed.person.name} was heard at the {context.area} MARAC on "
                        f"{long_date(context.date)}.\n\n{with_coordinator(EARLY_HELP_STATEMENT, coordinator_email)}")
                if worker is not None and worker.email:
                    out.append(context.obligation(
                        rule="herts §5 (2)", case=case, listed=listed, action="email", system=EMAIL,
                        to=[worker.email], attachments=minutes, due=next_day,
                        title=f"MARAC {long_date(context.date)} minutes (case {case.ref})", text=text,
                        waiting_for=None if minutes else "the minutes",
                    ))
                else:
                    out.append(context.task(
                        rule="herts §5 (2)", case=case, listed=listed, due=next_day,
                        text=(f"No worker's email is on {system} for {listed.person.name}: send the worker the "
                              "minutes and the statement by hand."),
                    ))
            elif involvement is Involvement.IFST:
                # "unless stated at the meeting, there will be no actions for Safeguarding MARAC rep";
                # only an action naming the child is stated for the rep, and one given to IFST itself
                # is for IFST's own representative (docs/procedures.md §5).
                stated = [a for a in actions if a.person is not None and not IFST_AGENCY.search(a.agency)]
                for number, action in enumerate(stated):
                    out.append(context.task(
                        rule="herts §5 (3)", case=case, listed=listed, slot=str(number),
                        due=self.action_due(action, next_day),
                        text=f"Action stated at the meeting for {listed.person.name} (open to IFST): {action.text}",
                    ))
            else:
                out += self.not_open(context, listed, record, system, actions)
        return out

    def not_open(self, context: PlanContext, listed: Listed, record: Candidate | None, system: str,
                 actions: list[AgreedAction]) -> list[Obligation]:
        """Section 6, paragraphs 2 and 3: children not open to Children's Services."""
        case = listed.case
        if case.outcome is None:
            return [context.task(
                rule="herts §6 (2)", case=case, listed=listed, waiting_for="the meeting's outcome",
                due=calendar.next_working_day_end(context.date),
                text=f"Record the meeting's outcome for {listed.person.name} (not open to Children's Services).",
            )]
        child = case.outcome.child(listed.person.name)
        coordinator = context.contact("coordinator")
        if child is not None and child.new_referral:
            within_24h = context.start + dt.timedelta(hours=24)
            team = context.contact("assessment_team")
            summary = self.summary_text(case, actions)
            if team is None or not team.email:
                return [context.task(
                    rule="herts §6 (3)", case=case, listed=listed, due=within_24h,
                    text=("Send the meeting's minutes or a summary to the relevant Assessment CIAO/ChiP/TM "
                          f"within 24 hours so that a referral is opened for {listed.person.name} "
                          "(generated by the team themselves, not via Gateway)."),
                )]
            return [context.obligation(
                rule="herts §6 (3)", case=case, listed=listed, action="email", system=EMAIL, to=[team.email],
                attachments=[case.outcome.minutes] if case.outcome.minutes else [], due=within_24h,
                title=f"MARAC {long_date(context.date)}: new referral and Child and Family Assessment",
                text=(f"It was agreed at the {context.area} MARAC on {long_date(context.date)} that a new "
                      f"referral should be generated and a Child and Family Assessment completed for "
                      f"{listed.person.name}. Please ensure that a referral is opened within 24 hours, "
                      f"generated by the team themselves, not via Gateway.\n\n{summary}"),
            )]
        if actions:
            return [context.task(
                rule="herts §6 (3)", case=case, listed=listed, slot=str(n),
                due=self.action_due(action, calendar.next_working_day_end(context.date)),
                text=f"Action agreed at MARAC for {listed.person.name} (not open): {action.text}",
            ) for n, action in enumerate(actions)]
        if record is None:
            return []  # No record to note; nothing the guidance asks for (docs/procedures.md §6).
        rep = context.contact("representative")
        who = f" ({coordinator.email})" if coordinator and coordinator.email else ""
        worker = f" ({rep.name})" if rep and rep.name else ""
        return [context.obligation(
            rule="herts §6 (2)", case=case, listed=listed, action="case_note", system=system,
            record=record.record, title="MARAC", section="case_summary",
            due=calendar.next_working_day_end(context.date),
            text=(f"{listed.person.name} was heard at the {context.area} MARAC on {long_date(context.date)}. "
                  f"Should the child be opened to Children’s Services in the future or should the information "
                  f"be required, contact the MARAC chair/co-ordinator{who} or the attending worker{worker} to "
                  "share details of the case."),
        )]

    def followup(self, context: PlanContext) -> list[Obligation]:
        """Section 6, paragraph 1: workers complete actions within 72 hours; reps feed back within a week."""
        out: list[Obligation] = []
        within_72h = context.start + dt.timedelta(hours=72)
        within_week = context.start + dt.timedelta(days=7)
        for listed, involvement, record, system in self.children(context):
            if involvement not in (Involvement.LCS_OPEN, Involvement.EARLY_HELP) or record is None:
                continue
            for number, action in enumerate(self.actions_for(listed.case, listed)):
                how = ("complete a MARAC case note copying in the Safeguarding MARAC representative"
                       if system == "lcs" else "case note on EHM and email the IFST MARAC representative")
                out.append(context.task(
                    rule="herts §6 (1)", case=listed.case, listed=listed, slot=f"worker-{number}",
                    due=within_72h,
                    text=(f"Check that the allocated worker has completed the action and will {how} "
                          f"(within 72 hours): {action.text}"),
                ))
                out.append(context.task(
                    rule="herts §6 (1)", case=listed.case, listed=listed, slot=f"feedback-{number}",
                    due=within_week, text=f"Feed back to MARAC on the action (within a week): {action.text}",
                ))
        return out

    # -- helpers --------------------------------------------------------------------
    @staticmethod
    def actions_for(case: Case, listed: Listed) -> list[AgreedAction]:
        """Children's Services actions for this child (or for the case as a whole)."""
        if case.outcome is None:
            return []
        name = " ".join(listed.person.name.casefold().split())
        return [a for a in case.outcome.actions
                if CHILDRENS_SERVICES.search(a.agency)
                and (a.person is None or " ".join(a.person.casefold().split()) == name)]

    @staticmethod
    def action_due(action: AgreedAction, default: dt.datetime) -> dt.datetime:
        return calendar.at(action.due, calendar.END_OF_DAY) if action.due else default

    @staticmethod
    def summary_text(case: Case, actions: list[AgreedAction]) -> str:
        summary = (case.outcome.summary if case.outcome and case.outcome.summary else "").strip()
        lines = [f"Summary: {summary}" if summary else "Summary: none recorded."]
        if actions:
            lines.append("Actions:")
            lines += [f"- {a.text}" + (f" (due {a.due.strftime('%d/%m/%Y')})" if a.due else "") for a in actions]
        else:
            lines.append("Actions: none for Children's Services.")
        return "\n".join(lines)


PROCEDURE = HertsChildrensServices()


@hookimpl
def marac_register_procedures(register) -> None:  # type: ignore[no-untyped-def]
    register(PROCEDURE)
