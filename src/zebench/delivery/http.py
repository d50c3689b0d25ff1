"""Delivering to a results service over HTTP (``ZE_BENCHMARKS_WORKER_URL``).

Network errors, 5xx and 429 are retried with exponential backoff (honouring
Retry-After); other 4xx are not: a 409 conflict or invalid content is
``Rejected``, a refused API key is ``Unavailable`` (fix the key, then sync).
After one entry exhausted its retries the service is presumed down and later
entries get a single try each, so a batch does not stall on every result.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import httpx

from zebench.delivery.base import (
    Acknowledged,
    BatchInfo,
    Rejected,
    Unavailable,
    json_object,
    stored_run,
)
from zebench.retry_after import parse_retry_after

MAX_BACKOFF_S = 30.0
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 507, 520, 521, 522, 523, 524, 529})


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(body, dict) and "error" in body:
        details = body.get("details")
        return f"{body['error']}" + (f" ({details})" if details else "")
    return str(body)[:300]


def _retry_after(response: httpx.Response) -> float | None:
    """The wait the service asked for (seconds or an HTTP date), within 0..MAX_BACKOFF_S."""
    seconds = parse_retry_after(response.headers.get("retry-after"))
    return None if seconds is None else min(max(seconds, 0.0), MAX_BACKOFF_S)


class HttpSink:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        attempts: int = 5,
        backoff_s: float = 0.5,
        timeout_s: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.target = self.base_url
        self.attempts = max(attempts, 1)
        self.backoff_s = backoff_s
        self._presumed_down = False
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout_s,
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content: bytes | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        attempts = 1 if self._presumed_down else self.attempts
        delay = self.backoff_s
        problem = ""
        for attempt in range(1, attempts + 1):
            wait = delay
            try:
                response = await self._client.request(
                    method, path, json=body, content=content, params=params
                )
            except httpx.TransportError as exc:
                problem = f"{self.base_url} unreachable: {exc.__class__.__name__}: {exc}"
            else:
                if response.status_code not in _RETRY_STATUSES:
                    self._presumed_down = False
                    return response
                problem = f"{method} {path}: HTTP {response.status_code}: {_error_text(response)}"
                asked = _retry_after(response)
                wait = delay if asked is None else asked
            if attempt < attempts:
                await asyncio.sleep(wait)
                delay = min(delay * 2, MAX_BACKOFF_S)
        self._presumed_down = True
        raise Unavailable(f"{problem} (after {attempts} attempt{'s' if attempts > 1 else ''})")

    def _refusal(self, response: httpx.Response) -> Exception:
        status, text = response.status_code, _error_text(response)
        if status in (401, 403):
            return Unavailable(
                f"{self.base_url} refused the API key (HTTP {status}: {text}); "
                "set ZE_BENCHMARKS_API_KEY and run `zebench sync`"
            )
        if status == 404:
            return Unavailable(f"{self.base_url} has no results API here (HTTP 404: {text})")
        return Rejected(status, f"HTTP {status}: {text}")

    async def send_result(self, payload: dict[str, Any]) -> Acknowledged:
        response = await self._request("POST", "/api/results", payload)
        if response.status_code in (200, 201):
            try:
                duplicate = bool(response.json().get("duplicate"))
            except (ValueError, AttributeError):
                duplicate = False
            return "duplicate" if duplicate else "created"
        raise self._refusal(response)

    async def send_batch(self, payload: dict[str, Any]) -> None:
        self._accepted(await self._request("POST", "/api/results/batch", payload))

    async def batch_info(self, batch_id: str) -> BatchInfo | None:
        response = await self._found("GET", f"/api/batches/{quote(batch_id, safe='')}")
        if response is None:
            return None
        body = response.json()
        created = body.get("createdAt")
        return BatchInfo(
            batch_id=batch_id,
            created_at=created if isinstance(created, int) else None,
            metadata=json_object(body.get("metadata")),
            runs=[stored_run(r) for r in body.get("runs") or [] if isinstance(r, dict)],
        )

    async def run_detail(self, run_id: str) -> dict[str, Any] | None:
        """``GET /api/runs/{runId}`` (run, evaluations, telemetry), or None when not stored."""
        response = await self._found("GET", f"/api/runs/{quote(run_id, safe='')}")
        body = response.json() if response is not None else None
        return body if isinstance(body, dict) else None

    async def has_bundle(self, sha256: str) -> bool:
        return await self._found("HEAD", f"/api/suites/{sha256}") is not None

    async def put_bundle(self, sha256: str, suite: str, data: bytes) -> None:
        """Store a suite bundle (once per hash: the service answers 200 for a known one)."""
        self._accepted(
            await self._request(
                "PUT", f"/api/suites/{sha256}", content=data, params={"suite": suite}
            )
        )

    async def get_bundle(self, sha256: str) -> bytes | None:
        """A suite bundle's bytes, or None when the service has no such bundle."""
        response = await self._found("GET", f"/api/suites/{sha256}")
        return response.content if response is not None else None

    async def _found(self, method: str, path: str) -> httpx.Response | None:
        """The answer to a read; None when the service has no such thing (404)."""
        response = await self._request(method, path)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._refusal(response)
        return response

    def _accepted(self, response: httpx.Response) -> None:
        """Raise the refusal unless a write was taken (200, or 201 created)."""
        if response.status_code not in (200, 201):
            raise self._refusal(response)
