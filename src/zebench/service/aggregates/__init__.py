"""The pre-aggregates: one family of tables, kept in step with the stored runs.

Every statistic the API and the pages show is a sum, count, minimum or maximum
over groups of runs, so it is read from these tables rather than from the runs:
at 100,000 runs a leaderboard reads a few hundred rows instead of a hundred
thousand runs joined to their telemetry. Every run table holds the same measures
and every evaluation table the same evaluation measures; tables differ only in
their key (see ``zebench.store.aggregate_tables``). ``apply`` adds newly stored
runs in the transaction that stores them, folding the runs of one write into one
upsert per key; ``rebuild`` recomputes everything from the raw
tables. Medians cannot be summed, so ``agg_durations`` keeps every duration in
order within its agent/model instead.
"""

from zebench.service.aggregates.apply import apply, fold_measures, upsert_adding
from zebench.service.aggregates.family import (
    ALL,
    BATCH_CELLS,
    BATCH_EVALUATORS,
    BATCHES,
    CELL_DAYS,
    CELLS,
    EVALUATION_FILTERABLE,
    EVALUATION_MAXIMA,
    EVALUATION_MINIMA,
    EVALUATION_SUMS,
    EVALUATOR_CELL_DAYS,
    EVALUATOR_HOURS,
    EVALUATOR_PAIR_DAYS,
    HOUR_MS,
    HOURS,
    PAIR_DAYS,
    RUN_FILTERABLE,
    RUN_MAXIMA,
    RUN_MINIMA,
    RUN_SUMS,
    Aggregate,
    EvaluationFacts,
    RunFacts,
    choose,
    mean,
    shard_for,
    succeeded,
)
from zebench.service.aggregates.rebuild import rebuild, rebuild_all, recomputes
from zebench.service.aggregates.totals import (
    all_batch_totals,
    batch_totals,
    refresh_batch_totals,
    write_batch_totals,
)

__all__ = [
    "ALL",
    "BATCHES",
    "BATCH_CELLS",
    "BATCH_EVALUATORS",
    "CELLS",
    "CELL_DAYS",
    "EVALUATION_FILTERABLE",
    "EVALUATION_MAXIMA",
    "EVALUATION_MINIMA",
    "EVALUATION_SUMS",
    "EVALUATOR_CELL_DAYS",
    "EVALUATOR_HOURS",
    "EVALUATOR_PAIR_DAYS",
    "HOURS",
    "HOUR_MS",
    "PAIR_DAYS",
    "RUN_FILTERABLE",
    "RUN_MAXIMA",
    "RUN_MINIMA",
    "RUN_SUMS",
    "Aggregate",
    "EvaluationFacts",
    "RunFacts",
    "all_batch_totals",
    "apply",
    "batch_totals",
    "choose",
    "fold_measures",
    "mean",
    "rebuild",
    "rebuild_all",
    "recomputes",
    "refresh_batch_totals",
    "shard_for",
    "succeeded",
    "upsert_adding",
    "write_batch_totals",
]
