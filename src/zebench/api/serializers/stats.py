"""``/api/stats*``: the original Worker's statistics answers, from ``service.stats``.

The pydantic models are the answers' schemas for OpenAPI; the functions shape the
service's typed results into them (as plain dicts, serialised once by orjson).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from zebench.model.time import DAY_MS, to_iso
from zebench.service.analytics.evaluations import EvaluatorDay
from zebench.service.analytics.groups import GroupStats
from zebench.service.analytics.sources import Totals
from zebench.service.stats import ScenarioFigures, SuiteFigures

# --- schemas (OpenAPI) -----------------------------------------------------------


class GlobalStats(BaseModel):
    totalRuns: int
    successfulRuns: int
    avgScore: float | None
    avgWeightedScore: float | None


class AgentStatsRow(BaseModel):
    agent: str
    runs: int
    avgScore: float | None
    minScore: float | None
    maxScore: float | None


class ModelStatsRow(BaseModel):
    model: str
    runs: int
    avgScore: float | None
    minScore: float | None
    maxScore: float | None


class ScenarioBreakdownRow(BaseModel):
    scenario: str
    runs: int
    avgScore: float | None


class SuiteStats(GlobalStats):
    scenarioBreakdown: list[ScenarioBreakdownRow]


class AgentComparisonRow(BaseModel):
    agent: str
    runs: int
    avgScore: float | None


class ScenarioStats(GlobalStats):
    minScore: float | None
    maxScore: float | None
    agentComparison: list[AgentComparisonRow]


class EvaluatorTrendPoint(BaseModel):
    date: str = Field(description="UTC day, YYYY-MM-DD")
    avgScore: float
    count: int


# --- answers -----------------------------------------------------------------------


def global_stats(totals: Totals) -> dict[str, Any]:
    """``GlobalStats``: every run counted, the successful ones' scores averaged."""
    return {
        "totalRuns": totals.every.runs,
        "successfulRuns": totals.every.successful,
        "avgScore": totals.successful.mean_total_score,
        "avgWeightedScore": totals.successful.mean_score,
    }


def performance(groups: list[GroupStats], by: Literal["agent", "model"]) -> list[dict[str, Any]]:
    """``AgentStatsRow`` / ``ModelStatsRow``: the successful runs' weighted scores."""
    return [
        {
            by: g.key[0],
            "runs": g.scored,
            "avgScore": g.mean_score,
            "minScore": g.score_min,
            "maxScore": g.score_max,
        }
        for g in groups
    ]


def _successful_runs(key: str, groups: list[GroupStats]) -> list[dict[str, Any]]:
    """Successful runs per ``key`` and their mean total score."""
    return [{key: g.key[0], "runs": g.runs, "avgScore": g.mean_total_score} for g in groups]


def suite_stats(figures: SuiteFigures) -> dict[str, Any]:
    return {
        **global_stats(figures.totals),
        "scenarioBreakdown": _successful_runs("scenario", figures.scenarios),
    }


def scenario_stats(figures: ScenarioFigures) -> dict[str, Any]:
    """``ScenarioStats``: min/maxScore span every run's weighted score."""
    every = figures.totals.every
    return {
        **global_stats(figures.totals),
        "minScore": every.weighted_min,
        "maxScore": every.weighted_max,
        "agentComparison": _successful_runs("agent", figures.agents),
    }


def evaluator_trends(days: list[EvaluatorDay]) -> list[dict[str, Any]]:
    return [
        {"date": _iso_date(d.day), "avgScore": d.mean_score, "count": d.evaluations} for d in days
    ]


def _iso_date(day: int) -> str:
    return (to_iso(day * DAY_MS) or "").partition("T")[0]
