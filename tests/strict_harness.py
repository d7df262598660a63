"""Running marac on a changed copy of a demo meeting, in its own folder, against the sandbox."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from marac_core.cli.demo import bundled
from marac_core.cli.main import main

DEMO = bundled()
RECORDS = DEMO / "records.yaml"
RDASH = (DEMO / "rdash-meeting.yaml").read_text(encoding="utf-8")
HERTS = (DEMO / "herts-meeting.yaml").read_text(encoding="utf-8")
ON = "2026-12-03"


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    state: Path

    @property
    def json(self) -> dict:
        return json.loads(self.stdout)

    def one_line_error(self, *words: str) -> bool:
        lines = self.stderr.strip().splitlines()
        return self.code == 2 and len(lines) == 1 and all(w in lines[0] for w in words)


def folder(tmp_path: Path, text: str, name: str = "meeting.yaml") -> Path:
    """A meeting folder: the meeting file and the demo's minutes beside it."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    if not (tmp_path / "minutes").exists():
        shutil.copytree(DEMO / "minutes", tmp_path / "minutes")
    meeting = tmp_path / name
    meeting.write_text(text, encoding="utf-8")
    return meeting


def marac(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def run(command: str, tmp_path: Path, text: str, *extra: str | Path, records: Path = RECORDS,
        state: Path | None = None) -> Ran:
    meeting = folder(tmp_path, text)
    state = state or tmp_path / "state"
    if command == "check":
        code, out, err = marac("check", meeting, "--on", ON, *extra)
    else:
        code, out, err = marac(command, meeting, "--sandbox", records, "--state", state, "--on", ON, "--json", *extra)
    return Ran(code, out, err, state)


def written(state: Path) -> dict[str, list[str]]:
    """Record (system/record id, or email recipients) -> what was written to it."""
    if not state.exists():
        return {}
    code, out, _ = marac("sandbox", "dump", "--state", state, "--json")
    assert code == 0
    found: dict[str, list[str]] = defaultdict(list)
    for system, contents in json.loads(out).items():
        for kind, items in contents.items():
            if not isinstance(items, list):
                continue
            for item in items:
                if system == "email":
                    for address in item.get("to", []) + item.get("cc", []):
                        found[f"email/{address}"].append(item.get("subject", ""))
                else:
                    found[f"{system}/{item.get('record')}"].append(f"{kind}: {item.get('text') or item.get('title')}")
    return dict(found)
