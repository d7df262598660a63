"""Serve the emulated record systems and the mail catcher on loopback.

Each emulator gets its own HTTP server (uvicorn) on 127.0.0.1 with a port the
OS picks, in its own thread; the mail catcher is a real SMTP server
(aiosmtpd). Around every emulator sits the same middleware: a request count,
optional latency and optional transient faults. Half the faults are answered
before the request is handled, half after it (the write landed but the
answer was lost), which is what makes the runner's reconciliation necessary.

On Linux (or with ``SandboxOptions(process=True)``) the servers run in a
child process forked by ``start()``: the emulators then have their own interpreter lock (and
the other core) instead of taking turns with the runner, which otherwise spends
about half its time on the emulators' side of each request. The child stops
when ``stop()`` is called or the parent dies (even by SIGKILL: it sees the end
of a pipe) at once: every write it acknowledged is already committed, as in
the threaded mode, and a request cut short never had its answer sent.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import random
import select
import signal
import socket
import sys
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from starlette.applications import Starlette
from starlette.routing import Mount

from marac_core.model.errors import InputError
from marac_core.sandbox.emulator import Emulator
from marac_core.sandbox.mail_catcher import MailCatcher
from marac_core.sandbox.records_file import SEEDED_FROM, records_digest, seeded_digest
from marac_core.sandbox.store import EmulatorStore

Scope = MutableMapping[str, Any]
# The write ends of the stop pipes of this process's sandbox children (see SandboxHost._start_child).
_STOP_PIPES: set[int] = set()
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
def check_seeded_from(state_dir: Path, records: dict[str, list[dict[str, Any]]], source: str) -> None:
    """Refuse a records file other than the one the sandbox under ``state_dir`` was seeded from.

    The emulators keep what they hold between runs; seeded from one file and run with another, they
    would answer from the old records in silence (a victim closed since, a record removed).
    """
    directory = state_dir / "sandbox"
    if not any(directory.glob("*.sqlite")):
        return
    held = seeded_digest(state_dir)
    if held == records_digest(records):
        return
    said = "other records" if held else "records marac cannot identify (an earlier version)"
    raise InputError(source, f"the sandbox in {state_dir} was seeded from {said}; start it afresh with "
                             f"'marac sandbox reset --state {state_dir}', or give another --state")


@dataclass(frozen=True)
class SandboxOptions:
    latency_ms: float = 0.0
    fault_rate: float = 0.0
    seed: int | None = None
    # Serve from a forked child process rather than from threads of this one (see the module's doc);
    # None: where forking a running interpreter is safe (Linux), else threads.
    process: bool | None = None


@dataclass
class SandboxEndpoints:
    """Where each emulated system listens: its adapter's base URL."""

    urls: dict[str, str] = field(default_factory=dict)
    smtp: tuple[str, int] | None = None
    # The mail catcher's read-back API, so the email adapter can reconcile after a crash.
    mailbox: str | None = None


class _Faults:
    """Seeded, thread-safe choice of which requests fail."""

    def __init__(self, rate: float, seed: int | None) -> None:
        self.rate = rate
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def draw(self) -> str | None:
        if self.rate <= 0:
            return None
        with self._lock:
            if self._rng.random() >= self.rate:
                return None
            return "before" if self._rng.random() < 0.5 else "after"


# When the bytes of the request being answered arrived: set by the HTTP protocol as they come in,
# and carried into the request's task (asyncio copies the context when uvicorn starts it).
_ARRIVED: ContextVar[float | None] = ContextVar("marac_sandbox_arrived", default=None)


