"""POST JSON to a provider, retrying what is worth retrying.

Retried: 408, 409, 429, every 5xx (Anthropic's 529 "overloaded" included) and network
errors; waits grow exponentially with jitter and honour ``Retry-After``. Anything else
(400, 401, 403, 404, 422) fails at once: repeating a bad request cannot fix it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from zebench.llm.errors import LLMError
from zebench.retry_after import parse_retry_after

RETRYABLE_STATUS = frozenset({408, 409, 429})
_BODY_KEEP = 2000


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 4
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_backoff_s)
        base = self.backoff_s * (2**attempt)
        jittered: float = base * random.uniform(0.5, 1.0)
        return min(jittered, self.max_backoff_s)


def is_retryable(status: int) -> bool:
    return status in RETRYABLE_STATUS or status >= 500


def provider_error_message(body: Any) -> str | None:
    """The human message in Anthropic's and OpenAI's error envelopes."""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return str(err["message"])
        if isinstance(err, str):
            return err
        if isinstance(body.get("message"), str):
            return str(body["message"])
    return None


def _describe(response: httpx.Response) -> str:
    try:
        message = provider_error_message(response.json())
    except ValueError:
        message = None
    text = message or response.text[:300].strip() or response.reason_phrase
    return f"HTTP {response.status_code}: {text}"


async def post_json(
    http: httpx.AsyncClient,
    url: str,
    *,
    headers: Mapping[str, str],
    body: dict[str, Any],
    policy: RetryPolicy,
    provider: str,
) -> dict[str, Any]:
    """The decoded JSON object of a 2xx reply; ``LLMError`` when the call fails for good."""
    attempt = 0
    while True:
        retry_after: float | None = None
        try:
            response = await http.post(url, headers=dict(headers), json=body)
        except httpx.TransportError as exc:
            failure = LLMError(
                f"{provider}: network error: {exc.__class__.__name__}: {exc}",
                attempts=attempt + 1,
            )
        else:
            status = response.status_code
            if response.is_success:
                data = _decode(response, provider, attempt)
                embedded = _embedded_error(data)
                if embedded is None:
                    return data
                # OpenRouter reports upstream failures as 200 with an error object.
                status, message = embedded
                failure = LLMError(
                    f"{provider}: HTTP {status}: {message}",
                    status=status,
                    body=response.text[:_BODY_KEEP],
                    attempts=attempt + 1,
                )
            else:
                failure = LLMError(
                    f"{provider}: {_describe(response)}",
                    status=status,
                    body=response.text[:_BODY_KEEP],
                    attempts=attempt + 1,
                )
            if not is_retryable(status):
                raise failure
            retry_after = parse_retry_after(response.headers.get("retry-after"))
        if attempt >= policy.max_retries:
            raise failure
        await asyncio.sleep(policy.delay(attempt, retry_after))
        attempt += 1


def _decode(response: httpx.Response, provider: str, attempt: int) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise LLMError(
            f"{provider}: reply is not JSON",
            status=response.status_code,
            body=response.text[:_BODY_KEEP],
            attempts=attempt + 1,
        ) from None
    if not isinstance(data, dict):
        raise LLMError(
            f"{provider}: reply is not a JSON object",
            status=response.status_code,
            body=response.text[:_BODY_KEEP],
            attempts=attempt + 1,
        )
    return data


def _embedded_error(data: dict[str, Any]) -> tuple[int, str] | None:
    """(status, message) when a 2xx reply carries an error object instead of a result."""
    if "error" not in data or "choices" in data or "content" in data:
        return None
    err = data["error"]
    code = err.get("code") if isinstance(err, dict) else None
    status = code if isinstance(code, int) and 100 <= code <= 599 else 502
    return status, provider_error_message(data) or "provider returned an error"
