"""Secrets for the record systems: only ever in the system keyring, never in config, ledger or logs."""

from __future__ import annotations

from marac_core.intake.config import KEYRING_SERVICE
from marac_core.model.errors import InputError
from marac_core.plugins.registry import load


def _known(system: str) -> None:
    installed = load().adapters
    if system not in installed:
        raise InputError("marac credentials", f"no adapter named {system!r} is installed "
                                              f"(installed: {', '.join(sorted(installed))})")


def _keyring():  # type: ignore[no-untyped-def]
    import keyring
    from keyring.backends.fail import Keyring as NoBackend

    if isinstance(keyring.get_keyring(), NoBackend):
        raise InputError("keyring", "no keyring is available on this machine: install or unlock one "
                                    "(e.g. the desktop's Secret Service) so that secrets are never kept in files")
    return keyring


def store_secret(system: str, secret: str) -> None:
    _known(system)
    if not secret:
        raise InputError("marac credentials set", "the secret is empty")
    _keyring().set_password(KEYRING_SERVICE, system, secret)


def delete_secret(system: str) -> None:
    _known(system)
    from keyring.errors import PasswordDeleteError

    try:
        _keyring().delete_password(KEYRING_SERVICE, system)
    except PasswordDeleteError:
        raise InputError("marac credentials delete", f"no secret stored for {system!r}") from None


def secret_status() -> dict[str, bool]:
    keyring = _keyring()
    return {name: keyring.get_password(KEYRING_SERVICE, name) is not None for name in sorted(load().adapters)}
