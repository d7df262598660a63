"""Errors the user sees as one line and an exit code."""

from __future__ import annotations


class InputError(Exception):
    """Bad input: exit code 2, one line naming the file and field, nothing written."""

    def __init__(self, source: str, message: str, field: str | None = None) -> None:
        self.source = source
        self.field = field
        self.message = message
        where = f"{source}: {field}: " if field else f"{source}: "
        super().__init__(where + message)


class PluginError(Exception):
    """A plugin registered something invalid or clashing."""
