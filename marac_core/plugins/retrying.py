"""Retrying transient faults only: timeouts, connection errors, 5xx and 429 (honouring Retry-After)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)
from tenacity.wait import wait_base

T = TypeVar("T")
MAX_RETRY_AFTER = 30.0


def is_transient(error: BaseException) -> bool:
    if isinstance(error, (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)):
        return True
    if isinstance(error, httpx.HTTPStatusError):
        status = error.response.status_code
        return status == 429 or status >= 500
    return isinstance(error, (ConnectionError, TimeoutError))


class _WaitRetryAfter(wait_base):
    """Honour a server's Retry-After; otherwise back off exponentially with jitter."""

    def __init__(self, fallback: wait_base) -> None:
        self.fallback = fallback

    def __call__(self, retry_state) -> float:  # type: ignore[no-untyped-def]
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, httpx.HTTPStatusError):
            header = error.response.headers.get("retry-after")
            if header is not None:
                try:
                    return min(max(float(header), 0.0), MAX_RETRY_AFTER)
                except ValueError:
                    pass
        return float(self.fallback(retry_state))


def retrying(attempts: int = 4, initial: float = 0.05, maximum: float = 2.0) -> AsyncRetrying:
    return AsyncRetrying(
        retry=retry_if_exception(is_transient),
        stop=stop_after_attempt(attempts),
        wait=_WaitRetryAfter(wait_exponential_jitter(multiplier=initial, max=maximum, jitter=initial)),
        reraise=True,
    )


async def call_with_retries(call: Callable[[], Awaitable[T]], attempts: int = 4) -> T:
    async for attempt in retrying(attempts):
        with attempt:
            return await call()
    raise AssertionError("unreachable")
