"""Comparing 2-5 batches scenario by scenario, and whether a difference is beyond noise.

The unit of comparison is a cell (suite, scenario, tier, agent, model): its score in
a batch is the mean weighted score of its runs there, a failed run counting
as 0 (a crash is the worst outcome, not a missing one). Every batch is
compared with the first one over the cells both ran, with two tests that
make different assumptions:

- a sign test (exact, two-sided): counts cells that improved against cells that
  got worse, ignoring by how much, so one huge swing cannot decide it;
- a paired bootstrap of the mean difference (95% percentile interval, seeded).

A difference is called "beyond noise" only when both agree at the 5% level.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from zebench.model.errors import Invalid, NotFound
from zebench.model.statistics import (
    BootstrapResult,
    SignTest,
    paired_bootstrap,
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
    tests = [
        _pair_test(ids[0], ids[i], [c.deltas[i - 1] for c in cells]) for i in range(1, len(ids))
    ]
    return Comparison(batches=summaries, cells=cells, tests=tests)


def _pair_test(baseline: str, other: str, deltas: list[float | None]) -> PairTest:
    shared = [d for d in deltas if d is not None]
    sign = sign_test(shared)
    boot = paired_bootstrap(shared) if shared else None
    mean_delta = sum(shared) / len(shared) if shared else None
    return PairTest(
        batch_id=other,
        baseline_id=baseline,
        shared=len(shared),
        mean_delta=mean_delta,
        sign=sign,
        bootstrap=boot,
        verdict=verdict(sign, boot, len(shared)),
    )


def verdict(sign: SignTest, boot: BootstrapResult | None, shared: int) -> str:
    if shared < 2 or boot is None:
        return "too few shared scenarios to tell"
    sign_says = sign.p_value < ALPHA
    boot_says = boot.low > 0 or boot.high < 0
    direction = "better" if boot.mean_delta > 0 else "worse"
    if sign_says and boot_says:
        return f"{direction}, beyond noise"
    if sign_says or boot_says:
        return f"possibly {direction}: the tests disagree"
    return "within noise"
