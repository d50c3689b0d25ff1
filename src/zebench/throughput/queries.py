"""Reading the leaderboard: what the API and the pages show. Both call these."""

from __future__ import annotations

from typing import Any, Literal

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from zebench.model.errors import NotFound
from zebench.model.time import to_iso
from zebench.store.database import Database
from zebench.store.tables import runs
from zebench.store.throughput_tables import model_daily, models
from zebench.throughput.cycle import CycleSummary
from zebench.throughput.probe.history import newest_sweep, probe_history
from zebench.throughput.probe.saved import PROBE_SOURCE
from zebench.throughput.schemas import (
    AgentScore,
    BenchmarkScore,
    CycleOut,
    DailyOut,
    ModelDetail,
    ModelList,
    ModelOut,
    SortKey,
)
from zebench.throughput.store import META_SCRAPED_AT, chunks, get_meta

Order = Literal["asc", "desc"]

_DAILY_FIELDS = [name for name in DailyOut.model_fields if name != "is_partial"]
"""The daily row's columns a ``DailyOut`` takes as they are (``is_partial`` is stored as 0/1)."""

_SORTS: dict[str, tuple[Any, Order]] = {
    "tps": (models.c.latest_tps, "desc"),
    "ttft": (models.c.latest_ttft, "asc"),
    "name": (sa.func.lower(models.c.name), "asc"),
    "requests": (models.c.latest_requests, "desc"),
    "avg_7d": (models.c.avg_7d, "desc"),
    "avg_30d": (models.c.avg_30d, "desc"),
    "peak": (models.c.peak_tps, "desc"),
    "tps_7d_weighted": (models.c.tps_7d_weighted, "desc"),
    "tps_30d_weighted": (models.c.tps_30d_weighted, "desc"),
    "ttft_7d_weighted": (models.c.ttft_7d_weighted, "asc"),
    "requests_7d": (models.c.requests_7d, "desc"),
    "requests_30d": (models.c.requests_30d, "desc"),
    "full_day_tps": (models.c.full_day_tps, "desc"),
}
"""Each key's column and natural direction (fastest first, lowest latency first)."""


def list_models(
    db: Database,
    *,
    sort: SortKey = "tps",
    order: Order | None = None,
    q: str | None = None,
    include_delisted: bool = False,
    origin: Literal["scraped", "probe"] | None = None,
) -> ModelList:
    """Models sorted by ``sort`` (missing figures last), filtered by a name/id substring
    and by ``origin`` (scraped from Chutes, or probed endpoints; both when None).

    Before the first cycle or probe the list is empty; ``scraped_at`` is null until a
    scrape cycle succeeds.
    """
    column, natural = _SORTS[sort]
    direction = order or natural
    query = sa.select(models)
    if origin is not None:
        is_probe = models.c.source == PROBE_SOURCE
        query = query.where(is_probe if origin == "probe" else sa.not_(is_probe))
    if not include_delisted:
        query = query.where(models.c.listed.is_(True))
    if q and q.strip():
        needle = q.strip().lower()
        query = query.where(
            sa.or_(
                sa.func.lower(models.c.name).contains(needle, autoescape=True),
                sa.func.lower(models.c.chute_id).contains(needle, autoescape=True),
            )
        )
    query = query.order_by(
        column.is_(None),
        column.desc() if direction == "desc" else column.asc(),
        sa.func.lower(models.c.name),
        models.c.chute_id,
    )
    with db.read() as conn:
        rows = conn.execute(query).mappings().all()
        scores = _benchmark_scores(conn, [row["name"] for row in rows])
        scraped_at = get_meta(conn, META_SCRAPED_AT)
    return ModelList(
        models=[_model_out(row, scores.get(row["name"])) for row in rows],
        total=len(rows),
        scraped_at=to_iso(int(scraped_at)) if scraped_at else None,
    )


def get_model(db: Database, chute_id: str) -> ModelDetail:
    """One model with its whole daily history, newest first. Unknown id: ``NotFound``."""
    with db.read() as conn:
        row = (
            conn.execute(sa.select(models).where(models.c.chute_id == chute_id)).mappings().first()
        )
        if row is None:
            raise NotFound("Model not found", {"chute_id": chute_id})
        days = conn.execute(
            sa.select(model_daily)
            .where(model_daily.c.chute_id == chute_id)
            .order_by(model_daily.c.date.desc())
        ).mappings()
        history = [
            DailyOut(**{name: d[name] for name in _DAILY_FIELDS}, is_partial=bool(d["is_partial"]))
            for d in days
        ]
        score = _benchmark_scores(conn, [row["name"]]).get(row["name"])
        probes = probe_history(conn, chute_id)
    base = _model_out(row, score)
    return ModelDetail(
        **base.model_dump(), history=history, probes=probes, sweep=newest_sweep(probes)
    )


def cycle_out(summary: CycleSummary) -> CycleOut:
    data = summary.as_dict()
    data["started_at"] = to_iso(summary.started_at)
    return CycleOut(summary=summary.line(), **data)


def _benchmark_scores(conn: Connection, names: list[str]) -> dict[str, BenchmarkScore]:
    """Benchmark runs per model name and agent, one grouped query over the runs' model index."""
    found: dict[str, list[AgentScore]] = {}
    for chunk in chunks(names):
        query = (
            sa.select(
                runs.c.model,
                runs.c.agent,
                sa.func.count(),
                sa.func.count(runs.c.weighted_score),
                sa.func.avg(runs.c.weighted_score),
            )
            .where(runs.c.model.in_(chunk))
            .group_by(runs.c.model, runs.c.agent)
        )
        for model, agent, count, scored, mean in conn.execute(query):
            found.setdefault(model, []).append(
                AgentScore(
                    agent=agent,
                    runs=count,
                    scored_runs=scored,
                    mean_weighted_score=float(mean) if mean is not None else None,
                )
            )
    scores: dict[str, BenchmarkScore] = {}
    for model, agents in found.items():
        agents.sort(key=lambda a: (-a.scored_runs, -a.runs, a.agent))
        top = agents[0]
        scores[model] = BenchmarkScore(
            agent=top.agent,
            runs=top.runs,
            scored_runs=top.scored_runs,
            mean_weighted_score=top.mean_weighted_score,
            agents=agents,
        )
    return scores


def _model_out(row: RowMapping, score: BenchmarkScore | None) -> ModelOut:
    data = dict(row)
    data["listed"] = bool(data["listed"])
    data["latest_is_partial"] = bool(data["latest_is_partial"])
    data["trend_tps"] = orjson.loads(data["trend_tps"]) if data["trend_tps"] else []
    data["scraped_at"] = to_iso(data["scraped_at"])
    return ModelOut(**data, benchmark=score)
