"""docs/writing-a-procedure.md: its examples run, in order, as one program, and use the public API only.

A guide whose examples do not run teaches plugin authors code that fails; one whose examples reach
into the core's internals teaches them code that breaks at the next release.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

import marac_core.api as api

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "writing-a-procedure.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
# A block whose first import line ends "# requires: NAME" needs a name of marac_core.api that another
# change adds (extra_fields: the strict meeting-file reader); it runs as soon as the name is there.
REQUIRES = re.compile(r"# requires: (\w+)")


def blocks() -> list[str]:
    return BLOCK.findall(GUIDE.read_text(encoding="utf-8"))


def missing(block: str) -> list[str]:
    return [name for name in REQUIRES.findall(block) if name not in api.EXPORTS]


def run(upto: int | None = None) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "writing_a_procedure"}
    for number, block in enumerate(blocks()[:upto]):
        if missing(block):
            continue
        exec(compile(block, f"{GUIDE.name} block {number + 1}", "exec"), namespace)  # noqa: S102
    return namespace


def test_the_guide_has_an_example_for_each_topic() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for topic in ("## 2. A procedure", "## 3. Test it with the harness", "## 4. Look-ups", "## 5. Obligations",
                  "## 6. Due times", "## 7. Phases, waiting_for, after, conditions, tasks", "## 9. Fields",
                  "## 10. Settings", "## 11. Attachments", "## 12. Registering", "## 13. Worked examples"):
        assert topic in text, topic
    assert len(blocks()) >= 10


def test_every_example_runs_in_order() -> None:
    namespace = run()
    assert namespace["PROCEDURE"].name == "kent-probation"


@pytest.mark.parametrize("number", [n for n, b in enumerate(blocks()) if REQUIRES.search(b)])
def test_examples_that_need_a_name_another_change_adds_run_once_it_is_there(number: int) -> None:
    block = blocks()[number]
    if missing(block):
        pytest.skip(f"marac_core.api has no {', '.join(missing(block))} yet (the strict meeting-file reader)")
    namespace = run(number)
    exec(compile(block, f"{GUIDE.name} block {number + 1}", "exec"), namespace)  # noqa: S102


def test_the_examples_import_marac_only_through_the_public_api() -> None:
    for block in blocks():
        for node in ast.walk(ast.parse(block)):
            modules = ([node.module] if isinstance(node, ast.ImportFrom) and node.module else
                       [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for module in modules:
                if module.startswith("marac"):
                    assert module in ("marac_core.api", "marac_core.testing"), module
