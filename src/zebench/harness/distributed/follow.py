"""Following a distributed batch from the results service, with the local batch's display.

The submitter learns nothing from the broker: it polls ``GET /api/batches/{id}``
and reports each run as it lands, so it may stop following at any time and
anyone may follow again (``zebench batch --resume BATCH_ID --broker URL``).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape

from zebench.delivery import Delivery, StoredRun, Unavailable
from zebench.delivery.base import json_object
from zebench.harness.batch import batch_progress
from zebench.harness.distributed.submit import Dispatch, http_sink
from zebench.harness.matrix import RunKey
from zebench.harness.summary import RunRecord, whole_batch_table
from zebench.model.results import BatchIn
from zebench.model.time import now_ms

POLL_S = 1.0


def _key(run: StoredRun) -> RunKey:
    return (run.suite, run.scenario, run.tier, run.agent, run.model or "", run.iteration or 0)


def _wall_ms(detail: dict[str, Any]) -> int:
    run = detail.get("run") or {}
    worker = json_object(run.get("metadata")).get("worker") or {}
    if isinstance(worker.get("wallMs"), int):
        return int(worker["wallMs"])
    try:
        started = datetime.fromisoformat(str(run["startedAt"]).replace("Z", "+00:00"))
        ended = datetime.fromisoformat(str(run["completedAt"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return 0
    return int((ended - started).total_seconds() * 1000)


def record_of(run: StoredRun, detail: dict[str, Any] | None) -> RunRecord:
    detail = detail or {}
    body = detail.get("run") or {}
    telemetry = detail.get("telemetry") or {}
    cost = telemetry.get("costUsd")
    score = body.get("weightedScore")
    return RunRecord(
        agent=run.agent,
        model=run.model,
        run_id=run.run_id,
        status=run.status,
        is_successful=bool(body.get("isSuccessful")),
        weighted_score=float(score) if isinstance(score, int | float) else None,
        cost_usd=float(cost) if isinstance(cost, int | float) else None,
        wall_ms=_wall_ms(detail),
        delivery="delivered",
    )


def _line(record: RunRecord, label: str, detail: dict[str, Any] | None) -> str:
    run = (detail or {}).get("run") or {}
    metadata = json_object(run.get("metadata"))
    worker = (metadata.get("worker") or {}).get("host", "?")
    mark = "[green]✓[/]" if record.is_successful else "[red]✗[/]"
    score = (
        f"score {record.weighted_score:.2f}/10" if record.weighted_score is not None else "no score"
    )
    text = f"{record.status} {record.run_id} {label} {score} on {worker}"
    line = f"{mark} {escape(text)}"
    if record.status == "failed":
        error = f"{metadata.get('errorType')}: {metadata.get('error')}"
        line += f"\n    {escape(error)}"
    return line


async def follow(
    dispatch: Dispatch,
    delivery: Delivery,
    console: Console,
    *,
    poll_s: float = POLL_S,
) -> list[RunRecord]:
    """Report runs as they are stored until every expected cell has its run; then mark
    the batch completed (workers do too) and print the summary."""
    sink = http_sink(delivery)
    labels = {spec.key: f"{spec.suite}/{spec.label}" for spec in dispatch.cells}
    waiting = dict(dispatch.expected)
    records: list[RunRecord] = []
    stored: list[StoredRun] = []  # the batch's runs at the last look, earlier sessions' too
    progress = batch_progress(console)
    warned = False
    with progress:
        overall = progress.add_task(f"batch {dispatch.batch_id}", total=len(waiting))
        while waiting:
            try:
                info = await sink.batch_info(dispatch.batch_id)
            except Unavailable as exc:
                if not warned:
                    progress.console.print(f"[yellow]results service[/] {escape(str(exc))}")
                    warned = True
                info = None
            stored = info.runs if info is not None else stored
            for run in info.runs if info is not None else []:
                key = _key(run)
                if key not in waiting or waiting[key] not in (None, run.run_id):
                    continue
                del waiting[key]
                try:
                    detail = await sink.run_detail(run.run_id)
                except Unavailable:
                    detail = None  # the line and summary go without its score
                record = record_of(run, detail)
                records.append(record)
                progress.advance(overall)
                label = labels.get(key, run.run_id)
                line = _line(record, label, detail)
                progress.console.print(line, highlight=False, soft_wrap=True)
            if waiting:
                await asyncio.sleep(poll_s)
    await delivery.submit_batch(BatchIn(batch_id=dispatch.batch_id, completed_at=now_ms()))
    table = whole_batch_table(dispatch.batch_id, records, stored)
    if table is not None:
        console.print(table)
    return records
