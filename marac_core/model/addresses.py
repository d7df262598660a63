"""Email addresses: one valid address, or nothing to send to.

A record system may hold "kim.patel@example.org, someone@else.example" in its worker's email
field; sending to that would reach both. email-validator (what pydantic's EmailStr uses) judges
the syntax; nothing is looked up on the network.
"""

from __future__ import annotations


def single_address(value: str) -> str | None:
    """The address, normalised, if ``value`` is exactly one valid email address; else None."""
    from email_validator import EmailNotValidError, validate_email

    text = value.strip()
    if not text or any(c in text for c in ",;<>\r\n\t\x00"):
        return None
    try:
        validate_email(text, check_deliverability=False)
        return text  # as written: a normalised copy would look like a change of recipient
    except EmailNotValidError:
        return None


def address_problem(value: str | None) -> str | None:
    """Why ``value`` is not one address to send to, or None if it is."""
    if value is None or not value.strip():
        return "no email address"
    if single_address(value) is None:
        return "not a single valid email address"
    return None
