"""Writing everything back out, streamed page by page from one consistent snapshot.

JSONL: batch lines first (``"kind": "batch"``, BatchIn-shaped, with the server's
totals), then one ResultIn-shaped object per run in storage order, with its
evaluations (and their ``createdAt``), telemetry and transcript. Importing that
file into an empty database and exporting again gives the same bytes.

CSV: one row per run; telemetry flattened into ``telemetry.*`` columns,
evaluations and metadata as JSON text.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import IO, Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.model.time import to_iso
from zebench.service.transfer.records import BATCH_KIND
from zebench.store.database import Database
from zebench.store.tables import batches, evaluations, runs, telemetry, transcripts

Progress = Callable[[int], None]

_PAGE = 1000

_TELEMETRY_FIELDS = (
    ("toolCalls", "tool_calls"),
    ("tokensIn", "tokens_in"),
    ("tokensOut", "tokens_out"),
    ("costUsd", "cost_usd"),
    ("durationMs", "duration_ms"),
    ("workspaceDir", "workspace_dir"),
    ("promptSent", "prompt_sent"),
)
_RUN_FIELDS = [
    "runId",
    "batchId",
    "suite",
    "scenario",
    "tier",
    "agent",
    "model",
    "status",
    "startedAt",
    "completedAt",
    "totalScore",
    "weightedScore",
    "isSuccessful",
    "successMetric",
    "specialistEnabled",
    "specialistName",
    "specialistVersion",
]
CSV_COLUMNS = [
    *_RUN_FIELDS,
    "metadata",
    "evaluationCount",
    "evaluations",
    *(f"telemetry.{name}" for name, _ in _TELEMETRY_FIELDS),
]


def count_runs(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(runs)).scalar_one())


def export_jsonl(db: Database, out: IO[bytes], on_progress: Progress | None = None) -> int:
    """Write every batch and run as JSON lines; returns the number of runs written."""
    with _snapshot(db) as conn:
        for batch in _batch_docs(conn):
            out.write(_line(batch))
        written = 0
        for page in _run_pages(conn):
            out.write(b"".join(_line(doc) for doc in page))
            written += len(page)
            if on_progress:
                on_progress(len(page))
    return written


def export_csv(db: Database, out: IO[bytes], on_progress: Progress | None = None) -> int:
    """Write one CSV row per run (UTF-8, header first); returns the number of runs written."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow(CSV_COLUMNS)
        written = 0
        with _snapshot(db) as conn:
            for page in _run_pages(conn):
                writer.writerows(_csv_row(doc) for doc in page)
                written += len(page)
                if on_progress:
                    on_progress(len(page))
        text.flush()
    finally:
        text.detach()  # the caller owns ``out``
    return written


# --- reading -------------------------------------------------------------------


@contextlib.contextmanager
def _snapshot(db: Database) -> Iterator[Connection]:
    """One read transaction for the whole export, so its pages agree with each other."""
    with db.read() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def _batch_docs(conn: Connection) -> Iterator[dict[str, Any]]:
    query = sa.select(batches).order_by(batches.c.batch_id)
    for row in conn.execution_options(yield_per=_PAGE).execute(query):
        yield {
            "kind": BATCH_KIND,
            "batchId": row.batch_id,
            "createdAt": row.created_at,
            "completedAt": row.completed_at,
            "totalRuns": row.total_runs,
            "successfulRuns": row.successful_runs,
            "avgScore": row.avg_score,
            "avgWeightedScore": row.avg_weighted_score,
            "metadata": _json(row.metadata),
        }


def _run_pages(conn: Connection) -> Iterator[list[dict[str, Any]]]:
    last = 0
    while True:
        page = conn.execute(
            sa.select(runs).where(runs.c.id > last).order_by(runs.c.id).limit(_PAGE)
        ).all()
        if not page:
            return
        last = page[-1].id
        ids = [row.run_id for row in page]
        evals: dict[str, list[dict[str, Any]]] = {}
        for ev in conn.execute(
            sa.select(evaluations).where(evaluations.c.run_id.in_(ids)).order_by(evaluations.c.id)
        ):
            evals.setdefault(ev.run_id, []).append(
                {
                    "evaluatorName": ev.evaluator_name,
                    "score": ev.score,
                    "maxScore": ev.max_score,
                    "details": ev.details,
                    "createdAt": to_iso(ev.created_at),
                }
            )
        tele = {
            t.run_id: {name: getattr(t, column) for name, column in _TELEMETRY_FIELDS}
            for t in conn.execute(sa.select(telemetry).where(telemetry.c.run_id.in_(ids)))
        }
        trans = {
            t.run_id: _json(t.content)
            for t in conn.execute(sa.select(transcripts).where(transcripts.c.run_id.in_(ids)))
        }
        yield [
            {
                "runId": row.run_id,
                "batchId": row.batch_id,
                "suite": row.suite,
                "scenario": row.scenario,
                "tier": row.tier,
                "agent": row.agent,
                "model": row.model,
                "status": row.status,
                "startedAt": to_iso(row.started_at),
                "completedAt": to_iso(row.completed_at),
                "totalScore": row.total_score,
                "weightedScore": row.weighted_score,
                "isSuccessful": bool(row.is_successful),
                "successMetric": row.success_metric,
                "specialistEnabled": bool(row.specialist_enabled),
                "specialistName": row.specialist_name,
                "specialistVersion": row.specialist_version,
                "metadata": _json(row.metadata),
                "evaluations": evals.get(row.run_id, []),
                "telemetry": tele.get(row.run_id),
                "transcript": trans.get(row.run_id),
            }
            for row in page
        ]


# --- encoding ------------------------------------------------------------------


def _json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        # orjson refuses integers beyond 64 bits, which JSON metadata may hold.
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _line(doc: dict[str, Any]) -> bytes:
    return _dumps(doc) + b"\n"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return _dumps(value).decode()
    return value


def _csv_row(doc: dict[str, Any]) -> list[Any]:
    t = doc["telemetry"] or {}
    return [
        *(_cell(doc[name]) for name in _RUN_FIELDS),
        _cell(doc["metadata"]),
        len(doc["evaluations"]),
        _cell(doc["evaluations"]),
        *(_cell(t.get(name)) for name, _ in _TELEMETRY_FIELDS),
    ]
