"""``marac demo``: the whole job on the bundled example meetings, against the sandbox."""

from __future__ import annotations

import asyncio
import sys
import datetime as dt
import tempfile
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.text import Text

MEETINGS = ("herts-meeting.yaml", "rdash-meeting.yaml")
RECORDS = "records.yaml"
# Acting as of two days before the meeting, then on the meeting day.
PHASES = (("before", dt.date(2026, 12, 1)), ("after", dt.date(2026, 12, 3)))


def bundled() -> Path:
    return Path(str(resources.files("marac_core.cli.demo")))


def run_demo(state: Path | None) -> None:
    from marac_core.cli.display import show_applied, show_dump
    from marac_core.execution import session
    from marac_core.execution.runner import RunOptions, open_run, sandbox_only

    console = Console()
    folder = bundled()
    with tempfile.TemporaryDirectory(prefix="marac-demo-") as scratch:
        state_dir = state or Path(scratch)
        for meeting_file in MEETINGS:
            for phase, on in PHASES:
                options = RunOptions(meeting=folder / meeting_file, phase=phase, on=on,
                                     sandbox=folder / RECORDS, state=state_dir)
                with open_run(options) as run:
                    ledger = session.ledger_for(run)
                    try:
                        applied = asyncio.run(session.apply(run, ledger))
                    finally:
                        ledger.close()
                console.rule(f"{meeting_file}: {phase} the meeting (acting as of {on.isoformat()})")
                show_applied(applied)
        console.rule("What the emulated record systems now hold")
        with sandbox_only(None, state_dir, serve=False) as host:
            show_dump(host.dump())
    marac, meeting, records = (_as_typed(p) for p in (Path(sys.argv[0]), folder / MEETINGS[1], folder / RECORDS))
    console.print(Text("Going further", style="bold"))
    console.print(f"marac is {marac} (or activate the venv: source .venv/bin/activate). Try:", soft_wrap=True)
    for line in (f"{marac} plan {meeting} --sandbox {records} --state demo-state",
                 f"{marac} apply {meeting} --sandbox {records} --state demo-state",
                 f"{marac} status {meeting} --state demo-state",
                 f"{marac} adapters",
                 f"{marac} --help"):
        console.print("  " + line, soft_wrap=True, highlight=False)
    console.print("The meeting file's format is in docs/interface.md; the procedures in docs/procedures.md.",
                  soft_wrap=True)


def _as_typed(path: Path) -> str:
    """A path as the rep would type it from here: relative when it is under the current folder."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
