"""Opening an agenda or minutes file as it arrives: an XLSX, a CSV, a DOCX; a password-protected
Office file; an AES zip or 7-Zip archive holding one of these. What the file is comes from its
bytes, not its name. The password is asked for only when needed, and kept nowhere.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from marac_core.model.errors import InputError

Password = Callable[[], str | None]  # asked at most once; None when there is none to give

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SEVEN_ZIP = b"7z\xbc\xaf\x27\x1c"
_LARGEST = 200 * 1024 * 1024  # an agenda unpacked; more is no agenda (and guards against a zip bomb)
_READABLE = (".xlsx", ".xlsm", ".csv", ".docx", ".pdf", ".txt")


@dataclass
class Opened:
    """The plain bytes of the document and what kind it is: xlsx, docx, csv or pdf."""

    kind: str
    data: bytes
    source: str  # the file as the user named it, with the archive member if any ("a.7z:agenda.xlsx")


class _Once:
    """The password, asked for at most once however many layers need it."""

    def __init__(self, ask: Password) -> None:
        self._ask = ask
        self._asked = False
        self._value: str | None = None

    def __call__(self, source: str) -> str:
        if not self._asked:
            self._value, self._asked = self._ask(), True
        if not self._value:
            raise InputError(source, "password-protected: give the password with --password-env VAR")
        return self._value


def open_document(path: Path, password: Password = lambda: None) -> Opened:
    source = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(source, "file not found") from None
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror}") from None
    return _open(data, source, _Once(password), depth=0)


def _open(data: bytes, source: str, password: _Once, depth: int) -> Opened:
    if data.startswith(_OLE):
        return _open(_decrypt_office(data, source, password), source, password, depth + 1)
    if data.startswith(_SEVEN_ZIP):
        return _open_member(*_from_seven_zip(data, source, password), password, depth)
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        kind = _office_kind(data)
        if kind:
            return Opened(kind, data, source)
        return _open_member(*_from_zip(data, source, password), password, depth)
    if data.startswith(b"%PDF"):
        return Opened("pdf", data, source)
    if data.startswith(b"{\\rtf") or data.startswith(b"\x89PNG") or data.startswith(b"\xff\xd8"):
        raise InputError(source, "not an agenda: not an XLSX, CSV or DOCX file")
    return Opened("csv", data, source)


def _open_member(data: bytes, source: str, password: _Once, depth: int) -> Opened:
    if depth > 1:
        raise InputError(source, "an archive inside an archive is not read")
    return _open(data, source, password, depth + 1)


def _office_kind(data: bytes) -> str | None:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    return None


def _decrypt_office(data: bytes, source: str, password: _Once) -> bytes:
    import msoffcrypto
    from msoffcrypto.exceptions import InvalidKeyError

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        encrypted = office.is_encrypted()
    except Exception:  # msoffcrypto raises its own kinds for an OLE file it does not know
        raise InputError(source, "not an agenda: an old-style Office file (.xls/.doc); save it as .xlsx or .docx") from None
    if not encrypted:
        raise InputError(source, "an old-style Office file (.xls/.doc) is not read; save it as .xlsx or .docx")
    try:
        office.load_key(password=password(source))
        plain = io.BytesIO()
        office.decrypt(plain)
    except InvalidKeyError:
        raise InputError(source, "wrong password") from None
    except InputError:
        raise
    except Exception as exc:
        raise InputError(source, f"cannot decrypt ({type(exc).__name__}): wrong password or damaged file") from None
    return plain.getvalue()


def _the_member(names: list[str], source: str) -> str:
    wanted = [n for n in names if n.lower().endswith(_READABLE) and not n.rsplit("/", 1)[-1].startswith((".", "~$"))]
    if len(wanted) != 1:
        listed = ", ".join(names[:5]) or "nothing"
        raise InputError(source, f"the archive must hold exactly one agenda file (XLSX, CSV or DOCX); it holds {listed}")
    return wanted[0]


def _from_zip(data: bytes, source: str, password: _Once) -> tuple[bytes, str]:
    import pyzipper

    try:
        archive = pyzipper.AESZipFile(io.BytesIO(data))
        members = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError):
        raise InputError(source, "not an agenda: a damaged zip file") from None
    name = _the_member([m.filename for m in members], source)
    member = next(m for m in members if m.filename == name)
    if member.flag_bits & 0x1:
        archive.setpassword(password(source).encode("utf-8"))
    try:
        return archive.read(name), f"{source}:{name}"
    except RuntimeError as exc:
        if "password" in str(exc).lower():
            raise InputError(source, "wrong password") from None
        raise InputError(source, f"cannot unpack {name!r}") from None
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputError(source, f"cannot unpack {name!r}: wrong password or damaged archive") from None


def _from_seven_zip(data: bytes, source: str, password: _Once) -> tuple[bytes, str]:
    import py7zr

    try:
        with py7zr.SevenZipFile(io.BytesIO(data)) as probe:
            needs = probe.needs_password()
            names = [] if needs else [i.filename for i in probe.list() if not i.is_directory]
    except py7zr.exceptions.PasswordRequired:
        needs, names = True, []
    except Exception:  # py7zr raises many kinds for a damaged archive
        raise InputError(source, "not an agenda: a damaged 7-Zip archive") from None
    from py7zr.io import BytesIOFactory

    secret = password(source) if needs else None
    try:
        with py7zr.SevenZipFile(io.BytesIO(data), password=secret) as archive:
            if not names:
                names = [i.filename for i in archive.list() if not i.is_directory]
            name = _the_member(names, source)
            memory = BytesIOFactory(limit=_LARGEST)
            archive.extract(targets=[name], factory=memory)
            content = memory.get(name)
            content.seek(0)
            return content.read(), f"{source}:{name}"
    except InputError:
        raise
    except Exception:  # a wrong password shows as a CRC, LZMA or header error, depending on the method
        raise InputError(source, "wrong password (or a damaged 7-Zip archive)") from None
