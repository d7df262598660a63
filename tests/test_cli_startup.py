"""marac's start-up: the lazily listed commands, and the cached ``marac --help`` printed without click.

The timing goal itself lives in bench/ (bench/run_performance.py --only help); these tests keep the
shortcuts honest: what they print is exactly what click prints.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from marac_core.cli import cached_help, entry, help_cache
from marac_core.cli.lazy import LazyGroup, load_command
from marac_core.cli.main import COMMANDS, main

MARAC = Path(sys.executable).with_name("marac")
REGENERATE = "python -m marac_core.cli.help_cache"


def _lazy_groups() -> list[tuple[str, LazyGroup]]:
    sandbox = load_command(COMMANDS["sandbox"][0])
    assert isinstance(main, LazyGroup) and isinstance(sandbox, LazyGroup)
    return [("marac", main), ("marac sandbox", sandbox)]


@pytest.mark.parametrize("where, group", _lazy_groups(), ids=["marac", "sandbox"])
def test_each_listed_command_is_the_command_with_the_help_the_table_gives(where: str, group: LazyGroup) -> None:
    for name, (target, text) in group.lazy_commands.items():
        command = load_command(target)
        assert not (command.hidden or command.deprecated or command.short_help), f"{where} {name}: the table " \
            "cannot stand in for a hidden or deprecated command, or one with its own short_help"
        for limit in range(10, 200):
            assert click.Command(name, help=text).get_short_help_str(limit) == command.get_short_help_str(limit), \
                f"{where} {name}: the table's help in {group.callback.__module__} is not {target}'s (make it so," \
                f" then regenerate the cached help with `{REGENERATE}`)"


def test_marac_help_imports_no_command_module() -> None:
    code = ("import sys; from marac_core.cli.main import main; main(['--help'], 'marac', standalone_mode=False); "
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('marac_core'))))")
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert ran.stdout.splitlines()[-1].split() == ["marac_core", "marac_core.cli", "marac_core.cli.lazy",
                                                   "marac_core.cli.main"]


def test_a_command_is_imported_when_it_runs_and_unknown_ones_are_refused_as_before() -> None:
    code = ("import sys; from marac_core.cli.main import main; main(['check', '--help'], 'marac', "
            "standalone_mode=False); print('marac_core.cli.check' in sys.modules, 'marac_core.cli.agenda' in sys.modules)")
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert ran.stdout.splitlines()[-1] == "True False"
    from click.testing import CliRunner

    refused = CliRunner().invoke(main, ["nosuch"])
    assert refused.exit_code == 2 and "No such command 'nosuch'." in refused.output


def test_the_cached_help_is_what_click_renders_now() -> None:
    assert Path(cached_help.__file__).read_text() == help_cache.source(), (
        f"marac_core/cli/cached_help.py is not click's rendering of `marac --help` any more (a command or its "
        f"help changed, or click did): regenerate it with `{REGENERATE}`")


def _live_click(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "import sys; sys.argv[0] = 'marac'; from marac_core.cli.main import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize("columns", [None, "200", "80", "79", "60", "0", "wide"])
@pytest.mark.parametrize("args", [["--help"], ["-h"], []], ids=["--help", "-h", "none"])
def test_marac_prints_what_click_prints(args: list[str], columns: str | None) -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"} | ({"COLUMNS": columns} if columns else {})
    fast = subprocess.run([str(MARAC), *args], capture_output=True, text=True, env=env, timeout=60)
    live = _live_click(args, env)
    assert (fast.returncode, fast.stdout, fast.stderr) == (live.returncode, live.stdout, live.stderr), \
        f"`marac {' '.join(args)}` differs from click's own output: regenerate with `{REGENERATE}`"


def test_marac_help_is_printed_without_importing_click() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "_MARAC_COMPLETE")}
    ran = subprocess.run([sys.executable, "-X", "importtime", str(MARAC), "--help"], capture_output=True,
                         text=True, env=env, timeout=60)
    assert ran.returncode == 0 and ran.stdout == cached_help.TEXT + "\n"
    imported = {line.rsplit("|", 1)[-1].strip() for line in ran.stderr.splitlines() if line.startswith("import time")}
    assert "marac_core.cli.entry" in imported and "click" not in imported, "the fast path was not taken"


def test_other_command_lines_and_a_narrow_terminal_go_to_click() -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    for args, extra in ((["--version"], {}), (["check", "--help"], {}), (["--help"], {"COLUMNS": "60"}),
                        (["--help"], {"_MARAC_COMPLETE": "bash_source"})):
        ran = subprocess.run([sys.executable, "-X", "importtime", str(MARAC), *args], capture_output=True,
                             text=True, env=env | extra, timeout=60)
        imported = {line.rsplit("|", 1)[-1].strip() for line in ran.stderr.splitlines()
                    if line.startswith("import time")}
        assert "click" in imported, args


@pytest.mark.parametrize("columns", [None, "0", "-3", "x", "40", "51", "52", "79", "80", "81", "500"])
def test_help_width_is_clicks(monkeypatch: pytest.MonkeyPatch, columns: str | None) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert entry.help_width() == max(min(shutil.get_terminal_size().columns, 80) - 2, 50)


def test_a_catalogue_for_the_users_language_sends_the_help_to_click(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "base_prefix", str(tmp_path))
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert not entry._translations_possible()  # no locale folder at all
    catalogue = tmp_path / "share" / "locale" / "fr_FR" / "LC_MESSAGES" / "messages.mo"
    catalogue.parent.mkdir(parents=True)
    assert not entry._translations_possible()
    catalogue.write_bytes(b"")
    assert entry._translations_possible()
    monkeypatch.setenv("LANG", "C")
    assert not entry._translations_possible()
    monkeypatch.setenv("LANGUAGE", "POSIX:fr")
    assert not entry._translations_possible()


def test_the_cached_text_is_used_only_with_the_click_it_came_from() -> None:
    assert entry._click_version_is(cached_help.CLICK_VERSION)
    assert not entry._click_version_is("0.0.0")
