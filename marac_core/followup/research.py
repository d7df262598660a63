"""Research packs: what the look-ups found for each case, for the rep to take to the meeting.

A pack is kept encrypted under the runner's state (the key is the runner's,
in keyring) and destroyed once the meeting has taken place (RDaSH 4.2: "they
must be destroyed or deleted following the MARAC meeting"). It never goes to
a record system.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from marac_core.model.meeting import Case
from marac_core.plugins.procedure import Listed, Lookup
from marac_core.state.keys import derived_password

if TYPE_CHECKING:  # imported when a pack is made or read: most runs never do (40 ms at start-up)
    from cryptography.fernet import Fernet


def _fernet(key: bytes) -> Fernet:
    from cryptography.fernet import Fernet

    material = hashlib.sha256(key + b"research-packs").digest()
    return Fernet(base64.urlsafe_b64encode(material))


def _folder_name(meeting: str) -> str:
    return hashlib.sha256(meeting.encode()).hexdigest()[:24]


def by_case(lookups: dict[tuple[str, str, str], Lookup]) -> dict[str, dict[str, dict[str, Lookup]]]:
    """The look-ups grouped by case ref, then person key, then system (sorted by system).

    Made once per plan: looking through every look-up for each case made the packs grow with the
    square of the meeting (at 2,000 cases they took as long as the rest of the plan).
    """
    grouped: dict[str, dict[str, dict[str, Lookup]]] = {}
    for (ref, key, system), lookup in sorted(lookups.items()):
        grouped.setdefault(ref, {}).setdefault(key, {})[system] = lookup
    return grouped


def summaries(cases: list[Case], lookups: dict[tuple[str, str, str], Lookup]) -> list[dict[str, Any]]:
    """The pack of each case, in the meeting's order."""
    grouped = by_case(lookups)
    return [summary(case, grouped.get(case.ref, {})) for case in cases]


def summary(case: Case, mine: dict[str, dict[str, Lookup]]) -> dict[str, Any]:
    """One case's pack, from its own look-ups (``by_case(...)[case.ref]``: person key -> system -> look-up)."""
    people = []
    for role, index, person in case.people():
        listed = Listed(case, role, index, person)
        found = {}
        for system, lookup in mine.get(listed.key, {}).items():
            record = lookup.record
            found[system] = {
                "status": lookup.status,
                "record": record.record if record else None,
                "open": record.involvement.open if record else None,
                "team": record.involvement.team if record else None,
                "allocated_worker": record.involvement.allocated_worker.name
                if record and record.involvement.allocated_worker else None,
                "candidates": [s.record for s in lookup.match.scored] if lookup.match else [],
            }
        people.append({"role": role, "name": person.name, "dob": person.dob.isoformat() if person.dob else None,
                       "systems": found})
    return {"case": case.ref, "referring_agency": case.referring_agency, "people": people}


class ResearchPacks:
    def __init__(self, state_dir: Path, key: bytes) -> None:
        self.directory = state_dir / "research"
        self._key = key

    @cached_property
    def fernet(self) -> Fernet:
        return _fernet(self._key)

    def keep(self, meeting: str, packs: list[dict[str, Any]]) -> None:
        folder = self.directory / _folder_name(meeting)
        self.directory.mkdir(mode=0o700, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
        for pack in packs:
            name = derived_password(b"case", pack["case"])
            # Its owner's alone, like everything of the runner's state.
            descriptor = os.open(folder / f"{name}.pack", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(self.fernet.encrypt(json.dumps(pack).encode()))

    def read(self, meeting: str) -> list[dict[str, Any]]:
        from cryptography.fernet import InvalidToken

        folder = self.directory / _folder_name(meeting)
        packs = []
        for path in sorted(folder.glob("*.pack")):
            try:
                packs.append(json.loads(self.fernet.decrypt(path.read_bytes())))
            except InvalidToken:
                continue
        return packs

    def destroy(self, meeting: str) -> bool:
        folder = self.directory / _folder_name(meeting)
        if not folder.exists():
            return False
        for path in folder.glob("*.pack"):
            # Overwrite before unlinking, so the ciphertext does not linger in free blocks of simple filesystems.
            path.write_bytes(b"\0" * path.stat().st_size)
            path.unlink()
        shutil.rmtree(folder, ignore_errors=True)
        return True
