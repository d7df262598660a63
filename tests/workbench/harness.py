"""The workbench as the rep starts it: the real ``marac workbench`` command on a copy of the demo meetings.

The demo records get one more SystmOne record, a near namesake of the Doncaster
perpetrator (Mark Jones born 11 July, not 1 July), so the walk has a review to resolve.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from marac_core.cli.demo import bundled

NAMESAKE = {"id": "S1-9010", "name": "Mark Jones", "dob": "1988-07-11", "open": True}


def demo_copy(folder: Path, drop_outcome_of: tuple[str, ...] = ("DN-0413",)) -> Path:
    """The bundled demo meetings, minutes and records copied to ``folder`` (the bundle is never written to).

    The outcome of the cases in ``drop_outcome_of`` is removed, for the rep to record it in the page.
    """
    source = bundled()
    for name in ("herts-meeting.yaml", "rdash-meeting.yaml"):
        data = yaml.safe_load((source / name).read_text(encoding="utf-8"))
        for case in data["cases"]:
            if case["ref"] in drop_outcome_of:
                case.pop("outcome", None)
        (folder / name).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    shutil.copytree(source / "minutes", folder / "minutes")
    records = yaml.safe_load((source / "records.yaml").read_text(encoding="utf-8"))
    records["systmone"].append(dict(NAMESAKE))
    (folder / "records.yaml").write_text(yaml.safe_dump(records, sort_keys=False), encoding="utf-8")
    return folder


@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str
    stderr_path: Path

    @property
    def base(self) -> str:
        return self.url.split("/?", 1)[0]

    def stop(self) -> str:
        """Stop the server (as Ctrl-C would) and return what it wrote to stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


def start(folder: Path, *args: str, on: str = "2026-12-01") -> Served:
    """``marac workbench ... --no-browser``; returns once its first line (the URL) is printed."""
    stderr_path = folder / "workbench-stderr.txt"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "marac_core.cli.main", "workbench", *args, "--no-browser", "--on", on]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr_path.open("w"), text=True, env=env,
                               cwd=folder)
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 1.0)
        if ready:
            line = process.stdout.readline()
            assert line.startswith("workbench http://127.0.0.1:"), (line, stderr_path.read_text())
            return Served(process, line.split()[1], stderr_path)
        if process.poll() is not None:
            break
    process.kill()
    raise AssertionError(f"the workbench did not start: {stderr_path.read_text()}")
