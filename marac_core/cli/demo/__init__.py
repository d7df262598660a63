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
    console.print(Panel.fit(
        "Going further:\n"
        f"  marac plan {folder / MEETINGS[1]} --sandbox {folder / RECORDS} --state ./demo-state --json\n"
        f"  marac apply {folder / MEETINGS[1]} --sandbox {folder / RECORDS} --state ./demo-state\n"
        "  marac status MEETING --state ./demo-state     each obligation's state and due time\n"
        "  marac adapters                                 the installed adapters and procedures\n"
        "  marac sandbox serve --sandbox RECORDS --state DIR   the emulators, for any client\n"
        "The meeting file's format is in docs/interface.md; the procedures in docs/procedures.md.",
        title="marac demo"))


# For the workbench demo: a near namesake of the Doncaster perpetrator (born 11 July, not 1 July),
# so there is a review to resolve, and one case left without its outcome, for the rep to record.
NAMESAKE = {"id": "S1-9010", "name": "Mark Jones", "dob": "1988-07-11", "open": True}
OUTCOME_TO_RECORD = ("DN-0413",)


def prepare_workbench_demo(folder: Path, drop_outcome_of: tuple[str, ...] = OUTCOME_TO_RECORD) -> list[Path]:
    """Copies of the bundled meetings, minutes and records in ``folder`` (the bundle itself is never written to).

    Returns the meeting files, then the records file.
    """
    import shutil

    import yaml

    source = bundled()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in MEETINGS:
        data = yaml.safe_load((source / name).read_text(encoding="utf-8"))
        for case in data["cases"]:
            if case["ref"] in drop_outcome_of:
                case.pop("outcome", None)
        (folder / name).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        written.append(folder / name)
    shutil.copytree(source / "minutes", folder / "minutes", dirs_exist_ok=True)
    records = yaml.safe_load((source / RECORDS).read_text(encoding="utf-8"))
    records["systmone"].append(dict(NAMESAKE))
    (folder / RECORDS).write_text(yaml.safe_dump(records, sort_keys=False), encoding="utf-8")
    return [*written, folder / RECORDS]


def run_demo_workbench(state: Path | None, browser: bool = True) -> None:
    """``marac demo --workbench``: the workbench on copies of the demo meetings, against the sandbox,
    acting as of two days before the meeting (the page moves the day on)."""
    from marac_core.cli.workbench import serve

    with tempfile.TemporaryDirectory(prefix="marac-demo-") as scratch:
        state_dir = state or Path(scratch)
        folder = state_dir / "demo-meetings"
        if (folder / RECORDS).exists():  # a kept demo state: go on with its meetings as the rep left them
            files = [folder / name for name in MEETINGS] + [folder / RECORDS]
        else:
            files = prepare_workbench_demo(folder)
        serve(files[:-1], state_dir, files[-1], None, None, 0, browser, PHASES[0][1])

