"""Comparing 2-5 batches scenario by scenario, and whether a difference is beyond noise.

The table's unit is a cell (suite, scenario, tier, agent, model): its score in
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

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.model.errors import Invalid, NotFound
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
from zebench.service.analytics.batches import get_batch
from zebench.service.analytics.groups import group_stats, roll_up, stats_row
from zebench.service.filters import RunFilter
from zebench.store.tables import runs

MIN_BATCHES, MAX_BATCHES = 2, 5
ALPHA = 0.05


@dataclass(frozen=True)
class Cell:
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
class Comparison:
    batches: list[dict[str, Any]]
    cells: list[Cell]
    tests: list[PairTest]


def parse_batch_ids(raw: str | list[str] | None) -> list[str]:
    """Batch ids from ``ids=a,b`` (or repeated ``ids``); 2-5 distinct ids, order kept."""
    parts: list[str] = []
    for chunk in [raw] if isinstance(raw, str) else raw or []:
        parts.extend(p.strip() for p in chunk.split(","))
    ids = list(dict.fromkeys(p for p in parts if p))
    if not MIN_BATCHES <= len(ids) <= MAX_BATCHES:
        raise Invalid(
            f"ids must name {MIN_BATCHES} to {MAX_BATCHES} different batches, got {len(ids)}",
            {"field": "ids", "value": ids},
        )
    return ids


def cell_score(score_sum: float, scored: int, failed: int) -> float | None:
    counted = scored + failed
    return score_sum / counted if counted else None


def compare_batches(conn: Connection, ids: list[str]) -> Comparison:
    found = {batch_id: get_batch(conn, batch_id) for batch_id in ids}
    missing = [b for b, row in found.items() if row is None]
    if missing:
        raise NotFound(
            f"batch not found: {', '.join(missing)}", {"field": "ids", "missing": missing}
        )
    fine = group_stats(
        conn,
        [runs.c.batch_id, runs.c.suite, runs.c.scenario, runs.c.tier, runs.c.agent, runs.c.model],
        RunFilter(),
        extra=[runs.c.batch_id.in_(ids)],
    )
    per_batch = roll_up(fine, lambda k: (k[0],))
    position = {b: i for i, b in enumerate(ids)}
    keys = sorted({g.key[1:] for g in fine}, key=lambda k: tuple(str(p or "") for p in k))
    table: dict[tuple[Any, ...], tuple[list[float | None], list[int]]] = {
        k: ([None] * len(ids), [0] * len(ids)) for k in keys
    }
    for g in fine:
        scores, counts = table[g.key[1:]]
        i = position[g.key[0]]
        scores[i] = cell_score(g.score_sum, g.scored, g.failed)
        counts[i] = g.runs
    cells = [
        Cell(
            suite=k[0],
            scenario=k[1],
            tier=k[2],
            agent=k[3],
            model=k[4],
            scores=scores,
            runs=counts,
            deltas=[
                s - scores[0] if s is not None and scores[0] is not None else None
                for s in scores[1:]
            ],
        )
        for k, (scores, counts) in table.items()
    ]
    summaries = []
    for b in ids:
        row = dict(found[b] or {})
        group = per_batch.get((b,))
        if group is not None:
            row.update(stats_row(group))
            row["comparisonScore"] = cell_score(group.score_sum, group.scored, group.failed)
        summaries.append(row)
    scored = _scored_runs(conn, ids)
    tests = [
        _pair_test(
            ids[0],
            ids[i],
            [c.deltas[i - 1] for c in cells],
            pair_runs(scored.get(ids[0], []), scored.get(ids[i], [])),
        )
        for i in range(1, len(ids))
    ]
    return Comparison(batches=summaries, cells=cells, tests=tests)


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
    sign = sign_test(shared)
    boot = paired_bootstrap(shared) if shared else None
    mean_delta = sum(shared) / len(shared) if shared else None
    regression = regression_test(cells, confidence=1 - ALPHA)
    return PairTest(
        batch_id=other,
        baseline_id=baseline,
        shared=len(shared),
        mean_delta=mean_delta,
        sign=sign,
        bootstrap=boot,
        regression=regression,
        verdict=verdict(regression),
    )


def verdict(test: RegressionTest) -> str:
    if test.verdict == "too few runs":
        return "too few shared runs to tell"
    if test.verdict in ("worse", "better"):
        return f"{test.verdict}, beyond noise"
    return "within noise"
