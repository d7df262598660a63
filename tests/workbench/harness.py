"""The workbench as the rep starts it: the real ``marac workbench`` command on a copy of the demo meetings
(with a review to resolve and an outcome to record: see marac_core.cli.demo.prepare_workbench_demo)."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

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


def start_demo(folder: Path) -> Served:
    """The workbench on both demo meetings, against the sandbox, with its state under ``folder/state``."""
    return start(folder, "rdash-meeting.yaml", "herts-meeting.yaml", "--sandbox", "records.yaml", "--state", "state")


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def apply_and_wait(client: httpx.Client, csrf: str, phase: str, meeting: int = 1) -> str:
    """Carry out the plan from the page and poll until it has finished; the finished page."""
    answer = client.post(f"/meetings/{meeting}/apply", data={"csrf": csrf, "phase": phase})
    url = str(answer.url)
    for _ in range(600):  # each poll answers at once: decided from what the page says
        if "apply-running" not in answer.text:
            break
        answer = client.get(url)
    assert "apply-finished" in answer.text, answer.text[:500]
    return answer.text
