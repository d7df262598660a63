"""The MARAC domain: meetings, cases, people on the agenda and what was agreed.

These models are the meeting file of shared/spec/interface.md section 2.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from marac_core.model.addresses import single_address
from marac_core.model.names import name_key
from marac_core.model.postcodes import postcode_field

Role = Literal["victim", "perpetrator", "child"]
ROLES: tuple[Role, ...] = ("victim", "perpetrator", "child")


class _Input(BaseModel):
    # A key nobody reads is refused: a misspelt `childen:` must never silently drop the children.
    # A procedure declares the extra keys it reads (DeclaredFields); the reader takes those out first.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DeclaredFields(NamedTuple):
    """The extra keys a procedure reads, each a pydantic model (extra="forbid") or None.

    ``meeting`` under ``meeting:``, ``case`` under each case, ``outcome`` under each case's ``outcome:``.
    """

    meeting: type[BaseModel] | None = None
    case: type[BaseModel] | None = None
    outcome: type[BaseModel] | None = None


class _Extensible(_Input):
    # The procedure-declared fields of this object, validated (see extra_fields).
    _declared: BaseModel | None = PrivateAttr(default=None)


def extra_fields(obj: BaseModel) -> BaseModel | None:
    """The procedure-declared fields of a Meeting, Case or Outcome, or None when it declares none."""
    return getattr(obj, "_declared", None)


class Contact(_Input):
    """A professional: rep, deputy, coordinator, worker."""

    name: str | None = None
    email: str | None = None

    @field_validator("email")
    @classmethod
    def _one_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        checked = single_address(value)
        if checked is None:
            raise ValueError(f"not a single valid email address (got {value!r})")
        return checked


class Person(_Input):
    """Someone on the agenda, as the referral names them."""

    name: str = Field(min_length=1)
    dob: dt.date | None = None
    nhs_number: str | None = None
    aliases: list[str] = Field(default_factory=list)
    identifiers: dict[str, str] = Field(default_factory=dict)
    # The address's postcode (extension of the spec): evidence of the household, not of the person.
    postcode: str | None = None

    _postcode = field_validator("postcode", mode="before")(postcode_field)

    @field_validator("nhs_number", mode="before")
    @classmethod
    def _nhs_number_text(cls, value: object) -> object:
        if isinstance(value, int):
            return str(value)
        if isinstance(value, str):
            return value.replace(" ", "").replace("-", "") or None
        return value

    def age_on(self, day: dt.date) -> int | None:
        return None if self.dob is None else age_on(self.dob, day)


class AgreedAction(_Input):
    """An action agreed at the meeting."""

    agency: str
    text: str
    due: dt.date | None = None
    person: str | None = None


class ChildOutcome(_Input):
    """What the meeting established about one listed child."""

    name: str
    in_contact: bool | None = None
    new_referral: bool = False


class Outcome(_Extensible):
    """Filled in at or after the meeting."""

    summary: str | None = None
    risk_factors: list[str] = Field(default_factory=list)
    actions: list[AgreedAction] = Field(default_factory=list)
    children: list[ChildOutcome] = Field(default_factory=list)
    minutes: str | None = None

    def child(self, name: str) -> ChildOutcome | None:
        # Compared as the meeting file's reader compares them: `Jayden O'NEILL` is `JAYDEN O'NEILL`.
        wanted = name_key(name)
        return next((c for c in self.children if name_key(c.name) == wanted), None)


class Case(_Extensible):
    """One victim's case on the agenda."""

    ref: str = Field(min_length=1)
    referring_agency: str | None = None
    victim: Person
    perpetrator: list[Person] = Field(default_factory=list)
    children: list[Person] = Field(default_factory=list)
    outcome: Outcome | None = None

    @field_validator("perpetrator", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        if value is None:
            return []
        if isinstance(value, dict):
            return [value]
        return value

    @field_validator("children", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        return [] if value is None else value

    def people(self) -> list[tuple[Role, int, Person]]:
        """Everyone on the case with their role and position within that role."""
        listed: list[tuple[Role, int, Person]] = [("victim", 0, self.victim)]
        listed += [("perpetrator", i, p) for i, p in enumerate(self.perpetrator)]
        listed += [("child", i, c) for i, c in enumerate(self.children)]
        return listed


class Meeting(_Extensible):
    area: str = Field(min_length=1)
    date: dt.date
    time: dt.time | None = None
    procedure: str | None = None
    representative: Contact | None = None
    deputy: Contact | None = None
    coordinator: Contact | None = None

    @field_validator("time", mode="before")
    @classmethod
    def _hh_mm(cls, value: object) -> object:
        # YAML reads an unquoted 10:00 as the integer 600 (sexagesimal).
        if isinstance(value, int):
            return dt.time(value // 60, value % 60)
        return value


class MeetingFile(_Input):
    meeting: Meeting
    cases: list[Case] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_refs(self) -> MeetingFile:
        seen: set[str] = set()
        for index, case in enumerate(self.cases):
            if case.ref in seen:
                raise ValueError(f"cases[{index}].ref: duplicate case ref {case.ref!r}")
            seen.add(case.ref)
        return self

    def case(self, ref: str) -> Case:
        return next(c for c in self.cases if c.ref == ref)


def age_on(dob: dt.date, day: dt.date) -> int:
    """Age in whole years on ``day``."""
    years = day.year - dob.year
    if (day.month, day.day) < (dob.month, dob.day):
        years -= 1
    return years
