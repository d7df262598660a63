"""The commands that have no module of their own (plan, apply, status, done, ...). main.py lists
them lazily: this module is imported only when one of them runs or shows its help."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from marac_core.cli.json_out import json_text
from marac_core.cli.lazy import LazyGroup
from marac_core.cli.options import (
    fail_cleanly,
    iso_date,
    run_coroutine,
    run_options,
    run_options_of,
    sandbox_state_option,
)


@click.command()
@run_options
@fail_cleanly
def plan(**kwargs: Any) -> None:
    """Look people up and print what must be done. Writes nothing to any record system."""
    from marac_core.execution import session
    from marac_core.execution.runner import open_run

    with open_run(run_options_of(kwargs)) as run:
        ledger = session.ledger_for(run) if _ledger_exists(run) else None
        try:
            result = run_coroutine(session.plan(run, ledger))
        finally:
            if ledger is not None:
                ledger.close()
    if kwargs["as_json"]:
        click.echo(json_text(result.public()))
    else:
        from marac_core.cli.display import show_plan

        show_plan(result)


def _ledger_exists(run: Any) -> bool:
    return bool(run.options.ledger) or (run.state_dir / "ledger.sqlite").exists()


@click.command()
@run_options
@fail_cleanly
def apply(**kwargs: Any) -> None:
    """Carry out the plan. Re-running it does nothing new; a killed run is completed by the next."""
    from marac_core.execution import session
    from marac_core.execution.runner import open_run

    with open_run(run_options_of(kwargs)) as run:
        ledger = session.ledger_for(run)
        try:
            if kwargs["as_json"] or not sys.stdout.isatty():
                applied = run_coroutine(session.apply(run, ledger))
            else:
                from rich.progress import Progress

                with Progress(transient=True) as progress:
                    applied = run_coroutine(session.apply(run, ledger, progress))
        finally:
            ledger.close()
    if kwargs["as_json"]:
        click.echo(json_text(applied.public()))
    else:
        from marac_core.cli.display import show_applied

        show_applied(applied)
    sys.exit(1 if applied.failed else 0)


@click.command()
@click.argument("meeting", type=click.Path(path_type=Path))
@click.option("--procedure", help="Procedure (overrides meeting.procedure).")
@click.option("--state", type=click.Path(path_type=Path), metavar="DIR")
@click.option("--ledger", metavar="URL")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@sandbox_state_option
@fail_cleanly
def status(meeting: Path, procedure: str | None, state: Path | None, ledger: str | None, as_json: bool,
           sandbox: Path | None) -> None:
    """Show each obligation: case, role, person, what to do (in full), due time, state and note."""
    from marac_core.sandbox.records_file import reading_state
    from marac_core.followup.status import meeting_status

    rows = meeting_status(meeting, procedure, reading_state(state, sandbox), ledger)
    if as_json:
        click.echo(json_text(rows, default=str))
    else:
        from marac_core.cli.display import show_status

        show_status(rows)


@click.command()
@click.argument("obligation_id")
@click.option("--note", metavar="TEXT", help="What was done (kept encrypted; status shows it, and the RDaSH "
                                            "confirmation to the MARAC administrator carries it).")
@click.option("--state", type=click.Path(path_type=Path), metavar="DIR")
@click.option("--ledger", metavar="URL")
@sandbox_state_option
@fail_cleanly
def done(obligation_id: str, note: str | None, state: Path | None, ledger: str | None, sandbox: Path | None) -> None:
    """Mark a manual step (or one checked by hand) as done."""
    from marac_core.sandbox.records_file import reading_state
    from marac_core.followup.status import mark

    state = reading_state(state, sandbox)
    if note is not None and (not note.strip() or any(ord(c) < 32 and c not in "\n\t" for c in note)):
        from marac_core.model.errors import InputError

        raise InputError("--note", "must be text, with no control characters")
    click.echo(mark(obligation_id, state, ledger, "done", note))


@click.command()
@click.argument("obligation_id")
@click.option("--state", type=click.Path(path_type=Path), metavar="DIR")
@click.option("--ledger", metavar="URL")
@fail_cleanly
def retry(obligation_id: str, state: Path | None, ledger: str | None) -> None:
    """After checking by hand that an uncertain write did not land, let the next apply write it."""
    from marac_core.followup.status import mark

    click.echo(mark(obligation_id, state, ledger, "retry"))


@click.command()
@click.option("--state", type=click.Path(path_type=Path), metavar="DIR")
@click.option("--ledger", metavar="URL")
@click.option("--on", "on", callback=iso_date, metavar="YYYY-MM-DD", help="The day to act as of (default today).")
@click.option("--within", type=int, metavar="DAYS", help="Only what is due within this many days (and overdue).")
@click.option("--ics", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the deadlines as an iCalendar file for the rep's calendar ('-' for stdout).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@sandbox_state_option
@fail_cleanly
def due(state: Path | None, ledger: str | None, on: dt.date | None, within: int | None, ics: Path | None,
        as_json: bool, sandbox: Path | None) -> None:
    """List what is due and overdue across meetings."""
    from marac_core.sandbox.records_file import reading_state

    state = reading_state(state, sandbox)
    from marac_core.followup.deadlines import deadlines, to_ics
    from marac_core.model.calendar import UK
    from marac_core.state.ledger import open_ledger

    from marac_core.intake.places import default_state_dir
    from marac_core.state.keys import key_for_state
    from marac_core.state.sealing import Sealer

    now = dt.datetime.now(UK) if on is None else dt.datetime.combine(on, dt.time(9, 0), tzinfo=UK)
    store = open_ledger(state, ledger)
    try:
        key = key_for_state(state or default_state_dir())
        items = deadlines(store, now, within, Sealer(key) if key is not None else None)
    finally:
        store.close()
    if ics is not None:
        data = to_ics(items)
        if str(ics) == "-":
            sys.stdout.buffer.write(data)
        else:
            ics.write_bytes(data)
            click.echo(f"{len(items)} deadlines written to {ics}", err=True)
        return
    if as_json:
        click.echo(json_text({"now": now.isoformat(), "deadlines": [i.public() for i in items]}))
    else:
        from marac_core.cli.display import show_deadlines

        show_deadlines(items)


@click.command()
@click.argument("meeting", type=click.Path(path_type=Path), required=False)
@click.option("--procedure", help="Procedure (overrides meeting.procedure).")
@click.option("--state", type=click.Path(path_type=Path), metavar="DIR")
@click.option("--ledger", metavar="URL")
@click.option("--on", "on", callback=iso_date, metavar="YYYY-MM-DD", help="The day to act as of (default today).")
@click.option("--retention-months", type=click.IntRange(min=1), default=13, show_default=True)
@fail_cleanly
def purge(meeting: Path | None, procedure: str | None, state: Path | None, ledger: str | None,
          on: dt.date | None, retention_months: int) -> None:
    """Remove a meeting's data (or every meeting's) from the runner's state once its retention period is over."""
    from marac_core.followup.retention import purge as purge_meetings
    from marac_core.intake.config import default_state_dir
    from marac_core.planning.meeting_input import read_meeting
    from marac_core.plugins.registry import load
    from marac_core.state.ledger import meeting_key, open_ledger

    only = None
    if meeting is not None:
        parsed, chosen = read_meeting(load(), meeting, procedure, on)
        only = meeting_key(parsed.meeting.area, parsed.meeting.date, chosen.name)
    store = open_ledger(state, ledger)
    try:
        verdicts = purge_meetings(store, state or default_state_dir(), on or dt.date.today(), only, retention_months)
    finally:
        store.close()
    for verdict in verdicts:
        click.echo(f"{verdict.meeting}: {verdict.reason}")
    if only is not None and not verdicts:
        click.echo("nothing held for that meeting")


