"""The FHIR check shared by the adapter and its emulator."""

from __future__ import annotations

import pytest
from marac_systmone.fhir import validated
from pydantic import ValidationError

FLAG = {"resourceType": "Flag", "status": "active", "code": {"text": "MARAC"},
        "subject": {"reference": "Patient/S1-9001"}}


def test_a_valid_resource_goes_on_the_wire_unchanged() -> None:
    assert validated(dict(FLAG)) == FLAG


def test_a_null_standing_for_a_required_element_is_refused() -> None:
    with pytest.raises(ValidationError, match="null is not allowed"):
        validated({**FLAG, "code": None})


def test_a_null_deep_inside_is_refused_with_where_it_is() -> None:
    with pytest.raises(ValidationError, match=r"subject\.reference"):
        validated({**FLAG, "subject": {"reference": None}})


def test_a_missing_required_element_is_refused() -> None:
    with pytest.raises(ValidationError, match="code"):
        validated({k: v for k, v in FLAG.items() if k != "code"})
