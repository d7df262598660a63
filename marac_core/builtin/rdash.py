"""RDaSH NHS Foundation Trust: MARAC procedure (SOP version 2.1).

Each rule names the SOP section it comes from; the choices made where the
text is ambiguous are in docs/procedures.md under the same section. Quoted
wording is reproduced exactly, including "Do not disclosure to patient."
"""

from __future__ import annotations

import datetime as dt
import re

from marac_core.api import (
    EMAIL,
    AgreedAction,
    Case,
    Listed,
    Obligation,
    PlanContext,
    Procedure,
    __version__,
    calendar,
    hookimpl,
    long_date,
    short_date,
)

NAME = "rdash"
PATIENT_RECORDS = "systmone"
SECURE_STORE = "livelink"

# 4.2: the alert wording.
VICTIM_ALERT = (
    "patient to be discussed at {area} multi-agency risk assessment conference (MARAC) on {date} "
    "as victim of high-risk domestic abuse."
)
PERPETRATOR_ALERT = (
    "patient to be discussed at {area} multi-agency risk assessment conference (MARAC) on {date} "
    "as alleged perpetrator of high risk domestic abuse. Do not disclosure to patient."
)
# 4.6.1: the child's alert wording.
CHILD_ALERT = (
    "child discussed at {area} multi-agency risk assessment conference (MARAC) on {date}, "
    "child experiencing or at risk of domestic abuse."
)
# 4.2 and 4.6.1: the last line of the brief note in the safeguarding template.
FURTHER_INFORMATION = (
    "for further information following the multi-agency risk assessment conference, please contact the "
    "trust Safeguarding team by completing a referral through the SystmOne safeguarding template"
)
SUBJECT_TO_MARAC = "subject to MARAC"
BOXES = {
    "victim": [SUBJECT_TO_MARAC, "victim of domestic abuse"],
    "perpetrator": [SUBJECT_TO_MARAC, "perpetrator of domestic abuse"],
    "child": [SUBJECT_TO_MARAC, "child experienced or at risk of domestic abuse"],
}
ALERT_MONTHS = 12
SUPERVISION_DAYS = 90
# 4.5: agreed actions that fall to trust services.
TRUST_SERVICES = re.compile(
    r"RDaSH|\bNHS\b|CMHT|0.?19|Aspire|safeguarding team|(?<!public )\bhealth\b|^\s*(the )?trust\s*$", re.I)
# 6: areas with a research form.
RESEARCH_FORMS = {"doncaster": "Appendix A: Doncaster research form", "rotherham": "Appendix B: Rotherham research form"}


