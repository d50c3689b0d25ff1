"""HTTP access to the public source: timeouts, retries with backoff, a User-Agent,
and a cap on requests in flight, so a cycle stays polite however many pages it reads."""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

import httpx
import orjson

from zebench import __version__
from zebench.retry_after import parse_retry_after

log = logging.getLogger("zebench.throughput")

USER_AGENT = f"zebench/{__version__} (ze-benchmarks model throughput leaderboard)"
MAX_BACKOFF_S = 30.0
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class SourceError(Exception):
    """The source could not be read (after retries) or sent something unusable."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class SourceClient:
    """GETs against the source; use as ``async with SourceClient(...) as client``."""

    def __init__(
        self,
        *,
        timeout_s: float,
        retries: int,
        backoff_s: float,
        concurrency: int,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.retries = retries
        self.backoff_s = backoff_s
        self._slots = asyncio.Semaphore(concurrency)
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s),
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=True,
            limits=httpx.Limits(max_connections=concurrency),
            transport=transport,
        )

    async def __aenter__(self) -> SourceClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._http.aclose()

    async def get_text(self, url: str) -> str:
        return (await self._get(url)).text

    async def get_json(self, url: str) -> Any:
        response = await self._get(url)
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise SourceError(url, f"response is not JSON ({exc})") from None

    async def _get(self, url: str) -> httpx.Response:
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                async with self._slots:
                    response = await self._http.get(url)
                if response.status_code < 300:
                    return response
                reason = f"HTTP {response.status_code}"
                if response.status_code not in _RETRY_STATUSES:
                    raise SourceError(url, reason)
                retry_after = _retry_after_s(response)
            except httpx.TimeoutException:
                reason = "timed out"
            except httpx.TransportError as exc:
                reason = f"{exc.__class__.__name__}: {exc}"
            if attempt >= self.retries:
                raise SourceError(url, f"{reason} (after {attempt + 1} tries)")
            delay = self._backoff(attempt, retry_after)
            log.info("GET %s failed (%s); retrying in %.2f s", url, reason, delay)
            await asyncio.sleep(delay)
            attempt += 1

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, MAX_BACKOFF_S)
        # Jitter keeps several processes from retrying in lock-step.
        base = min(self.backoff_s * 2.0**attempt, MAX_BACKOFF_S)
        return base * random.uniform(1.0, 1.25)


def _retry_after_s(response: httpx.Response) -> float | None:
    seconds = parse_retry_after(response.headers.get("Retry-After"))
    return None if seconds is None else max(0.0, seconds)
