"""The model throughput leaderboard: ``/models`` (cards rendered on the server, sorted
and searched by the query string; ``static/models.js`` only filters as one types and
refreshes) and ``/models/{chute_id}`` (figures, history charts, daily or probe table)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zebench.config import ThroughputSettings
from zebench.model.errors import NotFound
from zebench.store.database import Database
from zebench.throughput import get_model, list_models
from zebench.throughput.probe.saved import PROBE_SOURCE
from zebench.throughput.schemas import ModelDetail, ModelOut, SortKey
from zebench.web.pages.common import not_found
from zebench.web.pages.models_charts import Point, line_chart
from zebench.web.pages.probe_charts import Step, sparkline_path, step_chart
from zebench.web.rendering import path_part, query, render

router = APIRouter(include_in_schema=False)

SORT_CHOICES = [
    ("tps", "TPS, fastest first"),
    ("ttft", "TTFT, lowest first"),
    ("name", "Name"),
    ("requests", "Requests, most first"),
    ("tps_7d_weighted", "7-day TPS (weighted)"),
    ("tps_30d_weighted", "30-day TPS (weighted)"),
    ("peak", "Peak TPS"),
]
"""The page's sort menu; the same keys as ``GET /api/models?sort=``."""


@router.get("/models")
def models_page(request: Request) -> Response:
    db: Database = request.app.state.db
    chosen = request.query_params.get("sort", "tps")
    sort: SortKey = chosen if chosen in dict(SORT_CHOICES) else "tps"  # type: ignore[assignment]
    q = request.query_params.get("q", "")[:200]
    every = list_models(db, sort=sort)
    needle = q.strip().lower()
    shown = [m for m in every.models if _matches(m, needle)] if needle else every.models
    return render(
        request,
        "models.html",
        {
            "sorts": SORT_CHOICES,
            "sort": sort,
            "q": q,
            "models": shown,
            "total": every.total,
            "sparks": {m.chute_id: sparkline_path(m.trend_tps) for m in shown},
            "updated": max((m.scraped_at for m in every.models), default=None),
        },
    )


def _matches(model: ModelOut, needle: str) -> bool:
    return needle in model.name.lower() or needle in model.chute_id.lower()


@router.get("/models/{chute_id}")
def model_page(
    request: Request,
    chute_id: str,
) -> Response:
    db: Database = request.app.state.db
    settings: ThroughputSettings = request.app.state.settings.throughput
    try:
        model = get_model(db, chute_id)
    except NotFound:
        return not_found(request, "Model", chute_id)
    days = sorted(model.history, key=lambda d: d.date)
    if model.source == PROBE_SOURCE:
        return render(request, "models_probe.html", {"model": model, **_probe_charts(model)})
    return render(
        request,
        "models_detail.html",
        {
            "model": model,
            "tps_chart": line_chart(
                [Point(d.date, d.average_tps, d.is_partial) for d in days],
                label="Tokens per second",
                unit="tok/s",
            ),
            "ttft_chart": line_chart(
                [Point(d.date, d.average_ttft, d.is_partial) for d in days],
                label="Time to first token",
                unit="s",
                decimals=2,
            ),
            "source_url": f"{settings.chutes_web_url.rstrip('/')}/app/chute/"
            f"{path_part(model.chute_id)}",
            "runs_url": "/runs" + query({"model": model.name}),
        },
    )


def _probe_charts(model: ModelDetail) -> dict[str, object]:
    """Successive probes (their headline points, oldest first) and the newest sweep."""
    probes = [p for p in reversed(model.probes) if p.headline]
    sweep = model.sweep
    return {
        "tps_chart": step_chart(
            [Step(p.probed_at[5:16].replace("T", " "), p.tps_p50) for p in probes],
            label="Median tokens per second",
            unit="tok/s",
            axis="probe",
        ),
        "ttft_chart": step_chart(
            [Step(p.probed_at[5:16].replace("T", " "), p.ttft_p50_ms) for p in probes],
            label="Median time to first token",
            unit="ms",
            axis="probe",
            decimals=0,
        ),
        "sweep_tps_chart": step_chart(
            [Step(f"c={p.concurrency}", p.total_output_tps) for p in sweep],
            label="System output tokens per second",
            unit="tok/s",
            axis="concurrency",
        ),
        "sweep_ttft_chart": step_chart(
            [Step(f"c={p.concurrency}", p.ttft_p90_ms, "p90") for p in sweep],
            label="TTFT p90",
            unit="ms",
            axis="concurrency",
            decimals=0,
        ),
        "runs_url": "/runs" + query({"model": model.name}),
    }