class RDaSH(Procedure):
    name = NAME
    version = __version__
    title = "RDaSH NHS trust MARAC SOP"
    systems = (PATIENT_RECORDS,)

    def rules(self, context: PlanContext) -> list[Obligation]:
        by_phase = {"before": self.before, "after": self.after, "followup": self.followup}
        return by_phase[context.phase](context)

    # -- 4.2: before the meeting ----------------------------------------------------
    def before(self, context: PlanContext) -> list[Obligation]:
        out: list[Obligation] = []
        for case in context.meeting.cases:
            out.append(self.research_task(context, case))
            for role, index, person in case.people():
                if role == "child":
                    # 4.2 and 4.6.1: no alert on a listed child's record until after the meeting.
                    continue
                listed = Listed(case, role, index, person)
                record = context.lookup(listed, PATIENT_RECORDS).record
                if record is None or not record.involvement.open:
                    continue  # 4.2: only for "anyone listed who is currently open to trust services"
                wording = VICTIM_ALERT if role == "victim" else PERPETRATOR_ALERT
                out.append(context.obligation(
                    rule="rdash 4.2 alert", case=case, listed=listed, action="alert", system=PATIENT_RECORDS,
                    record=record.record, due=context.start, expires=self.expiry(context),
                    text=wording.format(area=context.area, date=long_date(context.date)),
                ))
                out.append(context.obligation(
                    rule="rdash 4.2 template", case=case, listed=listed, action="template_ticks",
                    system=PATIENT_RECORDS, record=record.record, due=context.start, boxes=BOXES[role],
                    text=self.template_note(case),
                ))
        return out

    def research_task(self, context: PlanContext, case: Case) -> Obligation:
        form = RESEARCH_FORMS.get(context.area.strip().casefold())
        text = ("Undertake the research on the victim, perpetrator and, where appropriate, children: recent "
                "visits, contact details, professional opinion on general health, child development and recent "
                "attitudes or behaviours of the family.")
        if form:
            text += f" Complete the MARAC research form ({form}); do not attach it to the patient record."
        if context.area.strip().casefold() == "doncaster":
            text += " The 0 to 19 service and Aspire provide their own research."
        return context.task(rule="rdash 4.2 research", case=case, text=text, due=context.start)

    # -- 4.2, 4.6, 4.6.1: after the meeting ------------------------------------------
    def after(self, context: PlanContext) -> list[Obligation]:
        out: list[Obligation] = []
        end_of_week = calendar.end_of_week(context.date)
        for case in context.meeting.cases:
            outcome = case.outcome
            for role, index, person in case.people():
                listed = Listed(case, role, index, person)
                record = context.lookup(listed, PATIENT_RECORDS).record
                if record is None or not record.involvement.open:
                    continue
                if role == "child":
                    out += self.child_after(context, listed, record.record, end_of_week)
                    continue
                if outcome is None:
                    out.append(context.task(
                        rule="rdash 4.6", case=case, listed=listed, due=end_of_week,
                        waiting_for="the meeting's outcome (risk factors and actions)",
                        text=("Add further information to the patient's record only if additional risk factors "
                              "were raised or there are specific actions for trust services."),
                    ))
                    continue
                if outcome.risk_factors:
                    text = (f"Additional risk factors raised at {context.area} multi-agency risk assessment "
                            f"conference (MARAC) on {long_date(context.date)}: "
                            + "; ".join(outcome.risk_factors) + ".")
                    if role == "perpetrator":
                        text += " Do not disclose to patient."
                    out.append(context.obligation(
                        rule="rdash 4.6 risk factors", case=case, listed=listed, action="alert",
                        system=PATIENT_RECORDS, record=record.record, due=end_of_week,
                        expires=self.expiry(context), text=text,
                    ))
                actions = self.trust_actions(case, listed)
                if actions:
                    lines = "\n".join(f"- {a.text}" + (f" (due {short_date(a.due)})" if a.due else "")
                                      for a in actions)
                    out.append(context.obligation(
                        rule="rdash 4.6 actions", case=case, listed=listed, action="case_note",
                        system=PATIENT_RECORDS, record=record.record, due=end_of_week, title="MARAC",
                        text=(f"Actions for trust services agreed at {context.area} multi-agency risk assessment "
                              f"conference (MARAC) on {long_date(context.date)}:\n{lines}"),
                    ))
            out += self.meeting_papers(context, case)
        return out

    def child_after(self, context: PlanContext, listed: Listed, record: str, due: dt.datetime) -> list[Obligation]:
        """4.6.1: a listed child who is neither victim nor perpetrator."""
        case = listed.case
        out: list[Obligation] = []
        in_contact = None
        if case.outcome is not None:
            child = case.outcome.child(listed.person.name)
            in_contact = child.in_contact if child else None
        if in_contact is not False:
            out.append(context.obligation(
                rule="rdash 4.6.1 alert", case=case, listed=listed, action="alert", system=PATIENT_RECORDS,
                record=record, due=due, expires=self.expiry(context),
                text=CHILD_ALERT.format(area=context.area, date=long_date(context.date)),
                waiting_for=(None if in_contact else
                             "whether the child is in contact with the victim or alleged perpetrator "
                             "(outcome.children[].in_contact)"),
            ))
        out.append(context.obligation(
            rule="rdash 4.6.1 template", case=case, listed=listed, action="template_ticks",
            system=PATIENT_RECORDS, record=record, due=due, boxes=BOXES["child"],
            text=self.template_note(case),
        ))
        return out

    def meeting_papers(self, context: PlanContext, case: Case) -> list[Obligation]:
        """4.2 and 4.6: minutes kept by the safeguarding team, never on a patient record; research forms destroyed."""
        out: list[Obligation] = []
        minutes = case.outcome.minutes if case.outcome else None
        due = calendar.end_of_week(context.date)
        if SECURE_STORE in context.installed:
            out.append(context.obligation(
                rule="rdash 4.2 minutes", case=case, action="upload_document", system=SECURE_STORE,
                record=None, title=f"MARAC {context.area} {context.date.isoformat()} minutes {case.ref}",
                attachments=[minutes] if minutes else [], due=due,
                text="MARAC minutes securely stored by the safeguarding team (not on the patient record).",
                waiting_for=None if minutes else "the minutes",
            ))
        else:
            out.append(context.task(
                rule="rdash 4.2 minutes", case=case, due=due, waiting_for=None if minutes else "the minutes",
                text=("Store the MARAC minutes securely with the safeguarding team. Do not attach them to the "
                      "patient record."),
            ))
        out.append(context.task(
            rule="rdash 4.2 research forms", case=case, due=calendar.at(context.date, calendar.END_OF_DAY),
            text="Destroy or delete the research forms for this case now that the meeting has taken place.",
        ))
        return out

    # -- 4.5: agreed actions, within the week of the meeting -----------------------------
    def followup(self, context: PlanContext) -> list[Obligation]:
        out: list[Obligation] = []
        coordinator = context.contact("coordinator")
        default_due = calendar.end_of_week(context.date)
        for case in context.meeting.cases:
            actions = self.trust_actions(case, None)
            tasks = []
            for number, action in enumerate(actions):
                due = calendar.at(action.due, calendar.END_OF_DAY) if action.due else default_due
                tasks.append(context.task(
                    rule="rdash 4.5 actions", case=case, slot=str(number), due=due,
                    text=(f"Ensure this action is undertaken by the responsible trust service: {action.text}"),
                ))
            out += tasks
            if not actions:
                continue
            # Each action with what was done, as the rep noted it (4.5: "confirm in detail").
            lines = "\n".join(f"- {a.text}" + (f"\n  Done: {note}" if (note := context.note(t.id)) else "")
                              for a, t in zip(actions, tasks))
            body = (f"Case {case.ref}, {context.area} MARAC on {long_date(context.date)}.\n"
                    f"Confirmation of the completion of the trust's actions:\n{lines}")
            due = max(calendar.at(a.due, calendar.END_OF_DAY) if a.due else default_due for a in actions)
            if coordinator is not None and coordinator.email:
                out.append(context.obligation(
                    rule="rdash 4.5 confirmation", case=case, action="email", system=EMAIL,
                    to=[coordinator.email], due=due, title=f"MARAC {long_date(context.date)}: actions completed",
                    text=body, after=[t.id for t in tasks],
                ))
            else:
                out.append(context.task(
                    rule="rdash 4.5 confirmation", case=case, due=due,
                    text="Email the MARAC administrator to confirm in detail the completion of all actions.",
                ))
        return out

    # -- 4.7, 4.9, 4.10: the representative -------------------------------------------
    def warnings(self, context: PlanContext) -> list[str]:
        if context.phase != "before":
            return []
        found = []
        if context.meeting.meeting.deputy is None:
            found.append("RDaSH SOP 4.7: no deputy is named for this meeting. If the representative cannot attend, "
                         "a deputy must attend to share information; if this is not possible, the head of "
                         "safeguarding must be informed.")
        rep = context.representative
        supervision = rep.last_supervision if rep else None
        if supervision is None or (context.date - supervision).days > SUPERVISION_DAYS:
            when = f"last recorded on {supervision.isoformat()}" if supervision else "not recorded"
            found.append(f"RDaSH SOP 4.9: safeguarding supervision is due at least once every 90 days ({when}).")
        training = rep.training_level3 if rep else None
        if training is None or calendar.add_months(training, rep.training_valid_months) < context.date:
            when = f"completed {training.isoformat()}" if training else "not recorded"
            found.append(f"RDaSH SOP 4.10: domestic abuse training level 3 must be up to date ({when}).")
        return found

    # -- helpers --------------------------------------------------------------------
    @staticmethod
    def expiry(context: PlanContext) -> dt.date:
        return calendar.add_months(context.date, ALERT_MONTHS)

    @staticmethod
    def template_note(case: Case) -> str:
        """4.2 and 4.6.1: the brief note within the safeguarding template."""
        def details(person) -> str:  # type: ignore[no-untyped-def]
            return person.name + (f", date of birth {short_date(person.dob)}" if person.dob else "")

        perpetrators = "; ".join(details(p) for p in case.perpetrator) or "not known"
        children = "; ".join(details(c) for c in case.children) or "none"
        return "\n".join([
            f"Victim details: {details(case.victim)}",
            f"Alleged perpetrator details: {perpetrators}",
            f"Children listed: {children}",
            FURTHER_INFORMATION,
        ])

    @staticmethod
    def trust_actions(case: Case, listed: Listed | None) -> list[AgreedAction]:
        """Actions for trust services; for one person, those naming them (or the victim, if unnamed)."""
        if case.outcome is None:
            return []
        mine = [a for a in case.outcome.actions if TRUST_SERVICES.search(a.agency)]
        if listed is None:
            return mine
        name = " ".join(listed.person.name.casefold().split())

        def concerns(action: AgreedAction) -> bool:
            if action.person is None:
                return listed.role == "victim"
            return " ".join(action.person.casefold().split()) == name

        return [a for a in mine if concerns(a)]


PROCEDURE = RDaSH()


@hookimpl
def marac_register_procedures(register) -> None:  # type: ignore[no-untyped-def]
    register(PROCEDURE)
