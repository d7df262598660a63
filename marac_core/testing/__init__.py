"""Testing support for adapter authors: the conformance kit and a sandbox for one system.

    from marac_core.testing import AdapterConformance, sample_records

Names are imported on first use, so that the pytest plugin (loaded by every
pytest run where marac is installed) can register the kit's modules for
assertion rewriting before they are imported.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AdapterConformance",
    "SandboxSystem",
    "query_for",
    "registrations_of",
    "sample_records",
    "write_exactly_once",
]

_HOMES = {
    "AdapterConformance": "marac_core.testing.conformance",
    "query_for": "marac_core.testing.conformance",
    "sample_records": "marac_core.testing.conformance",
    "write_exactly_once": "marac_core.testing.conformance",
    "SandboxSystem": "marac_core.testing.sandbox",
    "registrations_of": "marac_core.testing.sandbox",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)
