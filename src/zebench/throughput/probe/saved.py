"""Probes as measurements of an endpoint and model, in the leaderboard's tables.

An endpoint and model pair is one row of ``models`` (source ``probe``, id
``probe-<hash>``) so that lists, sorting and the benchmark join treat it as any
scraped model; every probe adds rows to ``model_probes`` (one per load point of
a sweep) and the model's figures are recomputed from that history.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.store.throughput_tables import model_probes, models
from zebench.throughput.probe.runner import ProbeResult
from zebench.throughput.upsert import upsert

PROBE_SOURCE = "probe"
TREND_PROBES = 30
"""Successive probes the sparkline shows, oldest first."""


def endpoint_id(base_url: str, model: str) -> str:
    """A stable id for an endpoint and model (trailing slashes and case of the host ignored)."""
    key = f"{_normal_url(base_url)}\n{model}".encode()
    return "probe-" + hashlib.sha256(key).hexdigest()[:20]


def save_probe(conn: Connection, results: list[ProbeResult], *, now_ms: int) -> str:
    """Store one probe (one result, or a sweep's points, lowest load first); the model's id."""
    if not results:
        raise ValueError("a probe has at least one result")
    config = results[0].config
    chute_id = endpoint_id(config.base_url, config.model)
    upsert(
        conn,
        models,
        [
            {
                "chute_id": chute_id,
                "name": config.model,
                "listed": True,
                "source": PROBE_SOURCE,
                "endpoint": _normal_url(config.base_url),
                "scraped_at": now_ms,
            }
        ],
        keys=["chute_id"],
    )
    sweep_id = str(uuid.uuid4())
    conn.execute(
        model_probes.insert(),
        [_probe_row(r, chute_id, sweep_id, i == 0, now_ms) for i, r in enumerate(results)],
    )
    refresh_figures(conn, chute_id)
    return chute_id


def refresh_figures(conn: Connection, chute_id: str) -> None:
    """The model's list figures from its headline probes: the newest one's figures,
    the peak, and the sparkline of the last ``TREND_PROBES``."""
    p = model_probes.c
    rows = conn.execute(
        sa.select(p.probed_at, p.requests, p.tps_p50, p.tps_p90, p.ttft_p50_ms, p.ttft_p90_ms)
        .where(p.chute_id == chute_id, p.headline.is_(True))
        .order_by(p.probed_at, p.id)
    ).all()
    if not rows:
        return
    newest = rows[-1]
    known = [r for r in rows if r.tps_p50 is not None]
    peak = max(known, key=lambda r: r.tps_p50) if known else None
    conn.execute(
        models.update()
        .where(models.c.chute_id == chute_id)
        .values(
            latest_tps=newest.tps_p50,
            latest_ttft=_seconds(newest.ttft_p50_ms),
            latest_requests=newest.requests,
            latest_date=_day(newest.probed_at),
            latest_is_partial=False,
            peak_tps=peak.tps_p50 if peak else None,
            peak_date=_day(peak.probed_at) if peak else None,
            days_tracked=len({_day(r.probed_at) for r in rows}),
            trend_tps=orjson.dumps([r.tps_p50 for r in rows[-TREND_PROBES:]]).decode(),
            tps_p50=newest.tps_p50,
            tps_p90=newest.tps_p90,
            ttft_p50=_seconds(newest.ttft_p50_ms),
            ttft_p90=_seconds(newest.ttft_p90_ms),
            scraped_at=newest.probed_at,
        )
    )


def _probe_row(
    result: ProbeResult, chute_id: str, sweep_id: str, headline: bool, now_ms: int
) -> dict[str, Any]:
    f = result.figures
    return {
        "id": str(uuid.uuid4()),
        "chute_id": chute_id,
        "probed_at": now_ms,
        "sweep_id": sweep_id,
        "headline": headline,
        "concurrency": result.config.concurrency if result.config.rate is None else None,
        "rate": result.config.rate,
        "requests": f.requests,
        "errors": f.error_count,
        "ttft_p50_ms": f.ttft_ms.p50 if f.ttft_ms else None,
        "ttft_p90_ms": f.ttft_ms.p90 if f.ttft_ms else None,
        "tps_p50": f.output_tps.p50 if f.output_tps else None,
        "tps_p90": f.output_tps.p90 if f.output_tps else None,
        "itl_p50_ms": f.itl_ms.p50 if f.itl_ms else None,
        "tpot_p50_ms": f.tpot_ms.p50 if f.tpot_ms else None,
        "e2e_p50_ms": f.e2e_ms.p50 if f.e2e_ms else None,
        "total_output_tps": f.total_output_tps,
        "requests_per_second": f.requests_per_second,
        "report": orjson.dumps(result.as_dict()).decode(),
    }


def _normal_url(base_url: str) -> str:
    head, sep, rest = base_url.strip().rstrip("/").partition("://")
    host, slash, path = rest.partition("/")
    return f"{head.lower()}{sep}{host.lower()}{slash}{path}"


def _day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).date().isoformat()


def _seconds(ms: float | None) -> float | None:
    return ms / 1000 if ms is not None else None
