"""The workbench as the rep starts it: the real ``marac workbench`` command on a copy of the demo meetings
(with a review to resolve and an outcome to record: see marac_core.cli.demo.prepare_workbench_demo)."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from marac_core.cli.demo import prepare_workbench_demo


def demo_copy(folder: Path) -> Path:
    """The bundled demo meetings, minutes and records copied to ``folder``, as ``marac demo --workbench`` does."""
    prepare_workbench_demo(folder)
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
    stderr_path = folder / f"workbench-stderr-{len(list(folder.glob('workbench-stderr-*')))}.txt"
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
