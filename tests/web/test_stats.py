"""The dashboard's statistics against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from zebench.model.statistics import (
    ci95_half_width,
    ci95_half_width_from_sums,
    mean,
    median,
    paired_bootstrap,
    percentile,
    sample_stdev,
    sign_test,
    t_critical_95,
)


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.706), (4, 2.776), (10, 2.228), (30, 2.042), (40, 2.021), (60, 2.000),
     (120, 1.980), (1000, 1.962)],
)  # fmt: skip
def test_t_critical_values_match_the_printed_table(df: int, expected: float) -> None:
    assert t_critical_95(df) == pytest.approx(expected, abs=0.0015)


def test_t_critical_rejects_zero_degrees_of_freedom() -> None:
    with pytest.raises(ValueError):
        t_critical_95(0)


def test_confidence_interval_of_one_to_five() -> None:
    # mean 3, s = sqrt(2.5) = 1.58114, se = s / sqrt(5) = 0.70711, t(4) = 2.776
    assert sample_stdev([1, 2, 3, 4, 5]) == pytest.approx(math.sqrt(2.5))
    assert ci95_half_width([1, 2, 3, 4, 5]) == pytest.approx(2.776 * 0.707107, rel=1e-5)
    # the same from n, sum (15) and sum of squares (55), as the SQL aggregates give them
    assert ci95_half_width_from_sums(5, 15.0, 55.0) == pytest.approx(1.962929, rel=1e-5)


def test_confidence_interval_needs_two_values() -> None:
    assert ci95_half_width([7.0]) is None
    assert ci95_half_width_from_sums(1, 7.0, 49.0) is None
    assert ci95_half_width_from_sums(3, 6.0, 12.0) == 0.0  # identical values


def test_mean_median_percentile() -> None:
    assert mean([]) is None
    assert mean([1, 2, 6]) == 3
    assert median([3, 1, 2]) == 2
    assert median([4, 1, 3, 2]) == 2.5
    assert median([]) is None
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert percentile([10, 20, 30, 40, 50], 0.25) == 20
    assert percentile([1, 2], 0.975) == pytest.approx(1.975)


def test_sign_test_nine_of_ten() -> None:
    # P(X <= 1) for X ~ Bin(10, 1/2) = (1 + 10) / 1024; two-sided doubles it.
    result = sign_test([1.0] * 9 + [-0.5])
    assert (result.positive, result.negative, result.ties) == (9, 1, 0)
    assert result.p_value == pytest.approx(22 / 1024)


def test_sign_test_ignores_ties() -> None:
    # Non-tied: 2 up, 1 down; P(X <= 1) for Bin(3, 1/2) = 4/8, doubled and capped at 1.
    result = sign_test([0.3, 1.2, 0.0, -2.0])
    assert (result.positive, result.negative, result.ties) == (2, 1, 1)
    assert result.p_value == 1.0


def test_sign_test_five_of_five_and_empty() -> None:
    assert sign_test([1, 2, 3, 4, 5]).p_value == pytest.approx(2 / 32)
    assert sign_test([]).p_value == 1.0
    assert sign_test([0.0, 0.0]).p_value == 1.0


def test_bootstrap_of_two_differences() -> None:
    # Resampling {0, 2} twice: means 0 (1/4), 1 (1/2), 2 (1/4). The 2.5% and 97.5%
    # points are 0 and 2; a quarter of the means are <= 0, so p is about 0.5.
    result = paired_bootstrap([0.0, 2.0], resamples=4000, seed=1)
    assert result is not None
    assert result.mean_delta == 1.0
    assert (result.low, result.high) == (0.0, 2.0)
    assert result.p_value == pytest.approx(0.5, abs=0.05)


def test_bootstrap_of_a_constant_difference() -> None:
    result = paired_bootstrap([0.4] * 6)
    assert result is not None
    assert result.low == pytest.approx(0.4)
    assert result.high == pytest.approx(0.4)
    assert result.p_value == 0.0


def test_bootstrap_is_repeatable_and_empty_is_none() -> None:
    deltas = [0.5, -0.2, 1.1, 0.3, -0.7, 0.9]
    assert paired_bootstrap(deltas, seed=3) == paired_bootstrap(deltas, seed=3)
    assert paired_bootstrap([]) is None
