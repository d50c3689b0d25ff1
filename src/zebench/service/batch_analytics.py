"""One batch's figures, read once from its pre-aggregates, and the two ways they are shown.

``batch_figures`` reads the batch's statistics by cell and outcome through the
one statistics query (``analytics.sources.stats``, which answers them from
``agg_batch_cells``) and its evaluators' rows of ``agg_batch_evaluators``: each
group's figures over every run, and over the original's successful runs
(completed and successful). Two presentations are built from them:

- the API's analytics (the original Worker's ``getBatchAnalytics``,
  ``zebench.api.serializers.batches``): every run counted, scores averaged over
  the successful runs, evaluations of successful runs;
- the batch page's ``BatchReport``: every run, split by agent and model (one
  agent's figures are never blended with another's), by tier, per evaluator,
  the failures by kind and the scenario x agent/model matrix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.jsontext import json_object
from zebench.service.aggregates import succeeded
from zebench.service.analytics.groups import EMPTY, GroupStats, merge, opt_float, stats_row
from zebench.service.analytics.sources import CELL, OUTCOME, stats
from zebench.service.batches import BatchRow, get_batch, table_row
from zebench.service.filters import RunFilter
from zebench.service.run_details import failure_of
from zebench.store.aggregate_tables import agg_batch_evaluators
from zebench.store.tables import runs

Key = tuple[Any, ...]
Cell = tuple[str, str, str, str, str | None]
"""(suite, scenario, tier, agent, model)."""
Row = dict[str, Any]


@dataclass(frozen=True)
class RunTally:
    """A group's runs: ``every`` run, and the ``succeeded`` (completed and successful)
    ones. (The groups' keys are not significant: a cell's may include its outcome.)"""

    every: GroupStats
    succeeded: GroupStats


def _tally(groups: Iterable[RunTally], key: tuple[Any, ...] = ()) -> RunTally:
    members = list(groups)
    return RunTally(
        merge((t.every for t in members), key), merge((t.succeeded for t in members), key)
    )


@dataclass(frozen=True)
class EvaluatorTally:
    """One evaluator's evaluations; ratio = score / max score (undefined for max 0)."""

    n: int = 0
    ratio_n: int = 0
    ratio_sum: float = 0.0
    ratio_min: float | None = None
    ratio_max: float | None = None
    perfect_n: int = 0
    score_sum: float = 0.0
    max_score_max: float | None = None
    last_at: int | None = None

    def add(self, o: EvaluatorTally) -> EvaluatorTally:
        def low(a: Any, b: Any) -> Any:
            return b if a is None else a if b is None else min(a, b)

        def high(a: Any, b: Any) -> Any:
            return b if a is None else a if b is None else max(a, b)

        return EvaluatorTally(
            self.n + o.n,
            self.ratio_n + o.ratio_n,
            self.ratio_sum + o.ratio_sum,
            low(self.ratio_min, o.ratio_min),
            high(self.ratio_max, o.ratio_max),
            self.perfect_n + o.perfect_n,
            self.score_sum + o.score_sum,
            high(self.max_score_max, o.max_score_max),
            high(self.last_at, o.last_at),
        )

    @property
    def mean_score(self) -> float | None:
        return self.score_sum / self.n if self.n else None

    def row(self, name: str) -> Row:
        """Under the names the pages use (``sources.evaluator_rows``' rows)."""
        return {
            "evaluator": name,
            "evaluations": self.n,
            "meanRatio": self.ratio_sum / self.ratio_n if self.ratio_n else None,
            "minRatio": self.ratio_min,
            "maxRatio": self.ratio_max,
            "perfectShare": self.perfect_n / self.n if self.n else None,
            "meanScore": self.mean_score,
            "lastAt": self.last_at,
        }


@dataclass(frozen=True)
class BatchFigures:
    batch: BatchRow
    cells: dict[Cell, RunTally]
    evaluators: dict[str, EvaluatorTally]
    """Over every evaluated run."""
    succeeded_evaluators: dict[str, EvaluatorTally]
    """Over the successful runs (only evaluators that scored one)."""

    def by(self, key: Callable[[Cell], Key]) -> dict[Key, RunTally]:
        """Coarser groups (``key`` of a cell), in the order of the cells."""
        groups: dict[Key, list[RunTally]] = {}
        for cell, tally in self._ordered:
            groups.setdefault(key(cell), []).append(tally)
        return {k: _tally(g, k) for k, g in groups.items()}

    @cached_property
    def _ordered(self) -> list[tuple[Cell, RunTally]]:
        return sorted(self.cells.items(), key=lambda item: _cell_order(item[0]))

    @property
    def totals(self) -> RunTally:
        return _tally(self.cells.values())


def _cell_order(cell: Cell) -> tuple[str, ...]:
    return tuple(part or "" for part in cell)


# The evaluation table's measures are in ``EvaluatorTally``'s order.
_EVALUATION_MEASURES = [c for c in agg_batch_evaluators.c if not c.primary_key]


def batch_cells(conn: Connection, batch_ids: Sequence[str]) -> dict[str, dict[Cell, RunTally]]:
    """Per batch, per cell: the statistics of every run and of the successful ones
    (``analytics.sources.stats`` by cell and outcome)."""
    out: dict[str, dict[Cell, RunTally]] = {}
    for batch_id in dict.fromkeys(batch_ids):
        parts: dict[Cell, list[GroupStats]] = {}
        for g in stats(conn, (*CELL, *OUTCOME), RunFilter(batch=batch_id)):
            parts.setdefault(g.key[:5], []).append(g)
        if parts:
            out[batch_id] = {cell: _outcomes(cell, groups) for cell, groups in parts.items()}
    return out


