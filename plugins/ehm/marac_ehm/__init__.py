"""marac adapter for the Liquidlogic Early Help Module (EHM).

EHM's own interfaces are licensed, so the adapter speaks marac's REST gateway
contract (marac_core.gateway), documented for EHM in ``openapi.yaml`` (shipped in
this package), which a council's integration team implements as a gateway in
front of its EHM. The sandbox emulates it.
Adapter and emulator modules are imported only when used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from marac_core.hookspecs import hookimpl

if TYPE_CHECKING:
    from marac_core.adapter import AdapterRegistration

__version__ = "0.1.0"


def _adapter() -> type:
    from marac_ehm.adapter import EhmAdapter

    return EhmAdapter


def _emulator() -> type:
    from marac_ehm.emulator import EhmEmulator

    return EhmEmulator


@hookimpl
def marac_register_adapters(register: Callable[[AdapterRegistration], None]) -> None:
    from marac_core.adapter import AdapterRegistration

    register(AdapterRegistration(name="ehm", version=__version__, title="Liquidlogic Early Help Module",
                                 adapter=_adapter, emulator=_emulator))
