"""The runner's own secret key, for what it derives (minutes archive passwords) and encrypts.

In real use the key lives in the system keyring. In the sandbox, whose data is
fictional, it lives beside the sandbox data so that the demo needs no set-up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from marac_core.intake.places import KEYRING_SERVICE

KEYRING_ENTRY = "state-key"


class NoKeyring(Exception):
    pass


def _from_keyring() -> bytes:
    import keyring
    from keyring.errors import KeyringError

    try:
        stored = keyring.get_password(KEYRING_SERVICE, KEYRING_ENTRY)
        if stored is None:
            stored = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
            keyring.set_password(KEYRING_SERVICE, KEYRING_ENTRY, stored)
    except (KeyringError, RuntimeError) as error:
        raise NoKeyring(f"no usable keyring for the runner's key ({type(error).__name__})") from None
    return base64.urlsafe_b64decode(stored)


def _from_sandbox(state_dir: Path) -> bytes:
    path = state_dir / "sandbox" / "runner.key"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_bytes(32))
    return path.read_bytes()


def runner_key(state_dir: Path, sandbox: bool) -> bytes:
    return _from_sandbox(state_dir) if sandbox else _from_keyring()


def derived_password(key: bytes, purpose: str) -> str:
    """A password that is the same every time for the same purpose (so a resumed run matches what it sent)."""
    digest = hmac.new(key, purpose.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:15]).decode().lower()


def key_for_state(state_dir: Path, sandbox: bool = False) -> bytes | None:
    """The runner's key for a state folder: a sandbox's own (kept beside its data), else the keyring's;
    None when there is no usable keyring."""
    try:
        return runner_key(state_dir, sandbox=sandbox or (state_dir / "sandbox" / "runner.key").exists())
    except NoKeyring:
        return None
