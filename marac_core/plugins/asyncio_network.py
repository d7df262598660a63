"""The sockets under the lanes: an httpcore network backend on asyncio's own transports.

httpcore's default network on asyncio is anyio's. Around every read and write it enters and leaves
cancel scopes and asks sniffio which event loop runs; before a kept-alive connection is used again it
builds the socket's attributes (asking the kernel for the peer) and polls the socket; and the event
loop's interest in the socket is registered and dropped for every read. Measured on the benchmark's
apply, that was about a tenth of the runner's CPU a request.

Here a connection is an asyncio protocol that the event loop reads into for as long as it is open: a
read takes what has arrived, and a server that closed an idle connection is known from what the loop
saw (and, before the loop has run, from a poll of the socket, as httpcore's own networks do). A
request's head and body go out in one write when its answer is first read, not a system call each:
on loopback each one also wakes the system's server.
"""

from __future__ import annotations

import asyncio
import collections
import select
import socket
import ssl
from collections.abc import Awaitable, Iterable
from typing import Any

import httpcore

# Received bytes not yet read, above which the loop stops reading from the socket (TCP then holds
# the server back), and below which it starts again.
_HIGH_WATER = 256 * 1024
# Unsent request bytes held for one write: a body streamed in many chunks goes out once this large.
_SEND_AT = 64 * 1024


class _Connection(asyncio.Protocol):
    """What the event loop has read from one connection, whether it has ended, and whether it can
    take more writes."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.received: collections.deque[bytes] = collections.deque()
        self.held = 0  # bytes in ``received``
        self.ended = False  # the server closed its side, or the connection was lost
        self.lost: BaseException | None = None
        self._arrival: asyncio.Future[None] | None = None
        self._drained: asyncio.Future[None] | None = None
        self._paused_writing = False
        self._paused_reading = False

    # -- called by the event loop --------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a transport that reads and writes

    def data_received(self, data: bytes) -> None:
        self.received.append(data)
        self.held += len(data)
        if self.held > _HIGH_WATER and not self._paused_reading and self.transport is not None:
            self._paused_reading = True
            self.transport.pause_reading()
        self._wake(self._arrival)

    def eof_received(self) -> bool:
        self.ended = True
        self._wake(self._arrival)
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self.lost = exc
        self._wake(self._arrival)
        self._wake(self._drained)

    def pause_writing(self) -> None:
        self._paused_writing = True

    def resume_writing(self) -> None:
        self._paused_writing = False
        self._wake(self._drained)

    # -- used by the stream ------------------------------------------------------------------------
    @staticmethod
    def _wake(waiter: asyncio.Future[None] | None) -> None:
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def arrival(self) -> None:
        """Until some bytes, or the end, have arrived."""
        if not (self.received or self.ended):
            await self._until("_arrival")

    def take(self, most: int) -> bytes:
        chunk = self.received.popleft()
        if len(chunk) > most:
            self.received.appendleft(chunk[most:])
            chunk = chunk[:most]
        self.held -= len(chunk)
        if self._paused_reading and self.held < _HIGH_WATER // 2 and self.transport is not None:
            self._paused_reading = False
            self.transport.resume_reading()
        return chunk

    async def drained(self) -> None:
        """Until the transport takes writes again (its buffer below its high-water mark)."""
        if self._paused_writing and not self.ended:
            await self._until("_drained")

    async def _until(self, waiter: str) -> None:
        """Until the event loop wakes the named waiter (``_wake``)."""
        setattr(self, waiter, asyncio.get_running_loop().create_future())
        try:
            await getattr(self, waiter)
        finally:
            setattr(self, waiter, None)


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection (plain or TLS) as httpcore reads and writes it."""

    def __init__(self, connection: _Connection, transport: asyncio.Transport) -> None:
        self._connection = connection
        self._transport = transport
        self._unsent: list[bytes] = []
        self._unsent_bytes = 0
        self._write_timeout: float | None = None

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if self._unsent:
            try:
                await self._send()
            except httpcore.WriteError:
                pass  # as httpcore does: a server may close early and still have answered; read it
        connection = self._connection
        if not connection.received and not connection.ended:
            try:
                async with asyncio.timeout(timeout):
                    await connection.arrival()
            except TimeoutError:
                raise httpcore.ReadTimeout("no answer within the timeout") from None
        if connection.received:
            return connection.take(max_bytes)
        if connection.lost is not None:
            raise httpcore.ReadError(f"the connection was lost: {type(connection.lost).__name__}")
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        self._unsent.append(buffer)
        self._unsent_bytes += len(buffer)
        self._write_timeout = timeout
        if self._unsent_bytes >= _SEND_AT:
            await self._send()

    async def _send(self) -> None:
        data = self._unsent[0] if len(self._unsent) == 1 else b"".join(self._unsent)
        self._unsent.clear()
        self._unsent_bytes = 0
        if self._transport.is_closing() or self._connection.ended:
            raise httpcore.WriteError("the connection is closed")
        self._transport.write(data)
        try:
            async with asyncio.timeout(self._write_timeout):
                await self._connection.drained()
        except TimeoutError:
            raise httpcore.WriteTimeout("the system took no more within the timeout") from None
        if self._connection.lost is not None:
            raise httpcore.WriteError(f"the connection was lost: {type(self._connection.lost).__name__}")

    async def aclose(self) -> None:
        self._unsent.clear()
        self._transport.close()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        if self._unsent:  # a proxy's CONNECT is answered before this, so nothing is left; to be sure
            await self._send()
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(self._transport, self._connection, ssl_context,
                                                 server_hostname=server_hostname)
        except TimeoutError:
            self._transport.close()
            raise httpcore.ConnectTimeout("no TLS handshake within the timeout") from None
        except OSError as error:  # ssl.SSLError is one: a certificate not trusted, say
            self._transport.close()
            raise httpcore.ConnectError(str(error)) from None
        if transport is None:  # the connection closed during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        self._connection.transport = transport
        return AsyncioStream(self._connection, transport)

    def get_extra_info(self, info: str) -> Any:
        transport = self._transport
        if info == "ssl_object":
            return transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return transport.get_extra_info("sockname")
        if info == "server_addr":
            return transport.get_extra_info("peername")
        if info == "socket":
            return transport.get_extra_info("socket")
        if info == "is_readable":  # asked of an idle kept-alive connection: readable means the server closed it
            connection = self._connection
            return bool(connection.received) or connection.ended or _readable(transport.get_extra_info("socket"))
        return None


