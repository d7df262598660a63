"""Readable terminal output (rich) for plans, adapters and sandbox contents."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from marac_core.planning.plan import Plan
from marac_core.plugins.registry import Registry

console = Console()


def _short(text: str, width: int = 90) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def show_plan(plan: Plan, statuses: dict[str, str] | None = None) -> None:
    m = plan.meeting.meeting
    title = f"{m.area} MARAC {m.date.isoformat()} - {plan.procedure} - phase: {plan.phase}"
    table = Table(title=title, show_lines=False, expand=False)
    for column in ("Case", "Role", "Person", "System", "Record", "Action", "Due", "What"):
        table.add_column(column, overflow="fold")
    if statuses is not None:
        table.add_column("Status")
    for o in plan.obligations:
        what = o.title + ": " + o.text if o.title else o.text
        if o.waiting_for:
            what = f"[waiting for {o.waiting_for}] " + what
        condition = (o.model_extra or {}).get("condition")
        if condition:
            what = f"({condition}) " + what
        row = [o.case, o.role or "", o.person or "", o.system, o.record or "", o.action,
               o.due.strftime("%d %b %H:%M") if o.due else "", what]
        if statuses is not None:
            row.append(statuses.get(o.id, ""))
        table.add_row(*row)
    console.print(table)
    if plan.reviews:
        reviews = Table(title="Matches for a person to review (nothing is written to these records)")
        for column in ("Case", "Role", "Person", "System", "Reason", "Candidates"):
            reviews.add_column(column)
        for r in plan.reviews:
            reviews.add_row(r.case, r.role, r.person, r.system, r.reason,
                            ", ".join(f"{c['record']} ({c['score']:.2f})" for c in r.candidates))
        console.print(reviews)
    for failure in plan.failures:
        console.print(f"[red]Look-up failed[/red]: case {failure.case}, {failure.role} on {failure.system}: "
                      f"{failure.reason}")
    show_drift(plan)
    for warning in plan.warnings:
        console.print(f"[yellow]Warning[/yellow]: {warning}")
    for ref, day in plan.repeats.items():
        console.print(f"[magenta]Repeat MARAC[/magenta]: case {ref}: the victim was heard at a meeting on {day}.")


def show_drift(plan: Plan) -> None:
    """What was carried out that the meeting file no longer agrees with, and what corrects it."""
    if not plan.drift:
        return
    table = Table(title="Drift: carried out, but the meeting file now says otherwise (each is corrected)")
    for column in ("Case", "System", "Record", "Action", "What changed", "Id", "Corrected by"):
        table.add_column(column, overflow="fold")
    for d in plan.drift:
        table.add_row(d.case, d.system, d.record or "", d.action, d.what, d.id, ", ".join(d.corrections))
    console.print(table)


def show_adapters(registry: Registry) -> None:
    table = Table(title="Installed adapters")
    for column in ("Name", "Version", "System", "Plugin"):
        table.add_column(column)
    for name, reg in sorted(registry.adapters.items()):
        table.add_row(name, reg.version, reg.title, "built in" if reg.builtin else registry.sources[name])
    console.print(table)
    procedures = Table(title="Procedures")
    procedures.add_column("Name")
    procedures.add_column("Title")
    for name, procedure in sorted(registry.procedures.items()):
        procedures.add_row(name, procedure.title)
    console.print(procedures)


def show_dump(held: dict[str, Any]) -> None:
    for system, contents in held.items():
        table = Table(title=f"{system} ({contents.get('requests', 0)} requests answered)")
        for column in ("Kind", "Record", "Content"):
            table.add_column(column, overflow="fold")
        for kind, items in contents.items():
            if not isinstance(items, list):
                continue
            for item in items:
                record = str(item.get("record") or ", ".join(item.get("to") or []))
                content = item.get("text") or item.get("subject") or item.get("title") or ""
                extra = f" (expires {item['expires']}, {item.get('status')})" if item.get("expires") else ""
                table.add_row(kind, record, _short(str(content), 80) + extra)
        console.print(table)


STATUS_STYLE = {"done": "green", "already_done": "dim", "manual": "yellow", "failed": "red", "skipped": "cyan"}


def show_applied(applied: Any) -> None:
    from marac_core.execution.executor import summary

    statuses = {r.obligation.id: f"[{STATUS_STYLE[r.status]}]{r.status}[/]" for r in applied.results}
    show_plan(applied.plan, statuses)
    for result in applied.results:
        o = result.obligation
        if result.status == "failed":
            console.print(f"[red]Failed[/red] {o.id} ({o.system} {o.action}): {result.detail}")
        elif result.status == "manual":
            who = f" {o.role} {o.person}" if o.person else ""
            console.print(f"[yellow]By hand[/yellow]: case {o.case}{who}: {_short(o.text, 70)} - "
                          f"{result.detail or ''}", soft_wrap=True)
    counts = summary(applied.results)
    console.print("  ".join(f"{name}: {count}" for name, count in counts.items()))


def show_status(rows: list[dict[str, Any]]) -> None:
    table = Table(title="Obligations in the ledger")
    for column in ("Case", "Role", "Person", "Action", "What to do", "Due", "State", "Id"):
        table.add_column(column, overflow="fold")
    for row in rows:
        where = f"{row['system']} {row['record'] or ''}".strip()
        what = (row.get("title") + ": " if row.get("title") else "") + (row.get("text") or f"({row['rule']})")
        if row.get("note"):
            what += f"\n[green]note:[/green] {row['note']}"
        if row.get("corrects"):
            what = f"[magenta]corrects {row['corrects']}[/magenta] " + what
        table.add_row(row["case"], row["role"] or "", row.get("person") or "", f"{row['action']} ({where})",
                      what, (row["due"] or "")[:16].replace("T", " "), row["state"], row["id"])
    console.print(table)
    for row in rows:
        if row.get("hint"):
            console.print(f"case {row['case']} {row['role'] or ''} {row.get('person') or ''}: "
                          f"{row['hint']}".replace("  ", " "), soft_wrap=True)


def show_deadlines(items: list[Any]) -> None:
    table = Table(title="Due and overdue")
    for column in ("Due", "Meeting", "Case", "Role", "Person", "Action", "What to do", "State", "Id"):
        table.add_column(column, overflow="fold")
    for item in items:
        due = item.due.strftime("%d %b %Y %H:%M")
        where = f"{item.system} {item.record or ''}".strip()
        what = item.text or f"({item.rule})"
        if item.note:
            what += f"\n[green]note:[/green] {item.note}"
        table.add_row(f"[red]{due} overdue[/red]" if item.overdue else due, f"{item.area} {item.meeting_date}",
                      item.case, item.role or "", item.person or "", f"{item.action} ({where})", what,
                      item.state, item.id)
    console.print(table)
    for item in items:
        if item.hint:
            console.print(f"case {item.case}: {item.hint}", soft_wrap=True)


def show_research(packs: list[dict[str, Any]]) -> None:
    for pack in packs:
        table = Table(title=f"Research pack: case {pack['case']} (referred by {pack.get('referring_agency') or '?'})")
        for column in ("Role", "Name", "Born", "System", "Found", "Record", "Open", "Team", "Worker"):
            table.add_column(column, overflow="fold")
        for person in pack["people"]:
            for system, found in sorted(person["systems"].items()) or [("", {})]:
                table.add_row(person["role"], person["name"], person["dob"] or "", system, found.get("status", ""),
                              found.get("record") or "", "yes" if found.get("open") else "",
                              found.get("team") or "", found.get("allocated_worker") or "")
        console.print(table)


def prompt_review(review: Any, candidates: list[Any]) -> Any:
    """Ask the rep which record, if any, is this person."""
    from rich.prompt import Prompt

    from marac_core.planning.reviewing import Answer

    console.rule(f"Case {review.case}: {review.role} {review.person} in {review.system} ({review.reason})")
    table = Table()
    for column in ("#", "Record", "Name", "Born", "NHS number", "Score", "Why"):
        table.add_column(column)
    scores = {c["record"]: c for c in review.candidates}
    offered = [c for c in candidates if c.record in scores]
    for number, candidate in enumerate(offered, start=1):
        scored = scores[candidate.record]
        table.add_row(str(number), candidate.record, candidate.name, str(candidate.dob or ""),
                      candidate.nhs_number or "", f"{scored['score']:.2f}", "; ".join(scored["reasons"]))
    console.print(table)
    reply = answer_of(console.input(
        "Which record is this person? (its number or record id; n = none of these; s = decide later) [s]: "),
        [c.record for c in offered])
    while reply is None:
        reply = answer_of(console.input(f"Please type 1 to {len(offered)}, a record id "
                                        f"({', '.join(c.record for c in offered)}), n or s: "),
                          [c.record for c in offered])
    if reply == "s":
        console.print("Left open: nothing is written to this person's records until it is answered.")
        return None
    if reply == "n":
        console.print("Rejected: none of these records is used for this person.")
        return Answer(review.ref, "reject")
    console.print(f"Confirmed: {reply} is {review.person}.")
    return Answer(review.ref, "confirm", reply)


def answer_of(text: str, records: list[str]) -> str | None:
    """The rep's reply to a review: a record id (by its number or as typed), "n", "s", or None if unclear."""
    reply = text.strip()
    if reply.casefold() in ("", "s"):
        return "s"
    if reply.casefold() == "n":
        return "n"
    if reply.isdigit() and 1 <= int(reply) <= len(records):
        return records[int(reply) - 1]
    by_id = [r for r in records if r.casefold() == reply.casefold()]
    return by_id[0] if by_id else None
