"""``marac research MEETING``: the research packs an apply before the meeting kept, until the meeting."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from marac_core.cli.options import STATE_HELP, fail_cleanly, iso_date


@click.command()
@click.argument("meeting", type=click.Path(path_type=Path))
@click.option("--procedure", help="Procedure to follow (overrides meeting.procedure).")
@click.option("--state", type=click.Path(path_type=Path), metavar="DIR", help="The runner's state. " + STATE_HELP)
@click.option("--sandbox", type=click.Path(path_type=Path), metavar="RECORDS_FILE",
              help="The sandbox seeded from this records file (its own state, without --state).")
@click.option("--on", "on", callback=iso_date, metavar="YYYY-MM-DD", help="The day to act as of.")
@click.option("--destroy", is_flag=True, help="Destroy this meeting's research packs now.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@fail_cleanly
def research(meeting: Path, procedure: str | None, state: Path | None, sandbox: Path | None, on: Any,
             destroy: bool, as_json: bool) -> None:
    """Show the research pack of each case (what the look-ups found), kept until the meeting has taken place.

    An apply before the meeting keeps them; the first apply once it has taken place destroys them
    (or --destroy, at once). A plan never touches them.
    """
    from marac_core.execution import session
    from marac_core.sandbox.records_file import sandbox_state_dir
    from marac_core.intake.config import default_state_dir
    from marac_core.model.errors import InputError
    from marac_core.planning.meeting_input import read_meeting
    from marac_core.plugins.registry import load
    from marac_core.state.ledger import meeting_key

    parsed, chosen = read_meeting(load(), meeting, procedure, on)
    state_dir = state or (sandbox_state_dir(sandbox) if sandbox else default_state_dir())
    key = meeting_key(parsed.meeting.area, parsed.meeting.date, chosen.name)
    if destroy:
        gone = session.destroy_research_packs(state_dir, key)
        click.echo("research packs destroyed" if gone else "no research packs were kept for this meeting")
        return
    packs = session.research_packs(state_dir, key, [case.ref for case in parsed.cases])
    if not packs:
        raise InputError(str(meeting), "no research packs kept for this meeting (marac apply keeps them before "
                                       "the meeting; they are destroyed once it has taken place)")
    if (on or dt.date.today()) >= parsed.meeting.date:
        click.echo("the meeting has taken place: the next apply destroys these packs (or marac research "
                   "--destroy)", err=True)
    if as_json:
        click.echo(json.dumps(packs, indent=2, ensure_ascii=False))
    else:
        from marac_core.cli.display import show_research

        show_research(packs)
