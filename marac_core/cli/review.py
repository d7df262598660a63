"""``marac review MEETING``: confirm or reject each unsure match; plan and apply then use the answer."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from marac_core.cli.options import fail_cleanly, run_coroutine, run_options, run_options_of


@click.command()
@run_options
@click.option("--confirm", multiple=True, metavar="CASE/PERSON/SYSTEM=RECORD",
              help="Confirm that this record is the person. PERSON: victim, perpetrator or child where the "
                   "case has one under review, else the person's name (or the review's name in plan --json).")
@click.option("--reject", multiple=True, metavar="CASE/PERSON/SYSTEM",
              help="None of the records offered is the person.")
@fail_cleanly
def review(confirm: tuple[str, ...], reject: tuple[str, ...], **kwargs: Any) -> None:
    """Confirm or reject each unsure match; plan and apply then use the answer.

    Without --confirm or --reject it asks at the terminal; with no terminal it says how to answer
    and exits 1 while reviews are open.
    """
    from marac_core.execution import session
    from marac_core.execution.runner import open_run
    from marac_core.planning import reviewing

    answers = reviewing.parse_answers(confirm, reject)
    asked = False
    with open_run(run_options_of(kwargs)) as run:
        ledger = session.ledger_for(run)
        try:
            planned = run_coroutine(session.plan(run, ledger))
            if not answers and planned.reviews and sys.stdin.isatty() and not kwargs["as_json"]:
                from marac_core.cli.display import prompt_review

                asked = True
                answers = reviewing.ask(planned, prompt_review)
            said = reviewing.record_answers(ledger, session.key_of(run), planned, answers)
        finally:
            ledger.close()
    answered = {line.split(" ", 1)[0] for line in said}
    still = [r for r in planned.reviews if r.ref not in answered]
    meeting = kwargs["meeting"]
    if kwargs["as_json"]:
        click.echo(json.dumps({"recorded": said, "reviews": [r.public() for r in still]}, indent=2,
                              ensure_ascii=False))
    else:
        for line in said:
            click.echo(line)
        if still:
            click.echo(f"{len(still)} review(s) still open; nothing is written to these people's records "
                       "until they are answered:")
            for line in reviewing.how_to_answer(planned, str(meeting)):
                click.echo(line)
        elif said:
            click.echo(f"next: marac plan {meeting} to see what the answers give, then marac apply {meeting}")
        else:
            click.echo("no reviews open: marac plan and marac apply go ahead")
    if still and not answers and not asked:
        sys.exit(1)  # nobody could be asked: the reviews are still open
