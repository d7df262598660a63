"""``marac workbench``: the rep's workbench in the browser, on this computer only."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from marac_core.cli.options import fail_cleanly, iso_date

LOOPBACK = "127.0.0.1"


@click.command()
@click.argument("meetings", nargs=-1, type=click.Path(path_type=Path), metavar="[MEETING ...]")
@click.option("--state", type=click.Path(path_type=Path), metavar="DIR",
              help="The runner's ledger (and sandbox data under DIR/sandbox/).")
@click.option("--sandbox", type=click.Path(path_type=Path), metavar="RECORDS_FILE",
              help="Work against the built-in emulators seeded from this records file.")
@click.option("--ledger", metavar="URL", help="A shared ledger, e.g. postgresql://host/db.")
@click.option("--config", type=click.Path(path_type=Path), help="Configuration file (TOML).")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port on 127.0.0.1 (0: any free one).")
@click.option("--no-browser", is_flag=True, help="Print the URL only; do not open the browser.")
@click.option("--on", "on", callback=iso_date, metavar="YYYY-MM-DD",
              help="The day to act as of (default today; the page can change it).")
@fail_cleanly
def workbench(meetings: tuple[Path, ...], state: Path | None, sandbox: Path | None, ledger: str | None,
              config: Path | None, port: int, no_browser: bool, on: dt.date | None) -> None:
    """Serve the rep's workbench in the browser until interrupted (loopback only, one-time link)."""
    serve(list(meetings), state, sandbox, ledger, config, port, not no_browser, on)


def serve(meetings: list[Path], state: Path | None, sandbox: Path | None, ledger: str | None,
          config: Path | None, port: int, browser: bool, on: dt.date | None) -> None:
    import socket

    import uvicorn

    from marac_core.execution.runner import RunOptions, check_options
    from marac_core.intake.config import load_config
    from marac_core.intake.meeting_file import load_records
    from marac_core.model.errors import InputError
    from marac_core.workbench.app import create_app
    from marac_core.workbench.desk import Desk, Settings
    from marac_core.workbench.security import Guard

    # Every input is checked before anything is served (bad input: exit 2, one line).
    check_options(RunOptions(meeting=Path("."), ledger=ledger))
    if sandbox is not None:
        load_records(sandbox)
    if sandbox is None or config is not None:
        from marac_core.plugins.registry import load
        from marac_core.plugins.system_settings import check_system_sections

        check_system_sections(load_config(config), load())
    desk = Desk(Settings(state=state, sandbox=sandbox, ledger=ledger, config=config), meetings, on)
    guard = Guard()
    app = create_app(desk, guard)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind((LOOPBACK, port))
    except OSError as error:
        raise InputError("--port", f"cannot listen on {LOOPBACK}:{port} ({error.strerror})") from None
    listener.listen(64)
    url = f"http://{LOOPBACK}:{listener.getsockname()[1]}/?token={guard.token}"
    click.echo(f"workbench {url}")
    sys.stdout.flush()
    if browser:
        import webbrowser

        webbrowser.open(url)
    # No access log: a URL is never personal, but a log of who looked at which case is nobody's business.
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                           server_header=False))
    server.run(sockets=[listener])
