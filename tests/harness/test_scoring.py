"""The scoring rules on hand-made before/after outcomes: guards, progress, regressions,
tests removed, skipped, renamed, flaky; weights; success means the task is done."""

from __future__ import annotations

import pytest

from zebench.evaluators.base import Metric
from zebench.evaluators.heuristic import compare_checks
from zebench.evaluators.observation import CheckResult, Observation, flaky_tests
from zebench.evaluators.progress import compare_tests, metric_from, state_of
from zebench.evaluators.tests import score_tests
from zebench.harness.scoring import compute_scores, role
from zebench.workspace.commands import CommandResult
from zebench.workspace.junit import CaseResult, JUnitReport, parse_report

TEST = "python -m pytest -q"


def report(**statuses: str) -> JUnitReport:
    return JUnitReport({name: CaseResult(status) for name, status in statuses.items()})  # type: ignore[arg-type]


def run(exit_code: int, command: str = TEST) -> CommandResult:
    return CommandResult("test", command, exit_code, 5, f"exit {exit_code}")


def seen(tests: JUnitReport | None, exit_code: int, *checks: CheckResult) -> Observation:
    return Observation(validation={"test": run(exit_code)}, tests=tests, checks=list(checks))


def check(
    name: str, passed: bool | None, weight: float = 1.0, command: str | None = None
) -> CheckResult:
    return CheckResult("command" if command else "file", name, weight, passed, "", command)


FIXTURE = report(a="passed", b="passed", c="failed", d="failed", e="failed", f="failed")


def metric_of(after: JUnitReport, flaky: set[str] | None = None) -> Metric:
    metric = score_tests(seen(FIXTURE, 1), seen(after, 1), flaky or set())
    assert metric is not None
    return metric


def test_states_of_a_pass_fail_check() -> None:
    assert state_of(True, True) == "guard"
    assert state_of(True, False) == "regression"
    assert state_of(False, True) == "progress"
    assert state_of(False, False) == "not-fixed"
    assert state_of(None, True) == "unmeasured"


def test_doing_nothing_earns_nothing_and_breaks_nothing() -> None:
    metric = metric_of(FIXTURE)
    assert metric.score == 0.0 and metric.loss == 0.0 and metric.weakened == 0
    assert metric.details["counts"] == {"guard": 2, "not-fixed": 4}


def test_partial_credit_per_test_fixed() -> None:
    two = metric_of(report(a="passed", b="passed", c="passed", d="passed", e="failed", f="failed"))
    assert two.score == pytest.approx(0.5) and two.loss == 0.0
    three = metric_of(
        report(a="passed", b="passed", c="passed", d="passed", e="passed", f="failed")
    )
    assert three.score == pytest.approx(0.75)


def test_a_regression_costs_its_share() -> None:
    metric = metric_of(
        report(a="failed", b="passed", c="passed", d="passed", e="passed", f="passed")
    )
    assert metric.score == 1.0
    assert metric.loss == pytest.approx(1 / 6)
    assert [i["name"] for i in metric.details["items"] if i["state"] == "regression"] == ["a"]


def test_removed_failing_tests_earn_nothing_and_are_flagged() -> None:
    metric = metric_of(report(a="passed", b="passed"))
    assert metric.score == 0.0 and metric.weakened == 4
    assert metric.loss == 0.0  # they never worked: nothing lost, nothing earned
    assert metric.details["weakened"] == ["c", "d", "e", "f"]


def test_skipped_or_xfailed_tests_are_weakened_and_passing_ones_cost() -> None:
    metric = metric_of(
        report(a="skipped", b="passed", c="skipped", d="passed", e="failed", f="failed")
    )
    assert metric.weakened == 2
    assert metric.score == pytest.approx(0.25)  # only d counts as fixed
    assert metric.loss == pytest.approx(1 / 6)  # a worked and is now disabled


def test_a_renamed_test_is_not_the_same_test() -> None:
    after = report(a="passed", b="passed", c_renamed="passed", d="failed", e="failed", f="failed")
    metric = metric_of(after)
    states = {i["name"]: i["state"] for i in metric.details["items"]}
    assert states["c"] == "weakened" and states["c_renamed"] == "new"
    assert metric.score == 0.0 and metric.weakened == 1


def test_flaky_tests_count_neither_way() -> None:
    samples = [
        FIXTURE,
        report(a="failed", b="passed", c="failed", d="failed", e="failed", f="failed"),
    ]
    flaky = flaky_tests(samples)
    assert flaky == {"a"}
    metric = metric_of(
        report(a="failed", b="passed", c="passed", d="failed", e="failed", f="failed"), flaky
    )
    assert metric.loss == 0.0 and metric.score == pytest.approx(0.25)
    assert metric.details["flaky"] == ["a"]


def test_without_a_report_the_exit_status_decides() -> None:
    fixed = score_tests(seen(None, 1), seen(None, 0), set())
    assert fixed is not None and fixed.score == 1.0 and fixed.details["perTest"] is False
    kept = score_tests(seen(None, 0), seen(None, 0), set())
    assert kept is not None and kept.score is None and kept.loss == 0.0  # a guard
    broken = score_tests(seen(None, 0), seen(None, 1), set())
    assert broken is not None and broken.loss == 1.0


def test_a_report_gone_afterwards_weakens_every_test() -> None:
    metric = score_tests(seen(FIXTURE, 1), seen(None, 0), set())
    assert metric is not None and metric.weakened == 6 and metric.score == 0.0
    assert "no test report" in metric.details["reportError"]


