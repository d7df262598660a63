"""Tests of a gateway plugin (marac_core.gateway), shared: subclass ``GatewayTests`` once per plugin.

    from marac_core.testing.gateway import GatewayTests
    from marac_lcs.adapter import LcsAdapter
    from marac_lcs.emulator import LcsEmulator

    class TestLcsGateway(GatewayTests):
        adapter = LcsAdapter
        emulator = LcsEmulator

The tests live in ``marac_core.testing.gateway.kit``; it is registered for
pytest's assertion rewriting here, before it is imported, so that a failing
check shows its values.
"""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("marac_core.testing.gateway.kit")

from marac_core.testing.gateway.kit import GatewayTests  # noqa: E402  (after the registration above)

__all__ = ["GatewayTests"]
