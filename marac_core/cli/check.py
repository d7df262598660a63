"""`marac check MEETING`: read and validate a meeting file without looking anyone up."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from marac_core.cli.options import fail_cleanly, iso_date


@click.command()
@click.argument("meeting", type=click.Path(path_type=Path))
@click.option("--procedure", help="Procedure to check against (overrides meeting.procedure).")
@click.option("--on", "on", callback=iso_date, metavar="YYYY-MM-DD", help="The day to act as of (default today).")
@fail_cleanly
def check(meeting: Path, procedure: str | None, on: dt.date | None) -> None:
    """Validate a meeting file as plan and apply read it; nothing is looked up or written."""
    from marac_core.planning.meeting_input import read_meeting
    from marac_core.plugins.registry import load

    parsed, chosen = read_meeting(load(), meeting, procedure, on or dt.date.today())
    people = sum(len(case.people()) for case in parsed.cases)
    entries = sum(len(c.outcome.actions) + len(c.outcome.children) for c in parsed.cases if c.outcome)
    with_outcome = sum(1 for c in parsed.cases if c.outcome)
    cases = len(parsed.cases)
    click.echo(f"{meeting}: ok ({chosen.name}): {cases} case{'s' * (cases != 1)}, {people} "
               f"{'person' if people == 1 else 'people'}, {entries} outcome entr{'y' if entries == 1 else 'ies'}"
               f" ({with_outcome} case{'s' * (with_outcome != 1)} with an outcome)")
