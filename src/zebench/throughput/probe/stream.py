"""One streaming chat completion, timed as its bytes arrive.

Each chunk read from the socket is stamped with ``perf_counter`` before it is
split into Server-Sent Events or parsed, so the time parsing takes never moves
a token's arrival. An event is dated by the chunk that completed it.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import orjson

TokenSource = Literal["usage", "deltas"]


@dataclass(slots=True)
class RequestTiming:
    """What one request measured. Times are seconds from ``perf_counter``.

    ``error`` names the kind of failure (``http_503``, ``timeout``, ``connect``,
    ``stream_interrupted``, ``stream_error``, ``no_content``); a failed request
    carries no figures.
    """

    started: float
    ended: float = 0.0
    content_times: list[float] = field(default_factory=list)
    """Arrival of every chunk that carried non-empty content, in order."""
    output_tokens: int = 0
    token_source: TokenSource = "deltas"
    input_tokens: int | None = None
    error: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def ttft(self) -> float:
        return self.content_times[0] - self.started

    @property
    def e2e(self) -> float:
        return self.ended - self.started

    @property
    def gaps(self) -> list[float]:
        times = self.content_times
        return [b - a for a, b in itertools.pairwise(times)]

    @property
    def tpot(self) -> float | None:
        """(e2e - TTFT) / (tokens - 1); None for a one-token answer."""
        if self.output_tokens < 2:
            return None
        return (self.ended - self.content_times[0]) / (self.output_tokens - 1)

    @property
    def decode_tps(self) -> float | None:
        """Output tokens per second after the first token: 1 / TPOT."""
        tpot = self.tpot
        return 1.0 / tpot if tpot else None


class StreamFailure(Exception):
    """The server answered, but not with a usable stream (kind names why)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


async def timed_events(response: httpx.Response) -> AsyncIterator[tuple[float, bytes]]:
    """``(arrival, data)`` for every SSE ``data:`` field, dated by its chunk's arrival."""
    buffer = b""
    async for chunk in response.aiter_raw():
        arrived = time.perf_counter()
        buffer += chunk
        if b"\n" not in chunk:
            continue
        lines = buffer.split(b"\n")
        buffer = lines.pop()
        for line in lines:
            if line.startswith(b"data:"):
                yield arrived, line[5:].strip()
    if buffer.startswith(b"data:"):
        yield time.perf_counter(), buffer[5:].strip()


async def stream_completion(
    client: httpx.AsyncClient, url: str, payload: dict[str, Any], *, timeout_s: float
) -> RequestTiming:
    """Send one streaming request and time it; failures become ``error``, never raise."""
    timing = RequestTiming(started=time.perf_counter())
    try:
        async with asyncio.timeout(timeout_s):
            async with client.stream("POST", url, json=payload) as response:
                if response.status_code >= 400:
                    body = (await response.aread()).decode("utf-8", "replace")
                    raise StreamFailure(f"http_{response.status_code}", error_text(body))
                await _read_stream(response, timing)
    except StreamFailure as exc:
        timing.error, timing.detail = exc.kind, exc.detail
    except TimeoutError:
        timing.error, timing.detail = "timeout", f"no complete answer within {timeout_s:g} s"
    except httpx.TimeoutException as exc:
        timing.error, timing.detail = "timeout", type(exc).__name__
    except httpx.ConnectError as exc:
        timing.error, timing.detail = "connect", str(exc) or type(exc).__name__
    except httpx.HTTPError as exc:
        # The connection broke after the answer began (RemoteProtocolError, ReadError).
        timing.error, timing.detail = "stream_interrupted", str(exc) or type(exc).__name__
    timing.ended = time.perf_counter()
    if timing.ok and not timing.content_times:
        timing.error, timing.detail = "no_content", "the stream carried no content"
    return timing


async def _read_stream(response: httpx.Response, timing: RequestTiming) -> None:
    usage_tokens: int | None = None
    finished = False
    async for arrived, data in timed_events(response):
        if data == b"[DONE]":
            finished = True
            break
        try:
            event = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise StreamFailure("stream_error", f"not JSON: {data[:120]!r}") from None
        if not isinstance(event, dict):
            raise StreamFailure("stream_error", f"not an object: {data[:120]!r}")
        if "error" in event:
            raise StreamFailure("stream_error", error_text(orjson.dumps(event).decode()))
        if _has_content(event):
            timing.content_times.append(arrived)
        usage = event.get("usage")
        if isinstance(usage, dict):
            completion = usage.get("completion_tokens")
            if isinstance(completion, int):
                usage_tokens = completion
            prompt = usage.get("prompt_tokens")
            if isinstance(prompt, int):
                timing.input_tokens = prompt
    if not finished:
        raise StreamFailure("stream_interrupted", "the stream ended before [DONE]")
    if usage_tokens is not None:
        timing.output_tokens, timing.token_source = usage_tokens, "usage"
    else:
        timing.output_tokens, timing.token_source = len(timing.content_times), "deltas"


def _has_content(event: dict[str, Any]) -> bool:
    for choice in event.get("choices") or ():
        delta = choice.get("delta") if isinstance(choice, dict) else None
        if isinstance(delta, dict) and delta.get("content"):
            return True
    return False


def error_text(body: str) -> str:
    """The server's error message (OpenAI's ``{"error": {"message"}}``), else the body's head."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return " ".join(body.split())[:200] or "(empty body)"
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])[:200]
    if isinstance(error, str):
        return error[:200]
    detail = data.get("detail") if isinstance(data, dict) else None
    if isinstance(detail, str):
        return detail[:200]
    return " ".join(body.split())[:200]
