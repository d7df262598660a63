"""The preview ``marac import`` prints on stderr: each case's people, and what it was unsure of."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROLE_LABELS = (("victim", "victim"), ("perpetrator", "perpetrator"), ("children", "child"))


def _people(case: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    listed: list[tuple[str, dict[str, Any]]] = []
    for key, label in ROLE_LABELS:
        value = case.get(key)
        for person in ([value] if isinstance(value, dict) else value or []):
            listed.append((label, person))
    return listed


def _details(person: dict[str, Any]) -> str:
    parts = []
    if person.get("nhs_number"):
        parts.append(f"NHS {person['nhs_number']}")
    if person.get("postcode"):
        parts.append(person["postcode"])
    if person.get("aliases"):
        parts.append("aka " + ", ".join(person["aliases"]))
    return "; ".join(parts)


def show_import(imported: Any, agenda: Path, output: Path | None, mapping: Path | None) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True, width=80, highlight=False)
    meeting = imported.meeting["meeting"]
    cases = imported.meeting["cases"]
    people = sum(len(_people(c)) for c in cases)
    console.print(f"[bold]{agenda.name}[/]: {meeting['area']} MARAC, {meeting['date']}: "
                  f"{len(cases)} cases, {people} people (read from {', '.join(imported.read_from)})")
    for case in cases:
        title = case["ref"] + (f" ({case['referring_agency']})" if case.get("referring_agency") else "")
        table = Table(title=title, title_justify="left", box=box.SIMPLE, width=80, pad_edge=False)
        table.add_column("role", width=11)
        table.add_column("name", ratio=3, overflow="fold")
        table.add_column("dob", width=10)
        table.add_column("also", ratio=2, overflow="fold")
        for role, person in _people(case):
            table.add_row(role, person["name"], person.get("dob") or "-", _details(person))
        console.print(table)
    if imported.notes:
        console.print(f"[bold yellow]Unsure ({len(imported.notes)}): check these against the agenda[/]")
        for note in imported.notes:
            console.print(f"  - {note}", soft_wrap=False)
    else:
        console.print("Nothing unsure.")
    if output is not None:
        console.print(f"Wrote {output}")
    if mapping is not None:
        console.print(f"Headings recognised: {mapping} (edit it and pass it with --mapping if one is wrong)")
