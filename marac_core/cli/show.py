"""``marac show OBLIGATION_ID``: the full wording of an obligation, as it was planned or written."""

from __future__ import annotations

import json
from pathlib import Path

import click

from marac_core.cli.options import fail_cleanly, sandbox_state_option


@click.command()
@click.argument("obligation_id")
@click.option("--state", type=click.Path(path_type=Path), metavar="DIR")
@click.option("--ledger", metavar="URL")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@sandbox_state_option
@fail_cleanly
def show(obligation_id: str, state: Path | None, ledger: str | None, as_json: bool, sandbox: Path | None) -> None:
    """Print the full mandated wording of an obligation (its title, text, boxes, recipients), never cut."""
    from marac_core.sandbox.records_file import reading_state
    from marac_core.followup.status import show as shown

    found = shown(obligation_id, reading_state(state, sandbox), ledger)
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    for item in found:
        click.echo(f"{item['id']}  case {item['case']}  {item.get('action')} in {item.get('system')}"
                   + (f" record {item['record']}" if item.get("record") else "")
                   + (f"  ({item['state']})" if item.get("state") else ""))
        if item.get("person"):
            click.echo(f"person: {item['person']}")
        for label in ("to", "cc", "boxes", "attachments"):
            if item.get(label):
                click.echo(f"{label}: {', '.join(item[label])}")
        if item.get("expires"):
            click.echo(f"expires: {item['expires']}")
        if item.get("corrects"):
            click.echo(f"corrects: {item['corrects']}")
        if item.get("title"):
            click.echo(f"title: {item['title']}")
        click.echo("")
        click.echo(item.get("text") or "")
        if item.get("note"):
            click.echo("")
            click.echo(f"note: {item['note']}")
