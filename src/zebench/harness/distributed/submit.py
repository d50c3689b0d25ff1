"""The submitter's side: plan, ship the suite, register the batch, publish one task per run.

The batch's metadata records what workers and a later ``--resume`` need without
the submitter's files: the matrix, its cells (scenario, tier), the suite
bundle's hash and whether every task was published. Resuming therefore works
from any machine that reaches the results service and the broker.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from zebench.agents.registry import agent_names
from zebench.delivery import BatchInfo, Delivery
from zebench.delivery.http import HttpSink
from zebench.errors import UserError
from zebench.harness.batch import BatchPlan
from zebench.harness.bundle import SuiteBundle, pack_suite
from zebench.harness.distributed.broker import create_app, display_broker
from zebench.harness.distributed.task import TASK_NAME, RunTask, SuiteRef, run_id_for
from zebench.harness.matrix import Matrix, RunKey, RunSpec
from zebench.model.results import BatchIn
from zebench.model.time import now_ms

INLINE_LIMIT_BYTES = 64 * 1024
"""Bundles up to this size also travel inside each task (no fetch on a cold worker)."""


@dataclass
class Dispatch:
    """What a submitter sent, and what it waits for."""

    batch_id: str
    created_at: int
    matrix: Matrix
    cells: list[RunSpec]
    expected: dict[RunKey, str | None] = field(default_factory=dict)
    """Per cell, the runId to wait for; None: any stored run (a task published before)."""
    published: int = 0
    already_done: int = 0


def http_sink(delivery: Delivery) -> HttpSink:
    if not isinstance(delivery.sink, HttpSink):
        raise UserError(
            "--broker needs a results service that workers deliver to and the batch is "
            "followed on: set ZE_BENCHMARKS_WORKER_URL (and ZE_BENCHMARKS_API_KEY)"
        )
    return delivery.sink


def _check_agents(agents: tuple[str, ...]) -> None:
    """Unknown names fail here; missing keys or binaries are the workers' to report."""
    known = agent_names()
    for name in agents:
        if name not in known:
            raise UserError(f"unknown agent {name!r}; known agents: {', '.join(known)}")


async def ship_bundle(sink: HttpSink, bundle: SuiteBundle) -> None:
    if not await sink.has_bundle(bundle.sha256):
        await sink.put_bundle(bundle.sha256, bundle.suite, bundle.data)


def _distributed_metadata(
    broker_url: str, queue: str, bundle: SuiteBundle, cells: list[RunSpec], timeout_s: float | None
) -> dict[str, Any]:
    pairs = list(dict.fromkeys((s.scenario, s.tier) for s in cells))
    return {
        "broker": display_broker(broker_url),
        "queue": queue,
        "suite": {"name": bundle.suite, "sha256": bundle.sha256, "sizeBytes": bundle.size},
        "cells": [list(p) for p in pairs],
        "cellCount": len(cells),
        "timeoutS": timeout_s,
        "enqueuedAt": None,
    }


async def submit_new(
    plan: BatchPlan,
    delivery: Delivery,
    broker_url: str,
    queue: str,
    timeout_s: float | None,
) -> Dispatch:
    """Register ``plan`` as a distributed batch and publish one task per run."""
    sink = http_sink(delivery)
    _check_agents(plan.matrix.agents)
    bundle = pack_suite(plan.suite_dir)
    await ship_bundle(sink, bundle)
    metadata = plan.metadata()
    metadata["distributed"] = _distributed_metadata(
        broker_url, queue, bundle, plan.specs, timeout_s
    )
    await _register(
        delivery, BatchIn(batch_id=plan.batch_id, created_at=plan.created_at, metadata=metadata)
    )
    dispatch = Dispatch(plan.batch_id, plan.created_at, plan.matrix, plan.specs)
    ref = _suite_ref(bundle.suite, bundle.sha256, bundle.data)
    tasks = [
        RunTask(
            batch_id=plan.batch_id,
            run_id=run_id_for(plan.batch_id, spec.key, 1),
            spec=spec,
            suite=ref,
            cells=len(plan.specs),
            timeout_s=timeout_s,
        )
        for spec in plan.specs
    ]
    publish(broker_url, queue, tasks)
    dispatch.expected = {t.spec.key: t.run_id for t in tasks}
    dispatch.published = len(tasks)
    metadata["distributed"]["enqueuedAt"] = now_ms()
    await _register(delivery, BatchIn(batch_id=plan.batch_id, metadata=metadata))
    return dispatch


