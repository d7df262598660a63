"""Base class of the emulated record systems served in the sandbox.

Each adapter plugin ships an ``Emulator`` subclass that implements the same
protocol subset its adapter speaks. The core hosts it over real HTTP on
loopback (marac_core.sandbox.host), adding latency, transient faults and a
request count around it, so the emulator itself only models the system.
"""

from __future__ import annotations

from typing import Any, ClassVar

from starlette.routing import BaseRoute

from marac_core.sandbox.store import EmulatorStore

# The credentials every emulator accepts; a real deployment's come from keyring.
SANDBOX_USERNAME = "sandbox"
SANDBOX_PASSWORD = "sandbox"


class Emulator:
    """One emulated system. Subclasses set ``name`` and implement the three methods."""

    name: ClassVar[str]

    def __init__(self, store: EmulatorStore) -> None:
        self.store = store

    @classmethod
    def prepare(cls) -> None:
        """Work worth doing once, in the runner's process, before the sandbox forks its server process
        (loading a protocol's models, say): both processes then have it, instead of each doing it on
        first use. Nothing by default."""

    def seed(self, people: list[dict[str, Any]]) -> None:
        """Load this system's section of the sandbox records file (spec section 3)."""
        raise NotImplementedError

    def routes(self) -> list[BaseRoute]:
        """The HTTP routes of the protocol, from the server's root (they include ``base_path``)."""
        raise NotImplementedError

    def dump(self) -> dict[str, Any]:
        """What the system holds, in the shape of spec section 6 (without ``requests``)."""
        raise NotImplementedError

    def base_path(self) -> str:
        """The path under the server root that the adapter's base URL points at."""
        return ""
