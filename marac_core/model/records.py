"""What a record system says about a person, and what the runner writes to it.

Adapters speak these types; the core never sees a system's own payloads.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from marac_core.model.names import split_name
from marac_core.model.postcodes import record_postcode


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow")


class Worker(_Record):
    name: str | None = None
    email: str | None = None


class Involvement(_Record):
    """Whether the person is open to the service now, and who holds the case."""

    open: bool = False
    team: str | None = None
    allocated_worker: Worker | None = None
    team_manager: Worker | None = None


class Candidate(_Record):
    """A record a system's search returned for a person on the agenda."""

    record: str
    name: str
    dob: dt.date | None = None
    nhs_number: str | None = None
    aliases: list[str] = Field(default_factory=list)
    # The current address's postcode, normalised (None when the system's entry is not a postcode).
    postcode: str | None = None
    involvement: Involvement = Field(default_factory=Involvement)

    _postcode = field_validator("postcode", mode="before")(record_postcode)


class PersonQuery(_Record):
    """What the runner asks a system to search for."""

    name: str
    family: str
    given: str
    dob: dt.date | None = None
    nhs_number: str | None = None
    aliases: list[str] = Field(default_factory=list)
    known_record: str | None = None
    # Every surname to search under: the main one first, then the aliases' (deduplicated).
    families: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _all_surnames(self) -> PersonQuery:
        if not self.families:
            found: list[str] = []
            for surname in [self.family, *(split_name(a)[1] for a in self.aliases)]:
                if surname and surname.casefold() not in {f.casefold() for f in found}:
                    found.append(surname)
            self.families = found
        return self

    def surnames(self) -> list[str]:
        return self.families


class CaseNote(_Record):
    title: str
    text: str
    marker: str
    # "case_summary" for a note added to the record's case summary rather than as a new case note.
    section: str | None = None
    copy_to: list[str] = Field(default_factory=list)
    confidential: bool = True


class Alert(_Record):
    text: str
    expires: dt.date
    marker: str
    # The day the runner acts as of (--on); None means today.
    start: dt.date | None = None
    confidential: bool = True


class RecordedAlert(_Record):
    """An alert as it stands on a record."""

    id: str
    text: str
    expires: dt.date | None = None
    status: str = "active"
    marker: str | None = None


class TemplateEntry(_Record):
    """A brief note in a safeguarding template, with its tick boxes."""

    text: str
    boxes: list[str]
    marker: str
    confidential: bool = True


class Document(_Record):
    title: str
    filename: str
    content: bytes
    marker: str
    media_type: str = "application/octet-stream"
    confidential: bool = True


class EmailMessage(_Record):
    to: list[str]
    cc: list[str] = Field(default_factory=list)
    subject: str
    body: str
    marker: str
    attachments: list[tuple[str, bytes]] = Field(default_factory=list)


class WriteReceipt(_Record):
    """The system's own id for what was written, so it can be found again."""

    id: str