class _StampedH11(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, noting when each request's bytes arrive: the latency is counted
    from there, so the sandbox's own reading of a request (under a shared interpreter lock, with the
    other emulators' threads) is part of the system's time to answer, not added to it."""

    def data_received(self, data: bytes) -> None:
        _ARRIVED.set(time.monotonic())
        super().data_received(data)


class _SandboxMiddleware:
    def __init__(self, app: Callable[..., Awaitable[None]], store: EmulatorStore,
                 latency_s: float, faults: _Faults) -> None:
        self.app = app
        self.store = store
        self.latency_s = latency_s
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The latency is the system's time to answer: the emulator's own work counts towards it
        # (a real system's processing is part of its latency), so an answer leaves no sooner than
        # latency after the request came and no later than the emulator allows.
        arrived = _ARRIVED.get()
        answer_at = (time.monotonic() if arrived is None else arrived) + self.latency_s
        self.store.count_request()

        async def wait_until_due() -> None:
            remaining = answer_at - time.monotonic()
            if remaining > 0:
                await asyncio.sleep(remaining)

        fault = self.faults.draw()
        if fault == "after":
            async def swallow(message: Message) -> None:
                return None

            await self.app(scope, receive, swallow)
        if fault:
            await wait_until_due()
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"retry-after", b"0"), (b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": b'{"error": "service temporarily unavailable"}'})
            return

        async def send_when_due(message: Message) -> None:
            if message["type"] == "http.response.start":
                await wait_until_due()
            await send(message)

        await self.app(scope, receive, send_when_due if self.latency_s else send)


def _loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class _ServerThread(threading.Thread):
    def __init__(self, app: Any, sock: socket.socket) -> None:
        super().__init__(daemon=True)
        self.sock = sock
        # log_config=None: uvicorn would otherwise reconfigure logging for each server, and a server
        # starting meanwhile could print "Started server process" at the level that briefly allows.
        config = uvicorn.Config(app, log_level="critical", access_log=False, lifespan="off",
                                timeout_keep_alive=30, log_config=None, http=_StampedH11)
        self.server = uvicorn.Server(config)

    def run(self) -> None:
        asyncio.run(self.server.serve(sockets=[self.sock]))


class SandboxHost:
    """The emulators of the installed adapters, seeded once, served until stopped."""

    def __init__(
        self,
        emulators: dict[str, type[Emulator]],
        state_dir: Path,
        records: dict[str, list[dict[str, Any]]] | None = None,
        options: SandboxOptions = SandboxOptions(),
    ) -> None:
        self.directory = state_dir / "sandbox"
        self.options = options
        self.emulators: dict[str, Emulator] = {}
        if records is not None:
            check_seeded_from(state_dir, records, "--sandbox")
        _private_folder(self.directory)
        for offset, (name, cls) in enumerate(sorted(emulators.items())):
            cls.prepare()
            store = EmulatorStore(self.directory / f"{name}.sqlite")
            emulator = cls(store)
            if store.get_meta("seeded") is None:
                with store.transaction():
                    emulator.seed(list((records or {}).get(name) or []))
                    store.set_meta("seeded", "yes")
            self.emulators[name] = emulator
        self.mail = MailCatcher(EmulatorStore(self.directory / "email.sqlite"))
        marker = self.directory / SEEDED_FROM
        if records is not None and not marker.exists():
            _private_file(marker, records_digest(records).encode())
        self._threads: list[_ServerThread] = []
        self.endpoints: SandboxEndpoints | None = None
        self._seed = options.seed
        self._classes = {name: type(emulator) for name, emulator in self.emulators.items()}
        self._child: int | None = None
        self._stop_pipe: int | None = None

    def start(self) -> SandboxEndpoints:
        """Serve every system; the endpoints are returned and kept as ``self.endpoints``."""
        process = self.options.process
        if process is None:
            process = sys.platform.startswith("linux")
        use_child = process and hasattr(os, "fork")
        self.endpoints = self._start_child() if use_child else self._start_threads()
        return self.endpoints

    def _start_threads(self) -> SandboxEndpoints:
        endpoints = SandboxEndpoints()
        for index, (name, emulator) in enumerate(self.emulators.items()):
            seed = None if self._seed is None else self._seed * 1000 + index
            app = Starlette(routes=[Mount("/", routes=emulator.routes())])
            wrapped = _SandboxMiddleware(app, emulator.store, self.options.latency_ms / 1000.0,
                                         _Faults(self.options.fault_rate, seed))
            sock = _loopback_socket()
            thread = _ServerThread(wrapped, sock)
            thread.start()
            self._threads.append(thread)
            port = sock.getsockname()[1]
            endpoints.urls[name] = f"http://127.0.0.1:{port}{emulator.base_path()}"
        endpoints.smtp = self.mail.start()
        sock = _loopback_socket()
        thread = _ServerThread(self.mail.readback_app(), sock)
        thread.start()
        self._threads.append(thread)
        endpoints.mailbox = f"http://127.0.0.1:{sock.getsockname()[1]}"
        deadline = time.monotonic() + 10
        while not all(t.server.started for t in self._threads):
            if time.monotonic() > deadline:
                raise RuntimeError("sandbox servers did not start")
            time.sleep(0.005)
        return endpoints

    def _start_child(self) -> SandboxEndpoints:
        ready_read, ready_write = os.pipe()
        stop_read, stop_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # The child: serve until the parent says stop or goes away.
            status = 1
            try:
                # Other sandboxes' stop pipes must not be held open by this child, or they would never end.
                for fd in (ready_read, stop_write, *_STOP_PIPES):
                    os.close(fd)
                _serve_in_child(self._classes, self.directory.parent, self.options, ready_write, stop_read)
                status = 0
            finally:
                os._exit(status)  # Never run the parent's clean-up (its stores, its servers) in the child.
        os.close(ready_write)
        os.close(stop_read)
        self._child, self._stop_pipe = pid, stop_write
        _STOP_PIPES.add(stop_write)
        line = b""
        with os.fdopen(ready_read, "rb") as ready:
            if select.select([ready], [], [], 30)[0]:
                line = ready.readline()
        if not line:
            self.stop()
            raise RuntimeError("sandbox servers did not start")
        answer = json.loads(line)
        return SandboxEndpoints(urls=answer["urls"], smtp=tuple(answer["smtp"]) if answer["smtp"] else None,
                                mailbox=answer["mailbox"])

    def stop(self) -> None:
        if self._child is not None:
            self._stop_child()
            return
        for thread in self._threads:
            thread.server.should_exit = True
        for thread in self._threads:
            thread.join(timeout=5)
        self.mail.stop()

    def _stop_child(self) -> None:
        assert self._child is not None and self._stop_pipe is not None
        _STOP_PIPES.discard(self._stop_pipe)
        os.close(self._stop_pipe)
        deadline = time.monotonic() + 10
        while True:
            done, _ = os.waitpid(self._child, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(self._child, signal.SIGKILL)
                os.waitpid(self._child, 0)
                break
            time.sleep(0.005)
        self._child = self._stop_pipe = None

    def dump(self) -> dict[str, Any]:
        held: dict[str, Any] = {}
        for name, emulator in self.emulators.items():
            held[name] = {**emulator.dump(), "requests": emulator.store.requests()}
        held["email"] = self.mail.dump()
        return held

    def close(self) -> None:
        for emulator in self.emulators.values():
            emulator.store.close()
        self.mail.store.close()


def _private_folder(path: Path) -> None:
    """A folder of the runner's state: its owner's alone."""
    for folder in (path.parent, path):  # the state folder and its sandbox/, when made here
        if not folder.exists():
            folder.parent.mkdir(parents=True, exist_ok=True)
            folder.mkdir(mode=0o700, exist_ok=True)


def _private_file(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def reset(state_dir: Path) -> bool:
    """``marac sandbox reset``: forget what the sandbox under ``state_dir`` holds, and the runner's state
    about it (its ledger, research packs), so the next run seeds it afresh. Returns whether there was one."""
    import shutil

    directory = state_dir / "sandbox"
    if not directory.is_dir():
        return False
    for name in ("ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm"):
        (state_dir / name).unlink(missing_ok=True)
    shutil.rmtree(state_dir / "research", ignore_errors=True)
    shutil.rmtree(directory)
    return True


def _serve_in_child(classes: dict[str, type[Emulator]], state_dir: Path, options: SandboxOptions,
                    ready: int, stop: int) -> None:
    """In the forked child: serve the emulators from threads, report where, wait for the word to stop."""
    # Ctrl-C reaches the whole process group; the child stops when its parent does, not before.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The parent's stores and servers are not ours to touch; open our own on the same files.
    host = SandboxHost(classes, state_dir, None,
                       SandboxOptions(options.latency_ms, options.fault_rate, options.seed, process=False))
    try:
        endpoints = host._start_threads()
        # As in the runner (cli._run): what is loaded lives until the child ends.
        gc.freeze()
        gc.set_threshold(10_000, 10, 10)
        os.write(ready, (json.dumps({"urls": endpoints.urls, "smtp": endpoints.smtp,
                                     "mailbox": endpoints.mailbox}) + "\n").encode())
        os.close(ready)
        while os.read(stop, 1):  # Returns b"" when the parent closes its end or dies.
            pass
    except BaseException:
        host.stop()
        raise
    # Every acknowledged write is committed, so the child can end at once (its caller's os._exit);
    # a request cut short is one whose answer never left, as when a real system fails mid-request.
