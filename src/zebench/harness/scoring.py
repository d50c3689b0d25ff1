"""From metrics to a run's scores (FORMATS.md section 2, without the original's defects).

- weightedScore = sum(score * w) / sum(w) * 10 over the metrics that were
  actually evaluated; a metric that did not run, or failed to (a judge error),
  carries no weight. w comes from ``rubric_overrides.weights``, else 1.
- totalScore = the mean of the evaluated scores.
- successMetric = the mean of the heuristic and judge scores present; when a
  scenario has neither, the mean of every evaluated score.
- isSuccessful = the install command (when there is one) exited 0 and
  successMetric >= 0.7. A scenario without an install command (artifact
  scenarios) can therefore succeed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from zebench.evaluators.base import Metric
from zebench.harness.commands import CommandResult

DEFAULT_WEIGHT = 1.0
SUCCESS_THRESHOLD = 0.7
SUCCESS_METRICS = ("heuristic_checks", "llm_judge")


@dataclass(frozen=True)
class Scores:
    total_score: float | None
    weighted_score: float | None
    success_metric: float | None
    is_successful: bool
    weights: dict[str, float] = field(default_factory=dict)
    """The weight each evaluated metric carried."""


def compute_scores(
    metrics: Sequence[Metric],
    weights: Mapping[str, float],
    install: CommandResult | None,
) -> Scores:
    scored = {m.name: float(m.score) for m in metrics if m.score is not None}
    if not scored:
        return Scores(None, None, None, False)
    used = {name: float(weights.get(name, DEFAULT_WEIGHT)) for name in scored}
    total_weight = math.fsum(used.values())
    weighted = (
        math.fsum(scored[name] * w for name, w in used.items()) / total_weight * 10
        if total_weight > 0
        else None
    )
    total = math.fsum(scored.values()) / len(scored)
    primary = [scored[name] for name in SUCCESS_METRICS if name in scored]
    success_metric = math.fsum(primary) / len(primary) if primary else total
    install_ok = install is None or install.ok
    return Scores(
        total_score=total,
        weighted_score=weighted,
        success_metric=success_metric,
        is_successful=install_ok and success_metric >= SUCCESS_THRESHOLD,
        weights=used,
    )