@click.group()
def credentials() -> None:
    """Secrets for the record systems, held only in the system keyring."""


@credentials.command("set")
@click.argument("system")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the secret from standard input (for scripts).")
@fail_cleanly
def credentials_set(system: str, from_stdin: bool) -> None:
    """Store SYSTEM's password or token in the keyring."""
    from marac_core.plugins.credentials import store_secret

    secret = sys.stdin.readline().rstrip("\n") if from_stdin else click.prompt(
        f"Secret for {system}", hide_input=True, confirmation_prompt=True)
    store_secret(system, secret)
    click.echo(f"{system}: secret stored in the keyring")


@credentials.command("delete")
@click.argument("system")
@fail_cleanly
def credentials_delete(system: str) -> None:
    """Remove SYSTEM's secret from the keyring."""
    from marac_core.plugins.credentials import delete_secret

    delete_secret(system)
    click.echo(f"{system}: secret removed")


@credentials.command("list")
@fail_cleanly
def credentials_list() -> None:
    """Which installed systems have a secret in the keyring (never the secrets)."""
    from marac_core.plugins.credentials import secret_status

    for system, held in secret_status().items():
        click.echo(f"{system}: {'stored' if held else 'none'}")


@click.group()
def audit() -> None:
    """The append-only, hash-chained log of every write."""


