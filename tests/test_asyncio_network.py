"""The lanes' sockets on asyncio's own transports (marac_core.plugins.asyncio_network), against real
servers on loopback: plain HTTP and TLS, kept-alive connections, timeouts, and bodies larger than the
buffers."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
import trustme

from marac_core.plugins.asyncio_network import AsyncioStream
from marac_core.plugins.lanes import LaneTransport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """A request's head and body (by its Content-Length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    return head, await reader.readexactly(length)


def answer(body: bytes, close: bool = False) -> bytes:
    return (b"HTTP/1.1 200 OK\r\nContent-Length: " + str(len(body)).encode() + b"\r\n"
            + (b"Connection: close\r\n" if close else b"") + b"\r\n" + body)


def serve(handler: Handler, work: Callable[[str], Awaitable[None]], tls: ssl.SSLContext | None = None) -> None:
    """Run ``work`` against a server of ``handler`` on loopback; then let the server's connections end."""
    async def main() -> None:
        handlers: set[asyncio.Task[None]] = set()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            handlers.add(asyncio.current_task())  # type: ignore[arg-type]
            await handler(reader, writer)

        listening = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls)
        port = listening.sockets[0].getsockname()[1]
        try:
            await work(f"{'https' if tls else 'http'}://127.0.0.1:{port}")
        finally:
            listening.close()
            if handlers:  # the clients have closed: each handler sees the end of its connection
                await asyncio.wait(handlers, timeout=10)

    asyncio.run(main())


def echo_server(connections: list[int]) -> Handler:
    """Answers each request with its body's SHA-256 (or, for GET /big/N, N bytes), on kept-alive connections."""
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            while True:
                head, body = await read_request(reader)
                if head.startswith(b"GET /big/"):
                    size = int(head.split(b" ")[1].rsplit(b"/", 1)[1])
                    writer.write(answer(bytes(i % 251 for i in range(size))))
                else:
                    writer.write(answer(hashlib.sha256(body).hexdigest().encode()))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
    return handle


def test_a_lane_runs_on_asyncio_and_keeps_its_connection() -> None:
    # Should httpx change how its transport holds its pool, the lanes would quietly fall back to
    # httpx's own network and its cost a request; this says so.
    connections: list[int] = []

    async def work(base: str) -> None:
        async with httpx.AsyncClient(transport=LaneTransport(1)) as client:
            for n in range(5):
                response = await client.post(f"{base}/notes", content=b"note %d" % n)
                assert response.text == hashlib.sha256(b"note %d" % n).hexdigest()
                assert isinstance(response.extensions["network_stream"], AsyncioStream)

    serve(echo_server(connections), work)
    assert len(connections) == 1


