"""Drift: the meeting file changed after obligations were carried out (spec section 5).

Each carried-out obligation whose wording, recipients, record or expiry would
now differ is listed, and what corrects it is planned, each correction with
``corrects``: an amending case note that says what changed; the expiry of the
wrongly worded alert and a new alert; an email "Correction to the earlier
message"; or a task for the rep where the system cannot amend. Nothing
carried out is ever changed in silence, and never corrected twice: a
correction's id comes from what it corrects and the content it brings, and
once it is done, what it brought is what the next plan compares with.

A meeting whose area or date was corrected gives its obligations new ids;
they are known again by what they are about (rule, case, person, system,
action, record), so that they are compared, not written a second time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from marac_core.model.obligations import MANUAL, Obligation, obligation_id
from marac_core.state.ledger import FINISHED, Entry, Written
from marac_core.state.sealing import Sealer

# What a correction can amend; expiries and deletions end things and are not themselves corrected.
CORRECTABLE = ("case_note", "alert", "template_ticks", "upload_document", "email", "task")


@dataclass(frozen=True)
class Drift:
    id: str
    case: str
    system: str
    record: str | None
    action: str
    what: str
    corrections: tuple[str, ...] = ()

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "case": self.case, "system": self.system, "record": self.record,
                "action": self.action, "what": self.what, "corrected_by": list(self.corrections)}


@dataclass
class Reconciled:
    obligations: list[Obligation]
    drift: list[Drift]
    # Correction id -> the obligation whose content it brings (what the ledger keeps as now written).
    replacing: dict[str, Obligation]
    # Correction id -> "replaces" or "retracts".
    kinds: dict[str, str]
    # Carried out under another runner's key: not compared (see reconcile).
    not_compared: list[str] = field(default_factory=list)


def _about(o: Obligation | Entry) -> tuple[Any, ...]:
    """What an obligation is about, whatever the meeting's area or date."""
    if isinstance(o, Obligation):
        return (o.rule, o.case, o.person_key, o.system, o.action, o.phase)
    return (o.rule, o.case_ref, o.person_key, o.system, o.action, o.phase)


def reconcile(obligations: list[Obligation], entries: dict[str, Entry], written: dict[str, Written],
              sealer: Sealer | None) -> Reconciled:
    out = Reconciled(list(obligations), [], {}, {})
    if not entries:
        return out
    corrections = {w.id for w in written.values() if w.corrects}
    _known_again(out.obligations, entries, corrections)
    if sealer is None:
        return out
    planned = {o.id for o in out.obligations}
    added: list[Obligation] = []
    for o in out.obligations:
        entry = entries.get(o.id)
        if o.action not in CORRECTABLE or entry is None or entry.state not in FINISHED:
            continue
        current = _current(o.id, entry, written, entries)
        if current is None or current[0].fingerprint is None:
            continue  # written before the ledger kept what was written: nothing to compare with
        if current[0].fingerprint.get("by") != sealer.key_id:
            # Carried out by another runner (a deputy's, on a shared ledger): its keyed hashes cannot be
            # compared with ours, and an unknown difference must never be "corrected" into a second write.
            out.not_compared.append(o.id)
            continue
        now = sealer.fingerprint(o)
        what = [aspect for aspect in ("text", "recipients", "expires") if now[aspect] != current[0].fingerprint.get(aspect)]
        if not what:
            continue
        fixes = _content_corrections(o, entry, current, what, now, sealer)
        for fix, kind in fixes:
            out.kinds[fix.id] = kind
            if kind == "replaces":
                out.replacing[fix.id] = o
        added += [fix for fix, _ in fixes]
        ids = tuple(fix.id for fix, _ in fixes)
        out.drift += [Drift(o.id, o.case, o.system, o.record, o.action, aspect, ids) for aspect in what]
    for entry in entries.values():
        if entry.id in planned or entry.id in corrections or entry.state not in FINISHED:
            continue
        if entry.action not in CORRECTABLE:
            continue
        moved = [o for o in out.obligations if _about(o) == _about(entry) and o.record and o.record != entry.record]
        if len(moved) != 1 or entry.record is None:
            continue
        fix = _record_correction(moved[0], entry, written, entries)
        if entries.get(fix.id) is not None and entries[fix.id].state in FINISHED:
            continue  # corrected already
        out.kinds[fix.id] = "retracts"
        added.append(fix)
        out.drift.append(Drift(entry.id, entry.case_ref, entry.system, entry.record, entry.action, "record",
                               (fix.id,)))
    out.obligations += added
    return out


def _known_again(obligations: list[Obligation], entries: dict[str, Entry], corrections: set[str]) -> None:
    """Give each planned obligation that is new only because the meeting's area or date changed the id
    of the carried-out one it is (same rule, case, person, system, action and record)."""
    planned = {o.id for o in obligations}
    pool: dict[tuple[Any, ...], list[Entry]] = defaultdict(list)
    for entry in entries.values():
        if entry.id not in planned and entry.id not in corrections and entry.state in FINISHED:
            pool[(*_about(entry), entry.record)].append(entry)
    if not pool:
        return
    renamed: dict[str, str] = {}
    for o in obligations:
        if o.id in entries:
            continue
        found = pool.get((*_about(o), o.record))
        if found:
            renamed[o.id] = found.pop(0).id
    if not renamed:
        return
    for n, o in enumerate(obligations):
        after = [renamed.get(i, i) for i in o.after]
        if o.id in renamed or after != o.after:
            obligations[n] = o.model_copy(update={"id": renamed.get(o.id, o.id), "after": after})


