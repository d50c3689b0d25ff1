"""The probe against a server that streams on a known schedule, over real loopback HTTP.

Why the tolerances are what they are: the server (its own process) sends the first
token ``ttft`` after it took the request and then one chunk every ``itl`` on an
absolute schedule, so neither delay drifts. What the client sees on top is the
loopback round trip plus the time both processes wait for a CPU; on a shared
two-core machine that wait reaches tens of milliseconds. So TTFT is checked from
below exactly (no token can arrive before it was sent) and from above with room
for that wait; gaps and per-request rates compare to the server's rhythm, which
scheduling noise moves by far less than 10 % at its median.
"""

from __future__ import annotations

import asyncio
import json

import pytest
import sqlalchemy as sa
from streaming_support import API_KEY, fake_model

from zebench.errors import UserError
from zebench.store.database import Database
from zebench.store.throughput_tables import model_probes, models
from zebench.throughput import get_model, list_models
from zebench.throughput.probe.runner import ProbeConfig, ProbeResult, run_probe, run_sweep
from zebench.throughput.probe.saved import save_probe

TTFT_S = 0.200
ITL_S = 0.025
TOKENS = 24
TTFT_SLACK_MS = 60.0
"""Loopback plus CPU waits of two processes on a loaded machine (see the module doc)."""
RHYTHM = 0.10


def probe(url: str, model: str, **overrides: object) -> ProbeResult:
    values: dict[str, object] = {
        "base_url": url,
        "model": model,
        "api_key": API_KEY,
        "requests": 16,
        "max_tokens": TOKENS,
        "warmup": 1,
    }
    values.update(overrides)
    return asyncio.run(run_probe(ProbeConfig(**values)))  # type: ignore[arg-type]


def timed(**extra: object) -> str:
    return fake_model(ttft_ms=TTFT_S * 1000, itl_ms=ITL_S * 1000, tokens=TOKENS, **extra)


@pytest.mark.parametrize("concurrency", [1, 8])
def test_figures_match_the_servers_schedule(streaming_url: str, concurrency: int) -> None:
    figures = probe(streaming_url, timed(), concurrency=concurrency).figures
    assert figures.completed == 16 and figures.errors == {}
    assert figures.token_source == "usage"
    assert figures.total_output_tokens == 16 * TOKENS
    ttft, itl, tpot, tps = figures.ttft_ms, figures.itl_ms, figures.tpot_ms, figures.output_tps
    assert ttft and itl and tpot and tps
    assert ttft.min >= TTFT_S * 1000 and ttft.p50 <= TTFT_S * 1000 + TTFT_SLACK_MS
    assert itl.p50 == pytest.approx(ITL_S * 1000, rel=RHYTHM)
    assert tpot.p50 == pytest.approx(ITL_S * 1000, rel=RHYTHM)
    assert tps.p50 == pytest.approx(1 / ITL_S, rel=RHYTHM)
    # Each request lasts ttft + (tokens - 1) * itl; the system rate is what
    # `concurrency` such requests in a row produce.
    per_request_s = TTFT_S + (TOKENS - 1) * ITL_S
    ideal = concurrency * TOKENS / per_request_s
    assert ideal * 0.75 <= figures.total_output_tps <= ideal * 1.02
    assert figures.e2e_ms and figures.e2e_ms.min >= per_request_s * 1000


def test_every_gap_is_recorded(streaming_url: str) -> None:
    result = probe(streaming_url, timed(), requests=4)
    # 4 requests of 24 one-token chunks: 23 gaps each.
    assert result.figures.itl_ms is not None
    assert result.figures.itl_ms.min > 0
    assert result.as_dict()["interTokenLatencyMs"]["p50"] == pytest.approx(25, rel=RHYTHM)