def test_a_request_goes_out_in_one_write(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each write wakes the system's server, and costs the runner a system call: the head and body go together.
    sends: list[int] = []
    original = socket.socket.send
    server_port = [0]

    def counted(self: socket.socket, data: bytes, *args: object) -> int:
        if self.getpeername()[1] == server_port[0]:  # the client's writes, not the server's answers
            sends.append(len(data))
        return original(self, data, *args)  # type: ignore[arg-type]

    async def work(base: str) -> None:
        server_port[0] = int(base.rsplit(":", 1)[1])
        async with httpx.AsyncClient(transport=LaneTransport(1)) as client:
            await client.get(f"{base}/warm")  # the connection is made
            monkeypatch.setattr(socket.socket, "send", counted)
            for _ in range(3):
                await client.post(f"{base}/alerts", json={"text": "MARAC alert", "expires": "2027-12-03"})
            monkeypatch.setattr(socket.socket, "send", original)

    serve(echo_server([]), work)
    assert len(sends) == 3


def test_an_idle_connection_the_system_closed_is_not_used_again() -> None:
    # A kept-alive connection the server has closed must not be written to: the write would be lost
    # and the obligation fail (or, worse, be retried blind).
    closed = asyncio.Event()
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        await read_request(reader)
        writer.write(answer(b"ok"))  # says nothing of closing, then closes
        await writer.drain()
        writer.close()
        await writer.wait_closed()
        closed.set()

    async def work(base: str) -> None:
        async with httpx.AsyncClient(transport=LaneTransport(1)) as client:
            assert (await client.get(f"{base}/one")).text == "ok"
            await closed.wait()
            closed.clear()
            assert (await client.get(f"{base}/two")).text == "ok"

    serve(handle, work)
    assert len(connections) == 2


def test_tls_to_a_trusted_system_and_refused_for_an_untrusted_one() -> None:
    ca = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_tls)
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    connections: list[int] = []

    async def work(base: str) -> None:
        async with httpx.AsyncClient(transport=LaneTransport(1, verify=trusting)) as client:
            for n in range(3):
                response = await client.post(f"{base}/notes", content=b"case note %d" % n)
                assert response.text == hashlib.sha256(b"case note %d" % n).hexdigest()
            big = await client.get(f"{base}/big/3000000")
            assert big.content == bytes(i % 251 for i in range(3_000_000))
            assert response.extensions["network_stream"].get_extra_info("ssl_object") is not None
        # The public CA bundle does not know this system's certificate: nothing is sent to it.
        async with httpx.AsyncClient(transport=LaneTransport(1)) as client:
            with pytest.raises(httpx.ConnectError):
                await client.get(f"{base}/notes")

    serve(echo_server(connections), work, tls=server_tls)
    # One connection kept for all the trusted client's requests; the other client's handshake failed,
    # so the server had no request to read.
    assert len(connections) == 1


def test_bodies_larger_than_the_buffers_arrive_whole() -> None:
    # Minutes and reports are megabytes: flow control both ways must neither lose nor reorder bytes.
    upload = bytes(range(256)) * 16_384  # 4 MiB

    async def work(base: str) -> None:
        async with httpx.AsyncClient(transport=LaneTransport(2)) as client:
            sent, received = await asyncio.gather(
                client.post(f"{base}/documents", content=upload), client.get(f"{base}/big/5000000"))
            assert sent.text == hashlib.sha256(upload).hexdigest()
            assert received.content == bytes(i % 251 for i in range(5_000_000))

    serve(echo_server([]), work)


def test_a_system_that_does_not_answer_in_time_times_out_and_frees_its_lane() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await reader.read()  # never answers; ends when the client gives up

    async def work(base: str) -> None:
        async def second(other: str) -> None:
            async with httpx.AsyncClient(transport=LaneTransport(1), timeout=0.3) as client:
                with pytest.raises(httpx.ReadTimeout):
                    await client.get(f"{base}/slow")
                assert (await client.post(f"{other}/after", content=b"x")).status_code == 200

        done = asyncio.Event()

        async def other(base: str) -> None:
            await second(base)
            done.set()

        await asyncio.gather(other_server(other))

    async def other_server(work: Callable[[str], Awaitable[None]]) -> None:
        listening = await asyncio.start_server(echo_server([]), "127.0.0.1", 0)
        try:
            await work(f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}")
        finally:
            listening.close()

    serve(silent, work)


def test_a_refused_connection_is_a_connect_error() -> None:
    async def main() -> None:
        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            port = unused.getsockname()[1]
        async with httpx.AsyncClient(transport=LaneTransport(1)) as client:
            with pytest.raises(httpx.ConnectError):
                await client.get(f"http://127.0.0.1:{port}/x")

    asyncio.run(main())


def test_an_agencys_own_ca_named_by_ssl_cert_file_is_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An agency's record system behind its own CA: IT names the bundle, nothing else changes.
    ca = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_tls)
    bundle = tmp_path / "agency-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))

    async def work(base: str) -> None:
        async with httpx.AsyncClient(transport=LaneTransport(1)) as client:
            assert (await client.post(f"{base}/notes", content=b"x")).text == hashlib.sha256(b"x").hexdigest()

    serve(echo_server([]), work, tls=server_tls)
