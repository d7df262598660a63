"""One adapter's emulator on loopback, and adapters connected to it, for tests.

The conformance kit (and an adapter's own tests) use this to run an adapter
over real HTTP against its emulator, the way the runner does in the sandbox,
and to read back what the system holds without going through the adapter.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import httpx

from marac_core.api import (
    SANDBOX_PASSWORD,
    SANDBOX_USERNAME,
    Adapter,
    AdapterRegistration,
    Emulator,
    SandboxEndpoints,
    SandboxHost,
    SandboxOptions,
    SystemSettings,
)

T = TypeVar("T")


@cache
def _tls() -> ssl.SSLContext:
    # Building a client's default TLS context costs ~60 ms; the sandbox is plain HTTP, and tests build many.
    return ssl.create_default_context()


def registrations_of(plugin: ModuleType | object) -> dict[str, AdapterRegistration]:
    """The adapters a plugin registers, asked through pluggy as the core asks installed plugins."""
    from marac_core.plugins.registry import collect, new_manager

    manager = new_manager()
    manager.register(plugin, name=getattr(plugin, "__name__", None) or repr(plugin))
    return collect(manager).adapters


class SandboxSystem:
    """A started SandboxHost holding only one system's emulator.

    ``run(scenario)`` builds the adapter as the core does in the sandbox
    (username and secret "sandbox", the registration's ``sandbox_settings``)
    on a fresh httpx client, awaits ``scenario(adapter)``, then ``aclose``s it.
    ``dump()`` and ``requests()`` read the emulator's store directly: no HTTP,
    no faults, no request counted.
    """

    def __init__(
        self,
        registration: AdapterRegistration,
        state_dir: Path,
        records: list[dict[str, Any]],
        options: SandboxOptions = SandboxOptions(),
        settings: dict[str, Any] | None = None,
    ) -> None:
        if registration.emulator is None:
            raise ValueError(f"adapter {registration.name!r} registers no emulator")
        self.registration = registration
        self.name = registration.name
        self.state_dir = state_dir
        self.records = records
        self.options = options
        self.extra_settings = dict(settings or {})
        self.host: SandboxHost | None = None
        self.endpoints: SandboxEndpoints | None = None

    # Life cycle --------------------------------------------------------------------
    def start(self) -> SandboxSystem:
        emulator_class: type[Emulator] = self.registration.emulator()  # type: ignore[misc]
        self.host = SandboxHost({self.name: emulator_class}, self.state_dir, {self.name: self.records},
                                self.options)
        try:
            self.endpoints = self.host.start()
        except BaseException:
            self.host.close()
            raise
        return self

    def stop(self) -> None:
        """Stop serving and close the store (what a crash or shutdown of the system leaves behind)."""
        if self.host is not None:
            self.host.stop()
            self.host.close()
            self.host = None
            self.endpoints = None

    def restart(self) -> SandboxSystem:
        """Stop, then serve again from the same state directory (on a new port)."""
        self.stop()
        return self.start()

    def __enter__(self) -> SandboxSystem:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Reading the system without the adapter ------------------------------------------
    @property
    def emulator(self) -> Emulator:
        if self.host is None:
            raise RuntimeError("the sandbox is not running")
        return self.host.emulators[self.name]

    def dump(self) -> dict[str, Any]:
        """What the system holds, in the shape of spec section 6 (without ``requests``)."""
        return self.emulator.dump()

    def requests(self) -> int:
        """How many HTTP requests the emulator has answered so far."""
        return self.emulator.store.requests()

    # Adapters --------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self.endpoints is None:
            raise RuntimeError("the sandbox is not running")
        return self.endpoints.urls[self.name]

    def settings(self, **overrides: Any) -> SystemSettings:
        return SystemSettings(base_url=self.base_url, username=SANDBOX_USERNAME, timeout=10.0,
                              **{**self.registration.sandbox_settings, **self.extra_settings, **overrides})

    def adapter(self, http: httpx.AsyncClient, secret: str | None = SANDBOX_PASSWORD) -> Adapter:
        adapter_class = self.registration.adapter()
        return adapter_class(self.settings(), http, secret)

    def run(self, scenario: Callable[[Adapter], Awaitable[T]], *, close: bool = True) -> T:
        """Await ``scenario(adapter)`` in a fresh event loop; ``aclose`` the adapter afterwards."""

        async def main() -> T:
            async with httpx.AsyncClient(verify=_tls()) as http:
                adapter = self.adapter(http)
                try:
                    return await scenario(adapter)
                finally:
                    if close:
                        await adapter.aclose()

        return asyncio.run(main())
