"""Comparing batches: the named batches, and for 2-5 of them, cell by cell, whether a
difference is beyond noise.

The API's ``/api/batches/compare`` answers the named batches that exist (the
original Worker's meaning); the comparison page shows the figures too. Both come
from ``compare_batches``.

The figures' unit is a cell (suite, scenario, tier, agent, model): its score in
a batch is the mean weighted score of its runs there, a failed run counting
as 0 (a crash is the worst outcome, not a missing one). Every batch is
compared with the first one over the cells both ran.

The verdict is the regression test ``zebench compare`` uses
(``zebench.model.statistics``): runs paired by (suite, scenario, tier, agent,
model), a permutation test stratified by those cells over every run, so
iterations of one cell are evidence too; "beyond noise" means its two-sided
p-value is below 5%. Two descriptive figures over the scenario cells stand
beside it: an exact sign test on the direction of each cell's change and a
paired bootstrap interval of the mean change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.model.errors import Invalid, NotFound, ServiceError
from zebench.model.statistics import (
    BootstrapResult,
    CellRuns,
    RegressionTest,
    ScoredRun,
    SignTest,
    pair_runs,
    paired_bootstrap,
    regression_test,
    sign_test,
)
from zebench.service.analytics.groups import EMPTY, GroupStats, merge
from zebench.service.batch_analytics import Cell, RunTally, batch_cells
from zebench.service.batches import BatchRow, find_batches
from zebench.store.tables import runs

MIN_BATCHES, MAX_BATCHES = 2, 5
"""How many batches the figures compare."""
MAX_LOOKUP = 100
"""How many batches one look-up names (the API's answer without figures)."""
ALPHA = 0.05


def batch_ids(raw: str | Iterable[str] | None) -> list[str]:
    """Batch ids from ``ids=a,b`` (or repeated ``ids``): distinct, order kept."""
    parts: list[str] = []
    for chunk in [raw] if isinstance(raw, str) else raw or []:
        parts.extend(p.strip() for p in chunk.split(","))
    return list(dict.fromkeys(p for p in parts if p))


def parse_batch_ids(raw: str | Iterable[str] | None) -> list[str]:
    """The 2-5 batches to compare from ``ids``; ``Invalid`` for fewer or more."""
    ids = batch_ids(raw)
    _check_scored(ids)
    return ids


def _check_scored(ids: list[str]) -> None:
    if not MIN_BATCHES <= len(ids) <= MAX_BATCHES:
        raise Invalid(
            f"ids must name {MIN_BATCHES} to {MAX_BATCHES} different batches, got {len(ids)}",
            {"field": "ids", "value": ids},
        )


def cell_score(g: GroupStats) -> float | None:
    """Mean weighted score, a failed run counting as 0."""
    counted = g.scored + g.failed
    return g.score_sum / counted if counted else None


@dataclass(frozen=True)
class ScoredCell:
    suite: str
    scenario: str
    tier: str
    agent: str
    model: str | None
    scores: list[float | None]
    """Per batch, in the order asked; None where the batch did not run the cell."""
    runs: list[int]
    deltas: list[float | None]
    """Per batch after the first: its score minus the first batch's."""


@dataclass(frozen=True)
class PairTest:
    batch_id: str
    baseline_id: str
    shared: int
    """Cells both batches ran: the pairs the tests use."""
    mean_delta: float | None
    sign: SignTest
    bootstrap: BootstrapResult | None
    regression: RegressionTest
    """The verdict's test, over the runs of the cells (with agent and model) both ran."""
    verdict: str


@dataclass(frozen=True)
class ComparedBatch:
    batch: BatchRow
    figures: GroupStats
    """Every run of the batch (none: zero runs)."""

    @property
    def comparison_score(self) -> float | None:
        return cell_score(self.figures)


@dataclass(frozen=True)
class BatchComparison:
    batches: list[ComparedBatch]
    """The named batches that exist, in the order named."""
    missing: list[str]
    cells: list[ScoredCell]
    tests: list[PairTest]
    """Each batch after the first against the first (with ``scored`` only)."""


def compare_batches(conn: Connection, ids: list[str], *, scored: bool = True) -> BatchComparison:
    """The batches ``ids`` names; with ``scored``, 2-5 batches that must all exist,
    compared cell by cell (without it, up to ``MAX_LOOKUP``, unknown ones left out)."""
    _check_count(ids, scored)
    found = find_batches(conn, ids)
    missing = [b for b in ids if b not in found]
    if not scored:
        batches = [ComparedBatch(found[b], EMPTY) for b in ids if b in found]
        return BatchComparison(batches, missing, [], [])
    if missing:
        raise NotFound(
            f"batch not found: {', '.join(missing)}", {"field": "ids", "missing": missing}
        )
    tallies = batch_cells(conn, ids)
    keys = sorted({c for b in ids for c in tallies.get(b, {})}, key=_order)
    cells = [_scored_cell(key, [tallies.get(b, {}).get(key) for b in ids]) for key in keys]
    batches = [
        ComparedBatch(found[b], merge(t.every for t in tallies.get(b, {}).values())) for b in ids
    ]
    by_batch = _scored_runs(conn, ids)
    tests = [
        _pair_test(
            ids[0],
            ids[i],
            [c.deltas[i - 1] for c in cells],
            pair_runs(by_batch.get(ids[0], []), by_batch.get(ids[i], [])),
        )
        for i in range(1, len(ids))
    ]
    return BatchComparison(batches, [], cells, tests)


def _check_count(ids: list[str], scored: bool) -> None:
    if scored:
        _check_scored(ids)
    if not ids:
        # 400 rather than 422: the original Worker's answer to a missing list.
        raise ServiceError("Batch IDs required (query param: ids)", {"field": "ids"})
    if len(ids) > MAX_LOOKUP:
        raise Invalid(f"at most {MAX_LOOKUP} batches can be compared", {"field": "ids"})


def _order(cell: Cell) -> tuple[str, ...]:
    return tuple(str(p or "") for p in cell)


def _scored_cell(cell: Cell, tallies: list[RunTally | None]) -> ScoredCell:
    groups = [None if t is None else t.every for t in tallies]
    scores = [None if g is None else cell_score(g) for g in groups]
    return ScoredCell(
        *cell,
        scores=scores,
        runs=[0 if g is None else g.runs for g in groups],
        deltas=[
            s - scores[0] if s is not None and scores[0] is not None else None for s in scores[1:]
        ],
    )


def _scored_runs(conn: Connection, ids: list[str]) -> dict[str, list[ScoredRun]]:
    """Each batch's runs as the regression test takes them."""
    c = runs.c
    rows = conn.execute(
        sa.select(
            c.batch_id, c.suite, c.scenario, c.tier, c.agent, c.model, c.status, c.weighted_score
        ).where(c.batch_id.in_(ids))
    ).all()
    out: dict[str, list[ScoredRun]] = {}
    for batch_id, suite, scenario, tier, agent, model, status, score in rows:
        key = (suite, scenario, tier, agent, model or "")
        out.setdefault(batch_id, []).append(ScoredRun(key, status, score))
    return out


def _pair_test(
    baseline: str, other: str, deltas: list[float | None], cells: list[CellRuns]
) -> PairTest:
    shared = [d for d in deltas if d is not None]
    regression = regression_test(cells, confidence=1 - ALPHA)
    return PairTest(
        batch_id=other,
        baseline_id=baseline,
        shared=len(shared),
        mean_delta=sum(shared) / len(shared) if shared else None,
        sign=sign_test(shared),
        bootstrap=paired_bootstrap(shared) if shared else None,
        regression=regression,
        verdict=verdict(regression),
    )


def verdict(test: RegressionTest) -> str:
    if test.verdict == "too few runs":
        return "too few shared runs to tell"
    if test.verdict in ("worse", "better"):
        return f"{test.verdict}, beyond noise"
    return "within noise"
