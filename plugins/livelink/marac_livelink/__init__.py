"""marac adapter for OpenText Livelink / Content Server.

Kept import-light: the adapter and emulator modules load only when used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from marac_core.api import hookimpl

if TYPE_CHECKING:
    from marac_core.api import AdapterRegistration

__version__ = "0.1.0"

# What the sandbox emulator knows: its Enterprise Workspace and its categories.
SANDBOX_SETTINGS = {
    "root_folder": 2000,
    "marac_folder": "MARAC minutes",
    "marker_category": 9100,
    "marker_attribute": 2,
    "dob_category": 9200,
    "dob_attribute": 2,
    "classification_category": 9100,
    "classification_attribute": 3,
}


def _adapter() -> type:
    from marac_livelink.adapter import LivelinkAdapter

    return LivelinkAdapter


def _emulator() -> type:
    from marac_livelink.emulator import LivelinkEmulator

    return LivelinkEmulator


@hookimpl
def marac_register_adapters(register: Callable[[AdapterRegistration], None]) -> None:
    from marac_core.api import AdapterRegistration

    register(AdapterRegistration(
        name="livelink",
        version=__version__,
        title="OpenText Livelink / Content Server (REST API)",
        adapter=_adapter,
        emulator=_emulator,
        sandbox_settings=dict(SANDBOX_SETTINGS),
    ))
