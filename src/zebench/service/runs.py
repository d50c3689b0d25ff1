"""Reading runs: filtered, paginated lists and one run with its evaluations and telemetry.

Every function returns plain dicts already in the API's camelCase shape (the
original Worker's Run, Evaluation and Telemetry), so the API and the pages
serialise them without a second pass.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from zebench.bounds import INT64_MAX
from zebench.model.errors import Invalid, NotFound
from zebench.model.time import to_iso
from zebench.service.filters import RunFilter
from zebench.store.tables import evaluations, runs, telemetry, transcripts

MetadataForm = Literal["text", "object"]
"""How a run's ``metadata`` is answered: ``text``, the JSON text stored (the original
Worker's type, which its dashboard ``JSON.parse``s), or ``object``, parsed."""

_RUN_FIELDS = (
    "id", "run_id", "batch_id", "suite", "scenario", "tier", "agent", "model", "status",
    "started_at", "completed_at", "total_score", "weighted_score", "is_successful",
    "success_metric", "specialist_enabled", "specialist_name", "specialist_version", "metadata",
)  # fmt: skip
RUN_COLUMNS = [runs.c[name] for name in _RUN_FIELDS]
"""What a Run answer is made of, in the order ``run_dict`` unpacks them."""


def parse_json_text(text: str | None) -> Any:
    """A stored JSON document, or the text itself if it is not JSON (imported data)."""
    if text is None:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


def run_dict(row: Sequence[Any], metadata_form: MetadataForm = "text") -> dict[str, Any]:
    """A row selected with ``RUN_COLUMNS`` as a Run answer (unpacked: lists build many)."""
    (
        id_, run_id, batch_id, suite, scenario, tier, agent, model, status, started_at,
        completed_at, total_score, weighted_score, is_successful, success_metric,
        specialist_enabled, specialist_name, specialist_version, metadata,
    ) = row  # fmt: skip
    return {
        "id": id_,
        "runId": run_id,
        "batchId": batch_id,
        "suite": suite,
        "scenario": scenario,
        "tier": tier,
        "agent": agent,
        "model": model,
        "status": status,
        "startedAt": to_iso(started_at),
        "completedAt": to_iso(completed_at),
        "totalScore": total_score,
        "weightedScore": weighted_score,
        "isSuccessful": bool(is_successful),
        "successMetric": success_metric,
        "metadata": metadata if metadata_form == "text" else parse_json_text(metadata),
        "specialistEnabled": bool(specialist_enabled),
        "specialistName": specialist_name,
        "specialistVersion": specialist_version,
    }


def evaluation_dict(row: Row[Any]) -> dict[str, Any]:
    m = row._mapping
    return {
        "id": m["id"],
        "runId": m["run_id"],
        "evaluatorName": m["evaluator_name"],
        "score": m["score"],
        "maxScore": m["max_score"],
        "details": m["details"],
        "createdAt": to_iso(m["created_at"]),
    }


def telemetry_dict(row: Row[Any]) -> dict[str, Any]:
    m = row._mapping
    return {
        "id": m["id"],
        "runId": m["run_id"],
        "toolCalls": m["tool_calls"],
        "tokensIn": m["tokens_in"],
        "tokensOut": m["tokens_out"],
        "costUsd": m["cost_usd"],
        "durationMs": m["duration_ms"],
        "workspaceDir": m["workspace_dir"],
        "promptSent": m["prompt_sent"],
    }


# --- lists ----------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None
    """Pass back as ``cursor`` for the following page; ``None`` on the last page."""