def _current(obligation: str, entry: Entry, written: dict[str, Written],
             entries: dict[str, Entry]) -> tuple[Written, str | None] | None:
    """What is now written for the obligation (the latest correction carried out, else the obligation's
    own write), with the system's id of it."""
    latest = None
    for w in written.values():
        if w.corrects == obligation and w.kind == "replaces":
            done = entries.get(w.id)
            if done is not None and done.state in FINISHED and (latest is None or _later(w, latest[0])):
                latest = (w, done.receipt)
    if latest is not None:
        return latest
    own = written.get(obligation)
    return (own, entry.receipt) if own is not None else None


def _later(one: Written, other: Written) -> bool:
    return (one.updated or dt.datetime.min.replace(tzinfo=dt.timezone.utc)) > (
        other.updated or dt.datetime.min.replace(tzinfo=dt.timezone.utc))


def _correction_id(o: Obligation, kind: str, now: dict[str, Any]) -> str:
    return obligation_id("correction", o.id, kind, now["text"], now["recipients"], now["expires"])


def _what_changed(before: dict[str, Any] | None, o: Obligation, what: list[str]) -> str:
    """In words: what is different from what was written (every changed line in full, never cut)."""
    said = []
    if "text" in what:
        if before is None:
            said.append("The wording has changed.")
        else:
            old_lines = [line for line in (before.get("text") or "").splitlines() if line.strip()]
            new_lines = [line for line in o.text.splitlines() if line.strip()]
            gone = [line for line in old_lines if line not in new_lines]
            came = [line for line in new_lines if line not in old_lines]
            if (before.get("title") or None) != (o.title or None):
                said.append(f"The title was \"{before.get('title') or ''}\" and is now \"{o.title or ''}\".")
            if gone:
                said.append("It said: " + " / ".join(gone))
            if came:
                said.append("It now says: " + " / ".join(came))
            if not gone and not came and (before.get("boxes") or []) != o.boxes:
                said.append("The boxes ticked are now: " + ", ".join(o.boxes))
            if not said:
                said.append("The wording has changed.")
    if "expires" in what:
        said.append(f"It now expires on {o.expires.isoformat() if o.expires else 'no date'}"
                    + (f" (was {before['expires']})." if before and before.get("expires") else "."))
    if "recipients" in what:
        said.append("It now goes to " + ", ".join(o.to + o.cc) + ".")
    return " ".join(s if s.endswith(".") else s + "." for s in said)


def _content_corrections(o: Obligation, entry: Entry, current: tuple[Written, str | None], what: list[str],
                         now: dict[str, Any], sealer: Sealer) -> list[tuple[Obligation, str]]:
    written, receipt = current
    opened = sealer.open(written.sealed)
    before = opened.get("brings", opened) if opened else None
    when = f"{written.updated.day} {written.updated:%B %Y}" if written.updated else "an earlier date"
    changed = _what_changed(before, o, what)
    base = {"corrects": o.id, "after": [], "waiting_for": None}
    if o.action == "alert" and o.system != MANUAL and receipt:
        expire = o.model_copy(update={
            **base, "id": _correction_id(o, "expire", now), "action": "expire_alert", "target": receipt,
            "text": f"Expire the alert written on {when} whose wording or expiry is no longer right. {changed}",
            "expires": None, "title": None})
        alert = o.model_copy(update={**base, "id": _correction_id(o, "alert", now)})
        return [(expire, "retracts"), (alert, "replaces")]
    if o.action == "case_note" and o.system != MANUAL:
        note = o.model_copy(update={
            **base, "id": _correction_id(o, "amend", now), "title": f"{o.title or 'MARAC'}: amendment",
            "text": f"Amendment to the MARAC case note of {when}. {changed}\n\nThe note now reads in full:\n{o.text}"})
        return [(note, "replaces")]
    if o.action == "email" and o.system != MANUAL:
        email = o.model_copy(update={
            **base, "id": _correction_id(o, "email", now),
            "title": f"Correction to the earlier message: {o.title or 'MARAC'}",
            "text": f"This message corrects the one sent on {when} with the subject \"{before.get('title') if before else o.title}\". "
                    f"{changed}\n\n{o.text}"})
        return [(email, "replaces")]
    task = o.model_copy(update={
        **base, "id": _correction_id(o, "task", now), "action": "task", "system": MANUAL,
        "record": o.record, "title": None,
        "text": f"Correct by hand what was done on {when} for this obligation ({o.action} in {o.system}"
                f"{' record ' + o.record if o.record else ''}). {changed} It should now be: "
                f"{(o.title + ': ') if o.title else ''}{o.text}"})
    return [(task, "replaces")]


def _record_correction(now: Obligation, entry: Entry, written: dict[str, Written],
                       entries: dict[str, Entry]) -> Obligation:
    """What was written to a record the person is no longer matched to: an alert is expired there; anything
    else, which a system cannot take back, is a task for the rep."""
    current = _current(entry.id, entry, written, entries)
    receipt = current[1] if current is not None else entry.receipt
    ident = obligation_id("correction", entry.id, "record", now.record)
    base = {"id": ident, "corrects": entry.id, "after": [], "waiting_for": None, "record": entry.record,
            "title": None, "expires": None, "boxes": [], "to": [], "cc": [], "attachments": []}
    if entry.action == "alert" and receipt and entry.state != "manual_done":
        return now.model_copy(update={
            **base, "action": "expire_alert", "target": receipt,
            "text": f"Expire the MARAC alert on record {entry.record} in {entry.system}: the person is now "
                    f"matched to record {now.record}."})
    return now.model_copy(update={
        **base, "action": "task", "system": MANUAL,
        "text": f"The MARAC {entry.action.replace('_', ' ')} for case {entry.case_ref} was recorded in "
                f"{entry.system} on record {entry.record}, but the person is now matched to record {now.record}: "
                f"mark what was recorded on {entry.record} as entered in error, as {entry.system}'s own "
                "procedure allows."})
