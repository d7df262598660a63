"""The ``marac`` console script.

``marac``, ``marac --help`` and ``marac -h`` print the group's help from cached_help.py without
importing click: importing click alone costs most of the 60 ms start-up goal on a slow core. The
cached text is click's own rendering (tests/test_cli_startup.py fails when it differs); it is used
only when everything click's rendering depends on is as when it was made (the program name, the
terminal width, click's version, no translation, no shell completion). Otherwise, and for every
other command line, click runs as usual.
"""

from __future__ import annotations

import errno
import os
import sys

TYPE_CHECKING = False  # typing itself is not imported: it costs more than the rest of this path
if TYPE_CHECKING:
    from typing import Any, TextIO


def run() -> None:
    """What the ``marac`` script runs."""
    args = sys.argv[1:]
    if args in ([], ["--help"], ["-h"]) and _cached_help_applies():
        from marac_core.cli.cached_help import TEXT

        if args:
            _print_help(TEXT)  # exits 0 (1 when the reader has gone)
        # No arguments: click's no_args_is_help, the help on stderr and usage's exit code 2.
        sys.stderr.write(TEXT + "\n")
        sys.stderr.flush()
        sys.exit(2)
    from marac_core.cli.main import main

    main()


def _print_help(text: str) -> None:
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except OSError as error:  # as click does when the reader has gone (marac --help | head -1)
        if error.errno != errno.EPIPE:
            raise
        sys.stdout = _QuietFlush(sys.stdout)  # type: ignore[assignment]
        sys.stderr = _QuietFlush(sys.stderr)  # type: ignore[assignment]
        sys.exit(1)
    sys.exit(0)


def _cached_help_applies() -> bool:
    from marac_core.cli import cached_help

    main_module = sys.modules.get("__main__")
    return (os.name == "posix"
            and getattr(main_module, "__package__", None) in (None, "")  # click's program name: argv[0]
            and os.path.basename(sys.argv[0]) == cached_help.PROG_NAME
            and not os.environ.get("_MARAC_COMPLETE")
            and help_width() == cached_help.WIDTH
            and _click_version_is(cached_help.CLICK_VERSION)
            and not _translations_possible()
            and cached_help.TEXT.isascii())


def help_width() -> int:
    """The width click's HelpFormatter takes for the help: max(min(terminal columns, 80) - 2, 50),
    the columns as shutil.get_terminal_size finds them (COLUMNS, else stdout's terminal, else 80)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
        columns = columns or 80
    return max(min(columns, 80) - 2, 50)


def _click_version_is(version: str) -> bool:
    """Whether the click that ``import click`` would find is the one the cached text came from (its
    dist-info beside it), found without importing click or importlib.metadata."""
    for entry in sys.path:
        folder = entry or os.curdir
        if os.path.isfile(os.path.join(folder, "click", "__init__.py")):
            return os.path.isdir(os.path.join(folder, f"click-{version}.dist-info"))
    return False


def _translations_possible() -> bool:
    """Whether click's gettext could find a catalogue ('messages' in Python's default locale folder)
    for the user's language; the test is wider than gettext.find, which costs an import of re."""
    languages = next((os.environ[name] for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
                      if os.environ.get(name)), "C")
    if languages.split(":")[0] in ("C", "POSIX"):  # gettext stops at C: nothing is translated
        return False
    folder = os.path.join(sys.base_prefix, "share", "locale")
    try:
        return any(os.path.exists(os.path.join(folder, language, "LC_MESSAGES", "messages.mo"))
                   for language in os.listdir(folder))
    except OSError:
        return False


class _QuietFlush:
    """A stream whose flush ignores a broken pipe (click's wrapper, so exiting adds no traceback)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as error:
            if error.errno != errno.EPIPE:
                raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)