@audit.command("verify")
@click.option("--state", type=click.Path(path_type=Path), metavar="DIR")
@click.option("--ledger", metavar="URL")
@click.option("--expect", metavar="HASH", help="The head hash noted down earlier: it must still be in the chain.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@fail_cleanly
def audit_verify(state: Path | None, ledger: str | None, expect: str | None, as_json: bool) -> None:
    """Check that no entry was edited, reordered or removed. Exit 1 if it was."""
    from marac_core.state.ledger import open_ledger

    store = open_ledger(state, ledger)
    try:
        result = store.audit.verify()
        hashes = {e["hash"] for e in store.audit.entries()} if expect else set()
    finally:
        store.close()
    intact = result.intact and (expect is None or expect in hashes)
    reason = result.reason if result.intact or not expect else result.reason
    if result.intact and expect is not None and expect not in hashes:
        reason = "the expected head hash is no longer in the chain: the log was rewritten"
    if as_json:
        click.echo(json.dumps({"intact": intact, "reason": reason, "entries": result.entries, "head": result.head}))
    else:
        click.echo(f"{'intact' if intact else 'TAMPERED'}: {reason} ({result.entries} entries; head {result.head})")
    sys.exit(0 if intact else 1)


@click.command()
@fail_cleanly
def adapters() -> None:
    """List the installed adapters with their versions."""
    from marac_core.cli.display import show_adapters
    from marac_core.plugins.registry import load

    show_adapters(load())


@click.command()
@click.option("--state", type=click.Path(path_type=Path), metavar="DIR",
              help="Keep the demo's ledger and sandbox here (default: a temporary folder).")
@click.option("--workbench", is_flag=True, help="Open the demo in the rep's workbench in the browser instead.")
@click.option("--no-browser", is_flag=True, help="With --workbench: print the URL only.")
@fail_cleanly
def demo(state: Path | None, workbench: bool, no_browser: bool) -> None:
    """Run the whole job on the bundled example meetings, no set-up needed."""
    from marac_core.cli.demo import run_demo, run_demo_workbench

    run_demo_workbench(state, not no_browser) if workbench else run_demo(state)


@click.group(cls=LazyGroup, lazy_commands={
    "reset": ("marac_core.cli.sandbox_reset:sandbox_reset",
              "Forget what the sandbox under DIR holds and the runner's state about it (its ledger,"
              " research packs); the next run with --sandbox seeds it from the records file it is given."),
})
def sandbox() -> None:
    """The built-in emulators of the record systems."""


@sandbox.command("dump")
@click.option("--state", type=click.Path(path_type=Path), required=True, metavar="DIR")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@fail_cleanly
def sandbox_dump(state: Path, as_json: bool) -> None:
    """Print what the emulated systems hold."""
    from marac_core.execution.runner import sandbox_only
    from marac_core.model.errors import InputError

    if not (state / "sandbox").is_dir():
        raise InputError(str(state), "no sandbox here (run plan or apply with --sandbox and --state first)")
    with sandbox_only(None, state, serve=False) as host:
        held = host.dump()
    if as_json:
        click.echo(json.dumps(held, indent=2, ensure_ascii=False, default=str))
    else:
        from marac_core.cli.display import show_dump

        show_dump(held)


@sandbox.command("serve")
@click.option("--sandbox", "records", type=click.Path(path_type=Path), required=True, metavar="RECORDS_FILE")
@click.option("--state", type=click.Path(path_type=Path), required=True, metavar="DIR")
@click.option("--sandbox-latency-ms", type=float, default=0.0)
@click.option("--sandbox-fault-rate", type=float, default=0.0)
@click.option("--sandbox-seed", type=int)
@fail_cleanly
def sandbox_serve(records: Path, state: Path, sandbox_latency_ms: float, sandbox_fault_rate: float,
                  sandbox_seed: int | None) -> None:
    """Keep the emulators running on loopback until interrupted."""
    import signal
    import threading

    from marac_core.execution.runner import sandbox_only
    from marac_core.sandbox.host import SandboxOptions

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    options = SandboxOptions(sandbox_latency_ms, sandbox_fault_rate, sandbox_seed)
    with sandbox_only(records, state, options) as host:
        endpoints = host.endpoints
        for name, url in sorted(endpoints.urls.items()):
            click.echo(f"{name} {url}")
        host_name, port = endpoints.smtp
        click.echo(f"email {host_name}:{port}")
        sys.stdout.flush()
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
