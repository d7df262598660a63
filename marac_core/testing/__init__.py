"""Testing support for plugin authors: the adapter conformance kit, a sandbox for one system, and
the procedure harness (plan a meeting against given look-up answers, then check the obligations).

    from marac_core.testing import AdapterConformance, sample_records
    from marac_core.testing import ProcedureHarness, record, meeting, one

Names are imported on first use, so that the pytest plugin (loaded by every
pytest run where marac is installed) can register the kit's modules for
assertion rewriting before they are imported.
"""

from __future__ import annotations

from typing import Any

_PROCEDURES = ("ProcedureHarness", "plan_meeting", "record", "meeting", "lookup_for", "only", "one",
               "assert_none", "assert_complete", "problems", "describe", "NEEDS", "NO_RECORD", "REVIEW",
               "FAILED", "MANUAL")

__all__ = sorted([
    "AdapterConformance",
    "SandboxSystem",
    "query_for",
    "registrations_of",
    "sample_records",
    "write_exactly_once",
    *_PROCEDURES,
])

_HOMES = {
    "AdapterConformance": "marac_core.testing.conformance",
    "query_for": "marac_core.testing.conformance",
    "sample_records": "marac_core.testing.conformance",
    "write_exactly_once": "marac_core.testing.conformance",
    "SandboxSystem": "marac_core.testing.sandbox",
    "registrations_of": "marac_core.testing.sandbox",
    **{name: "marac_core.testing.procedures" for name in _PROCEDURES},
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)
