"""TPP SystmOne adapter for marac.

SystmOne has no public write API, so the adapter speaks FHIR R4 (JSON) to the
endpoint a trust's integration engine exposes. This module only registers the
adapter; the FHIR client and the emulator are imported when first needed, so
that loading plugins stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from marac_core.api import AdapterRegistration, hookimpl

if TYPE_CHECKING:
    from marac_systmone.adapter import SystmOneAdapter
    from marac_systmone.emulator import SystmOneEmulator

__version__ = "0.1.0"


def _adapter() -> type[SystmOneAdapter]:
    from marac_systmone.adapter import SystmOneAdapter

    return SystmOneAdapter


def _emulator() -> type[SystmOneEmulator]:
    from marac_systmone.emulator import SystmOneEmulator

    return SystmOneEmulator


@hookimpl
def marac_register_adapters(register: Callable[[AdapterRegistration], None]) -> None:
    register(AdapterRegistration(
        name="systmone",
        version=__version__,
        title="TPP SystmOne (FHIR R4)",
        adapter=_adapter,
        emulator=_emulator,
        # The emulator needs nothing beyond the base URL the host gives it.
        sandbox_settings={},
    ))
