"""Reading the ledger back as to-dos a person can read, and marking manual steps done.

The ledger keeps no names: the person is read again from the meeting file
(by their position on the case), and what each obligation says, and the
rep's note, are decrypted from what the ledger keeps encrypted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marac_core.followup.same_meeting import recognise
from marac_core.intake.config import default_state_dir
from marac_core.model.errors import InputError
from marac_core.model.meeting import MeetingFile
from marac_core.planning.meeting_input import read_meeting
from marac_core.plugins.registry import load
from marac_core.state.keys import key_for_state
from marac_core.state.ledger import MANUAL_STATES, STATE_NAMES, Written, meeting_key, open_ledger
from marac_core.state.sealing import Sealer

HINT = "mark it done with: marac done {id}"


def person_of(meeting: MeetingFile | None, case_ref: str, person_key: str | None) -> str | None:
    """The person's name as the meeting file gives it (the ledger keeps only their position on the case)."""
    if meeting is None or not person_key:
        return None
    role, _, index = person_key.partition("-")
    case = next((c for c in meeting.cases if c.ref == case_ref), None)
    if case is None:
        return None
    for listed_role, position, person in case.people():
        if listed_role == role and str(position) == index:
            return person.name
    return None


def opened(sealer: Sealer | None, written: Written | None) -> tuple[dict[str, Any], str | None]:
    """What an obligation says, and the rep's note, decrypted ({} and None when not kept)."""
    if sealer is None or written is None:
        return {}, None
    content = sealer.open(written.sealed) or {}
    note = sealer.open(written.note) or {}
    return content, note.get("note")


def meeting_status(meeting_file: Path, procedure: str | None, state: Path | None, url: str | None) -> list[dict[str, Any]]:
    meeting, chosen = read_meeting(load(), meeting_file, procedure)
    state_dir = state or default_state_dir()
    key = key_for_state(state_dir)
    sealer = Sealer(key) if key is not None else None
    ledger = open_ledger(state, url)
    try:
        own = meeting_key(meeting.meeting.area, meeting.meeting.date, chosen.name)
        found = ledger.resolve(own) or recognise(ledger, meeting, chosen.name, own, key) or own
        entries = ledger.entries(found)
        written = ledger.written(found)
    finally:
        ledger.close()
    rows = []
    for e in entries.values():
        content, note = opened(sealer, written.get(e.id))
        rows.append({
            "id": e.id, "case": e.case_ref, "role": e.role, "person": person_of(meeting, e.case_ref, e.person_key),
            "system": e.system, "record": e.record, "action": e.action, "title": content.get("title"),
            "text": content.get("text"), "phase": e.phase, "rule": e.rule,
            "due": e.due.isoformat() if e.due else None, "expires": e.expires,
            "state": STATE_NAMES.get(e.state, e.state), "note": note, "attempts": e.attempts, "error": e.error,
            "corrects": (written.get(e.id).corrects if written.get(e.id) else None),
            "hint": HINT.format(id=e.id) if e.state in MANUAL_STATES and (e.system == "manual" or e.action == "task")
            else None,
        })
    rows.sort(key=lambda r: (r["due"] or "", r["case"], r["rule"]))
    return rows


def mark(obligation_id: str, state: Path | None, url: str | None, how: str, note: str | None = None) -> str:
    """``marac done`` (how="done") or ``marac retry`` (how="retry") on one obligation."""
    ledger = open_ledger(state, url)
    try:
        found = ledger.mark_done_by_hand(obligation_id) if how == "done" else ledger.mark_for_retry(obligation_id)
        if found and note:
            key = key_for_state(state or default_state_dir())
            if key is None:
                raise InputError("--note", "no keyring holds the runner's key, so the note cannot be kept encrypted")
            ledger.keep_note(obligation_id, Sealer(key).seal({"note": note}))
    finally:
        ledger.close()
    if found:
        return f"{obligation_id}: " + ("done" + (" (note kept)" if note else "") if how == "done"
                                       else "will be written again by the next apply")
    if how == "done":
        raise InputError("marac done", f"no obligation with id {obligation_id!r} in the ledger")
    raise InputError("marac retry", f"no obligation {obligation_id!r} is waiting to be checked by hand")


def show(obligation_id: str, state: Path | None, url: str | None) -> list[dict[str, Any]]:
    """``marac show ID``: the obligation's full wording, as the ledger keeps it, in each meeting it is in."""
    key = key_for_state(state or default_state_dir())
    sealer = Sealer(key) if key is not None else None
    ledger = open_ledger(state, url)
    try:
        found = []
        for meeting, written in ledger.written_everywhere(obligation_id):
            entry = ledger.entry(meeting, obligation_id)
            content, note = opened(sealer, written)
            found.append({"id": obligation_id, "meeting": meeting, **({k: v for k, v in content.items()
                                                                        if k != "brings"}),
                          "case": entry.case_ref if entry else None, "role": entry.role if entry else None,
                          "due": entry.due.isoformat() if entry and entry.due else None,
                          "state": STATE_NAMES.get(entry.state, entry.state) if entry else None,
                          "note": note, "corrects": written.corrects})
    finally:
        ledger.close()
    if not found:
        raise InputError("marac show", f"no obligation with id {obligation_id!r} in the ledger (marac apply "
                                       "records each obligation it plans)")
    if sealer is None or not any(f.get("text") for f in found):
        raise InputError("marac show", f"the wording of {obligation_id!r} is not kept (no keyring, or recorded "
                                       "by an earlier version)")
    return found


