"""Connecting to the record systems: one adapter per installed system, configured and bounded.

In the sandbox the adapters are pointed at the emulators on loopback; otherwise
at the configured base URLs, with secrets from keyring.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from marac_core.intake.config import Config, secret_for
from marac_core.plugins.adapter import Adapter, SystemSettings
from marac_core.plugins.lanes import LaneTransport, environment_proxy
from marac_core.plugins.registry import Registry
from marac_core.plugins.retrying import call_with_retries
from marac_core.sandbox.emulator import SANDBOX_PASSWORD, SANDBOX_USERNAME
from marac_core.sandbox.host import SandboxEndpoints

T = TypeVar("T")
DEFAULT_CONCURRENCY = 8


@dataclass
class System:
    """One connected system: its adapter and the bound on requests in flight."""

    name: str
    adapter: Adapter
    limit: asyncio.Semaphore
    manual: bool = False

    async def call(self, operation: Callable[[Adapter], Awaitable[T]], retry: bool = True) -> T:
        async with self.limit:
            if not retry:
                return await operation(self.adapter)
            return await call_with_retries(lambda: operation(self.adapter))


@dataclass
class Systems:
    systems: dict[str, System] = field(default_factory=dict)
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def __contains__(self, name: str) -> bool:
        return name in self.systems

    def __getitem__(self, name: str) -> System:
        return self.systems[name]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.systems)

    async def aclose(self) -> None:
        for system in self.systems.values():
            try:
                await system.adapter.aclose()
            except Exception:  # noqa: BLE001 - closing must not hide the run's outcome
                pass
        for client in self.clients:
            await client.aclose()


def settings_for(name: str, config: Config, registry: Registry,
                 sandbox: SandboxEndpoints | None) -> tuple[SystemSettings, str | None]:
    if sandbox is not None:
        registration = registry.adapters[name]
        if name == "email":
            host, port = sandbox.smtp or ("127.0.0.1", 25)
            return SystemSettings(host=host, port=port, from_address="marac.rep@sandbox.invalid",
                                  readback_url=sandbox.mailbox), None
        return (SystemSettings(base_url=sandbox.urls[name], username=SANDBOX_USERNAME,
                               **registration.sandbox_settings), SANDBOX_PASSWORD)
    settings = config.email if name == "email" else config.systems.get(name, SystemSettings(mode="manual"))
    return settings, secret_for(name)


class _Cookies(httpx.Cookies):
    """A client's cookies, read only from answers that set some: httpx otherwise builds two urllib
    objects and walks the jar for every answer (about 6% of the runner's CPU per write)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


@functools.lru_cache(maxsize=256)
def _parsed(url: str) -> httpx.URL:
    return httpx.URL(url)


class Client(httpx.AsyncClient):
    """httpx's client, with cookies read from an answer only when it sets some, and each address parsed
    once: an adapter's writes go to a few addresses (a FHIR type's endpoint, a gateway's), and httpx
    checks every character of an address given as text (about 7% of its CPU a request)."""

    def build_request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Request:
        # httpx.URL is immutable: one parsed address serves every request to it.
        return super().build_request(method, _parsed(url) if isinstance(url, str) else url, **kwargs)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cookies = self.cookies  # wrapped by the setter below

    @property  # type: ignore[override]
    def cookies(self) -> httpx.Cookies:
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._cookies = _Cookies(cookies)


def _import_transport() -> None:
    """Import what the first request would import (httpcore, and anyio's asyncio backend, which
    imports trio where it is installed): about 0.1 to 0.3 s, once per run, that would otherwise land
    in the middle of the first look-ups."""
    import httpcore  # noqa: F401

    try:
        import anyio._backends._asyncio  # noqa: F401
    except ImportError:  # another anyio layout: it is imported at the first request instead
        pass


def connect(registry: Registry, config: Config, sandbox: SandboxEndpoints | None,
            concurrency: int = DEFAULT_CONCURRENCY) -> Systems:
    """Adapters for every installed system; a system with no configuration is manual."""
    systems = Systems()
    _import_transport()
    # One TLS context for every client: building one reads the CA bundle (about 30 ms each).
    tls = httpx.create_ssl_context()
    for name, registration in registry.adapters.items():
        settings, secret = settings_for(name, config, registry, sandbox)
        client = Client(timeout=settings.timeout, transport=LaneTransport(
            concurrency, verify=tls,
            proxy=None if sandbox is not None else environment_proxy(settings.base_url)))
        systems.clients.append(client)
        adapter = registration.adapter()(settings, client, secret)
        configured = bool(settings.base_url or (name == "email" and (settings.model_extra or {}).get("host")))
        # A system with no address configured is worked by hand (assisted-manual mode).
        manual = settings.mode == "manual" or (sandbox is None and not configured)
        systems.systems[name] = System(name, adapter, asyncio.Semaphore(concurrency), manual=manual)
    return systems
