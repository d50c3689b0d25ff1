"""From metrics to a run's scores: baseline-relative (scoring version 2, docs/scoring.md).

Each metric brings a gain (the share of what failed on the untouched fixture that
passes afterwards; the judge's verdict for ``llm_judge``), or nothing to gain when
nothing failed before, and a loss (the share of its measured weight the agent
broke). With w from ``rubric_overrides.weights`` (default 1):

- weightedScore = 10 * clamp((sum(w * gain) - sum(w * loss)) / sum(w over metrics
  with something to gain), 0, 1); None when nothing failed on the fixture (there
  was nothing to do, or nothing could be measured).
- totalScore = the mean gain of the metrics with something to gain.
- successMetric = weightedScore / 10.
- isSuccessful = the task is done: every metric with something to gain (the judge
  aside) has all of it, nothing was broken, no test was weakened. When the judge is
  the only metric with something to gain, its verdict must reach 0.7.

A metric that could not be evaluated (a judge error) or measured (every command
failed to start) carries no weight. The absolute figures of version 1 (what passes
afterwards, whatever passed before) are kept beside, in ``absolute``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zebench.evaluators.base import Metric
from zebench.evaluators.progress import STATES, Item, metric_from

SCORING_VERSION = 2
DEFAULT_WEIGHT = 1.0
SUCCESS_THRESHOLD = 0.7
"""The judge's verdict needed when it is the only measure of the task."""
JUDGE = "llm_judge"


@dataclass(frozen=True)
class Scores:
    total_score: float | None
    weighted_score: float | None
    success_metric: float | None
    is_successful: bool
    weights: dict[str, float] = field(default_factory=dict)
    """The weight each evaluated metric carried."""
    reasons: list[str] = field(default_factory=list)
    """Why the run is not successful (empty when it is)."""
    gain: float = 0.0
    loss: float = 0.0
    absolute: dict[str, float] = field(default_factory=dict)
    """Per metric, the version-1 figure: the share of its weight passing afterwards."""
    absolute_weighted_score: float | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "scoringVersion": SCORING_VERSION,
            "gain": self.gain,
            "loss": self.loss,
            "notSuccessfulBecause": self.reasons,
            "absolute": self.absolute,
            "absoluteWeightedScore": self.absolute_weighted_score,
        }


def metric_from_evidence(
    name: str, score: float, max_score: float, details: Mapping[str, Any]
) -> Metric | None:
    """The metric a stored version-2 evaluation holds, its items re-tallied with the
    current rules; None when the evidence is not there (a version-1 evaluation)."""
    scoring = details.get("scoring")
    if not isinstance(scoring, Mapping):
        return None
    if details.get("error") is not None:
        return Metric(name, None, dict(details), str(details["error"]))
    items = details.get("items")
    if isinstance(items, list):
        try:
            parsed = [Item.from_json(entry) for entry in items]
        except (KeyError, TypeError, ValueError):
            return None
        if any(item.state not in STATES for item in parsed):
            return None
        return metric_from(name, parsed)
    if scoring.get("role") == "unmeasured" or max_score <= 0:
        return Metric(name, None, dict(details), measured=False)
    return Metric(name, float(score), dict(details))  # the judge: its verdict


def role(metric: Metric) -> str:
    """``progress`` (something to gain), ``guard`` (only something to lose), ``error`` or
    ``unmeasured`` (carries no weight)."""
    if metric.error is not None:
        return "error"
    if not metric.measured:
        return "unmeasured"
    return "progress" if metric.score is not None else "guard"


def _absolute(metric: Metric) -> float | None:
    if metric.name == JUDGE or "itemWeight" not in metric.details:
        return metric.score
    total = float(metric.details["itemWeight"])
    return float(metric.details["afterPassedWeight"]) / total if total > 0 else None


def _reasons(targets: Sequence[Metric], evaluated: Sequence[Metric]) -> list[str]:
    reasons: list[str] = []
    task = [m for m in targets if m.name != JUDGE]
    judge = next((m for m in targets if m.name == JUDGE), None)
    if not task:
        if judge is None:
            reasons.append("nothing failed on the untouched fixture that a check could measure")
        elif (judge.score or 0.0) < SUCCESS_THRESHOLD:
            reasons.append(f"{JUDGE}: {judge.score:.2f} < {SUCCESS_THRESHOLD}")
    for m in task:
        if (m.score or 0.0) < 1.0:
            fixed, target = m.details.get("fixedWeight"), m.details.get("targetWeight")
            reasons.append(f"{m.name}: {fixed:g} of {target:g} fixed" if target else m.name)
    broken = [m.name for m in evaluated if m.loss > 0]
    if broken:
        reasons.append(f"broke what worked before: {', '.join(broken)}")
    weakened = sum(m.weakened for m in evaluated)
    if weakened:
        reasons.append(f"tests weakened: {weakened} test(s) of the fixture removed or disabled")
    return reasons


def compute_scores(metrics: Sequence[Metric], weights: Mapping[str, float]) -> Scores:
    evaluated = [m for m in metrics if m.error is None and m.measured]
    used = {m.name: float(weights.get(m.name, DEFAULT_WEIGHT)) for m in evaluated}
    targets = [m for m in evaluated if m.score is not None]
    denominator = math.fsum(used[m.name] for m in targets)
    gain = math.fsum(used[m.name] * float(m.score or 0.0) for m in targets)
    loss = math.fsum(used[m.name] * m.loss for m in evaluated)
    weighted = 10 * min(max((gain - loss) / denominator, 0.0), 1.0) if denominator > 0 else None
    absolute = {m.name: a for m in evaluated if (a := _absolute(m)) is not None}
    absolute_weight = math.fsum(used[name] for name in absolute)
    reasons = _reasons(targets, evaluated)
    return Scores(
        total_score=(
            math.fsum(float(m.score or 0.0) for m in targets) / len(targets) if targets else None
        ),
        weighted_score=weighted,
        success_metric=weighted / 10 if weighted is not None else None,
        is_successful=not reasons,
        weights=used,
        reasons=reasons,
        gain=gain / denominator if denominator > 0 else 0.0,
        loss=loss / denominator if denominator > 0 else 0.0,
        absolute=absolute,
        absolute_weighted_score=(
            10 * math.fsum(used[n] * a for n, a in absolute.items()) / absolute_weight
            if absolute_weight > 0
            else None
        ),
    )
