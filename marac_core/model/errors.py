"""Errors the user sees as one line and an exit code."""

from __future__ import annotations

import re


class InputError(Exception):
    """Bad input: exit code 2, one line naming the file and field, nothing written."""

    def __init__(self, source: str, message: str, field: str | None = None) -> None:
        self.source = source
        self.field = field
        self.message = message
        where = f"{source}: {field}: " if field else f"{source}: "
        super().__init__(_one_line(where + message))


def _one_line(text: str) -> str:
    """Control characters shown escaped: the message stays one line and cannot drive the terminal."""
    return re.sub("[\x00-\x1f\x7f-\x9f\u2028\u2029]", lambda m: repr(m.group())[1:-1], text)


class PluginError(Exception):
    """A plugin registered something invalid or clashing."""
