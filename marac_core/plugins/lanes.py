"""HTTP to one record system over a fixed set of lanes, each a keep-alive connection of its own.

httpx's shared connection pool re-examines every connection (and the socket
under it) each time a request starts or ends, which costs more CPU per request
the more connections there are: at 16 requests in flight it was a fifth of the
runner's work. Here each lane holds one connection, and a request takes a free
lane from a queue, so starting a request costs the same at any concurrency. The
number of lanes bounds the requests in flight to the system. A direct lane is one
httpcore connection, without a pool's bookkeeping, on asyncio's own transports
(asyncio_network.py); through a proxy it is httpx's pool of one.
"""

from __future__ import annotations

import asyncio
import ssl
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator

import httpcore
import httpx

from marac_core.plugins.asyncio_network import AsyncioBackend


class _LaneStream(httpx.AsyncByteStream):
    """A response body that gives its lane back once the body is read and closed."""

    def __init__(self, stream: httpx.AsyncByteStream, release: asyncio.Queue[httpx.AsyncHTTPTransport | None],
                 lane: httpx.AsyncHTTPTransport) -> None:
        self._stream = stream
        self._free = release
        self._lane: httpx.AsyncHTTPTransport | None = lane

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if self._lane is not None:
                self._free.put_nowait(self._lane)
                self._lane = None


class OneConnection:
    """A lane's connection, made again when the system closed it or it was idle too long.

    It stands where httpx keeps its httpcore pool. A pool of one connection re-examined its
    connections, under two locks, when each request started and again when its answer was read:
    about a tenth of the runner's CPU a request. A lane sends one request at a time and gives
    itself back only once the answer is read, so a connection that is not ready for the next
    request is one to close and replace.
    """

    def __init__(self, tls: ssl.SSLContext, keepalive_expiry: float | None) -> None:
        self._tls, self._keepalive_expiry = tls, keepalive_expiry
        self._backend = AsyncioBackend()
        self._connection: httpcore.AsyncHTTPConnection | None = None

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        connection = self._connection
        if connection is not None and not (connection.can_handle_request(request.url.origin)
                                           and connection.is_available() and not connection.has_expired()):
            self._connection = None
            await connection.aclose()
            connection = None
        if connection is None:
            connection = self._connection = httpcore.AsyncHTTPConnection(
                request.url.origin, ssl_context=self._tls, keepalive_expiry=self._keepalive_expiry,
                network_backend=self._backend)
        return await connection.handle_async_request(request)

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.aclose()

    async def __aenter__(self) -> OneConnection:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class LaneTransport(httpx.AsyncBaseTransport):
    """At most ``lanes`` requests in flight, each on its own kept-alive connection."""

    def __init__(self, lanes: int, verify: ssl.SSLContext | bool = True, proxy: str | None = None) -> None:
        if lanes < 1:
            raise ValueError("at least one lane")
        # One TLS context for every lane (building one reads the CA bundle).
        self._tls = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify)
        self._proxy = proxy
        self._lanes: list[httpx.AsyncHTTPTransport] = []
        # A lane is made when first needed: a run may use few of a system's lanes, or none.
        self._free: asyncio.Queue[httpx.AsyncHTTPTransport | None] = asyncio.Queue()
        for _ in range(lanes):
            self._free.put_nowait(None)

    def _new_lane(self) -> httpx.AsyncHTTPTransport:
        one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        lane = httpx.AsyncHTTPTransport(verify=self._tls, limits=one, proxy=self._proxy)
        if self._proxy is None and isinstance(getattr(lane, "_pool", None), httpcore.AsyncConnectionPool):
            # httpx takes no network backend, so its pool of one is replaced by one connection on
            # asyncio's transports; httpx still turns requests, answers and errors into its own.
            # Through a proxy, or should httpx's layout change, the lane keeps httpx's own pool.
            lane._pool = OneConnection(self._tls, one.keepalive_expiry)  # type: ignore[assignment]
        self._lanes.append(lane)
        return lane

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(request.stream, httpx.ByteStream):
            # A multipart upload streams as a dozen small chunks, one socket write each (a third of
            # an upload's CPU on loopback); its parts are in memory already, so it goes as one.
            await request.aread()
        lane = await self._free.get() or self._new_lane()
        try:
            response = await lane.handle_async_request(request)
        except BaseException:
            self._free.put_nowait(lane)
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(response.status_code, headers=response.headers,
                              stream=_LaneStream(response.stream, self._free, lane),
                              extensions=response.extensions)

    async def aclose(self) -> None:
        for lane in self._lanes:
            await lane.aclose()


def environment_proxy(url: str | None) -> str | None:
    """The proxy the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) names for ``url``, as httpx would use."""
    if not url:
        return None
    parsed = urllib.parse.urlsplit(url)
    if parsed.hostname is None or urllib.request.proxy_bypass(parsed.hostname):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(parsed.scheme) or proxies.get("all")