def encode_cursor(started_at: int, row_id: int) -> str:
    return base64.urlsafe_b64encode(f"{started_at}:{row_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        started, row_id = base64.urlsafe_b64decode(padded.encode()).decode().split(":")
        decoded = int(started), int(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        decoded = None
    if decoded is None or not all(abs(part) <= INT64_MAX for part in decoded):
        raise Invalid("cursor is not one this server issued", {"field": "cursor", "value": cursor})
    return decoded


def list_runs(
    conn: Connection,
    filters: RunFilter,
    *,
    limit: int = 50,
    cursor: str | None = None,
    offset: int = 0,
    metadata_form: MetadataForm = "text",
) -> Page:
    """Runs newest first (started_at, then id, descending), ``limit`` at a time.

    Pages follow either the keyset ``cursor`` of the previous page (stable while
    runs are added) or a plain ``offset``; the cursor wins when both are given.
    """
    newest_first = (runs.c.started_at.desc(), runs.c.id.desc())
    page = sa.select(runs.c.id).where(*filters.clauses())
    if cursor is not None:
        started, row_id = decode_cursor(cursor)
        page = page.where(
            (runs.c.started_at < started) | ((runs.c.started_at == started) & (runs.c.id < row_id))
        )
    elif offset:
        page = page.offset(offset)
    # Deferred join: the page's ids come from the index alone (skipping ``offset``
    # entries costs no row reads), then only the page's rows are read.
    ids = page.order_by(*newest_first).limit(limit + 1).subquery()
    query = sa.select(*RUN_COLUMNS).join(ids, ids.c.id == runs.c.id).order_by(*newest_first)
    rows = conn.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    next_cursor = encode_cursor(last.started_at, last.id) if more and last is not None else None
    return Page([run_dict(r, metadata_form) for r in rows], next_cursor)


# --- one run --------------------------------------------------------------------


def _run_row(conn: Connection, run_id: str) -> Row[Any]:
    row = conn.execute(sa.select(*RUN_COLUMNS).where(runs.c.run_id == run_id)).first()
    if row is None:
        raise NotFound("Run not found", {"runId": run_id})
    return row


def _evaluations(conn: Connection, run_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(evaluations).where(evaluations.c.run_id == run_id).order_by(evaluations.c.id)
    ).all()
    return [evaluation_dict(r) for r in rows]


def _telemetry(conn: Connection, run_id: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(telemetry).where(telemetry.c.run_id == run_id)).first()
    return telemetry_dict(row) if row is not None else None


def get_run(conn: Connection, run_id: str, metadata_form: MetadataForm = "text") -> dict[str, Any]:
    """``{run, evaluations, telemetry}``; raises ``NotFound("Run not found")``."""
    run = run_dict(_run_row(conn, run_id), metadata_form)
    return {
        "run": run,
        "evaluations": _evaluations(conn, run_id),
        "telemetry": _telemetry(conn, run_id),
    }


def get_run_evaluations(conn: Connection, run_id: str) -> list[dict[str, Any]]:
    _run_row(conn, run_id)
    return _evaluations(conn, run_id)


def get_run_telemetry(conn: Connection, run_id: str) -> dict[str, Any] | None:
    """The run's telemetry, or ``None`` when the run was stored without any."""
    _run_row(conn, run_id)
    return _telemetry(conn, run_id)


def get_run_transcript(conn: Connection, run_id: str) -> Any:
    """The transcript document as the harness sent it; ``NotFound`` when there is none."""
    _run_row(conn, run_id)
    content = conn.execute(
        sa.select(transcripts.c.content).where(transcripts.c.run_id == run_id)
    ).scalar_one_or_none()
    if content is None:
        raise NotFound("Transcript not found", {"runId": run_id})
    return parse_json_text(content)


def runs_of_batch(
    conn: Connection, batch_id: str, metadata_form: MetadataForm = "text"
) -> list[dict[str, Any]]:
    """Every run of a batch, oldest first (the original's order)."""
    rows = conn.execute(
        sa.select(*RUN_COLUMNS)
        .where(runs.c.batch_id == batch_id)
        .order_by(runs.c.started_at, runs.c.id)
    ).all()
    return [run_dict(r, metadata_form) for r in rows]
