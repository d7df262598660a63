"""What the ``marac`` commands share: running a coroutine, refusing bad input, the run options.

Each command module under marac_core/cli/ builds on these; main.py gathers the commands.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click


# The cyclic collector's thresholds for the whole of a command (Python's default is 700, 10, 10).
RUN_GC_THRESHOLDS = (10_000, 10, 10)


def run_coroutine(coroutine: Any) -> Any:
    """asyncio.run, without handing it the result: on its way out asyncio.run formats the main
    task's repr, result included (twice, while restoring the SIGINT handler), which for a large
    plan costs seconds."""
    import asyncio
    import gc

    box: list[Any] = []

    async def main() -> None:
        box.append(await coroutine)

    # What is loaded by now (modules, models, the meeting) lives for the whole run: the cyclic
    # collector need not scan it again, nor run every 700 allocations among a run's many
    # short-lived objects (together about a tenth of an apply's CPU at concurrency 16).
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*RUN_GC_THRESHOLDS)
    try:
        asyncio.run(main())
    finally:  # as it was, for a caller that goes on (tests, say)
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    return box[0]


F = TypeVar("F", bound=Callable[..., Any])
# Where the state is kept when --state is not given (platformdirs' user data folder, not computed here:
# ``marac --help`` stays fast).
STATE_HELP = ("Default: the user data folder 'marac' (~/.local/share/marac on Linux, ~/Library/Application "
              "Support/marac on macOS, %LOCALAPPDATA%\\marac on Windows); with --sandbox and no --state, a "
              "folder of its own under 'marac-sandbox' beside it, one per records file, never the real state.")


# For the commands that read the state (status, done, due, show): which sandbox's state to read.
sandbox_state_option = click.option(
    "--sandbox", type=click.Path(path_type=Path), metavar="RECORDS_FILE",
    help="The state of the sandbox seeded from this records file (when run without --state).")


def fail_cleanly(command: F) -> F:
    """Bad input: one line on stderr naming the file and field, exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import gc

        from marac_core.model.errors import InputError, PluginError

        # Reading a large meeting and printing its plan make millions of objects that live to the end:
        # at the default thresholds the cyclic collector scans them over and over (a third of a
        # 2,000-case plan's CPU). Collected less often, as during the look-ups (run_coroutine).
        thresholds = gc.get_threshold()
        gc.set_threshold(*RUN_GC_THRESHOLDS)
        try:
            return command(*args, **kwargs)
        except InputError as error:
            click.echo(f"marac: {error}", err=True)
            sys.exit(2)
        except PluginError as error:
            click.echo(f"marac: plugin error: {error}", err=True)
            sys.exit(2)
        finally:
            gc.set_threshold(*thresholds)

    return wrapper  # type: ignore[return-value]


def iso_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def run_options(command: F) -> F:
    options = [
        click.argument("meeting", type=click.Path(path_type=Path)),
        click.option("--procedure", help="Procedure to follow (overrides meeting.procedure)."),
        click.option("--phase", type=click.Choice(["before", "after", "followup"]),
                     help="Which phase to plan (default: before the meeting day, after from it)."),
        click.option("--on", "on", callback=iso_date, metavar="YYYY-MM-DD", help="The day to act as of."),
        click.option("--sandbox", type=click.Path(path_type=Path), metavar="RECORDS_FILE",
                     help="Run against the built-in emulators seeded from this records file."),
        click.option("--state", type=click.Path(path_type=Path), metavar="DIR",
                     help="The runner's ledger (and sandbox data under DIR/sandbox/). " + STATE_HELP),
        click.option("--concurrency", type=int, default=8, show_default=True,
                     help="Requests in flight per system."),
        click.option("--config", type=click.Path(path_type=Path), help="Configuration file (TOML)."),
        click.option("--json", "as_json", is_flag=True, help="Print JSON."),
        click.option("--sandbox-latency-ms", type=float, default=0.0, help="Sandbox: delay per request."),
        click.option("--sandbox-fault-rate", type=float, default=0.0,
                     help="Sandbox: share of requests answered with a transient fault."),
        click.option("--sandbox-seed", type=int, help="Sandbox: seed for the faults."),
        click.option("--ledger", metavar="URL",
                     help="A shared ledger, e.g. postgresql://host/db (default: SQLite under --state)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def run_options_of(kwargs: dict[str, Any]) -> Any:
    from marac_core.execution.runner import RunOptions

    return RunOptions(
        meeting=kwargs["meeting"], procedure=kwargs["procedure"], phase=kwargs["phase"], on=kwargs["on"],
        sandbox=kwargs["sandbox"], state=kwargs["state"], concurrency=kwargs["concurrency"],
        config=kwargs["config"], sandbox_latency_ms=kwargs["sandbox_latency_ms"],
        sandbox_fault_rate=kwargs["sandbox_fault_rate"], sandbox_seed=kwargs["sandbox_seed"],
        ledger=kwargs["ledger"],
    )
