"""Descriptive figures and paired tests of plain sequences of floats.

Every function takes plain sequences of floats and returns plain numbers, so
the pages, the exports and the tests agree on one definition of each figure.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

# Two-sided 95% critical values of Student's t for 1..30 degrees of freedom.
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
_Z975 = 1.959963984540054


def t_critical_95(df: int) -> float:
    """The 97.5th percentile of Student's t with ``df`` degrees of freedom."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if df <= len(_T95):
        return _T95[df - 1]
    # Cornish-Fisher expansion around the normal quantile: exact to 3 decimals past df=30.
    z = _Z975
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


def mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def sample_stdev(values: Sequence[float]) -> float | None:
    """Standard deviation with Bessel's correction; None below two values."""
    if len(values) < 2:
        return None
    m = math.fsum(values) / len(values)
    return math.sqrt(math.fsum((v - m) ** 2 for v in values) / (len(values) - 1))


def ci95_half_width_from_sums(n: int, total: float, total_sq: float) -> float | None:
    """Half-width of the t-interval for a mean, from n, sum and sum of squares.

    Aggregates computed in SQL arrive as sums; this avoids fetching every value.
    None when fewer than two values make the spread unknowable.
    """
    if n < 2:
        return None
    variance = max(0.0, (total_sq - total * total / n) / (n - 1))
    return t_critical_95(n - 1) * math.sqrt(variance / n)


def ci95_half_width(values: Sequence[float]) -> float | None:
    sd = sample_stdev(values)
    if sd is None:
        return None
    return t_critical_95(len(values) - 1) * sd / math.sqrt(len(values))


@dataclass(frozen=True)
class SignTest:
    positive: int
    negative: int
    ties: int
    p_value: float
    """Two-sided exact binomial p-value over the non-tied pairs (1.0 when all tie)."""


def sign_test(deltas: Sequence[float], *, tie_tolerance: float = 1e-9) -> SignTest:
    """Exact two-sided sign test: are positive and negative differences equally likely?"""
    positive = sum(1 for d in deltas if d > tie_tolerance)
    negative = sum(1 for d in deltas if d < -tie_tolerance)
    ties = len(deltas) - positive - negative
    n = positive + negative
    if n == 0:
        return SignTest(positive, negative, ties, 1.0)
    tail = sum(math.comb(n, i) for i in range(min(positive, negative) + 1)) / 2**n
    return SignTest(positive, negative, ties, min(1.0, 2 * tail))


@dataclass(frozen=True)
class BootstrapResult:
    mean_delta: float
    low: float
    high: float
    p_value: float
    """Two-sided: twice the smaller share of resampled means on either side of zero."""
    resamples: int


def paired_bootstrap(
    deltas: Sequence[float], *, resamples: int = 2000, seed: int = 0
) -> BootstrapResult | None:
    """Percentile bootstrap of the mean paired difference (95% interval).

    Seeded, so a page shows the same interval on every load for the same data.
    """
    if not deltas:
        return None
    rng = random.Random(seed)
    n = len(deltas)
    population = list(deltas)
    means = sorted(math.fsum(rng.choices(population, k=n)) / n for _ in range(resamples))
    low = _percentile_sorted(means, 0.025)
    high = _percentile_sorted(means, 0.975)
    at_or_below = sum(1 for m in means if m <= 0) / resamples
    at_or_above = sum(1 for m in means if m >= 0) / resamples
    p = min(1.0, 2 * min(at_or_below, at_or_above))
    return BootstrapResult(math.fsum(population) / n, low, high, p, resamples)


def _percentile_sorted(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default method)."""
    position = q * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    fraction = position - lower
    return ordered[lower] + (ordered[upper] - ordered[lower]) * fraction


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    return _percentile_sorted(sorted(values), q)
