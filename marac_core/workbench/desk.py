"""The rep's desk: the meetings open in the workbench and what the core says about each.

Every rule is the core's: planning, reviewing, applying, status, marking done and
the deadlines are the very functions the ``marac`` commands call. This module only
keeps the last plan of each meeting in memory (so a page is served without
looking everyone up again) and runs one core call at a time (the sandbox and the
SQLite ledger are shared by all of them).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from marac_core.execution import session
from marac_core.execution.runner import RunOptions, open_run
from marac_core.intake.config import default_state_dir
from marac_core.model.errors import InputError
from marac_core.model.meeting import MeetingFile
from marac_core.planning.meeting_input import read_as_checked
from marac_core.planning.plan import Plan, acting_time, default_phase
from marac_core.planning.reviewing import Answer, record_answers
from marac_core.state.ledger import Ledger, meeting_key
from marac_core.workbench.cells import Cell, Unsettled, read_cells

PHASE_NAMES = {"before": "Before the meeting", "after": "After the meeting", "followup": "Follow-up"}


@dataclass(frozen=True)
class Settings:
    state: Path | None = None
    sandbox: Path | None = None
    ledger: str | None = None
    config: Path | None = None


@dataclass
class View:
    """One meeting's plan for one phase, as last worked out."""

    plan: Plan
    research: list[dict[str, Any]]
    key: str
    stamp: int


@dataclass
class Progress:
    """What ``session.apply`` reports as it goes (the CLI hands it rich's progress bar instead)."""

    total: int = 0
    done: int = 0

    def add_task(self, _name: str, total: int) -> int:
        self.total = total
        return 0

    def advance(self, _task: int) -> None:
        self.done += 1


@dataclass
class Job:
    """An apply running in the background, polled by the page."""

    meeting: int
    phase: str
    progress: Progress = field(default_factory=Progress)
    applied: Any = None
    error: str | None = None
    finished: threading.Event = field(default_factory=threading.Event)


