"""Minutes sent by e-mail: an AES-256 zip archive (pyzipper), whose password goes in a message of its own.

pyzipper's ciphers are pycryptodomex's, whose C code is reached through cffi when cffi is installed
(the cryptography package brings it), else through ctypes. Through cffi, importing them parses the C
declarations of every cipher module with pycparser: 0.05 to 0.1 s of CPU in each run that sends
minutes, against 0.02 s through ctypes, which pycryptodomex supports alike. So pyzipper is imported
here with cffi kept out of sight, unless something has already imported cffi or the ciphers. For
that moment (tens of milliseconds, in prepare_attachments' background thread) an import of cffi
elsewhere would fail; nothing in the runner imports it (cryptography's bindings do not).
"""

from __future__ import annotations

import io
import sys
import threading
from types import ModuleType

_IMPORTING = threading.Lock()


def pyzipper_module() -> ModuleType:
    """pyzipper, its ciphers imported through ctypes (see the module's doc)."""
    with _IMPORTING:
        hide = "cffi" not in sys.modules and "Cryptodome" not in sys.modules
        if hide:
            sys.modules["cffi"] = None  # type: ignore[assignment]  # an import of it fails: ctypes is used
        try:
            import pyzipper
        finally:
            if hide and "cffi" in sys.modules and sys.modules["cffi"] is None:
                del sys.modules["cffi"]
        return pyzipper


def encrypted_zip(files: list[tuple[str, bytes]], password: str) -> bytes:
    """The files in one AES-256 zip archive, opened by ``password``."""
    pyzipper = pyzipper_module()
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(password.encode())
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        for name, content in files:
            archive.writestr(name, content)
    return buffer.getvalue()