def _suite_ref(name: str, sha256: str, data: bytes | None) -> SuiteRef:
    inline = None
    if data is not None and len(data) <= INLINE_LIMIT_BYTES:
        inline = base64.b64encode(data).decode("ascii")
    return SuiteRef(name=name, sha256=sha256, inline=inline)


async def _register(delivery: Delivery, batch: BatchIn) -> None:
    report = await delivery.submit_batch(batch)
    if report.outcome not in ("delivered", "duplicate"):
        raise UserError(
            f"the results service did not take batch {batch.batch_id}: {report.message}"
        )


def publish(broker_url: str, queue: str, tasks: list[RunTask]) -> None:
    """Publish every task over one connection (each message persistent)."""
    if not tasks:
        return
    app = create_app(broker_url, queue=queue)
    sent = 0
    try:
        with app.producer_or_acquire() as producer:
            for task in tasks:
                app.send_task(
                    TASK_NAME,
                    args=[task.to_json()],
                    queue=queue,
                    producer=producer,
                    task_id=f"{task.run_id}-{now_ms()}",
                )
                sent += 1
    except Exception as exc:  # the broker went away mid-way: say how to finish
        raise UserError(
            f"broker {display_broker(broker_url)}: published {sent} of {len(tasks)} run(s), "
            f"then {exc.__class__.__name__}: {exc}; `zebench batch --resume "
            f"{tasks[0].batch_id} --broker URL` publishes the rest"
        ) from None


def cells_of(info: BatchInfo) -> tuple[Matrix, list[RunSpec], dict[str, Any]]:
    """The matrix and its cells as a distributed batch recorded them."""
    meta = info.metadata.get("distributed")
    if not isinstance(meta, dict):
        raise UserError(
            f"batch {info.batch_id!r} was not run on a broker; resume it without --broker"
        )
    matrix = Matrix.from_json(info.metadata.get("matrix"), f"batch {info.batch_id!r}")
    cells = []
    for scenario, tier in meta.get("cells") or []:
        for agent in matrix.agents:
            for model in matrix.models:
                for iteration in range(1, matrix.iterations + 1):
                    cells.append(RunSpec(matrix.suite, scenario, tier, agent, model, iteration))
    return matrix, cells, meta


async def submit_resume(
    batch_id: str,
    delivery: Delivery,
    broker_url: str,
    queue: str,
    *,
    requeue_missing: bool = False,
) -> Dispatch:
    """Publish again what a distributed batch still lacks; see docs/distributed.md.

    A cell whose runs all failed gets its next attempt. A cell with no stored
    run is presumed still queued unless the first submitter never finished
    publishing or ``requeue_missing`` says the broker lost it (a duplicate task
    is harmless: its run has the same identity and is stored once).
    """
    sink = http_sink(delivery)
    info = await sink.batch_info(batch_id)
    if info is None:
        raise UserError(f"batch {batch_id!r} not found at {sink.target}")
    matrix, cells, meta = cells_of(info)
    suite = meta.get("suite") or {}
    sha256, name = str(suite.get("sha256")), str(suite.get("name"))
    if not await sink.has_bundle(sha256):
        raise UserError(f"batch {batch_id!r}: its suite bundle {sha256[:12]} is no longer stored")
    timeout = meta.get("timeoutS")
    runs: dict[RunKey, list[str]] = {}
    for run in info.runs:
        key = (run.suite, run.scenario, run.tier, run.agent, run.model or "", run.iteration or 0)
        runs.setdefault(key, []).append(run.status)
    dispatch = Dispatch(batch_id, info.created_at or now_ms(), matrix, cells)
    requeue = requeue_missing or not meta.get("enqueuedAt")
    tasks: list[RunTask] = []
    for spec in cells:
        statuses = runs.get(spec.key, [])
        if "completed" in statuses:
            dispatch.already_done += 1
            dispatch.expected[spec.key] = None
            continue
        if not statuses and not requeue:
            dispatch.expected[spec.key] = None
            continue
        attempt = len(statuses) + 1
        task = RunTask(
            batch_id=batch_id,
            run_id=run_id_for(batch_id, spec.key, attempt),
            spec=spec,
            suite=SuiteRef(name=name, sha256=sha256),
            attempt=attempt,
            cells=len(cells),
            timeout_s=None if timeout is None else float(timeout),
        )
        tasks.append(task)
        dispatch.expected[spec.key] = task.run_id
    publish(broker_url, queue, tasks)
    dispatch.published = len(tasks)
    if tasks and not meta.get("enqueuedAt"):
        metadata = dict(info.metadata)
        metadata["distributed"] = {**meta, "enqueuedAt": now_ms()}
        await _register(delivery, BatchIn(batch_id=batch_id, metadata=metadata))
    return dispatch
