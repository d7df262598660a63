"""marac adapter for the Liquidlogic Early Help Module (EHM).

EHM is reached through a council's gateway that speaks marac's REST gateway
contract without alerts (``openapi.yaml`` in this package). Importing this
module registers the adapter; its classes load on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from marac_core.api import hookimpl

if TYPE_CHECKING:
    from marac_core.api import AdapterRegistration

__version__ = "0.1.0"


def _adapter() -> type:
    from marac_ehm.adapter import EhmAdapter

    return EhmAdapter


def _emulator() -> type:
    from marac_ehm.emulator import EhmEmulator

    return EhmEmulator


@hookimpl
def marac_register_adapters(register: Callable[[AdapterRegistration], None]) -> None:
    from marac_core.api import AdapterRegistration

    register(AdapterRegistration(name="ehm", version=__version__, title="Liquidlogic Early Help Module",
                                 adapter=_adapter, emulator=_emulator))
