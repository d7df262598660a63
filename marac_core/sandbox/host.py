"""Serve the emulated record systems and the mail catcher on loopback.

Each emulator gets its own HTTP server (uvicorn) on 127.0.0.1 with a port the
OS picks, in its own thread; the mail catcher is a real SMTP server
(aiosmtpd). Around every emulator sits the same middleware: a request count,
optional latency and optional transient faults. Half the faults are answered
before the request is handled, half after it (the write landed but the
answer was lost), which is what makes the runner's reconciliation necessary.
"""

from __future__ import annotations

import asyncio
import random
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from marac_core.sandbox.emulator import Emulator
from marac_core.sandbox.mail_catcher import MailCatcher
from marac_core.sandbox.store import EmulatorStore

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True)
class SandboxOptions:
    latency_ms: float = 0.0
    fault_rate: float = 0.0
    seed: int | None = None


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
        self.store.count_request()
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        fault = self.faults.draw()
        if fault == "after":
            async def swallow(message: Message) -> None:
                return None

            await self.app(scope, receive, swallow)
        if fault:
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"retry-after", b"0"), (b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": b'{"error": "service temporarily unavailable"}'})
            return
        await self.app(scope, receive, send)


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
        config = uvicorn.Config(app, log_level="critical", access_log=False, lifespan="off",
                                timeout_keep_alive=30)
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
        for offset, (name, cls) in enumerate(sorted(emulators.items())):
            store = EmulatorStore(self.directory / f"{name}.sqlite")
            emulator = cls(store)
            if store.get_meta("seeded") is None:
                with store.transaction():
                    emulator.seed(list((records or {}).get(name) or []))
                    store.set_meta("seeded", "yes")
            self.emulators[name] = emulator
        self.mail = MailCatcher(EmulatorStore(self.directory / "email.sqlite"))
        self._threads: list[_ServerThread] = []
        self._seed = options.seed

    def start(self) -> SandboxEndpoints:
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

    def stop(self) -> None:
        for thread in self._threads:
            thread.server.should_exit = True
        for thread in self._threads:
            thread.join(timeout=5)
        self.mail.stop()

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
