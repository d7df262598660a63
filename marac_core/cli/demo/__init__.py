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


def meeting_from_agenda(folder: Path, meeting_file: str, into: Path) -> Path:
    """The demo meeting as a rep gets it: the coordinator's agenda imported, then what the rep
    knows beside it (who attends, and the outcome recorded at the meeting) from the hand-written file."""
    import shutil

    import yaml

    from marac_core.cli.agenda import write_checked
    from marac_core.cli.demo.agendas import AGENDAS
    from marac_core.intake.agenda import import_agenda

    imported = import_agenda(folder / AGENDAS[meeting_file])
    hand_written = yaml.safe_load((folder / meeting_file).read_text(encoding="utf-8"))
    meeting = {**hand_written["meeting"], **imported.meeting["meeting"]}
    meeting = {key: meeting[key] for key in hand_written["meeting"]}  # in the hand-written order
    outcomes = {case["ref"]: case["outcome"] for case in hand_written["cases"] if "outcome" in case}
    cases = [{**case, **({"outcome": outcomes[case["ref"]]} if case["ref"] in outcomes else {})}
             for case in imported.meeting["cases"]]
    if not (into / "minutes").exists():
        shutil.copytree(folder / "minutes", into / "minutes")
    path = into / meeting_file
    write_checked(path, yaml.safe_dump({"meeting": meeting, "cases": cases}, sort_keys=False, allow_unicode=True))
    return path


def run_demo(state: Path | None) -> None:
    from marac_core.cli.display import show_applied, show_dump
    from marac_core.execution import session
    from marac_core.execution.runner import RunOptions, open_run, sandbox_only

    console = Console()
    folder = bundled()
    with tempfile.TemporaryDirectory(prefix="marac-demo-") as scratch:
        state_dir = state or Path(scratch)
        for meeting_file in MEETINGS:
            from marac_core.cli.demo.agendas import AGENDAS

            imported = meeting_from_agenda(folder, meeting_file, Path(scratch))
            console.rule(f"{AGENDAS[meeting_file]}: the coordinator's agenda, imported (marac import)")
            for phase, on in PHASES:
                options = RunOptions(meeting=imported, phase=phase, on=on,
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

