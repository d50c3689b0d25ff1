"""The statistics of the original Worker, as typed results of the one query layer.

Each function means what the original Worker's SQL meant (the docstrings say it
in words); the figures come from ``analytics.sources``, the same reads the pages
make, so they cost a few pre-aggregate rows whatever the number of runs.
"Successful" runs are the completed runs whose outcome is successful. Time windows
(``days``) cut at an exact instant like the original's ``datetime('now', '-N
days')``. ``zebench.api.serializers.stats`` gives these results the original's
camelCase shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.engine import Connection

from zebench.model.time import DAY_MS, now_ms
from zebench.service.analytics.evaluations import EvaluatorDay, evaluator_days
from zebench.service.analytics.groups import GroupStats
from zebench.service.analytics.sources import SUCCESSFUL, Totals, stats, totals
from zebench.service.filters import RunFilter


def _cutoff(days: int, now: int | None) -> int:
    return (now if now is not None else now_ms()) - days * DAY_MS


def global_stats(conn: Connection, days: int, *, now: int | None = None) -> Totals:
    """Runs started in the last ``days`` days (from now, to the millisecond): all of
    them, and the completed, successful ones (whose scores the averages average)."""
    return totals(conn, RunFilter(started_from=_cutoff(days, now)))


def performance(conn: Connection, by: Literal["agent", "model"]) -> list[GroupStats]:
    """Per agent (or model), over completed, successful runs that have a weighted
    score: how many (``scored``), and their mean, minimum and maximum weighted score;
    best mean first. Per model, runs without a model and model 'default' are left out."""
    groups = [g for g in stats(conn, (by,), RunFilter(status=SUCCESSFUL)) if g.scored]
    if by == "model":
        groups = [g for g in groups if g.key[0] not in (None, "default")]
    return sorted(groups, key=lambda g: (-(g.mean_score or 0.0), g.key[0]))


@dataclass(frozen=True)
class SuiteFigures:
    totals: Totals
    """All time."""
    scenarios: list[GroupStats]
    """Per scenario (key ``(scenario,)``), its completed, successful runs; by name."""


def suite_stats(conn: Connection, suite: str) -> SuiteFigures:
    """The suite's totals (as ``global_stats``, all time) and, per scenario, its
    completed, successful runs. An unknown suite has zeros."""
    scenarios = stats(conn, ("scenario",), RunFilter(suite=suite, status=SUCCESSFUL))
    return SuiteFigures(
        totals=totals(conn, RunFilter(suite=suite)),
        scenarios=sorted((g for g in scenarios if g.runs), key=lambda g: g.key[0]),
    )


@dataclass(frozen=True)
class ScenarioFigures:
    totals: Totals
    """All time; ``totals.every.weighted_min`` / ``weighted_max`` span every run."""
    agents: list[GroupStats]
    """Per agent (key ``(agent,)``), its completed, successful runs; best mean total
    score first, agents without one last."""


def scenario_stats(conn: Connection, suite: str, scenario: str) -> ScenarioFigures:
    """The scenario's totals and, per agent, its completed, successful runs."""
    flt = RunFilter(suite=suite, scenario=scenario)
    agents = stats(conn, ("agent",), RunFilter(suite=suite, scenario=scenario, status=SUCCESSFUL))
    ranked = sorted(
        (g for g in agents if g.runs),
        key=lambda g: (g.mean_total_score is None, -(g.mean_total_score or 0.0), g.key[0]),
    )
    return ScenarioFigures(totals=totals(conn, flt), agents=ranked)


def evaluator_trends(
    conn: Connection, name: str, days: int, *, now: int | None = None
) -> list[EvaluatorDay]:
    """Per UTC day, the mean score and number of the evaluator's results recorded in
    the last ``days`` days (to the millisecond); oldest day first."""
    return evaluator_days(conn, name, _cutoff(days, now))
