"""HTTP to one record system over a fixed set of lanes, each a keep-alive connection of its own.

httpx's shared connection pool re-examines every connection (and the socket
under it) each time a request starts or ends, which costs more CPU per request
the more connections there are: at 16 requests in flight it was a fifth of the
runner's work. Here each lane is a pool of one connection, and a request takes
a free lane from a queue, so starting a request costs the same at any
concurrency. The number of lanes bounds the requests in flight to the system.
"""

from __future__ import annotations

import asyncio
import ssl
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator

import httpx


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


class LaneTransport(httpx.AsyncBaseTransport):
    """At most ``lanes`` requests in flight, each on its own kept-alive connection."""

    def __init__(self, lanes: int, verify: ssl.SSLContext | bool = True, proxy: str | None = None) -> None:
        if lanes < 1:
            raise ValueError("at least one lane")
        self._verify, self._proxy = verify, proxy
        self._lanes: list[httpx.AsyncHTTPTransport] = []
        # A lane is made when first needed: a run may use few of a system's lanes, or none.
        self._free: asyncio.Queue[httpx.AsyncHTTPTransport | None] = asyncio.Queue()
        for _ in range(lanes):
            self._free.put_nowait(None)

    def _new_lane(self) -> httpx.AsyncHTTPTransport:
        one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        lane = httpx.AsyncHTTPTransport(verify=self._verify, limits=one, proxy=self._proxy)
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