def test_without_usage_tokens_are_counted_from_deltas(streaming_url: str) -> None:
    # Three tokens per chunk and no usage: the probe can only count 8 deltas per answer.
    figures = probe(streaming_url, timed(usage=0, chunk=3), requests=4).figures
    assert figures.token_source == "deltas"
    assert figures.total_output_tokens == 4 * 8
    assert figures.mean_input_tokens is None
    with_usage = probe(streaming_url, timed(chunk=3), requests=4).figures
    assert with_usage.token_source == "usage"
    assert with_usage.total_output_tokens == 4 * TOKENS
    assert with_usage.mean_input_tokens is not None


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        ("status", "http_503"),
        ("break", "stream_interrupted"),
        ("error_event", "stream_error"),
    ],
)
def test_errors_are_counted_by_kind(streaming_url: str, fault: str, kind: str) -> None:
    # Every 4th request fails (the server picks by the request number in the prompt).
    figures = probe(streaming_url, timed(fault=fault, fault_every=4), requests=16, concurrency=4)
    figures = figures.figures
    assert figures.errors == {kind: 4}
    assert figures.completed == 12 and figures.error_rate == 0.25
    # Failed requests add nothing to the figures: 12 full answers.
    assert figures.total_output_tokens == 12 * TOKENS
    assert figures.ttft_ms and figures.ttft_ms.min >= TTFT_S * 1000


def test_a_request_that_stops_sending_is_a_timeout(streaming_url: str) -> None:
    model = fake_model(ttft_ms=10, itl_ms=5, tokens=6, fault="hang", fault_every=2)
    figures = probe(streaming_url, model, requests=4, concurrency=4, timeout_s=1.0).figures
    assert figures.errors == {"timeout": 2}
    assert figures.completed == 2


def test_prompts_are_unique_and_sized(streaming_url: str) -> None:
    figures = probe(streaming_url, timed(), requests=3, input_tokens=300).figures
    # The fake counts words; the prompt is built from one-token words.
    assert figures.mean_input_tokens is not None
    assert 290 <= figures.mean_input_tokens <= 310


def test_sweep_measures_each_concurrency(streaming_url: str) -> None:
    config = ProbeConfig(
        base_url=streaming_url, model=timed(), api_key=API_KEY, requests=8, max_tokens=TOKENS
    )
    results = asyncio.run(run_sweep(config, [1, 4]))
    assert [r.config.concurrency for r in results] == [1, 4]
    one, four = (r.figures.total_output_tps for r in results)
    assert four > 2.5 * one  # four streams at once yield about four times the tokens


def test_rate_mode_paces_requests(streaming_url: str) -> None:
    result = probe(streaming_url, timed(), requests=12, concurrency=None, rate=20.0)
    assert result.figures.completed == 12
    assert result.as_dict()["configuration"]["rate"] == 20.0


def test_refusals_are_one_line_before_measuring(streaming_url: str) -> None:
    with pytest.raises(UserError, match=r"refused the API key \(401\): Incorrect API key"):
        probe(streaming_url, timed(), api_key="wrong")
    with pytest.raises(UserError, match="refused no API key"):
        probe(streaming_url, timed(), api_key=None)
    with pytest.raises(UserError, match=r"cannot connect to http://127\.0\.0\.1:9/v1"):
        probe("http://127.0.0.1:9/v1", timed())
    with pytest.raises(UserError, match="expected an http"):
        probe("localhost:8000", timed())


def test_probe_history_on_both_engines(db: Database, streaming_url: str) -> None:
    config = ProbeConfig(streaming_url, timed(), API_KEY, requests=3, max_tokens=12)
    first, second = (asyncio.run(run_probe(config)) for _ in range(2))
    chute_id = db.write(lambda c: save_probe(c, [first], now_ms=1_700_000_000_000))
    assert db.write(lambda c: save_probe(c, [second], now_ms=1_700_086_400_000)) == chute_id
    model = get_model(db, chute_id)
    assert [p.probed_at[:10] for p in model.probes] == ["2023-11-15", "2023-11-14"]
    assert model.days_tracked == 2 and model.sweep == []
    assert model.trend_tps == [first.figures.output_tps.p50, second.figures.output_tps.p50]  # type: ignore[union-attr]
    assert model.peak_tps == max(model.trend_tps)  # type: ignore[type-var]
    assert list_models(db, origin="probe").total == 1
    with db.read() as conn:
        stored = conn.execute(sa.select(model_probes.c.report)).scalars().all()
        assert all(json.loads(r)["configuration"].get("apiKey") is None for r in stored)
        assert conn.execute(sa.select(models.c.source)).scalar() == "probe"
