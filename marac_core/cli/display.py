"""Readable terminal output (rich) for plans, adapters and sandbox contents."""

from __future__ import annotations

from typing import Any

from rich.console import Console
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
        console.print(Padding(Text(_short(_what(o), width * 2 - 6), style="dim"), (0, 0, 0, 6), expand=False))
    if plan.reviews:
        console.print(Text("Matches for a person to review (nothing is written to these records)", style="bold"))
        for r in plan.reviews:
            console.print(Text(f"  case {r.case} · {r.role} {r.person} · {r.system}: {r.reason}"))
            console.print(Padding(Text("candidates: " + ", ".join(
                f"{c['record']} ({c['score']:.2f})" for c in r.candidates), style="dim"), (0, 0, 0, 6), expand=False))
    for failure in plan.failures:
        console.print(f"[red]Look-up failed[/red]: case {failure.case}, {failure.role} on {failure.system}: "
                      f"{failure.reason}")
    for warning in plan.warnings:
        console.print(f"[yellow]Warning[/yellow]: {warning}")
    for ref, day in plan.repeats.items():
        console.print(f"[magenta]Repeat MARAC[/magenta]: case {ref}: the victim was heard at a meeting on {day}.")


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
        if result.status == "failed":
            console.print(f"[red]Failed[/red] {result.obligation.id} ({result.obligation.system} "
                          f"{result.obligation.action}): {result.detail}")
    counts = summary(applied.results)
    console.print("  ".join(f"{name}: {count}" for name, count in counts.items()))


def show_status(rows: list[dict[str, Any]]) -> None:
    table = Table(title="Obligations in the ledger")
    for column in ("Id", "Case", "Role", "System", "Record", "Action", "Due", "State"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row["id"], row["case"], row["role"] or "", row["system"], row["record"] or "",
                      row["action"], (row["due"] or "")[:16], row["state"])
    console.print(table)


def show_deadlines(items: list[Any]) -> None:
    table = Table(title="Due and overdue")
    for column in ("Due", "Meeting", "Case", "Role", "System", "Record", "Action", "State", "Id"):
        table.add_column(column, overflow="fold")
    for item in items:
        due = item.due.strftime("%d %b %Y %H:%M")
        table.add_row(f"[red]{due} overdue[/red]" if item.overdue else due, f"{item.area} {item.meeting_date}",
                      item.case, item.role or "", item.system, item.record or "", item.action, item.state, item.id)
    console.print(table)


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
    choices = [str(n) for n in range(1, len(offered) + 1)] + ["n", "s"]
    reply = Prompt.ask("Which record is this person? (number; n = none of these; s = decide later)",
                       choices=choices, default="s")
    if reply == "s":
        return None
    if reply == "n":
        return Answer(review.ref, "reject")
    return Answer(review.ref, "confirm", offered[int(reply) - 1].record)