def _readable(sock: Any) -> bool:
    """Whether the socket has something to read (its end, on an idle connection) the loop has not taken."""
    if sock is None or sock.fileno() < 0:
        return True
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock.fileno(), select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([sock.fileno()], [], [], 0)[0])


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Connections for httpcore made with asyncio's event loop."""

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None) -> AsyncioStream:
        loop = asyncio.get_running_loop()
        local = None if local_address is None else (local_address, 0)
        return await _connected(loop.create_connection(_Connection, host, port, local_addr=local),
                                timeout, socket_options)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None) -> AsyncioStream:
        loop = asyncio.get_running_loop()
        return await _connected(loop.create_unix_connection(_Connection, path), timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def _connected(connecting: Awaitable[tuple[asyncio.BaseTransport, _Connection]], timeout: float | None,
                     options: Iterable[httpcore.SOCKET_OPTION] | None) -> AsyncioStream:
    """The stream of a connection being made, its errors as httpcore's, its socket options set."""
    try:
        async with asyncio.timeout(timeout):
            transport, connection = await connecting
    except TimeoutError:
        raise httpcore.ConnectTimeout("no connection within the timeout") from None
    except OSError as error:
        raise httpcore.ConnectError(str(error)) from None
    sock: socket.socket | None = transport.get_extra_info("socket")
    for option in options or ():
        if sock is not None:
            sock.setsockopt(*option)  # type: ignore[arg-type]
    return AsyncioStream(connection, transport)  # type: ignore[arg-type]
