"""The probe's own limits: up to what token rate and concurrency does ``zebench probe``
measure a server within 5 % of the truth on this machine?

    .venv/bin/python benchmarks/probe.py
    .venv/bin/python benchmarks/probe.py --itl-ms 20,10,5,2,1,0.5 --concurrency 1,8,32,64,128

The server is tests/fakes/streaming_llm.py in its own process: the first token
``--ttft-ms`` after a request arrives, then one token per chunk every ``itl`` on
an absolute schedule. Two ladders:

  rate         one stream at a time, the gap between tokens shrinking: the
               per-request tokens/s (after the first token) and the ITL p50
               against 1000 / itl and itl;
  concurrency  streams of 50 tok/s, more at once: per-request tokens/s p50,
               TTFT p50 and system tokens/s against the schedule.

  lag          the probe's own delay: the server stamps each chunk as it writes it
               (CLOCK_MONOTONIC, the client's perf_counter clock on Linux) and the
               probe's reading path stamps its arrival; the median lag against the
               gap between tokens.

A step is "within 5 %" when every compared figure is. The truth is the server's
schedule, so what the server itself cannot keep up with counts against the
probe here: the figures are a floor on the probe's own reach. Also printed: the
client's CPU time per streamed chunk (parse and bookkeeping), its direct cost.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import orjson

sys.path.insert(0, str(Path(__file__).parent))

from _common import machine
from zebench.throughput.probe.figures import percentile
from zebench.throughput.probe.runner import (
    ProbeConfig,
    ProbeResult,
    completions_url,
    make_client,
    measure,
    payload,
    preflight,
)
from zebench.throughput.probe.stream import timed_events

SERVER = Path(__file__).resolve().parents[1] / "tests" / "fakes" / "streaming_llm.py"
LIMIT = 0.05


def probe(
    url: str, *, ttft_ms: float, itl_ms: float, tokens: int, concurrency: int, requests: int
) -> tuple[ProbeResult, float]:
    """One probe, and the client's CPU seconds per content chunk while it measured
    (the client's set-up, TLS context included, is left out: it precedes the clock)."""
    model = fake_model(ttft_ms=ttft_ms, itl_ms=itl_ms, tokens=tokens)
    config = ProbeConfig(
        url, model, requests=requests, concurrency=concurrency, max_tokens=tokens,
        warmup=concurrency,
    )  # fmt: skip

    async def run() -> tuple[ProbeResult, float]:
        target = completions_url(url)
        async with make_client(config, connections=concurrency) as client:
            await preflight(client, config, target)
            cpu = time.process_time()
            result = await measure(client, config, target)
            return result, time.process_time() - cpu

    result, cpu = asyncio.run(run())
    chunks = (requests + concurrency) * tokens  # measured and warm-up answers
    return result, cpu / chunks


def fake_model(**behaviour: float | str) -> str:
    return "fake?" + urlencode(behaviour)


def error(measured: float | None, truth: float) -> float:
    return float("inf") if measured is None else (measured - truth) / truth


def rate_ladder(url: str, ttft_ms: float, steps: list[float], tokens: int) -> None:
    print(f"\nrate ladder (concurrency 1, {tokens} tokens per answer)")
    print(
        f"{'itl ms':>7} {'truth tok/s':>11} {'tok/s p50':>10} {'err':>7} "
        f"{'ITL p50 ms':>10} {'err':>7} {'CPU µs/chunk':>12}  within 5 %"
    )
    best = None
    for itl in steps:
        result, cpu = probe(
            url, ttft_ms=ttft_ms, itl_ms=itl, tokens=tokens, concurrency=1, requests=5
        )
        f = result.figures
        tps = f.output_tps.p50 if f.output_tps else None
        gap = f.itl_ms.p50 if f.itl_ms else None
        errs = (error(tps, 1000 / itl), error(gap, itl))
        ok = all(abs(e) <= LIMIT for e in errs) and not f.errors
        best = 1000 / itl if ok else best
        print(
            f"{itl:>7g} {1000 / itl:>11,.0f} {tps or 0:>10,.1f} {errs[0]:>+7.1%} "
            f"{gap or 0:>10.2f} {errs[1]:>+7.1%} {cpu * 1e6:>12.1f}  {'yes' if ok else 'no'}"
        )
    print(
        f"highest token rate within 5 %: {best:,.0f} tok/s per stream"
        if best
        else "no step within 5 %"
    )


def concurrency_ladder(url: str, ttft_ms: float, steps: list[int], tokens: int) -> None:
    itl = 20.0
    per_request_s = ttft_ms / 1000 + (tokens - 1) * itl / 1000
    print(
        f"\nconcurrency ladder ({1000 / itl:.0f} tok/s per stream, TTFT {ttft_ms:g} ms, "
        f"{tokens} tokens per answer)"
    )
    print(
        f"{'conc':>5} {'tok/s p50':>10} {'err':>7} {'TTFT p50':>9} {'err':>7} "
        f"{'system tok/s':>12} {'ideal':>8} {'err':>7}  within 5 %"
    )
    best = None
    for c in steps:
        result, _ = probe(
            url, ttft_ms=ttft_ms, itl_ms=itl, tokens=tokens, concurrency=c, requests=2 * c
        )
        f = result.figures
        tps = f.output_tps.p50 if f.output_tps else None
        ttft = f.ttft_ms.p50 if f.ttft_ms else None
        # Closed loop, two rounds: c streams, then c more as the first ones end.
        ideal = c * tokens / per_request_s
        errs = (error(tps, 1000 / itl), error(ttft, ttft_ms), error(f.total_output_tps, ideal))
        ok = all(abs(e) <= LIMIT for e in errs[:2]) and not f.errors
        best = c if ok else best
        print(
            f"{c:>5} {tps or 0:>10.1f} {errs[0]:>+7.1%} {ttft or 0:>9.1f} {errs[1]:>+7.1%} "
            f"{f.total_output_tps:>12,.0f} {ideal:>8,.0f} {errs[2]:>+7.1%}  "
            f"{'yes' if ok else 'no'}"
        )
    print(
        f"highest concurrency within 5 % (per-request tok/s and TTFT): {best}"
        if best
        else "no step within 5 %"
    )


def lag_ladder(url: str, steps: list[int], tokens: int) -> None:
    """The probe's own delay: from the server writing a chunk (its ``x_sent``) to the
    probe stamping its arrival, through the probe's reading path (``timed_events``)."""
    itl = 20.0
    print(
        f"\nclient lag (server wrote a chunk -> the probe stamped it), {1000 / itl:.0f} tok/s "
        "per stream"
    )
    print(
        f"{'conc':>5} {'lag p50 ms':>10} {'p90':>7} {'p99':>7} {'max':>7} "
        f"{'p50 / ITL':>9}  within 5 %"
    )
    best = None
    for c in steps:
        config = ProbeConfig(
            url,
            fake_model(ttft_ms=50, itl_ms=itl, tokens=tokens, stamp=1),
            max_tokens=tokens,
            concurrency=c,
        )
        lags = sorted(asyncio.run(_lags(config, c)))
        p50, p90, p99 = (percentile(lags, p) * 1000 for p in (50, 90, 99))
        ok = p50 <= LIMIT * itl
        best = c if ok else best
        print(
            f"{c:>5} {p50:>10.3f} {p90:>7.2f} {p99:>7.2f} {lags[-1] * 1000:>7.2f} "
            f"{p50 / itl:>9.1%}  {'yes' if ok else 'no'}"
        )
    print(
        f"highest concurrency whose median lag is within 5 % of the gap: {best}"
        if best
        else "no step within 5 %"
    )


async def _lags(config: ProbeConfig, concurrency: int) -> list[float]:
    target = completions_url(config.base_url)
    lags: list[float] = []
    async with make_client(config, connections=concurrency) as client:

        async def one(index: int) -> None:
            async with client.stream("POST", target, json=payload(config, index)) as response:
                async for arrived, data in timed_events(response):
                    if data != b"[DONE]" and b"x_sent" in data:
                        lags.append(arrived - orjson.loads(data)["x_sent"])

        await asyncio.gather(*(one(i) for i in range(concurrency)))  # warm the pool
        lags.clear()
        await asyncio.gather(*(one(i) for i in range(concurrency, 2 * concurrency)))
    return lags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--itl-ms", default="20,10,5,2,1,0.5")
    parser.add_argument("--concurrency", default="1,8,32,64,128,256")
    parser.add_argument("--ttft-ms", type=float, default=200.0)
    parser.add_argument("--tokens", type=int, default=200)
    args = parser.parse_args()
    server = subprocess.Popen([sys.executable, str(SERVER)], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}/v1"
        print(machine())
        rate_ladder(url, args.ttft_ms, [float(x) for x in args.itl_ms.split(",")], args.tokens)
        levels = [int(x) for x in args.concurrency.split(",")]
        concurrency_ladder(url, args.ttft_ms, levels, min(args.tokens, 50))
        lag_ladder(url, levels, min(args.tokens, 50))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
