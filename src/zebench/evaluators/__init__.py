"""Evaluators: heuristic checks, validation metrics and the LLM judge, each yielding metrics."""

from zebench.evaluators.base import Evaluator, Metric, RunContext
from zebench.evaluators.heuristic import HeuristicChecks
from zebench.evaluators.judge import LlmJudge
from zebench.evaluators.validation import ValidationMetrics


def default_evaluators() -> list[Evaluator]:
    """Every evaluator a run goes through; each decides from the scenario whether it applies."""
    return [ValidationMetrics(), HeuristicChecks(), LlmJudge()]


__all__ = [
    "Evaluator",
    "HeuristicChecks",
    "LlmJudge",
    "Metric",
    "RunContext",
    "ValidationMetrics",
    "default_evaluators",
]