def test_guards_earn_nothing_and_cost_when_broken() -> None:
    before = seen(FIXTURE, 1, check("kept", True), check("todo", False, 2.0))
    broken = compare_checks(
        before, seen(FIXTURE, 1, check("kept", False), check("todo", True, 2.0))
    )
    metric = metric_from("heuristic_checks", broken)
    assert metric.score == 1.0 and metric.loss == pytest.approx(1 / 3)
    nothing = metric_from("heuristic_checks", compare_checks(before, before))
    assert nothing.score == 0.0 and nothing.loss == 0.0


def test_a_test_command_check_does_not_pass_on_weakened_tests() -> None:
    before = seen(FIXTURE, 1, check("tests_pass", False, command=TEST))
    after = seen(report(a="passed", b="passed"), 0, check("tests_pass", True, command=TEST))
    [item] = compare_checks(before, after)
    assert item.state == "not-fixed" and "tests weakened" in item.message


def test_weighted_score_is_gain_minus_loss_over_the_weights_with_something_to_gain() -> None:
    metrics = [
        Metric("heuristic_checks", 0.5, loss=0.0),
        Metric("tests_nonregression", 1.0, loss=0.25),
        Metric("manager_correctness", None),  # a guard kept: no weight in the denominator
    ]
    scores = compute_scores(metrics, {"heuristic_checks": 3.0, "tests_nonregression": 1.0})
    assert scores.weighted_score == pytest.approx(10 * (3 * 0.5 + 1.0 - 0.25) / 4)
    assert not scores.is_successful
    assert scores.weights == {
        "heuristic_checks": 3.0,
        "tests_nonregression": 1.0,
        "manager_correctness": 1.0,
    }


def test_a_broken_guard_only_metric_costs_and_the_score_stays_within_0_10() -> None:
    scores = compute_scores(
        [Metric("heuristic_checks", 0.0), Metric("manager_correctness", None, loss=1.0)], {}
    )
    assert scores.weighted_score == 0.0
    assert any("manager_correctness" in r for r in scores.reasons)


def test_success_is_every_target_fixed_and_nothing_broken_or_weakened() -> None:
    done = compute_scores([Metric("heuristic_checks", 1.0), Metric("tests_nonregression", 1.0)], {})
    assert done.weighted_score == 10.0 and done.is_successful and done.reasons == []
    weakened = compute_scores(
        [Metric("heuristic_checks", 1.0), Metric("tests_nonregression", 1.0, weakened=1)], {}
    )
    assert not weakened.is_successful
    almost = compute_scores([Metric("heuristic_checks", 0.99)], {})
    assert not almost.is_successful
    # A fine judge verdict does not make an unfinished task done.
    judged = compute_scores([Metric("heuristic_checks", 0.5), Metric("llm_judge", 1.0)], {})
    assert not judged.is_successful


def test_nothing_to_do_is_not_scored_and_not_successful() -> None:
    scores = compute_scores(
        [Metric("heuristic_checks", None), Metric("tests_nonregression", None)], {}
    )
    assert scores.weighted_score is None and not scores.is_successful


def test_errors_and_unmeasured_metrics_carry_no_weight() -> None:
    metrics = [
        Metric("heuristic_checks", 0.8),
        Metric("llm_judge", None, error="judge reply could not be parsed"),
        Metric("install_success", None, measured=False),
    ]
    scores = compute_scores(metrics, {"heuristic_checks": 2.0, "llm_judge": 3.0})
    assert scores.weighted_score == pytest.approx(8.0)
    assert set(scores.weights) == {"heuristic_checks"}
    assert [role(m) for m in metrics] == ["progress", "error", "unmeasured"]


def test_the_judge_alone_decides_success_by_its_threshold() -> None:
    assert compute_scores([Metric("llm_judge", 0.75)], {}).is_successful
    assert not compute_scores([Metric("llm_judge", 0.5)], {}).is_successful


def test_absolute_figures_are_kept_beside() -> None:
    items = compare_checks(
        seen(None, 0, check("a", True), check("b", False)),
        seen(None, 0, check("a", True), check("b", False)),
    )
    scores = compute_scores([metric_from("heuristic_checks", items)], {})
    assert scores.weighted_score == 0.0
    assert scores.absolute == {"heuristic_checks": 0.5}
    assert scores.absolute_weighted_score == pytest.approx(5.0)


def test_junit_reports_from_pytest_and_others() -> None:
    parsed = parse_report(
        """<?xml version="1.0"?><testsuites><testsuite name="s">
        <testcase classname="tests.t" name="ok"/>
        <testcase classname="tests.t" name="bad"><failure message="assert 0"/></testcase>
        <testcase classname="tests.t" name="err"><error message="boom"/></testcase>
        <testcase classname="tests.t" name="xf"><skipped type="pytest.xfail" message=""/></testcase>
        <testcase name="bare"/>
        </testsuite></testsuites>"""
    )
    assert {k: v.status for k, v in parsed.tests.items()} == {
        "tests.t::ok": "passed",
        "tests.t::bad": "failed",
        "tests.t::err": "failed",
        "tests.t::xf": "skipped",
        "bare": "passed",
    }
    assert parsed.tests["tests.t::xf"].message.startswith("xfail")


def test_compare_tests_lists_every_id_once_sorted() -> None:
    items = compare_tests(report(b="failed", a="passed"), report(a="passed", c="passed"))
    assert [(i.name, i.state) for i in items] == [("a", "guard"), ("b", "weakened"), ("c", "new")]
