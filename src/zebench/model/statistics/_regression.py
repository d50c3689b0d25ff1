"""Is HEAD worse than BASE beyond noise? A permutation test stratified by cell.

Runs are paired by cell: (suite, scenario, tier, agent, model). A run's score
is its weighted score, a failed run counting as 0 (a crash is the worst
outcome, not a missing one); a completed run without a score is left out.

The statistic is the mean over shared cells (cells both batches ran) of
``mean(HEAD scores) - mean(BASE scores)``. If the change made no difference,
the BASE and HEAD labels of the runs of one cell are exchangeable, so the null
distribution comes from relabelling the runs within each cell (keeping each
cell's BASE and HEAD counts). Every run counts: three iterations per cell that
all dropped are evidence even when the suite has one scenario.

The p-value is two-sided: the share of relabellings whose statistic is at
least as far from 0 as the observed one. It is exact (every relabelling
enumerated) when there are at most ``EXACT_LIMIT`` of them, else estimated
from ``resamples`` seeded random relabellings, counting the observed labelling
as one of them (so it is never 0).

"Beyond noise" at confidence C means p < 1 - C. When the cells cannot be
relabelled in enough ways to reach that (one run per batch in one cell: two
labellings), the verdict says so instead of calling it noise.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

CellKey = tuple[str, str, str, str, str]
"""(suite, scenario, tier, agent, model); model "" for the agent's default."""

EXACT_LIMIT = 20_000
DEFAULT_RESAMPLES = 5_000
CELL_OPTIONS_LIMIT = 2_000
"""A cell with at most this many relabellings has them all listed once (sampling
then draws from the list)."""
DEFAULT_CONFIDENCE = 0.95
_TOLERANCE = 1e-9

Verdict = Literal["worse", "better", "within noise", "too few runs"]


@dataclass(frozen=True)
class ScoredRun:
    """What the test needs of one stored run."""

    key: CellKey
    status: str
    weighted_score: float | None

    @property
    def score(self) -> float | None:
        if self.status == "failed":
            return 0.0
        return self.weighted_score


@dataclass(frozen=True)
class CellRuns:
    key: CellKey
    base: tuple[float, ...]
    head: tuple[float, ...]

    @property
    def shared(self) -> bool:
        return bool(self.base) and bool(self.head)

    @property
    def delta(self) -> float | None:
        if not self.shared:
            return None
        return math.fsum(self.head) / len(self.head) - math.fsum(self.base) / len(self.base)


@dataclass(frozen=True)
class RegressionTest:
    confidence: float
    cells: int
    """Shared cells: those both batches ran with a score."""
    base_runs: int
    head_runs: int
    """Runs in shared cells (the runs the test counts)."""
    mean_delta: float | None
    """Mean over shared cells of HEAD's mean score minus BASE's (0-10 scale)."""
    improved: int
    worsened: int
    unchanged: int
    p_value: float
    exact: bool
    labellings: float
    """How many relabellings exist (the exact test's denominator)."""
    resamples: int
    """0 when exact."""
    verdict: Verdict

    @property
    def alpha(self) -> float:
        return 1.0 - self.confidence

    @property
    def regression(self) -> bool:
        return self.verdict == "worse"

    def describe(self) -> str:
        """One line: the verdict and the evidence it rests on."""
        if self.mean_delta is None:
            return "no shared cells: nothing to compare"
        method = "exact" if self.exact else f"{self.resamples} resamples"
        return (
            f"{self.verdict}: mean delta {self.mean_delta:+.2f} over {self.cells} cell(s) "
            f"({self.base_runs} vs {self.head_runs} runs; {self.worsened} worse, "
            f"{self.improved} better, {self.unchanged} same), p = {self.p_value:.4f} "
            f"({method}), beyond noise means p < {self.alpha:.3g}"
        )


def pair_runs(base: Iterable[ScoredRun], head: Iterable[ScoredRun]) -> list[CellRuns]:
    """Every cell either batch ran, in key order, with the scores of its runs there."""
    table: dict[CellKey, tuple[list[float], list[float]]] = {}
    for side, group in ((0, base), (1, head)):
        for run in group:
            score = run.score
            lists = table.setdefault(run.key, ([], []))
            if score is not None:
                lists[side].append(float(score))
    return [CellRuns(k, tuple(b), tuple(h)) for k, (b, h) in sorted(table.items())]