def _outcomes(cell: Cell, groups: list[GroupStats]) -> RunTally:
    won = [g for g in groups if g.key[5:] == _WON]
    if len(groups) == 1:  # most cells: their runs had one outcome, taken as read
        return RunTally(groups[0], won[0] if won else EMPTY)
    return RunTally(merge(groups, cell), merge(won, cell))


_WON = ("completed", True)


def _evaluators(conn: Connection, batch_id: str) -> tuple[dict[str, EvaluatorTally], ...]:
    e = agg_batch_evaluators.c
    query = sa.select(
        e.evaluator_name,
        succeeded(agg_batch_evaluators),
        *_EVALUATION_MEASURES,
    ).where(e.batch_id == batch_id)
    every: dict[str, EvaluatorTally] = {}
    ok: dict[str, EvaluatorTally] = {}
    for name, success, n, rn, rs, rlo, rhi, perfect, total, top, last in conn.execute(query):
        tally = EvaluatorTally(
            int(n),
            int(rn),
            float(rs),
            opt_float(rlo),
            opt_float(rhi),
            int(perfect),
            float(total),
            opt_float(top),
            None if last is None else int(last),
        )
        every[name] = every.get(name, EvaluatorTally()).add(tally)
        if success:
            ok[name] = ok.get(name, EvaluatorTally()).add(tally)
    return every, ok


def batch_figures(conn: Connection, batch_id: str) -> BatchFigures:
    """The batch's figures; ``NotFound`` for an unknown batch."""
    batch = get_batch(conn, batch_id)
    every, ok = _evaluators(conn, batch_id)
    return BatchFigures(batch, batch_cells(conn, [batch_id]).get(batch_id, {}), every, ok)


# --- the batch page's presentation -------------------------------------------------


@dataclass(frozen=True)
class FailureGroup:
    kind: str
    count: int
    messages: list[tuple[str, int]]
    """Distinct messages with how often each occurred, most frequent first."""
    run_ids: list[str]
    """Some runs that failed this way (for links)."""


@dataclass(frozen=True)
class ScoreMatrix:
    """Scenario x (agent, model): each cell's figures (``stats_row``), None where the
    pair did not run the scenario."""

    scenarios: list[tuple[str, str]]
    pairs: list[tuple[str, str | None]]
    cells: dict[tuple[str, str, str, str | None], Row]

    def cell(self, scenario: tuple[str, str], pair: tuple[str, str | None]) -> Row | None:
        return self.cells.get((*scenario, *pair))


@dataclass(frozen=True)
class BatchReport:
    """The batch page: every run of the batch, split by agent and model."""

    batch: Row
    """The batch as ``batches.table_row`` shows it."""
    totals: GroupStats
    by_scenario: list[Row]
    by_pair: list[Row]
    by_tier: list[Row]
    by_evaluator: list[Row]
    failures: list[FailureGroup]
    matrix: ScoreMatrix


def _rows(groups: dict[Key, RunTally], names: Sequence[str]) -> list[Row]:
    return [
        {**dict(zip(names, key, strict=True)), **stats_row(t.every)} for key, t in groups.items()
    ]


def batch_report(conn: Connection, figures: BatchFigures) -> BatchReport:
    """The page's view of ``figures``, with the batch's failures read beside them."""
    per_cell = {
        k: stats_row(t.every) for k, t in figures.by(lambda c: (c[0], c[1], c[3], c[4])).items()
    }
    return BatchReport(
        batch=table_row(figures.batch),
        totals=figures.totals.every,
        by_scenario=[
            {"suite": k[0], "scenario": k[1], "agent": k[2], "model": k[3], **row}
            for k, row in per_cell.items()
        ],
        by_pair=_rows(figures.by(lambda c: (c[3], c[4])), ("agent", "model")),
        by_tier=_rows(figures.by(lambda c: (c[2], c[3], c[4])), ("tier", "agent", "model")),
        by_evaluator=[t.row(name) for name, t in sorted(figures.evaluators.items())],
        failures=failure_groups(conn, RunFilter(batch=figures.batch.batch_id)),
        matrix=ScoreMatrix(
            scenarios=sorted({(k[0], k[1]) for k in per_cell}),
            pairs=sorted({(k[2], k[3]) for k in per_cell}, key=lambda p: (p[0], p[1] or "")),
            cells=per_cell,
        ),
    )


def failure_groups(conn: Connection, flt: RunFilter, *, examples: int = 5) -> list[FailureGroup]:
    """Failed runs grouped by what failed (``metadata.errorType``), largest group first."""
    query = (
        sa.select(runs.c.run_id, runs.c.status, runs.c.metadata)
        .where(runs.c.status == "failed", *flt.clauses())
        .order_by(runs.c.started_at.desc(), runs.c.id.desc())
    )
    kinds: dict[str, tuple[list[str], dict[str, int]]] = {}
    for run_id, status, metadata in conn.execute(query):
        failure = failure_of(status, json_object(metadata))
        if failure is None:
            continue
        run_ids, messages = kinds.setdefault(failure.kind, ([], {}))
        run_ids.append(run_id)
        messages[failure.message] = messages.get(failure.message, 0) + 1
    groups = [
        FailureGroup(
            kind=kind,
            count=len(run_ids),
            messages=sorted(messages.items(), key=lambda m: (-m[1], m[0])),
            run_ids=run_ids[:examples],
        )
        for kind, (run_ids, messages) in kinds.items()
    ]
    return sorted(groups, key=lambda f: (-f.count, f.kind))
