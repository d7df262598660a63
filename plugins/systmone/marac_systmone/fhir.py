"""FHIR vocabulary shared by the SystmOne adapter and its emulator.

The wire format is FHIR R4. fhir.resources 8 models R5 at its top level and
R4B (4.3) in ``fhir.resources.R4B``; every resource this plugin exchanges
(Patient, EpisodeOfCare, Flag, QuestionnaireResponse, DocumentReference,
Bundle, OperationOutcome) is the same in R4 and R4B, while R5 differs (for
example QuestionnaireResponse.identifier became a list), so payloads are
built and validated with the R4B models.
"""

from __future__ import annotations

import re
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

FHIR_JSON = "application/fhir+json"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
# Every write carries the obligation id here; FHIR can search identifiers, so
# the runner can ask later whether a write landed.
MARKER_SYSTEM = "urn:marac:obligation"
CONFIDENTIALITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
FLAG_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/flag-category"
# Tells a case note from an uploaded document: both are DocumentReferences.
DOCUMENT_KIND_SYSTEM = "urn:marac:document-kind"
CASE_NOTE = "case-note"
UPLOADED_DOCUMENT = "document"
DEFAULT_QUESTIONNAIRE = "urn:marac:questionnaire:safeguarding-template"
NOTE_LINK_ID = "note"


def restricted() -> dict[str, Any]:
    """The v3 Confidentiality code R: restricted to those caring for the patient."""
    return {"system": CONFIDENTIALITY_SYSTEM, "code": "R", "display": "restricted"}


def is_restricted(codings: list[dict[str, Any]] | None) -> bool:
    return any(c.get("system") == CONFIDENTIALITY_SYSTEM and c.get("code") in ("R", "V")
               for c in codings or [])


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource, unchanged, once fhir.resources has checked it as FHIR R4 (raises ValidationError).

    FHIR JSON has no nulls; rejecting them first matters because fhir.resources lets an
    explicit null stand in for a required element. The JSON checked is the JSON that goes
    on the wire, so one validation suffices.
    """
    where = _null_at(resource, ())
    if where is not None:
        raise ValidationError.from_exception_data(resource.get("resourceType", "Resource"), [{
            "type": "value_error", "loc": where, "input": None,
            "ctx": {"error": ValueError("null is not allowed in FHIR JSON")}}])
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


# The smallest valid resource of each type exchanged: validating one builds the models'
# field types, which fhir.resources otherwise builds on first use (about 0.2 s in all).
_SMALLEST: tuple[dict[str, Any], ...] = (
    {"resourceType": "Patient", "name": [{"family": "A"}], "birthDate": "2000-01-01",
     "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": "1"}], "address": [{"postalCode": "A1 1AA"}]},
    {"resourceType": "EpisodeOfCare", "status": "active", "patient": {"reference": "Patient/1"},
     "type": [{"text": "A"}], "careManager": {"display": "A"}, "managingOrganization": {"display": "A"}},
    {"resourceType": "Flag", "status": "active", "code": {"text": "A"}, "subject": {"reference": "Patient/1"},
     "period": {"start": "2000-01-01", "end": "2001-01-01"}, "category": [{"coding": [{"code": "A"}]}],
     "identifier": [{"system": MARKER_SYSTEM, "value": "A"}], "meta": {"security": [restricted()]}},
    {"resourceType": "QuestionnaireResponse", "status": "completed", "subject": {"reference": "Patient/1"},
     "questionnaire": DEFAULT_QUESTIONNAIRE, "identifier": {"system": MARKER_SYSTEM, "value": "A"},
     "item": [{"linkId": "a", "answer": [{"valueBoolean": True}, {"valueString": "A"}]}]},
    {"resourceType": "DocumentReference", "status": "current", "subject": {"reference": "Patient/1"},
     "type": {"text": "A"}, "date": "2000-01-01T00:00:00Z", "description": "A",
     "content": [{"attachment": {"contentType": "text/plain", "data": "QQ==", "title": "A"}}]},
    {"resourceType": "Bundle", "type": "searchset", "total": 0, "link": [{"relation": "self", "url": "http://a"}]},
    {"resourceType": "Bundle", "type": "batch", "entry": [{"request": {"method": "GET", "url": "Patient?_id=1"}}]},
    {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "invalid", "diagnostics": "A"}]},
)


def warm_up() -> None:
    """Build the models of every resource type exchanged now rather than on first use."""
    for resource in _SMALLEST:
        validated(resource)


def _null_at(value: Any, path: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
    """Where the first null in a JSON value is, or None."""
    if value is None:
        return path
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _null_at(item, (*path, key))
        if found is not None:
            return found
    return None


def slug(label: str, taken: set[str]) -> str:
    """A linkId for a tick box label: lower-case words joined by dashes, unique in the response."""
    base = re.sub(r"[^a-z0-9]+", "-", label.casefold()).strip("-") or "box"
    candidate, n = base, 1
    while candidate in taken or candidate == NOTE_LINK_ID:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


def reference_id(reference: str | None, resource_type: str) -> str | None:
    """``Patient/X``, ``https://host/fhir/Patient/X`` or ``Patient/X/_history/2`` -> ``X``."""
    if not reference:
        return None
    parts = reference.rstrip("/").split("/")
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2 and parts[-2] == resource_type:
        return parts[-1]
    return None


def markers(identifiers: list[dict[str, Any]] | dict[str, Any] | None, *,
            creating_only: bool = False) -> list[str]:
    """The obligation markers among a resource's identifiers (R4 has single and list forms).

    A later change (expiring a Flag, retracting a document) adds its marker with
    ``use: secondary``; ``creating_only`` leaves those out.
    """
    if isinstance(identifiers, dict):
        identifiers = [identifiers]
    return [i["value"] for i in identifiers or []
            if i.get("system") == MARKER_SYSTEM and i.get("value")
            and not (creating_only and i.get("use") == "secondary")]
