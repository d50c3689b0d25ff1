"""Running a probe: a preflight request, the warm-up, then the measured requests
at a fixed concurrency or a Poisson arrival rate (as vLLM ``bench serve`` does)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import httpx

from zebench.errors import UserError
from zebench.throughput.probe.figures import ProbeFigures, summarise
from zebench.throughput.probe.prompts import make_prompt
from zebench.throughput.probe.stream import RequestTiming, stream_completion


@dataclass(frozen=True, slots=True)
class ProbeConfig:
    base_url: str
    model: str
    api_key: str | None = None
    requests: int = 32
    concurrency: int | None = 1
    """Requests in flight at once; None when ``rate`` paces the requests instead."""
    rate: float | None = None
    """Mean requests started per second (Poisson arrivals); None for closed-loop."""
    input_tokens: int = 128
    max_tokens: int = 128
    warmup: int = 1
    timeout_s: float = 300.0
    ignore_eos: bool = False
    seed: int = 0

    def public(self) -> dict[str, Any]:
        """The configuration as reported and stored: everything but the key."""
        data = asdict(self)
        data.pop("api_key")
        return {_camel(k): v for k, v in data.items()}


@dataclass(frozen=True, slots=True)
class ProbeResult:
    config: ProbeConfig
    figures: ProbeFigures
    started_at: float
    """Epoch seconds when the measured requests began."""

    def as_dict(self) -> dict[str, Any]:
        return {"configuration": self.config.public(), **self.figures.as_dict()}


def completions_url(base_url: str) -> str:
    """``{base}/chat/completions``; the base must be an http(s) URL (``…/v1``)."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(
            f"--base-url {base_url!r}: expected an http(s) URL such as http://127.0.0.1:8000/v1"
        )
    return base_url.rstrip("/") + "/chat/completions"


def payload(config: ProbeConfig, index: int, *, max_tokens: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": config.model,
        "messages": [
            {"role": "user", "content": make_prompt(index, config.input_tokens, seed=config.seed)}
        ],
        "max_tokens": max_tokens or config.max_tokens,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if config.ignore_eos:
        body["ignore_eos"] = True  # vLLM's extension: always generate max_tokens
    return body


def make_client(config: ProbeConfig, *, connections: int) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    # Per-read timeout as long as the whole request's: a slow token is the server's
    # figure to report, not the client's reason to give up early.
    timeout = httpx.Timeout(config.timeout_s, connect=min(10.0, config.timeout_s))
    return httpx.AsyncClient(headers=headers, limits=limits, timeout=timeout)


async def preflight(client: httpx.AsyncClient, config: ProbeConfig, url: str) -> None:
    """One short request before anything is measured; a refusal is a ``UserError``."""
    timing = await stream_completion(
        client, url, payload(config, -1, max_tokens=4), timeout_s=config.timeout_s
    )
    if timing.ok or timing.error == "no_content":
        return
    raise UserError(_preflight_message(config, timing))


def _preflight_message(config: ProbeConfig, timing: RequestTiming) -> str:
    where = config.base_url
    kind, detail = timing.error or "", timing.detail
    if kind == "connect":
        return f"cannot connect to {where}: {detail}"
    if kind in ("http_401", "http_403"):
        key = "the API key" if config.api_key else "no API key (give --api-key or OPENAI_API_KEY)"
        return f"{where} refused {key} ({kind[5:]}): {detail}"
    if kind == "http_404":
        return f"{where}/chat/completions or model {config.model!r} not found (404): {detail}"
    if kind.startswith("http_"):
        return f"{where} answered {kind[5:]} to a first request: {detail}"
    return f"{where} did not stream a chat completion ({kind}): {detail}"


async def run_probe(config: ProbeConfig) -> ProbeResult:
    """Preflight, warm up, then measure ``config.requests`` requests."""
    url = completions_url(config.base_url)
    connections = config.concurrency or max(1, config.requests)
    async with make_client(config, connections=connections) as client:
        await preflight(client, config, url)
        return await measure(client, config, url)


async def measure(client: httpx.AsyncClient, config: ProbeConfig, url: str) -> ProbeResult:
    async def send(index: int) -> RequestTiming:
        return await stream_completion(
            client, url, payload(config, index), timeout_s=config.timeout_s
        )

    if config.warmup:
        await _closed_loop(send, range(config.warmup), config.concurrency or 1)
    started_at = time.time()
    indexes = range(config.warmup, config.warmup + config.requests)
    if config.rate is not None:
        timings = await _paced(send, indexes, config.rate, random.Random(config.seed))
    else:
        timings = await _closed_loop(send, indexes, config.concurrency or 1)
    return ProbeResult(config, summarise(timings), started_at)


async def run_sweep(config: ProbeConfig, concurrencies: list[int]) -> list[ProbeResult]:
    """The same probe at each concurrency in turn, over one connection pool."""
    url = completions_url(config.base_url)
    async with make_client(config, connections=max(concurrencies)) as client:
        await preflight(client, config, url)
        return [
            await measure(client, replace(config, concurrency=c, rate=None), url)
            for c in concurrencies
        ]


Send = Callable[[int], Coroutine[None, None, RequestTiming]]


async def _closed_loop(send: Send, indexes: range, concurrency: int) -> list[RequestTiming]:
    """``concurrency`` workers, each sending its next request when the last one ends."""
    pending = iter(indexes)
    timings: list[RequestTiming] = []

    async def worker() -> None:
        for index in pending:
            timings.append(await send(index))

    await asyncio.gather(*(worker() for _ in range(min(concurrency, len(indexes)))))
    return timings


async def _paced(
    send: Send, indexes: range, rate: float, rng: random.Random
) -> list[RequestTiming]:
    """Start requests at exponentially distributed intervals (a Poisson process of ``rate``/s)."""
    tasks: list[asyncio.Task[RequestTiming]] = []
    next_start = time.perf_counter()
    for index in indexes:
        delay = next_start - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(index)))
        next_start += rng.expovariate(rate)
    return list(await asyncio.gather(*tasks))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
