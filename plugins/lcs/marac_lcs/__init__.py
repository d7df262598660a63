"""marac adapter for Liquidlogic Children's Social Care (LCS).

A council's gateway in front of its LCS speaks marac's REST gateway contract
(marac_core.gateway); ``openapi.yaml`` here is that contract as LCS has it.
Adapter and emulator modules are imported only when used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from marac_core.api import hookimpl

if TYPE_CHECKING:
    from marac_core.api import AdapterRegistration

__version__ = "0.1.0"


def _adapter() -> type:
    from marac_lcs.adapter import LcsAdapter

    return LcsAdapter


def _emulator() -> type:
    from marac_lcs.emulator import LcsEmulator

    return LcsEmulator


@hookimpl
def marac_register_adapters(register: Callable[[AdapterRegistration], None]) -> None:
    from marac_core.api import AdapterRegistration

    register(AdapterRegistration(name="lcs", version=__version__, title="Liquidlogic Children's Social Care",
                                 adapter=_adapter, emulator=_emulator))
