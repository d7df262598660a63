"""Attached files: only from inside the meeting file's folder, and read once from what was checked.

`outcome.minutes: ../../../../etc/passwd`, an absolute path, or a symlink out of the folder would
otherwise be uploaded to a child's record and emailed as the minutes. A path is checked with
symlinks followed when the meeting file is read; at apply the file is opened without following a
symlink in its last part and the open descriptor compared with the checked path, so that it
cannot be swapped between the check and the read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from marac_core.model.errors import InputError


def inside_folder(folder: Path, attached: str) -> Path:
    """The attached file's real path, if it is a file inside ``folder`` (symlinks followed); else InputError.

    The InputError's source is the attachment as written; callers name the meeting file and field.
    """
    if not attached.strip():
        raise InputError(attached, "is empty")
    written = Path(attached)
    if written.is_absolute():
        raise InputError(attached, f"must be a path inside the meeting file's folder, not an absolute path "
                                   f"(got {attached!r})")
    root = folder.resolve()
    try:
        real = (root / written).resolve(strict=True)
    except FileNotFoundError:
        raise InputError(attached, f"file not found: {attached}") from None
    except (OSError, RuntimeError) as exc:  # a symlink loop, a permission
        raise InputError(attached, f"cannot be read ({type(exc).__name__}): {attached}") from None
    if not real.is_relative_to(root):
        raise InputError(attached, f"resolves outside the meeting file's folder (got {attached!r}); "
                                   "only files in that folder may be attached")
    if not real.is_file():
        raise InputError(attached, f"not a file: {attached}")
    return real


def read_attachment(folder: Path, attached: str) -> bytes:
    """The attached file's bytes, read once from a descriptor opened after the check.

    The checked real path is opened one part at a time from the folder, never following a
    symlink (O_NOFOLLOW on each part): a part swapped for a symlink since the check is refused,
    and the file opened is compared (fstat) with the one checked.
    """
    real = inside_folder(folder, attached)
    checked = os.stat(real)
    root = folder.resolve()
    nofollow = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    parts = real.relative_to(root).parts
    try:
        current = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
        try:
            for part in parts[:-1]:
                following = os.open(part, os.O_RDONLY | nofollow | getattr(os, "O_DIRECTORY", 0), dir_fd=current)
                os.close(current)
                current = following
            descriptor = os.open(parts[-1], os.O_RDONLY | nofollow, dir_fd=current)
        finally:
            os.close(current)
    except OSError as exc:  # swapped for a symlink since the check (ELOOP, ENOTDIR), or gone
        raise InputError(attached, f"changed while being attached ({exc.strerror}): {attached}") from None
    with os.fdopen(descriptor, "rb") as opened:
        held = os.fstat(opened.fileno())
        if not stat.S_ISREG(held.st_mode) or (held.st_dev, held.st_ino) != (checked.st_dev, checked.st_ino):
            raise InputError(attached, f"changed while being attached: {attached}")
        return opened.read()
