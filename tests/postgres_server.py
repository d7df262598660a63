"""A real PostgreSQL server for the tests: a private cluster on loopback, started and stopped by the tests.

MARAC_TEST_POSTGRESQL_URL points the tests at an existing server instead. On CI
(CI=true) a missing PostgreSQL is a failure, not a skip: .ci/run installs it.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def postgresql_url() -> Iterator[str]:
    if os.environ.get("MARAC_TEST_POSTGRESQL_URL"):
        yield os.environ["MARAC_TEST_POSTGRESQL_URL"]
        return
    binaries = _binaries()
    if binaries is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: .ci/run must install it")
        pytest.skip("PostgreSQL is not installed here (CI installs it)")
    as_user: list[str] = []
    directory = Path(tempfile.mkdtemp(prefix="marac-pg-"))
    if os.geteuid() == 0:  # initdb refuses to run as root
        account = pwd.getpwnam("postgres")
        os.chown(directory, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = directory / "data"
    port = _free_port()
    subprocess.run([*as_user, str(binaries / "initdb"), "-D", str(data), "-U", "marac", "--auth=trust",
                    "-E", "UTF8"], check=True, capture_output=True)
    subprocess.run([*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-w", "-l", str(directory / "log"),
                    "-o", f"-p {port} -c listen_addresses=127.0.0.1 -k {directory} -c fsync=off", "start"],
                   check=True, capture_output=True)
    try:
        subprocess.run([str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "marac", "marac"],
                       check=True, capture_output=True)
        yield f"postgresql://marac@127.0.0.1:{port}/marac"
    finally:
        subprocess.run([*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)
