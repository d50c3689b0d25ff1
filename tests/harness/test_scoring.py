"""Scores from metrics: only what was evaluated weighs, and artifact scenarios can succeed."""

from __future__ import annotations

import pytest

from zebench.evaluators.base import Metric
from zebench.harness.commands import CommandResult
from zebench.harness.scoring import compute_scores


def _install(exit_code: int) -> CommandResult:
    return CommandResult("install", "pnpm install", exit_code, 10, "")


def test_weights_of_metrics_that_did_not_run_do_not_count() -> None:
    # The original divided by every weight in the rubric: with only install_success
    # evaluated, 1.0 * 1 / (1 + 1.5 + 1 + ... ) could never exceed 1.8/10.
    weights = {"install_success": 1.0, "tests_nonregression": 1.5, "llm_judge": 1.0}
    scores = compute_scores([Metric("install_success", 1.0)], weights, _install(0))
    assert scores.weighted_score == pytest.approx(10.0)
    assert scores.weights == {"install_success": 1.0}


def test_a_judge_that_failed_carries_no_weight_instead_of_a_zero() -> None:
    metrics = [
        Metric("heuristic_checks", 0.8),
        Metric("llm_judge", None, error="judge reply could not be parsed"),
    ]
    scores = compute_scores(metrics, {"heuristic_checks": 2.0, "llm_judge": 3.0}, None)
    assert scores.weighted_score == pytest.approx(8.0)
    assert scores.success_metric == pytest.approx(0.8)
    assert scores.is_successful


def test_weighted_total_and_success_metric() -> None:
    metrics = [
        Metric("install_success", 1.0),
        Metric("tests_nonregression", 0.0),
        Metric("heuristic_checks", 0.5),
        Metric("llm_judge", 0.75),
    ]
    weights = {"install_success": 1, "tests_nonregression": 2, "heuristic_checks": 1}
    scores = compute_scores(metrics, weights, _install(0))
    # (1*1 + 0*2 + 0.5*1 + 0.75*1 default) / 5 * 10
    assert scores.weighted_score == pytest.approx(4.5)
    assert scores.total_score == pytest.approx(2.25 / 4)
    assert scores.success_metric == pytest.approx(0.625)
    assert not scores.is_successful


def test_a_failed_install_is_never_successful() -> None:
    scores = compute_scores([Metric("heuristic_checks", 1.0)], {}, _install(1))
    assert scores.success_metric == 1.0 and not scores.is_successful


def test_artifact_scenarios_without_install_can_succeed() -> None:
    scores = compute_scores([Metric("heuristic_checks", 0.7)], {}, None)
    assert scores.is_successful


def test_without_heuristics_or_judge_success_follows_the_evaluated_metrics() -> None:
    scores = compute_scores([Metric("tests_nonregression", 1.0)], {}, None)
    assert scores.success_metric == 1.0 and scores.is_successful


def test_nothing_evaluated_means_no_scores() -> None:
    scores = compute_scores([Metric("llm_judge", None, error="x")], {}, None)
    assert scores.weighted_score is None and scores.total_score is None
    assert not scores.is_successful


def test_zero_weights_leave_the_weighted_score_undefined() -> None:
    scores = compute_scores([Metric("heuristic_checks", 1.0)], {"heuristic_checks": 0.0}, None)
    assert scores.weighted_score is None
    assert scores.total_score == 1.0
