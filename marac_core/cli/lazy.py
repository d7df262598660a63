"""A click group whose commands are imported only when used, as click's documentation shows for
lazily loaded subcommands: ``marac --help`` lists them from a table of names and one-line help, and
``marac plan`` imports plan's module alone, so each command pays only for its own imports."""

from __future__ import annotations

import importlib
from gettext import gettext as _
from collections.abc import Mapping
from typing import Any

import click

# name -> ("module:attribute" of the click command, the first paragraph of its help, which is what
# the group's help shortens to one line; tests/test_cli_startup.py keeps the two the same).
LazyTable = Mapping[str, tuple[str, str]]


class LazyGroup(click.Group):
    """A click.Group with commands named in ``lazy_commands`` besides those added as usual."""

    def __init__(self, *args: Any, lazy_commands: LazyTable | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands: dict[str, tuple[str, str]] = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            self.add_command(load_command(self.lazy_commands[cmd_name][0]), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click.Group.format_commands, with the table's help standing in for a command not loaded."""
        commands: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name) or (
                click.Command(name, help=self.lazy_commands[name][1]) if name in self.lazy_commands
                else self.get_command(ctx, name))
            if command is not None and not command.hidden:
                commands.append((name, command))
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            rows = [(name, command.get_short_help_str(limit)) for name, command in commands]
            with formatter.section(_("Commands")):
                formatter.write_dl(rows)


def load_command(target: str) -> click.Command:
    """The click command at "module:attribute"."""
    module, _, attribute = target.partition(":")
    command = getattr(importlib.import_module(module), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{target} is not a click command")
    return command
