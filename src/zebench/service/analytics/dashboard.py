"""The dashboard's read model: every page's data, from cached server-side aggregates.

Pages and exports call these methods, never the tables. Aggregates are
cached per data version (see ``cache``); lookups of one run are direct.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterator
from typing import TypeVar

from sqlalchemy.engine import Connection

from zebench.model.runs import RunRow, TelemetryRow
from zebench.service.analytics.cache import AggregateCache, Snapshot
from zebench.service.analytics.catalog import Catalog, compute_catalog
from zebench.service.analytics.costs import Costs, compute_costs
from zebench.service.analytics.evaluators import EvaluatorsView, compute_evaluators
from zebench.service.analytics.leaderboard import Leaderboard, compute_leaderboard
from zebench.service.analytics.overview import Overview, compute_overview
from zebench.service.analytics.scoring import ScoringMix, scoring_mix
from zebench.service.analytics.trends import Trends, compute_trends
from zebench.service.analytics.version import data_version
from zebench.service.batch_analytics import BatchReport, batch_figures, batch_report
from zebench.service.batch_comparison import BatchComparison, compare_batches
from zebench.service.batches import (
    BatchFilter,
    BatchList,
    BatchRow,
    count_batches,
    known_tags,
    list_batches,
)
from zebench.service.filters import RunFilter
from zebench.service.run_order import NEWEST_FIRST, RunOrder
from zebench.service.runs import RunEvidence, RunList, iter_runs, list_runs, run_evidence
from zebench.store.database import Database

T = TypeVar("T")

EXPORT_LIMIT = 1_000_000

log = logging.getLogger(__name__)


class Dashboard:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.cache = AggregateCache()

    def warm_up(self) -> None:
        """Compute every page's default figures (in the background at server start), so
        the first visitors of a large store do not wait for them."""
        everything = RunFilter()
        for compute in (
            self.overview,
            lambda: self.runs(everything),
            self.batches,
            lambda: self.catalog(everything),
            lambda: self.leaderboard(everything),
            lambda: self.costs(everything),
            lambda: self.trends(everything),
            lambda: self.evaluators(everything),
        ):
            try:
                compute()
            except Exception:  # a figure that cannot be computed now is computed on demand
                log.exception("warming up the dashboard failed")
                return

    def version(self) -> str:
        with self.db.read() as conn:
            return data_version(conn)

    def _cached(
        self, key: Hashable, compute: Callable[[Connection], T], version: str | None
    ) -> Snapshot[T]:
        """``version``: the current data version when the caller has just read it (a
        page asking for several figures reads it once); read here otherwise."""

        def fresh() -> Snapshot[T]:
            with self.db.read() as conn, conn.begin():
                # One read transaction: the version names exactly the data read.
                return Snapshot(compute(conn), data_version(conn))

        return self.cache.get(key, self.version() if version is None else version, fresh)

    def scoring_mix(
        self, flt: RunFilter | None = None, *, version: str | None = None
    ) -> Snapshot[ScoringMix]:
        """How many of the completed runs ``flt`` selects (default: all) each scoring
        version scored (docs/scoring.md)."""
        flt = flt or RunFilter()
        return self._cached(("scoring_mix", flt), lambda c: scoring_mix(c, flt), version)

    def overview(self, *, version: str | None = None) -> Snapshot[Overview]:
        return self._cached(("overview",), compute_overview, version)

    def runs(
        self,
        flt: RunFilter,
        *,
        order: RunOrder = NEWEST_FIRST,
        offset: int = 0,
        limit: int = 50,
        version: str | None = None,
    ) -> Snapshot[RunList]:
        """One page of the runs the API lists, with how many match and their telemetry."""
        return self._cached(
            ("runs", flt, order, offset, limit),
            lambda c: list_runs(
                c, flt, order=order, offset=offset, limit=limit, count=True, with_telemetry=True
            ),
            version,
        )

    def export_runs(
        self, flt: RunFilter, order: RunOrder = NEWEST_FIRST
    ) -> Iterator[tuple[RunRow, TelemetryRow | None]]:
        """Every matching run, streamed from one read in ``runs``' order (not cached)."""
        with self.db.read() as conn:
            yield from iter_runs(conn, flt, order)

    def export_batches(
        self, flt: BatchFilter, *, sort: str = "createdAt", descending: bool = True
    ) -> list[BatchRow]:
        """Every matching batch in ``batches``' order (not cached)."""
        with self.db.read() as conn:
            return list_batches(
                conn, flt, sort=sort, descending=descending, limit=EXPORT_LIMIT
            ).rows

    def known_tags(self) -> list[str]:
        """The tags batches carry, for the batches page's filter (not cached: one index)."""
        with self.db.read() as conn:
            return known_tags(conn)

    def run(self, run_id: str) -> RunEvidence:
        """Raises ``NotFound`` for an unknown run."""
        with self.db.read() as conn:
            return run_evidence(conn, run_id)

    def batches(
        self,
        flt: BatchFilter | None = None,
        *,
        sort: str = "createdAt",
        descending: bool = True,
        offset: int = 0,
        limit: int = 20,
        version: str | None = None,
    ) -> Snapshot[tuple[BatchList, int]]:
        """A page of ``service.batches.list_batches`` and how many batches match."""
        flt = flt or BatchFilter()

        def compute(conn: Connection) -> tuple[BatchList, int]:
            page = list_batches(
                conn, flt, sort=sort, descending=descending, offset=offset, limit=limit
            )
            return page, count_batches(conn, flt)

        return self._cached(("batches", flt, sort, descending, offset, limit), compute, version)

    def batch(self, batch_id: str, *, version: str | None = None) -> Snapshot[BatchReport]:
        """``NotFound`` for an unknown batch."""
        return self._cached(
            ("batch", batch_id), lambda c: batch_report(c, batch_figures(c, batch_id)), version
        )

    def compare(self, ids: list[str], *, version: str | None = None) -> Snapshot[BatchComparison]:
        return self._cached(("compare", tuple(ids)), lambda c: compare_batches(c, ids), version)

    def leaderboard(self, flt: RunFilter, *, version: str | None = None) -> Snapshot[Leaderboard]:
        return self._cached(("leaderboard", flt), lambda c: compute_leaderboard(c, flt), version)

    def trends(self, flt: RunFilter, *, version: str | None = None) -> Snapshot[Trends]:
        return self._cached(("trends", flt), lambda c: compute_trends(c, flt), version)

    def costs(self, flt: RunFilter, *, version: str | None = None) -> Snapshot[Costs]:
        return self._cached(("costs", flt), lambda c: compute_costs(c, flt), version)

    def catalog(
        self, flt: RunFilter | None = None, *, version: str | None = None
    ) -> Snapshot[Catalog]:
        flt = flt or RunFilter()
        return self._cached(("catalog", flt), lambda c: compute_catalog(c, flt), version)

    def evaluators(self, flt: RunFilter, *, version: str | None = None) -> Snapshot[EvaluatorsView]:
        return self._cached(("evaluators", flt), lambda c: compute_evaluators(c, flt), version)