class Desk:
    def __init__(self, settings: Settings, files: list[Path], on: dt.date | None = None) -> None:
        self.settings = settings
        self.on = on
        self.files: list[Path] = []
        self._views: dict[tuple[int, str], View] = {}
        self._parsed: dict[Path, tuple[int, MeetingFile]] = {}
        self._ledger: Ledger | None = None
        self._run = threading.Lock()  # one core call at a time: they share the sandbox and the ledger
        self.jobs: dict[str, Job] = {}
        # What the agenda's import was unsure of, per meeting made from an agenda (see workbench.cells).
        self._cells: dict[int, list[Cell]] = {}
        for path in files:
            self.add_file(path)
        for path in sorted(self.imported_dir.glob("*/meeting.yaml")):
            self.add_file(path)

    # -- where things are -------------------------------------------------------------
    @cached_property
    def state_dir(self) -> Path:
        """As the commands find it: --state, else a sandbox's own state apart from the real one, else the
        real default."""
        from marac_core.sandbox.records_file import reading_state

        return reading_state(self.settings.state, self.settings.sandbox) or default_state_dir()

    @property
    def imported_dir(self) -> Path:
        """Meetings made in the workbench (uploaded agendas and files): under the state folder."""
        return self.state_dir / "workbench" / "meetings"

    def add_file(self, path: Path) -> int:
        """The meeting's number in the workbench (its place in the list: no name reaches a URL)."""
        path = path.resolve()
        if path in self.files:
            return self.files.index(path) + 1
        read_as_checked(path)  # bad input is refused before it is listed
        self.files.append(path)
        return len(self.files)

    def path_of(self, number: int) -> Path:
        if not 1 <= number <= len(self.files):
            raise KeyError(number)
        return self.files[number - 1]

    def meeting(self, number: int) -> MeetingFile:
        """The meeting file as the core reads it; parsed again only when the file changed."""
        path = self.path_of(number)
        stamp = path.stat().st_mtime_ns
        held = self._parsed.get(path)
        if held is None or held[0] != stamp:
            held = (stamp, read_as_checked(path))
            self._parsed[path] = held
        return held[1]

    def today(self) -> dt.date:
        return self.on or dt.date.today()

    def phase_of(self, number: int, wanted: str | None) -> str:
        if wanted in PHASE_NAMES:
            return wanted  # type: ignore[return-value]
        return default_phase(self.meeting(number), acting_time(self.on))

    def options(self, number: int, phase: str) -> RunOptions:
        s = self.settings
        return RunOptions(meeting=self.path_of(number), phase=phase, on=self.on, sandbox=s.sandbox,
                          state=s.state, config=s.config, ledger=s.ledger)

    def open_ledger(self) -> Ledger:
        return Ledger.at(self.state_dir, self.settings.ledger)

    def states(self, key: str) -> dict[str, str]:
        """Each obligation's state in the ledger (as ``marac status`` names it), for the pages that show it.

        Read through one ledger held open while the workbench runs (opening one costs more than a page)."""
        from marac_core.state.ledger import STATE_NAMES

        if self._ledger is None:
            if not self.settings.ledger and not (self.state_dir / "ledger.sqlite").exists():
                return {}
            self._ledger = self.open_ledger()
        return {i: STATE_NAMES.get(e.state, e.state) for i, e in self._ledger.entries(key).items()}

    # -- the agenda's cells to settle ------------------------------------------------------
    def cells(self, number: int) -> list[Cell]:
        """Every cell the agenda's import was unsure of (settled or not); none for a meeting not made
        from an agenda in the workbench. Worked out once per run, from the agenda kept beside the file."""
        if number not in self._cells:
            path = self.path_of(number)
            inside = self.imported_dir.resolve() in path.parents
            self._cells[number] = read_cells(path) if inside else []
        return self._cells[number]

    def keep_cells(self, number: int, cells: list[Cell]) -> None:
        self._cells[number] = cells

    def settling(self, number: int) -> threading.Lock:
        """Held while a cell is settled: one change to the meeting file at a time."""
        self.forget(number)
        return self._run

    def open_cells(self, number: int) -> list[Cell]:
        return [c for c in self.cells(number) if not c.settled]

    def _settled_first(self, number: int) -> None:
        """Nobody is looked up, nothing applied, while a cell of the agenda is unsure."""
        left = self.open_cells(number)
        if left:
            raise Unsettled(len(left))

    # -- what the core says -------------------------------------------------------------
    def view(self, number: int, phase: str, fresh: bool = False) -> View:
        """The meeting's plan for ``phase``: the one in memory unless the file changed since or ``fresh``."""
        self._settled_first(number)
        stamp = self.path_of(number).stat().st_mtime_ns
        held = self._views.get((number, phase))
        if held is not None and not fresh and held.stamp == stamp:
            return held
        with self._run, open_run(self.options(number, phase)) as run:
            ledger = session.ledger_for(run)
            try:
                planned = asyncio.run(session.plan(run, ledger))
            finally:
                ledger.close()
            packs = session.research_packs(run.state_dir, session.own_key(run), [c.ref for c in run.meeting.cases])
            view = View(planned, packs, session.key_of(run), stamp)
        self._views[(number, phase)] = view
        return view

    def forget_all(self) -> None:
        self._views.clear()

    def forget(self, number: int) -> None:
        for known in [k for k in self._views if k[0] == number]:
            del self._views[known]

    def decide(self, number: int, phase: str, review: str, decision: str, record: str | None) -> list[str]:
        """``marac review --confirm/--reject``: checked against the open reviews, kept in the ledger."""
        view = self.view(number, phase)
        with self._run:
            ledger = self.open_ledger()
            try:
                said = record_answers(ledger, view.key, view.plan, [Answer(review, decision, record)])
            finally:
                ledger.close()
        self.forget(number)
        return said

    def start_apply(self, number: int, phase: str) -> str:
        self._settled_first(number)
        job_id = secrets.token_urlsafe(12)
        job = Job(number, phase)
        self.jobs[job_id] = job
        threading.Thread(target=self._apply, args=(job,), name="marac-workbench-apply", daemon=True).start()
        return job_id

    def _apply(self, job: Job) -> None:
        try:
            with self._run, open_run(self.options(job.meeting, job.phase)) as run:
                ledger = session.ledger_for(run)
                try:
                    job.applied = asyncio.run(session.apply(run, ledger, job.progress))
                finally:
                    ledger.close()
        except InputError as error:
            job.error = str(error)
        except Exception as error:  # noqa: BLE001 - shown to the rep; the ledger keeps what was done
            job.error = f"the apply stopped: {type(error).__name__} (run it again: nothing is written twice)"
        finally:
            self.forget(job.meeting)
            job.finished.set()

    def status(self, number: int, phase: str) -> list[dict[str, Any]]:
        """``marac status``: each obligation's state in the ledger (empty before the first apply)."""
        from marac_core.followup.status import meeting_status

        try:
            return meeting_status(self.path_of(number), None, self.settings.state, self.settings.ledger)
        except InputError:
            return []

    def ledger_meetings(self) -> list[dict[str, Any]]:
        if not self.settings.ledger and not (self.state_dir / "ledger.sqlite").exists():
            return []
        ledger = self.open_ledger()
        try:
            return ledger.meetings()
        finally:
            ledger.close()

    def key_of_file(self, number: int) -> str | None:
        from marac_core.planning.plan import choose_procedure
        from marac_core.plugins.registry import load

        meeting = self.meeting(number)
        try:
            chosen = choose_procedure(load(), meeting, None, str(self.path_of(number)))
        except InputError:
            return None
        return meeting_key(meeting.meeting.area, meeting.meeting.date, chosen.name)
