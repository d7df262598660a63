"""pytest plugin of the adapter conformance kit (entry point ``pytest11``).

Loaded by every pytest run where marac-core is installed, so it stays light:
it only arranges for the kit's assertions to be rewritten (so that a failing
check shows its values), declares the ``conformance`` marker and offers the
``marac_sandbox`` fixture. The tests themselves come from subclassing
``marac_core.testing.AdapterConformance``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from marac_core.api import AdapterRegistration, SandboxOptions
    from marac_core.testing.sandbox import SandboxSystem

pytest.register_assert_rewrite("marac_core.testing.conformance", "marac_core.testing.sandbox",
                               "marac_core.testing.procedures")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance: a test of the marac adapter conformance kit")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test a subclass of AdapterConformance inherits is marked, so `-m conformance` selects the kit.
    for item in items:
        cls = getattr(item, "cls", None)
        if cls is not None and any(base.__module__ == "marac_core.testing.conformance"
                                   and base.__name__ == "AdapterConformance" for base in cls.__mro__):
            item.add_marker(pytest.mark.conformance)


@pytest.fixture
def marac_sandbox(tmp_path: Path) -> Iterator[Callable[..., SandboxSystem]]:
    """Start one adapter's emulator: ``marac_sandbox(registration, records, options=None, **settings)``.

    Returns a started ``SandboxSystem``; every one started is stopped after the test.
    """
    from marac_core.api import SandboxOptions
    from marac_core.testing.sandbox import SandboxSystem

    started: list[SandboxSystem] = []

    def start(registration: AdapterRegistration, records: list[dict[str, Any]],
              options: SandboxOptions | None = None, **settings: Any) -> SandboxSystem:
        system = SandboxSystem(registration, tmp_path / f"sandbox-{len(started)}", records,
                               options or SandboxOptions(), settings=settings)
        started.append(system.start())
        return system

    yield start
    for system in started:
        system.stop()
