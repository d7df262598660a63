"""Emails only to addresses that are one valid address each; any other becomes a step for the rep.

An allocated worker's email as a record system holds it may be "kim.patel@example.org,
someone@else.example": sent as it is, the minutes reach both. Such an email is planned as a
task that says why, never sent.
"""

from __future__ import annotations

from marac_core.model.addresses import address_problem
from marac_core.model.obligations import EMAIL, MANUAL, Obligation


def bad_address(o: Obligation) -> str | None:
    """Why an email obligation cannot be sent as it is, or None."""
    if o.action != "email" or o.system != EMAIL:
        return None
    for field, addresses in (("to", o.to), ("cc", o.cc)):
        for address in addresses:
            problem = address_problem(address)
            if problem:
                return f"{problem} in {field} ({address!r})"
    return None


def emails_to_valid_addresses(obligations: list[Obligation]) -> list[Obligation]:
    out = []
    for o in obligations:
        problem = bad_address(o)
        if problem is None:
            out.append(o)
            continue
        # The id is kept: the same input plans the same step, now one the rep does by hand.
        out.append(o.model_copy(update={
            "system": MANUAL, "action": "task", "to": [], "cc": [], "attachments": [],
            "text": (f"Not sent: {problem}. Find the right address and send this by hand"
                     + (" with the minutes" if o.attachments else "") + f" (subject {o.title or 'MARAC'!r}):\n"
                     + o.text),
        }))
    return out