def regression_test(
    cells: Sequence[CellRuns],
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> RegressionTest:
    """The stratified permutation test described in the module docstring."""
    if not 0.5 <= confidence < 1:
        raise ValueError(f"confidence must be in [0.5, 1), got {confidence}")
    shared = [c for c in cells if c.shared]
    deltas = [c.delta for c in shared if c.delta is not None]
    labellings = math.prod(math.comb(len(c.base) + len(c.head), len(c.head)) for c in shared)
    observed = math.fsum(deltas) / len(deltas) if deltas else None
    p, exact = 1.0, True
    if observed is not None:
        if labellings <= EXACT_LIMIT:
            p = _exact_p(shared, observed)
        else:
            p, exact = _sampled_p(shared, observed, resamples, random.Random(seed)), False
    alpha = 1.0 - confidence
    verdict: Verdict
    if observed is None or labellings < 1 / alpha:  # int against float: no overflow
        verdict = "too few runs"
    elif p < alpha and abs(observed) > _TOLERANCE:
        verdict = "worse" if observed < 0 else "better"
    else:
        verdict = "within noise"
    return RegressionTest(
        confidence=confidence,
        cells=len(shared),
        base_runs=sum(len(c.base) for c in shared),
        head_runs=sum(len(c.head) for c in shared),
        mean_delta=observed,
        improved=sum(1 for d in deltas if d > _TOLERANCE),
        worsened=sum(1 for d in deltas if d < -_TOLERANCE),
        unchanged=sum(1 for d in deltas if abs(d) <= _TOLERANCE),
        p_value=p,
        exact=exact,
        labellings=float(min(labellings, 10**300)),
        resamples=0 if exact else resamples,
        verdict=verdict,
    )


def _cell_deltas(cell: CellRuns) -> list[float]:
    """The cell's delta under every relabelling of its runs (with repeats)."""
    pool = (*cell.base, *cell.head)
    total, k, n = math.fsum(pool), len(cell.head), len(pool)
    out = []
    for chosen in itertools.combinations(pool, k):
        s = math.fsum(chosen)
        out.append(s / k - (total - s) / (n - k))
    return out


def _exact_p(cells: Sequence[CellRuns], observed: float) -> float:
    sums = [0.0]
    for cell in cells:
        if _constant(cell):
            continue  # every relabelling gives the same delta: it shifts nothing
        options = _cell_deltas(cell)
        sums = [s + d for s in sums for d in options]
    constant = math.fsum(c.delta or 0.0 for c in cells if _constant(c))
    threshold = abs(observed) - _TOLERANCE
    hits = sum(1 for s in sums if abs((s + constant) / len(cells)) >= threshold)
    return hits / len(sums)


def _sampled_p(
    cells: Sequence[CellRuns], observed: float, resamples: int, rng: random.Random
) -> float:
    """Cell by cell over all resamples at once: a cell with few relabellings draws its
    delta from the list of them (each relabelling equally likely, as in a shuffle),
    a larger one shuffles its runs."""
    constant = math.fsum(c.delta or 0.0 for c in cells if _constant(c))
    totals = [constant] * resamples
    for cell in cells:
        if _constant(cell):
            continue
        if math.comb(len(cell.base) + len(cell.head), len(cell.head)) <= CELL_OPTIONS_LIMIT:
            draws = rng.choices(_cell_deltas(cell), k=resamples)
        else:
            draws = _shuffled_deltas(cell, resamples, rng)
        totals = [t + d for t, d in zip(totals, draws, strict=True)]
    threshold = abs(observed) - _TOLERANCE
    hits = sum(1 for t in totals if abs(t / len(cells)) >= threshold)
    return (hits + 1) / (resamples + 1)


def _shuffled_deltas(cell: CellRuns, resamples: int, rng: random.Random) -> list[float]:
    pool = (*cell.base, *cell.head)
    total, k, n = math.fsum(pool), len(cell.head), len(pool)
    out = []
    for _ in range(resamples):
        s = math.fsum(rng.sample(pool, k))
        out.append(s / k - (total - s) / (n - k))
    return out


def _constant(cell: CellRuns) -> bool:
    values = (*cell.base, *cell.head)
    return max(values) - min(values) <= _TOLERANCE
