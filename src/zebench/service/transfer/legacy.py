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

from zebench.errors import UserError
from zebench.model.results import BatchIn, ResultIn
from zebench.service.transfer.records import (
    Invalid,
    Record,
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
# Statements are fed to SQLite in pieces of about this many characters, so a dump of
# any size loads with bounded memory.
_SCRIPT_PIECE = 1 << 20


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
                yield Invalid(where, explain(exc))
            except ValueError as exc:
                yield Invalid(where, str(exc))

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
            started = parse_time(row["started_at"])
            completed = parse_time(row["completed_at"])
            if started is None:
                # The original defaulted started_at to the insert time; a row without one
                # at all still has a finish time worth keeping.
                started = completed
            if started is None:
                return Invalid(where, "startedAt: no start or completion time", run_id)
            data: dict[str, Any] = {
                "runId": run_id,
                "batchId": row["batch_id"] or None,
                "suite": row["suite"],
                "scenario": row["scenario"],
                "tier": row["tier"],
                "agent": row["agent"],
                "model": row["model"],
                "status": row["status"],
                "startedAt": started,
                "completedAt": completed,
                "totalScore": row["total_score"],
                "weightedScore": row["weighted_score"],
                "isSuccessful": parse_flag(row["is_successful"]),
                "successMetric": row["success_metric"],
                "specialistEnabled": parse_flag(row["specialist_enabled"]),
                "specialistName": row["specialist_name"],
                "specialistVersion": row["specialist_version"],
                "metadata": parse_metadata(row["metadata"]),
                "evaluations": [
                    {
                        "evaluatorName": ev["evaluator_name"],
                        "score": ev["score"],
                        "maxScore": ev["max_score"],
                        "details": ev["details"],
                        "createdAt": parse_time(ev["created_at"]),
                    }
                    for ev in evaluations
                ],
            }
            if data["status"] not in ("completed", "failed"):
                # Only finished runs exist in the new contract; keep what it said.
                data["metadata"] = {**(data["metadata"] or {}), "legacyStatus": data["status"]}
                data["status"] = "failed"
            rows = telemetry.get(run_id)
            if rows:
                t = rows[-1]  # the original had no unique key: the latest row wins
                data["telemetry"] = {
                    "toolCalls": t["tool_calls"],
                    "tokensIn": t["tokens_in"],
                    "tokensOut": t["tokens_out"],
                    "costUsd": t["cost_usd"],
                    "durationMs": t["duration_ms"],
                    "workspaceDir": t["workspace_dir"],
                    "promptSent": t["prompt_sent"],
                }
            return ResultIn.model_validate(data)
        except ValidationError as exc:
            return Invalid(where, explain(exc), run_id)
        except ValueError as exc:
            return Invalid(where, str(exc), run_id)


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
                _copy_sqlite_file(path, conn)
            else:
                _execute_dump(path, conn)
            conn.row_factory = sqlite3.Row
            tables = _tables(conn)
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


def _copy_sqlite_file(path: Path, work: sqlite3.Connection) -> None:
    try:
        src = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise UserError(f"{path}: cannot open as SQLite ({exc})") from None
    try:
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        src.backup(work)
    except sqlite3.Error as exc:
        raise UserError(f"{path}: cannot read as SQLite ({exc})") from None
    finally:
        src.close()


def _deny_attach(action: int, *_args: Any) -> int:
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def _execute_dump(path: Path, work: sqlite3.Connection) -> None:
    work.set_authorizer(_deny_attach)
    piece: list[str] = []
    size = 0
    first_line = number = 1
    try:
        with path.open(encoding="utf-8-sig") as lines:
            for number, line in enumerate(lines, 1):
                piece.append(line)
                size += len(line)
                if size >= _SCRIPT_PIECE and line.rstrip().endswith(";"):
                    script = "".join(piece)
                    if sqlite3.complete_statement(script):
                        _run_script(path, work, script, first_line, number)
                        piece, size, first_line = [], 0, number + 1
            script = "".join(piece)
            if script.strip():
                if not sqlite3.complete_statement(script):
                    if ";" not in script:
                        raise UserError(f"{path}: not a SQL dump (no SQL statement in it)")
                    raise UserError(
                        f"{path}: the SQL dump ends in the middle of a statement "
                        f"(line {number}); is the file truncated?"
                    )
                _run_script(path, work, script, first_line, number)
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text, so not a SQL dump ({exc.reason})") from None
    finally:
        work.set_authorizer(None)


def _run_script(path: Path, work: sqlite3.Connection, script: str, first: int, last: int) -> None:
    try:
        work.executescript(script)
    except sqlite3.Error as exc:
        raise UserError(
            f"{path}: not a SQL dump SQLite can load: {exc} (in lines {first}-{last})"
        ) from None


def _tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row[0] for row in rows}


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
