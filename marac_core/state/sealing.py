"""What was written, kept so that a changed meeting file can be compared with it (drift).

The ledger holds no personal data in plaintext: what an obligation wrote is
kept as keyed hashes (to compare) and encrypted (to say what changed, and
for ``marac show``), both under the runner's key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

    from marac_core.model.obligations import Obligation

# The parts of a write a correction may be about (spec section 5, drift's "what").
ASPECTS = ("text", "recipients", "record", "expires")


class Sealer:
    def __init__(self, key: bytes) -> None:
        self._mac_key = hmac.new(key, b"ledger-fingerprints", hashlib.sha256).digest()
        self._key = key
        # Whose fingerprints these are: a rep and a deputy on one shared ledger each have their own
        # runner's key, and one's keyed hashes never equal the other's.
        self.key_id = hmac.new(key, b"ledger-key-id", hashlib.sha256).hexdigest()[:16]

    @cached_property
    def _fernet(self) -> Fernet:
        from cryptography.fernet import Fernet

        material = hashlib.sha256(self._key + b"ledger-sealed").digest()
        return Fernet(base64.urlsafe_b64encode(material))

    def prepare(self) -> None:
        """Build the cipher now rather than at the first seal."""
        self._fernet  # noqa: B018 - a cached property

    def _mac(self, value: Any) -> str:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
        return hmac.new(self._mac_key, text.encode(), hashlib.sha256).hexdigest()[:32]

    def fingerprint(self, o: Obligation) -> dict[str, str | None]:
        """One value per aspect: equal when that aspect of the write would be the same."""
        return {
            "text": self._mac([o.title, o.text, sorted(o.boxes), o.attachments]),
            "recipients": self._mac([sorted(o.to), sorted(o.cc)]),
            "record": o.record,
            "expires": o.expires.isoformat() if o.expires else None,
            "by": self.key_id,
        }

    def seal(self, value: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(value, ensure_ascii=False, default=str).encode()).decode()

    def open(self, token: str | None) -> dict[str, Any] | None:
        from cryptography.fernet import InvalidToken

        if not token:
            return None
        try:
            return json.loads(self._fernet.decrypt(token.encode()))
        except (InvalidToken, ValueError):
            return None

    def sealed(self, o: Obligation, brings: Obligation | None = None) -> str:
        """The obligation's wording, recipients and person, encrypted; for a correction, also the content
        it brings (what is written once it is done)."""
        value = _content(o)
        if brings is not None:
            value["brings"] = _content(brings)
        return self.seal(value)


def _content(o: Obligation) -> dict[str, Any]:
    return {"title": o.title, "text": o.text, "boxes": o.boxes, "to": o.to, "cc": o.cc,
            "attachments": o.attachments, "person": o.person, "action": o.action, "system": o.system,
            "record": o.record, "expires": o.expires.isoformat() if o.expires else None}
