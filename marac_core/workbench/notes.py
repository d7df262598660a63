"""The rep's note on a manual step marked done ("phoned the allocated worker").

TODO(lead): when ``marac done --note`` lands in the core, keep the note through it
and drop this file. Until then the step is marked done by the core's own path
(``followup.status.mark``, as ``marac done`` does) and the note, which may name
people, is kept here encrypted with the runner's key (never in plaintext at rest).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from marac_core.state.keys import NoKeyring, runner_key


class Notes:
    def __init__(self, state_dir: Path, sandbox: bool) -> None:
        self.path = state_dir / "workbench" / "notes.bin"
        self.state_dir = state_dir
        self.sandbox = sandbox

    def _fernet(self):  # type: ignore[no-untyped-def]
        from cryptography.fernet import Fernet

        key = runner_key(self.state_dir, sandbox=self.sandbox)
        return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key + b"workbench-notes").digest()))

    def read(self) -> dict[str, dict[str, str]]:
        """Obligation id -> {"note": what was done, "at": when it was marked}."""
        if not self.path.exists():
            return {}
        try:
            return json.loads(self._fernet().decrypt(self.path.read_bytes()))
        except NoKeyring:
            return {}

    def keep(self, obligation_id: str, note: str) -> None:
        import datetime as dt

        held = self.read()
        held[obligation_id] = {"note": note, "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".part")
        partial.write_bytes(self._fernet().encrypt(json.dumps(held).encode()))
        os.replace(partial, self.path)
