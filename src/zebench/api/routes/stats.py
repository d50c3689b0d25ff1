"""Statistics (seed 000 section 6), read from the pre-aggregates."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from zebench.api.deps import get_db
from zebench.api.openapi import error_responses
from zebench.api.responses import json_response
from zebench.api.schemas import (
    AgentStatsRow,
    EvaluatorTrendPoint,
    GlobalStats,
    ModelStatsRow,
    ScenarioStats,
    SuiteStats,
)
from zebench.service import stats as stats_service
from zebench.store.database import Database

router = APIRouter(tags=["statistics"])

Days = Query(30, ge=1, le=36500, description="window ending now, in days")


@router.get("/api/stats", response_model=GlobalStats, responses=error_responses(422))
def global_stats(days: int = Days, db: Database = Depends(get_db)) -> Response:
    """Runs started in the last `days` days: all of them, the completed successful ones,
    and the mean total and weighted scores of those."""
    with db.read() as conn:
        return json_response(stats_service.global_stats(conn, days))


@router.get("/api/stats/agents", response_model=list[AgentStatsRow])
def agent_stats(db: Database = Depends(get_db)) -> Response:
    """Per agent: completed successful runs with a weighted score, and its mean/min/max."""
    with db.read() as conn:
        return json_response(stats_service.agent_stats(conn))


@router.get("/api/stats/models", response_model=list[ModelStatsRow])
def model_stats(db: Database = Depends(get_db)) -> Response:
    """As /api/stats/agents, per model (runs without a model and model 'default' left out)."""
    with db.read() as conn:
        return json_response(stats_service.model_stats(conn))


@router.get("/api/stats/suites/{suite}", response_model=SuiteStats)
def suite_stats(suite: str, db: Database = Depends(get_db)) -> Response:
    """The suite's totals (all time) and a per-scenario breakdown of successful runs."""
    with db.read() as conn:
        return json_response(stats_service.suite_stats(conn, suite))


@router.get("/api/stats/scenarios/{suite}/{scenario}", response_model=ScenarioStats)
def scenario_stats(suite: str, scenario: str, db: Database = Depends(get_db)) -> Response:
    """The scenario's totals, weighted score range and a per-agent comparison."""
    with db.read() as conn:
        return json_response(stats_service.scenario_stats(conn, suite, scenario))


@router.get(
    "/api/stats/evaluators/{name}/trends",
    response_model=list[EvaluatorTrendPoint],
    responses=error_responses(422),
)
def evaluator_trends(name: str, days: int = Days, db: Database = Depends(get_db)) -> Response:
    """Per UTC day of the last `days` days: the evaluator's mean score and result count."""
    with db.read() as conn:
        return json_response(stats_service.evaluator_trends(conn, name, days))
