"""The hooks that plugins implement.

Hooks register things; they do no I/O (pluggy has no async hooks). Each
hook hands the plugin a ``register`` callback, so the core validates every
registration and knows which plugin supplied it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from marac_core.plugins.adapter import AdapterRegistration
    from marac_core.plugins.procedure import Procedure

PROJECT = "marac"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def marac_register_adapters(register: Callable[[AdapterRegistration], None]) -> None:
    """Register the record-system adapters this plugin provides."""


@hookspec
def marac_register_procedures(register: Callable[[Procedure], None]) -> None:
    """Register the MARAC procedures (sets of rules and wording) this plugin provides."""
