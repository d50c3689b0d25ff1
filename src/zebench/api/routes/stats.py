"""Statistics: the original Worker's ``/api/stats*`` routes over ``service.stats``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from zebench.api.deps import get_db
from zebench.api.openapi import error_responses
from zebench.api.responses import json_response
from zebench.api.serializers import stats as answers
from zebench.service import stats as stats_service
from zebench.store.database import Database

router = APIRouter(tags=["statistics"])

Days = Query(30, ge=1, le=36500, description="window ending now, in days")


@router.get("/api/stats", response_model=answers.GlobalStats, responses=error_responses(422))
def global_stats(days: int = Days, db: Database = Depends(get_db)) -> Response:
    """Runs started in the last `days` days: all of them, the completed successful ones,
    and the mean total and weighted scores of those."""
    with db.read() as conn:
        return json_response(answers.global_stats(stats_service.global_stats(conn, days)))


@router.get("/api/stats/agents", response_model=list[answers.AgentStatsRow])
def agent_stats(db: Database = Depends(get_db)) -> Response:
    """Per agent: completed successful runs with a weighted score, and its mean/min/max."""
    with db.read() as conn:
        return json_response(answers.performance(stats_service.performance(conn, "agent"), "agent"))


@router.get("/api/stats/models", response_model=list[answers.ModelStatsRow])
def model_stats(db: Database = Depends(get_db)) -> Response:
    """As /api/stats/agents, per model (runs without a model and model 'default' left out)."""
    with db.read() as conn:
        return json_response(answers.performance(stats_service.performance(conn, "model"), "model"))


@router.get("/api/stats/suites/{suite}", response_model=answers.SuiteStats)
def suite_stats(suite: str, db: Database = Depends(get_db)) -> Response:
    """The suite's totals (all time) and a per-scenario breakdown of successful runs."""
    with db.read() as conn:
        return json_response(answers.suite_stats(stats_service.suite_stats(conn, suite)))


@router.get("/api/stats/scenarios/{suite}/{scenario}", response_model=answers.ScenarioStats)
def scenario_stats(suite: str, scenario: str, db: Database = Depends(get_db)) -> Response:
    """The scenario's totals, weighted score range and a per-agent comparison."""
    with db.read() as conn:
        figures = stats_service.scenario_stats(conn, suite, scenario)
        return json_response(answers.scenario_stats(figures))


@router.get(
    "/api/stats/evaluators/{name}/trends",
    response_model=list[answers.EvaluatorTrendPoint],
    responses=error_responses(422),
)
def evaluator_trends(name: str, days: int = Days, db: Database = Depends(get_db)) -> Response:
    """Per UTC day of the last `days` days: the evaluator's mean score and result count."""
    with db.read() as conn:
        trend = stats_service.evaluator_trends(conn, name, days)
        return json_response(answers.evaluator_trends(trend))
