"""The probe's figures from its requests' timings, named as llmperf, vLLM
``bench serve`` and GuideLLM name them (docs/throughput.md defines each)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from zebench.throughput.probe.stream import RequestTiming

PERCENTILES = (50, 90, 95, 99)


@dataclass(frozen=True, slots=True)
class Distribution:
    p50: float
    p90: float
    p95: float
    p99: float
    mean: float
    min: float
    max: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def percentile(ordered: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), on sorted values."""
    if not ordered:
        raise ValueError("percentile of no values")
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def distribution(values: Sequence[float], scale: float = 1.0) -> Distribution | None:
    """The summary of ``values`` times ``scale``; None when there are none."""
    if not values:
        return None
    ordered = sorted(v * scale for v in values)
    p50, p90, p95, p99 = (percentile(ordered, p) for p in PERCENTILES)
    return Distribution(
        p50=p50,
        p90=p90,
        p95=p95,
        p99=p99,
        mean=math.fsum(ordered) / len(ordered),
        min=ordered[0],
        max=ordered[-1],
    )


@dataclass(frozen=True, slots=True)
class ProbeFigures:
    """One probe at one load. Latencies in milliseconds, rates per second."""

    requests: int
    completed: int
    errors: dict[str, int]
    duration_s: float
    ttft_ms: Distribution | None
    itl_ms: Distribution | None
    tpot_ms: Distribution | None
    e2e_ms: Distribution | None
    output_tps: Distribution | None
    total_output_tokens: int
    total_output_tps: float
    requests_per_second: float
    token_source: str
    """usage (every request's count came from the server), deltas, or mixed."""
    mean_input_tokens: float | None
    """As the server counted them (``usage.prompt_tokens``); None when it did not say."""

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def error_rate(self) -> float:
        return self.error_count / self.requests if self.requests else 0.0

    def as_dict(self) -> dict[str, Any]:
        def dist(d: Distribution | None) -> dict[str, float] | None:
            return d.as_dict() if d else None

        return {
            "requests": self.requests,
            "completed": self.completed,
            "errors": self.error_count,
            "errorsByKind": dict(self.errors),
            "errorRate": self.error_rate,
            "durationS": self.duration_s,
            "ttftMs": dist(self.ttft_ms),
            "interTokenLatencyMs": dist(self.itl_ms),
            "tpotMs": dist(self.tpot_ms),
            "e2eLatencyMs": dist(self.e2e_ms),
            "outputTokensPerSecond": dist(self.output_tps),
            "totalOutputTokens": self.total_output_tokens,
            "totalOutputTokensPerSecond": self.total_output_tps,
            "requestsPerSecond": self.requests_per_second,
            "outputTokenSource": self.token_source,
            "meanInputTokens": self.mean_input_tokens,
        }


def summarise(timings: Sequence[RequestTiming]) -> ProbeFigures:
    """Figures over the measured requests. The duration runs from the first request's
    start to the last one's end, so system rates include any idle time between them."""
    done = [t for t in timings if t.ok]
    errors = Counter(t.error for t in timings if t.error is not None)
    duration = (max(t.ended for t in timings) - min(t.started for t in timings)) if timings else 0.0
    total_tokens = sum(t.output_tokens for t in done)
    sources = {t.token_source for t in done}
    inputs = [t.input_tokens for t in done if t.input_tokens is not None]
    return ProbeFigures(
        requests=len(timings),
        completed=len(done),
        errors=dict(sorted(errors.items())),
        duration_s=duration,
        ttft_ms=distribution([t.ttft for t in done], 1000),
        itl_ms=distribution([g for t in done for g in t.gaps], 1000),
        tpot_ms=distribution([v for t in done if (v := t.tpot) is not None], 1000),
        e2e_ms=distribution([t.e2e for t in done], 1000),
        output_tps=distribution([v for t in done if (v := t.decode_tps) is not None]),
        total_output_tokens=total_tokens,
        total_output_tps=total_tokens / duration if duration > 0 else 0.0,
        requests_per_second=len(done) / duration if duration > 0 else 0.0,
        token_source=sources.pop() if len(sources) == 1 else ("mixed" if sources else "none"),
        mean_input_tokens=sum(inputs) / len(inputs) if len(inputs) == len(done) and done else None,
    )
