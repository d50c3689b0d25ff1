"""The model throughput leaderboard: ``/models`` (cards, drawn by ``static/models.js``
from ``/api/models``) and ``/models/{chute_id}`` (figures, history charts, daily table)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from zebench.api.deps import get_app_settings, get_db
from zebench.config import Settings
from zebench.service.errors import NotFound
from zebench.store.database import Database
from zebench.throughput import get_model
from zebench.web.pages.common import not_found
from zebench.web.pages.models_charts import Point, line_chart
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
    sort = request.query_params.get("sort", "tps")
    return render(
        request,
        "models.html",
        {
            "sorts": SORT_CHOICES,
            "sort": sort if sort in dict(SORT_CHOICES) else "tps",
            "q": request.query_params.get("q", "")[:200],
            "skeletons": range(9),
        },
    )


@router.get("/models/{chute_id}")
def model_page(
    request: Request,
    chute_id: str,
    db: Annotated[Database, Depends(get_db)],
    settings: Annotated[Settings, Depends(get_app_settings)],
) -> Response:
    try:
        model = get_model(db, chute_id)
    except NotFound:
        return not_found(request, "Model", chute_id)
    days = sorted(model.history, key=lambda d: d.date)
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
