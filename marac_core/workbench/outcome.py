"""Writing what the rep records in the page back to the meeting file (it stays the source of truth).

Only the case's outcome changes in the file: the rep's comments, key order, flow mappings and
quoting elsewhere stay as they wrote them (intake.meeting_writer; refused, nothing written, should
the file not read back as the data meant). Each save is checked exactly as ``marac check`` would
read the file (the core's ``read_as_checked``) before it replaces the file, so the file is always
strictly valid and a typo is refused with its reason, the rest of the form kept on screen.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

from marac_core.intake.meeting_file import read_text_and_data
from marac_core.intake.meeting_writer import written_back
from marac_core.model.errors import InputError
from marac_core.model.meeting import Case
from marac_core.planning.meeting_input import read_as_checked

MINUTES_TYPES = (".pdf", ".docx", ".doc", ".odt", ".rtf", ".txt")
MINUTES_MAX_BYTES = 25 * 1024 * 1024


def people_names(case: Case) -> list[str]:
    """The names an action may name: the case's own people, as the meeting file writes them."""
    return [person.name for _role, _index, person in case.people()]


def outcome_from_form(case: Case, form: dict[str, str], held: dict[str, Any] | None,
                      pending: list[int] | None = None) -> dict[str, Any]:
    """The outcome mapping the form describes; fields the page does not show are kept as they were.

    With ``pending`` (saving as the rep types), an action row still missing its agency or its text
    is left out and its number added to ``pending``: it stays on screen and is saved once complete.
    Without it, such a row is kept and the meeting file's check refuses it with the reason.
    """
    out: dict[str, Any] = dict(held or {})
    summary = form.get("summary", "").strip()
    out.pop("summary", None)
    if summary:
        out["summary"] = summary
    risks = [line.strip() for line in form.get("risk_factors", "").splitlines() if line.strip()]
    out.pop("risk_factors", None)
    if risks:
        out["risk_factors"] = risks
    known = people_names(case)
    actions = []
    held_actions = list((held or {}).get("actions") or [])
    rows = sorted({int(m.group(1)) for k in form if (m := re.fullmatch(r"action-(\d+)-\w+", k))})
    for row in rows:
        if form.get(f"action-{row}-remove"):
            continue
        agency = form.get(f"action-{row}-agency", "").strip()
        text = form.get(f"action-{row}-text", "").strip()
        due = form.get(f"action-{row}-due", "").strip()
        person = form.get(f"action-{row}-person", "").strip()
        if not (agency or text or due or person):
            continue
        if pending is not None and not (agency and text):
            pending.append(row + 1)
            if row < len(held_actions):
                actions.append(held_actions[row])  # as it was saved, until the row is complete again
            continue
        if person and person not in known:
            raise InputError("outcome", f"action {row + 1}: {person!r} is not one of this case's people",
                             f"actions[{len(actions)}].person")
        action: dict[str, Any] = dict(held_actions[row]) if row < len(held_actions) and isinstance(
            held_actions[row], dict) else {}
        action.update({"agency": agency, "text": text})
        for name, value in (("due", due), ("person", person)):
            action.pop(name, None)
            if value:
                action[name] = value
        actions.append(action)
    out.pop("actions", None)
    if actions:
        out["actions"] = actions
    children = []
    for index, child in enumerate(case.children):
        contact = form.get(f"child-{index}-in_contact", "")
        referral = bool(form.get(f"child-{index}-new_referral"))
        entry: dict[str, Any] = {"name": child.name}
        if contact in ("yes", "no"):
            entry["in_contact"] = contact == "yes"
        if referral:
            entry["new_referral"] = True
        if len(entry) > 1:
            children.append(entry)
    out.pop("children", None)
    if children:
        out["children"] = children
    return out


def save_outcome(path: Path, case_index: int, outcome: dict[str, Any]) -> None:
    """Replace the case's outcome in the file, all or nothing; InputError (file, field) if it would be invalid.

    Only that outcome changes in the file: the rep's comments and layout elsewhere stay as written.
    """
    text, data = read_text_and_data(path)
    meant = copy.deepcopy(data)
    case = meant["cases"][case_index]
    if outcome:
        case["outcome"] = outcome
    else:
        case.pop("outcome", None)
    _write_checked(path, written_back(text, path.suffix, data, meant, str(path)))


def _write_checked(path: Path, text: str) -> None:
    trial = path.with_name(f".{path.stem}.saving{path.suffix}")
    trial.write_text(text, encoding="utf-8")
    try:
        read_as_checked(trial)
    except InputError as error:
        trial.unlink(missing_ok=True)
        raise InputError(str(path), error.message, error.field) from None
    with trial.open("rb") as written:
        os.fsync(written.fileno())
    os.replace(trial, path)


def keep_minutes(path: Path, case_index: int, case: Case, filename: str, content: bytes) -> str:
    """Store uploaded minutes in the meeting's own folder (the only folder files may leave from).

    The name is made here from the case's position, never from the uploaded name, so
    nothing can be written outside the folder. Returns the path the meeting file records.
    """
    suffix = Path(filename or "").suffix.lower()
    if suffix not in MINUTES_TYPES:
        raise InputError("minutes", f"expected one of {', '.join(MINUTES_TYPES)}, got {suffix or 'no extension'}")
    if not content:
        raise InputError("minutes", "the uploaded file is empty")
    if len(content) > MINUTES_MAX_BYTES:
        raise InputError("minutes", "the uploaded file is larger than 25 MB")
    folder = path.parent / "minutes"
    folder.mkdir(exist_ok=True)
    name = f"case-{case_index + 1}-minutes{suffix}"
    target = folder / name
    partial = folder / f".{name}.part"
    partial.write_bytes(content)
    os.replace(partial, target)
    return f"minutes/{name}"
