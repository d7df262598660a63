"""A sandbox records file, read and checked only when the sandbox needs what it holds.

Reading and checking a records file of tens of thousands of people takes seconds (a quarter of the
runner's CPU in a large plan), and a sandbox seeded from it has no use for it: the emulators keep
what they were seeded with. So the file's bytes are fingerprinted (SHA-256: milliseconds), and a file
whose bytes are those of one already read is known by the digest of its content (``records_digest``)
without being read again. A file changed in any byte is read and checked as before.

What is kept is a digest of the bytes and a digest of the content, nothing of the people.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

# Beside the emulators' data: the digest of the records they were seeded from.
SEEDED_FROM = "seeded-from.sha256"
# Beside the emulators' data (and under the sandbox's own root for runs without --state): one file per
# records file read, named by the digest of its bytes, holding the digest of its content.
KNOWN_FILES = "records-files"

Records = dict[str, list[dict[str, Any]]]


def records_digest(records: Records) -> str:
    """The same for the same records, however the file is laid out (key order, comments, YAML or JSON)."""
    return hashlib.sha256(json.dumps(records, sort_keys=True, default=str).encode()).hexdigest()


def seeded_digest(state_dir: Path) -> str | None:
    """The content digest of the records the sandbox under ``state_dir`` was seeded from, if it says."""
    try:
        return (state_dir / "sandbox" / SEEDED_FROM).read_text().strip() or None
    except OSError:
        return None


def sandbox_root() -> Path:
    """The sandbox's own root, apart from the real default state."""
    import platformdirs

    return Path(platformdirs.user_data_dir("marac-sandbox"))


def sandbox_state_dir(records: RecordsFile | Path) -> Path:
    """Where a sandbox run without --state keeps everything: apart from the real default state, one
    folder per records file's content (the same records continue where they left off; others start afresh)."""
    source = records if isinstance(records, RecordsFile) else RecordsFile(records)
    return sandbox_root() / source.content_digest(sandbox_root())[:16]


def reading_state(state: Path | None, sandbox: Path | None) -> Path | None:
    """For the commands that read the state (status, done, due, show): --state, else the sandbox's own
    state for that records file, else None (the real default). Imports little: ``marac due`` is quick."""
    if state is not None or sandbox is None:
        return state
    return sandbox_state_dir(sandbox)


class RecordsFile:
    """The ``--sandbox RECORDS_FILE`` of a run: its digests, and its records once read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.file_digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            self.file_digest = ""  # load_records says why (file not found, cannot read)
        self._records: Records | None = None
        self._content_digest: str | None = None

    def records(self) -> Records:
        """The records, read and checked strictly (an error is the file's, exit 2)."""
        if self._records is None:
            from marac_core.intake.meeting_file import load_records

            self._records = load_records(self.path)
            self._content_digest = records_digest(self._records)
        return self._records

    def content_digest(self, memo: Path | None = None) -> str:
        """``records_digest`` of the records: from ``memo`` (a folder of known files) if it knows these
        bytes, else by reading the file."""
        if self._content_digest is None and memo is not None:
            self._content_digest = _known(memo, self.file_digest)
        if self._content_digest is None:
            self.records()
        assert self._content_digest is not None
        return self._content_digest

    def seeded(self, state_dir: Path, systems: list[str]) -> bool:
        """Whether the sandbox under ``state_dir`` was seeded from these very bytes, every system's
        emulator included: then the records need not be read at all."""
        directory = state_dir / "sandbox"
        digest = _known(directory, self.file_digest)
        if digest is None or not all((directory / f"{name}.sqlite").exists() for name in systems):
            return False
        if seeded_digest(state_dir) != digest:
            return False
        self._content_digest = digest
        return True

    def same_as_seeded(self, state_dir: Path) -> bool:
        """Whether these records (by content, however laid out) are those the sandbox under
        ``state_dir`` was seeded from; the file is read only if its bytes are not known there."""
        held = seeded_digest(state_dir)
        return held is not None and self.content_digest(state_dir / "sandbox") == held

    def remember(self, *folders: Path) -> None:
        """Note in each folder that these bytes hold records of this content (after they were read)."""
        if self._content_digest is None or not self.file_digest:
            return
        for folder in folders:
            if _known(folder, self.file_digest) != self._content_digest:
                _remember(folder, self.file_digest, self._content_digest)


def _known(folder: Path, file_digest: str) -> str | None:
    if not file_digest:
        return None
    try:
        held = (folder / KNOWN_FILES / file_digest).read_text().strip()
    except OSError:
        return None
    return held if len(held) == 64 and all(c in "0123456789abcdef" for c in held) else None


def _remember(folder: Path, file_digest: str, content_digest: str) -> None:
    known = folder / KNOWN_FILES
    try:
        known.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Written to a temporary name and moved: a reader never sees half a digest.
        temporary = known / f".{file_digest}.{os.getpid()}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(content_digest)
        os.replace(temporary, known / file_digest)
    except OSError:
        pass  # only a cache: the next run reads the file again
