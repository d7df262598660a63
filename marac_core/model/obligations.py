"""Obligations: each thing a procedure requires, for one person, in one system.

The JSON shape is shared/spec/interface.md section 5; ``phase``, ``rule`` and
``waiting_for`` are extra fields the spec allows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from marac_core.model.meeting import Role

Action = Literal[
    "case_note",
    "alert",
    "expire_alert",
    "template_ticks",
    "upload_document",
    "delete_document",
    "email",
    "task",
]
ACTIONS: tuple[Action, ...] = get_args(Action)

Phase = Literal["before", "after", "followup"]
PHASES: tuple[Phase, ...] = ("before", "after", "followup")
MANUAL = "manual"
EMAIL = "email"


class Obligation(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    case: str
    role: Role | None = None
    person: str | None = None
    system: str
    record: str | None = None
    action: Action
    title: str | None = None
    text: str
    boxes: list[str] = Field(default_factory=list)
    to: list[str] = Field(default_factory=list)
    cc: list[str] = Field(default_factory=list)
    attachments: list[str] = Field(default_factory=list)
    due: dt.datetime | None = None
    expires: dt.date | None = None
    phase: Phase
    rule: str
    # Set when the obligation cannot be carried out yet (e.g. minutes not received).
    waiting_for: str | None = None
    # For expire_alert and delete_document: the system's id of what to expire or delete.
    target: str | None = None
    # Obligations (ids) that must be done first: apply skips this one until they are.
    after: list[str] = Field(default_factory=list)
    # The person's position on the case ("child-0"): names never reach the ledger.
    person_key: str | None = None

    @field_serializer("due")
    def _iso_due(self, due: dt.datetime | None) -> str | None:
        # UK local time with its offset, as the spec shows ("2026-12-03T10:00:00+00:00").
        return due.isoformat() if due is not None else None

    def public(self) -> dict[str, object]:
        return self.model_dump(mode="json")


def obligation_id(*parts: object) -> str:
    """A stable id from what the obligation is about (never from names or dates of birth)."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()
    return digest[:20]
