"""Readable terminal output (rich) for plans, adapters and sandbox contents."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from marac_core.planning.plan import Plan
from marac_core.plugins.registry import Registry

console = Console()


def _short(text: str, width: int = 90) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def _what(o: Any) -> str:
    what = o.title + ": " + o.text if o.title else o.text
    if o.waiting_for:
        what = f"[waiting for {o.waiting_for}] " + what
    condition = (o.model_extra or {}).get("condition")
    if condition:
        what = f"({condition}) " + what
    return what


def _obligation_line(o: Any, status: str | None) -> Text:
    """One obligation, readable at any width: ids and records are never cut in half."""
    line = Text("  ")
    if status is not None:
        line.append_text(Text.from_markup(status))
        line.append("  ")
    who = " ".join(part for part in (o.role, o.person) if part) or "meeting"
    line.append(who, style="bold")
    line.append(f" · {o.system}" + (f" {o.record}" if o.record else ""))
    line.append(f" · {o.action}")
    if o.due:
        line.append(f" · due {o.due.strftime('%d %b %H:%M')}")
    return line


def show_plan(plan: Plan, statuses: dict[str, str] | None = None) -> None:
    """The plan case by case: one line per obligation, then what it says (shortened; the full
    wording is in --json)."""
    m = plan.meeting.meeting
    console.print(Text(f"{m.area} MARAC {m.date.isoformat()} - {plan.procedure} - phase: {plan.phase}",
                       style="bold"))
    width = max(console.width - 6, 30)
    case = None
    for o in plan.obligations:
        if o.case != case:
            case = o.case
            console.print(Text(f"Case {case}", style="bold underline"))
        console.print(_obligation_line(o, None if statuses is None else statuses.get(o.id, "")))
        # A step done by hand is shown whole (it is to be copied); other wording is in `marac show ID`.
        what = _what(o) if o.system == "manual" else _short(_what(o), width * 2 - 6)
        console.print(Padding(Text(what, style="dim"), (0, 0, 0, 6), expand=False))
    if plan.reviews:
        console.print(Text("Matches for a person to review (nothing is written to these records)", style="bold"))
        for r in plan.reviews:
            console.print(Text(f"  case {r.case} · {r.role} {r.person} · {r.system}: {r.reason}"))
            console.print(Padding(Text("candidates: " + ", ".join(
                f"{c['record']} ({c['score']:.2f})" for c in r.candidates), style="dim"), (0, 0, 0, 6), expand=False))
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
    console.print(Text("Drift: carried out, but the meeting file now says otherwise (each is corrected)",
                       style="bold"))
    for d in plan.drift:
        console.print(Text(f"  case {d.case} · {d.system}" + (f" {d.record}" if d.record else "")
                           + f" · {d.action} · {d.what} changed"))
        console.print(Padding(Text(f"{d.id}, corrected by {', '.join(d.corrections)}", style="dim"),
                              (0, 0, 0, 6), expand=False))


def show_adapters(registry: Registry) -> None:
    table = Table(title="Installed adapters")
    for column in ("Name", "Version", "System", "Plugin"):
        table.add_column(column)
    for name, reg in sorted(registry.adapters.items()):
        table.add_row(name, reg.version, reg.title, "built in" if reg.builtin else registry.sources[name])
    console.print(table)
    from marac_core.cli.procedures import procedure_rows

    show_procedures(procedure_rows(registry))


def show_procedures(rows: list[dict[str, Any]]) -> None:
    table = Table(title="Procedures")
    for column in ("Name", "Version", "Title", "Plugin"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["name"], row["version"] or "", row["title"], row["plugin"])
    console.print(table)


def show_dump(held: dict[str, Any]) -> None:
    width = max(console.width - 6, 30)
    for system, contents in held.items():
        console.print(Text(f"{system} ({contents.get('requests', 0)} requests answered)", style="bold underline"))
        for kind, items in contents.items():
            if not isinstance(items, list):
                continue
            for item in items:
                record = str(item.get("record") or ", ".join(item.get("to") or []))
                content = item.get("text") or item.get("subject") or item.get("title") or ""
                extra = f" (expires {item['expires']}, {item.get('status')})" if item.get("expires") else ""
                console.print(Text(f"  {kind} · {record}{extra}"))
                console.print(Padding(Text(_short(str(content), width), style="dim"), (0, 0, 0, 6), expand=False))


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


def _todo(heading: str, what: str, note: str | None, hint: str | None, ident: str) -> None:
    """One to-do, readable at any width: what it is, then all it says (never cut), the note, the id."""
    console.print(Text.from_markup(heading))
    console.print(Padding(Text(what), (0, 0, 0, 6), expand=False))
    if note:
        console.print(Padding(Text.from_markup(f"[green]note:[/green] ") + Text(note), (0, 0, 0, 6), expand=False))
    console.print(Padding(Text(hint or ident, style="dim"), (0, 0, 0, 6), expand=False))


def show_status(rows: list[dict[str, Any]]) -> None:
    console.print(Text("Obligations in the ledger", style="bold"))
    for row in rows:
        where = f"{row['system']} {row['record'] or ''}".strip()
        what = (row.get("title") + ": " if row.get("title") else "") + (row.get("text") or f"({row['rule']})")
        if row.get("corrects"):
            what = f"(corrects {row['corrects']}) " + what
        who = " ".join(p for p in (row["role"], row.get("person")) if p) or "meeting"
        due = (row["due"] or "")[:16].replace("T", " ")
        _todo(f"  [bold]{row['state']}[/bold]  " + escape(f"case {row['case']} · {who} · {row['action']} ({where})"
                                                          + (f" · due {due}" if due else "")),
              what, row.get("note"), row.get("hint"), row["id"])


def show_deadlines(items: list[Any]) -> None:
    console.print(Text("Due and overdue", style="bold"))
    for item in items:
        due = item.due.strftime("%d %b %Y %H:%M")
        where = f"{item.system} {item.record or ''}".strip()
        who = " ".join(p for p in (item.role, item.person) if p) or "meeting"
        when = f"[red]{due} overdue[/red]" if item.overdue else due
        _todo(f"  {when}  " + escape(f"{item.area} {item.meeting_date} · case {item.case} · {who} · {item.action} "
                                     f"({where}) · {item.state}"), item.text or f"({item.rule})", item.note,
              item.hint, item.id)


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
