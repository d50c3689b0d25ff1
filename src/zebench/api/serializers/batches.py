"""Batches as the original Worker answered them (``zebench.api.schemas`` documents the
shapes): camelCase, epoch milliseconds, the batch's metadata as a JSON value."""

from __future__ import annotations

from typing import Any

from zebench.service.analytics.groups import GroupStats
from zebench.service.batch_analytics import BatchFigures, EvaluatorTally
from zebench.service.batch_comparison import BatchComparison
from zebench.service.batches import BatchRow

Json = dict[str, Any]

API_SORTS = {"date": "createdAt", "score": "avgWeightedScore"}
"""``sortBy`` values and the list's sort each stands for."""


def batch_json(b: BatchRow) -> Json:
    return {
        "batchId": b.batch_id,
        "createdAt": b.created_at,
        "completedAt": b.completed_at,
        "totalRuns": b.total_runs,
        "successfulRuns": b.successful_runs,
        "avgScore": b.avg_score,
        "avgWeightedScore": b.avg_weighted_score,
        "metadata": b.metadata,
    }


def _best_first(rows: list[Json], field: str) -> list[Json]:
    """Highest ``field`` first, no value last; ties keep their order."""
    return sorted(rows, key=lambda r: (r[field] is None, -(r[field] or 0.0)))


def analytics_json(f: BatchFigures) -> Json:
    """The original's ``getBatchAnalytics``: every run counted, scores averaged over the
    successful (completed and successful) runs, evaluations of those runs."""
    scenarios = [
        {
            "suite": suite,
            "scenario": scenario,
            "runs": t.every.runs,
            "successfulRuns": t.succeeded.runs,
            "avgScore": t.succeeded.mean_total_score,
            "avgWeightedScore": t.succeeded.mean_score,
        }
        for (suite, scenario), t in f.by(lambda c: (c[0], c[1])).items()
    ]
    pairs = [_pair_json(agent, model, t.every, t.succeeded) for (agent, model), t in _by_pair(f)]
    evaluators = [_evaluator_json(name, t) for name, t in sorted(f.succeeded_evaluators.items())]
    return {
        "suiteBreakdown": scenarios,
        "agentPerformance": _best_first(pairs, "avgWeightedScore"),
        "evaluatorBreakdown": _best_first(evaluators, "avgScore"),
    }


def _by_pair(f: BatchFigures) -> list[tuple[Any, Any]]:
    pairs = f.by(lambda c: (c[3], c[4]))
    return sorted(pairs.items(), key=lambda p: (p[0][0], p[0][1] or ""))


def _pair_json(agent: str, model: str | None, every: GroupStats, ok: GroupStats) -> Json:
    return {
        "agent": agent,
        "model": model,
        "runs": every.runs,
        "successfulRuns": ok.runs,
        "avgWeightedScore": ok.mean_score,
        "minScore": ok.score_min,
        "maxScore": ok.score_max,
    }


def _evaluator_json(name: str, t: EvaluatorTally) -> Json:
    return {
        "evaluatorName": name,
        "avgScore": t.mean_score,
        "maxScore": t.max_score_max,
        "count": t.n,
    }


def compared_json(c: BatchComparison) -> list[Json]:
    """The named batches that exist, newest first (unknown ids left out, as originally)."""
    found = sorted(
        (b.batch for b in c.batches), key=lambda b: (b.created_at, b.batch_id), reverse=True
    )
    return [batch_json(b) for b in found]
