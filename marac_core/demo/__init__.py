"""``marac demo``: the whole job on the bundled example meetings, against the sandbox."""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.panel import Panel

MEETINGS = ("herts-meeting.yaml", "rdash-meeting.yaml")
RECORDS = "records.yaml"
# Acting as of two days before the meeting, then on the meeting day.
PHASES = (("before", dt.date(2026, 12, 1)), ("after", dt.date(2026, 12, 3)))


def bundled() -> Path:
    return Path(str(resources.files("marac_core.demo")))


def run_demo(state: Path | None) -> None:
    from marac_core.display import show_plan
    from marac_core.planning import make_plan
    from marac_core.runner import RunOptions, open_run

    console = Console()
    folder = bundled()
    with tempfile.TemporaryDirectory(prefix="marac-demo-") as scratch:
        state_dir = state or Path(scratch)
        for meeting_file in MEETINGS:
            for phase, on in PHASES:
                options = RunOptions(meeting=folder / meeting_file, phase=phase, on=on,
                                     sandbox=folder / RECORDS, state=state_dir)
                with open_run(options) as run:
                    async def go() -> object:
                        systems = run.connect()
                        try:
                            return await make_plan(run.meeting, run.procedure, run.phase, run.on, systems,
                                                   options.meeting)
                        finally:
                            await systems.aclose()

                    show_plan(asyncio.run(go()))  # type: ignore[arg-type]
    console.print(Panel.fit(
        "Going further:\n"
        f"  marac plan {folder / MEETINGS[1]} --sandbox {folder / RECORDS} --state ./demo-state --json\n"
        "  marac adapters                      the installed record-system adapters\n"
        "  marac sandbox serve --sandbox RECORDS --state DIR   the emulators, for any client\n"
        "Write your own meeting file (shared format: README.md) and run marac plan on it.",
        title="marac demo"))
