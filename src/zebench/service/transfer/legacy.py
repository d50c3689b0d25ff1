"""Reading the original system's database: a ``wrangler d1 export`` SQL dump or an old
``benchmarks.db`` SQLite file (tables ``batch_runs``, ``benchmark_runs``,
``evaluation_results``, ``run_telemetry``).

Both are first copied into a private SQLite working copy in a temporary directory:
a dump is executed there statement by statement (never against the results
database, and with ATTACH refused so a dump cannot write elsewhere), a file is
copied with SQLite's backup API (the user's file is opened read-only and never
changed). The working copy gets the indexes the reader needs, and one reader then
serves both kinds. Column names are matched ignoring case and underscores, since
the deployed original mixes ``batchId``/``createdAt`` with ``run_id``/``started_at``.
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic.alias_generators import to_camel

from zebench.errors import UserError
from zebench.model.results import BatchIn, ResultIn
from zebench.service.transfer.legacy_copy import copy_sqlite_file, execute_dump, table_names
from zebench.service.transfer.records import (
    Record,
    UnreadableRecord,
    explain,
    parse_flag,
    parse_metadata,
    parse_time,
    time_ms,
)

SQLITE_MAGIC = b"SQLite format 3\x00"

RUNS = "benchmark_runs"
BATCHES = "batch_runs"
EVALUATIONS = "evaluation_results"
TELEMETRY = "run_telemetry"

_RUN_COLUMNS = [
    "run_id",
    "batch_id",
    "suite",
    "scenario",
    "tier",
    "agent",
    "model",
    "status",
    "started_at",
    "completed_at",
    "total_score",
    "weighted_score",
    "is_successful",
    "success_metric",
    "metadata",
    "specialist_enabled",
    "specialist_name",
    "specialist_version",
]
_RUN_REQUIRED = ("run_id", "suite", "scenario", "tier", "agent", "status")
_EVALUATION_COLUMNS = ["run_id", "evaluator_name", "score", "max_score", "details", "created_at"]
_EVALUATION_REQUIRED = ("run_id", "evaluator_name", "score", "max_score")
_TELEMETRY_COLUMNS = [
    "run_id",
    "tool_calls",
    "tokens_in",
    "tokens_out",
    "cost_usd",
    "duration_ms",
    "workspace_dir",
    "prompt_sent",
]
_BATCH_COLUMNS = ["batch_id", "created_at", "completed_at", "metadata"]

_PAGE = 1000


@dataclass
class LegacySource:
    """An opened copy of the original database, read in the order it was written."""

    conn: sqlite3.Connection
    path: Path
    tables: set[str]
    orphans: dict[str, int] = field(default_factory=dict)
    """Evaluation and telemetry rows whose run does not exist (they cannot be stored)."""

    @property
    def name(self) -> str:
        """How records name the file they came from."""
        return self.path.name

    @property
    def total(self) -> int:
        """How many records ``records()`` yields (batches plus runs), for progress."""
        count = 0
        for table in (BATCHES, RUNS):
            if table in self.tables:
                count += self.conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        return int(count)

    def records(self) -> Iterator[Record]:
        """Batches first (so imported runs find their batch's own times), then runs."""
        if BATCHES in self.tables:
            yield from self._batches()
        yield from self._runs()

    # --- batches -------------------------------------------------------------

    def _batches(self) -> Iterator[Record]:
        columns = _select_list(self, BATCHES, _BATCH_COLUMNS, required=("batch_id",))
        cursor = self.conn.execute(
            f'SELECT rowid AS row_key, {columns} FROM "{BATCHES}" ORDER BY rowid'
        )
        for row in cursor:
            where = f"{self.name}: {BATCHES} row {row['row_key']}"
            try:
                yield BatchIn.model_validate(
                    {
                        "batchId": row["batch_id"],
                        "createdAt": time_ms(row["created_at"]),
                        "completedAt": time_ms(row["completed_at"]),
                        "metadata": parse_metadata(row["metadata"]),
                    }
                )
            except ValidationError as exc:
                yield UnreadableRecord(where, explain(exc))
            except ValueError as exc:
                yield UnreadableRecord(where, str(exc))

    # --- runs ------------------------------------------------------------------

    def _runs(self) -> Iterator[Record]:
        columns = _select_list(self, RUNS, _RUN_COLUMNS, required=_RUN_REQUIRED)
        evaluation_columns = (
            _select_list(self, EVALUATIONS, _EVALUATION_COLUMNS, required=_EVALUATION_REQUIRED)
            if EVALUATIONS in self.tables
            else None
        )
        telemetry_columns = (
            _select_list(self, TELEMETRY, _TELEMETRY_COLUMNS, required=("run_id",))
            if TELEMETRY in self.tables
            else None
        )
        last = -(2**63)
        while True:
            page = self.conn.execute(
                f'SELECT rowid AS row_key, {columns} FROM "{RUNS}" '
                "WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (last, _PAGE),
            ).fetchall()
            if not page:
                return
            last = page[-1]["row_key"]
            run_ids = [row["run_id"] for row in page]
            evaluations = self._children(EVALUATIONS, evaluation_columns, run_ids)
            telemetry = self._children(TELEMETRY, telemetry_columns, run_ids)
            for row in page:
                yield self._run(row, evaluations.get(row["run_id"], []), telemetry)

    def _children(
        self, table: str, columns: str | None, run_ids: list[Any]
    ) -> dict[Any, list[sqlite3.Row]]:
        found: dict[Any, list[sqlite3.Row]] = {}
        key = _run_id_column(self.conn, table) if columns is not None else None
        if columns is None or key is None:
            return found
        marks = ",".join("?" * len(run_ids))
        cursor = self.conn.execute(
            f'SELECT {columns} FROM "{table}" WHERE "{key}" IN ({marks}) ORDER BY rowid', run_ids
        )
        for row in cursor:
            found.setdefault(row["run_id"], []).append(row)
        return found

    def _run(
        self,
        row: sqlite3.Row,
        evaluations: list[sqlite3.Row],
        telemetry: dict[Any, list[sqlite3.Row]],
    ) -> Record:
        where = f"{self.name}: {RUNS} row {row['row_key']}"
        run_id = row["run_id"]
        try:
            data = _run_fields(row)
            if data is None:
                return UnreadableRecord(where, "startedAt: no start or completion time", run_id)
            data["evaluations"] = [_evaluation(ev) for ev in evaluations]
            rows = telemetry.get(run_id)
            if rows:
                # The original had no unique key: the latest row wins.
                data["telemetry"] = _telemetry(rows[-1])
            return ResultIn.model_validate(data)
        except ValidationError as exc:
            return UnreadableRecord(where, explain(exc), run_id)
        except ValueError as exc:
            return UnreadableRecord(where, str(exc), run_id)


def _run_fields(row: sqlite3.Row) -> dict[str, Any] | None:
    """A ``benchmark_runs`` row in the contract's shape; None when it has no time at all."""
    started = parse_time(row["started_at"])
    completed = parse_time(row["completed_at"])
    if started is None:
        # The original defaulted started_at to the insert time; a row without one
        # at all still has a finish time worth keeping.
        started = completed
    if started is None:
        return None
    data = {
        **_as_contract(row, _RUN_COLUMNS),
        "batchId": row["batch_id"] or None,
        "startedAt": started,
        "completedAt": completed,
        "isSuccessful": parse_flag(row["is_successful"]),
        "specialistEnabled": parse_flag(row["specialist_enabled"]),
        "metadata": parse_metadata(row["metadata"]),
    }
    if data["status"] not in ("completed", "failed"):
        # Only finished runs exist in the new contract; keep what it said.
        data["metadata"] = {**(data["metadata"] or {}), "legacyStatus": data["status"]}
        data["status"] = "failed"
    return data


def _evaluation(row: sqlite3.Row) -> dict[str, Any]:
    fields = _as_contract(row, _EVALUATION_COLUMNS[1:])
    return {**fields, "createdAt": parse_time(row["created_at"])}


def _telemetry(row: sqlite3.Row) -> dict[str, Any]:
    return _as_contract(row, _TELEMETRY_COLUMNS[1:])


def _as_contract(row: sqlite3.Row, columns: list[str]) -> dict[str, Any]:
    """The columns' values under the contract's names: the same names in camelCase."""
    return {to_camel(column): row[column] for column in columns}


@contextlib.contextmanager
def open_legacy(path: Path, *, is_sqlite_file: bool) -> Iterator[LegacySource]:
    """Open a dump (``is_sqlite_file=False``) or an old SQLite file as a ``LegacySource``.

    Raises ``UserError`` naming the file and the problem when it is not the original's
    database.
    """
    with tempfile.TemporaryDirectory(prefix="zebench-import-") as tmp:
        conn = sqlite3.connect(Path(tmp) / "legacy.db")
        try:
            conn.execute("PRAGMA journal_mode=OFF")
            conn.execute("PRAGMA synchronous=OFF")
            if is_sqlite_file:
                copy_sqlite_file(path, conn)
            else:
                execute_dump(path, conn)
            conn.row_factory = sqlite3.Row
            tables = table_names(conn)
            if RUNS not in tables:
                found = ", ".join(sorted(tables)) or "none"
                raise UserError(
                    f"{path}: no {RUNS} table, so this is not a database of the original "
                    f"ze-benchmarks (tables found: {found})"
                )
            source = LegacySource(conn, path, tables)
            _index_for_reading(source)
            _count_orphans(source)
            yield source
        finally:
            conn.close()


def _normal(name: str) -> str:
    return name.replace("_", "").lower()


def _select_list(
    source: LegacySource, table: str, wanted: list[str], *, required: tuple[str, ...]
) -> str:
    """``"actualName" AS wanted_name`` for each wanted column, NULL for absent optional ones."""
    info = source.conn.execute(f'PRAGMA table_info("{table}")')
    actual = {_normal(row[1]): row[1] for row in info}
    parts = []
    for name in wanted:
        column = actual.get(_normal(name))
        if column is None:
            if name in required:
                raise UserError(
                    f"{source.path}: table {table} has no {name} column "
                    f"(columns: {', '.join(actual.values())})"
                )
            parts.append(f"NULL AS {name}")
        else:
            parts.append(f'"{column}" AS {name}')
    return ", ".join(parts)


def _run_id_column(conn: sqlite3.Connection, table: str) -> str | None:
    for row in conn.execute(f'PRAGMA table_info("{table}")'):
        if _normal(row[1]) == "runid":
            return str(row[1])
    return None


def _index_for_reading(source: LegacySource) -> None:
    # The copy is ours: index it so children are fetched per page, not by table scans.
    for table in (RUNS, EVALUATIONS, TELEMETRY):
        column = _run_id_column(source.conn, table) if table in source.tables else None
        if column is not None:
            source.conn.execute(
                f'CREATE INDEX IF NOT EXISTS "zebench_import_{table}" ON "{table}" ("{column}")'
            )


def _count_orphans(source: LegacySource) -> None:
    runs_column = _run_id_column(source.conn, RUNS)
    for table in (EVALUATIONS, TELEMETRY):
        column = _run_id_column(source.conn, table) if table in source.tables else None
        if column is None or runs_column is None:
            continue
        count = source.conn.execute(
            f'SELECT count(*) FROM "{table}" WHERE "{column}" NOT IN '
            f'(SELECT "{runs_column}" FROM "{RUNS}")'
        ).fetchone()[0]
        if count:
            source.orphans[table] = int(count)
