"""Minutes by e-mail: the AES-256 archive, and the import of its ciphers (marac_core.execution.minutes_archive)."""

from __future__ import annotations

import io
import subprocess
import sys

import pyzipper

from marac_core.execution.minutes_archive import encrypted_zip


def test_the_archive_opens_with_its_password_only() -> None:
    data = encrypted_zip([("minutes.pdf", b"%PDF minutes of the meeting")], "a derived password")
    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("minutes.pdf").flag_bits & 0x1  # encrypted, not merely zipped
        archive.setpassword(b"a derived password")
        assert archive.read("minutes.pdf") == b"%PDF minutes of the meeting"
    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        archive.setpassword(b"another password")
        try:
            archive.read("minutes.pdf")
        except RuntimeError:
            pass
        else:
            raise AssertionError("the minutes opened without their password")


def test_the_ciphers_come_through_ctypes_and_cffi_stays_importable() -> None:
    # In a fresh interpreter, as in a run. Harm prevented: hiding cffi for the import must not break
    # whatever imports it afterwards (cryptography's bindings, an adapter's library).
    code = ("from marac_core.execution.minutes_archive import pyzipper_module; pyzipper_module();"
            "from Cryptodome.Util import _raw_api; assert _raw_api.backend == 'ctypes', _raw_api.backend;"
            "import cffi; cffi.FFI()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
