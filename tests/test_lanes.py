"""Requests to one system over a fixed set of kept-alive connections (marac_core.plugins.lanes)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest

from marac_core.plugins.lanes import LaneTransport, environment_proxy


class CountingServer:
    """A loopback HTTP/1.1 server that counts connections and the most requests it held at once."""

    def __init__(self) -> None:
        self.connections = 0
        self.in_flight = 0
        self.most_in_flight = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while (head := await reader.readuntil(b"\r\n\r\n")):
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
                await asyncio.sleep(0.01)
                status = b"503 Service Unavailable" if b"GET /fail" in head else b"200 OK"
                self.in_flight -= 1
                writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def with_server(lanes: int, work: Callable[[httpx.AsyncClient, str], Awaitable[None]]) -> CountingServer:
    """Run ``work`` with a client of ``lanes`` lanes against a fresh counting server at the given base URL."""
    counting = CountingServer()

    async def main() -> None:
        listening = await asyncio.start_server(counting.handle, "127.0.0.1", 0)
        base = f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}"
        try:
            async with httpx.AsyncClient(transport=LaneTransport(lanes)) as client:
                await work(client, base)
        finally:
            listening.close()

    asyncio.run(main())
    return counting


def test_requests_beyond_the_lanes_wait_and_connections_are_kept() -> None:
    async def forty(client: httpx.AsyncClient, base: str) -> None:
        answers = await asyncio.gather(*(client.get(f"{base}/x") for _ in range(40)))
        assert [a.text for a in answers] == ["ok"] * 40

    server = with_server(4, forty)
    assert server.most_in_flight == 4
    assert server.connections == 4


def test_error_answers_give_their_lane_back() -> None:
    async def mixed(client: httpx.AsyncClient, base: str) -> None:
        statuses = [(await client.get(f"{base}/{p}")).status_code for p in ("fail", "x", "fail", "x")]
        assert statuses == [503, 200, 503, 200]

    assert with_server(1, mixed).connections == 1


def test_a_refused_connection_gives_its_lane_back() -> None:
    async def refused_then_fine(client: httpx.AsyncClient, base: str) -> None:
        with pytest.raises(httpx.ConnectError):
            await client.get("http://127.0.0.1:1/x")
        assert (await client.get(f"{base}/x")).text == "ok"

    assert with_server(1, refused_then_fine).connections == 1


def test_the_environment_names_the_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.org:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example.org")
    assert environment_proxy("https://s1.example.org/fhir") == "http://proxy.example.org:3128"
    assert environment_proxy("https://internal.example.org/api") is None
    assert environment_proxy(None) is None


def test_the_systems_clients_keep_cookies_that_answers_set() -> None:
    from marac_core.plugins.systems import Client

    sent: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("cookie"))
        if request.url.path == "/sign-in":
            return httpx.Response(200, headers={"set-cookie": "session=abc; Path=/"})
        return httpx.Response(200)

    async def main() -> None:
        async with Client(transport=httpx.MockTransport(answer)) as client:
            await client.get("http://system.invalid/sign-in")
            await client.get("http://system.invalid/records")  # no cookie set: the jar is kept as it was
            await client.get("http://system.invalid/records")
            assert client.cookies.get("session") == "abc"
            client.cookies = {"other": "1"}
            await client.get("http://system.invalid/records")

    asyncio.run(main())
    assert sent == [None, "session=abc", "session=abc", "other=1"]


def test_a_multipart_upload_arrives_whole_in_one_write() -> None:
    # Harm prevented: minutes uploaded to a child's record truncated or altered; and a dozen socket
    # writes an upload (a third of its CPU on loopback).
    received: list[bytes] = []
    writes: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length")))
        received.append(await reader.readexactly(length))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()

    content = bytes(range(256)) * 40  # a PDF's bytes, any of them

    async def main() -> None:
        listening = await asyncio.start_server(handle, "127.0.0.1", 0)
        base = f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}"
        try:
            import socket

            original = socket.socket.send

            def counted(self: socket.socket, data: bytes, *args: object) -> int:
                if not bytes(data).startswith(b"HTTP/1.1 "):  # the client's writes, not the server's answer
                    writes.append(len(data))
                return original(self, data, *args)

            socket.socket.send = counted  # type: ignore[method-assign]
            try:
                async with httpx.AsyncClient(transport=LaneTransport(1)) as client:
                    answer = await client.post(f"{base}/documents", data={"title": "MARAC minutes"},
                                               files={"file": ("minutes.pdf", content, "application/pdf")})
            finally:
                socket.socket.send = original  # type: ignore[method-assign]
            assert answer.text == "ok"
        finally:
            listening.close()

    asyncio.run(main())
    assert len(received) == 1 and content in received[0] and b'name="title"' in received[0]
    assert len(writes) <= 2  # the head, and the body in one
