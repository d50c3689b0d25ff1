"""A worker's side of one task: fetch the suite, run as ``zebench run`` would, deliver.

Every way a run can go wrong on this machine ends as a stored failed run that
says why (a suite bundle that cannot be unpacked, an agent whose binary or API
key this worker lacks), never as a task that fails and comes back. What is
worth trying again later (the results service unreachable while the suite is
fetched) raises ``Retryable``.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zebench.config import Settings
from zebench.delivery import Delivery, DeliveryReport, Unavailable
from zebench.delivery.http import HttpSink
from zebench.errors import UserError
from zebench.evaluators import default_evaluators
from zebench.harness.bundle import BundleError, cached_suite, unpack_bundle
from zebench.harness.distributed.task import RunTask
from zebench.harness.run_state import RunOptions
from zebench.harness.runner import execute_run
from zebench.model.results import BatchIn, ResultIn
from zebench.model.time import now_ms
from zebench.suites import load_scenario

log = logging.getLogger("zebench.worker")


class Retryable(Exception):
    """The run could not start for a reason that may pass (the results service is down)."""


@dataclass(frozen=True)
class WorkerIdentity:
    host: str
    node: str
    """The Celery node name (``zebench@host`` unless ``--name`` said otherwise)."""

    @classmethod
    def here(cls, node: str | None = None) -> WorkerIdentity:
        """``node`` may use Celery's ``%h`` (host), ``%n`` (name) and ``%d`` (domain)."""
        from celery.utils.nodenames import host_format

        text = node or "zebench@%h"
        if "@" not in text:
            text += "@%h"
        return cls(host=socket.gethostname(), node=host_format(text))

    def to_json(self) -> dict[str, Any]:
        return {"host": self.host, "node": self.node, "pid": os.getpid()}


def suite_cache_dir(settings: Settings) -> Path:
    return settings.home / "suite-cache"


async def obtain_suite(task: RunTask, settings: Settings, sink: HttpSink) -> Path:
    """The unpacked suite of the task: from this machine's cache, the task itself, or
    the results service. ``BundleError`` when it cannot be had or used."""
    ref, cache = task.suite, suite_cache_dir(settings)
    found = cached_suite(cache, ref.sha256, ref.name)
    if found is not None:
        return found
    if ref.inline is not None:
        try:
            data = base64.b64decode(ref.inline, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BundleError(
                f"suite bundle {ref.sha256[:12]}: inline copy is not base64: {exc}"
            ) from None
    else:
        try:
            fetched = await sink.get_bundle(ref.sha256)
        except Unavailable as exc:
            raise Retryable(f"cannot fetch suite bundle {ref.sha256[:12]}: {exc}") from exc
        if fetched is None:
            raise BundleError(
                f"suite bundle {ref.sha256[:12]} ({ref.name}) is not stored at {sink.target}"
            )
        data = fetched
    return unpack_bundle(data, ref.sha256, ref.name, cache)


def failed_result(task: RunTask, error_type: str, message: str, worker: WorkerIdentity) -> ResultIn:
    """A run that could not start on this worker, stored like any failed run."""
    now = datetime.now(UTC)
    spec = task.spec
    return ResultIn(
        run_id=task.run_id,
        batch_id=task.batch_id,
        suite=spec.suite,
        scenario=spec.scenario,
        tier=spec.tier,
        agent=spec.agent,
        model=spec.model,
        status="failed",
        started_at=now,
        completed_at=now,
        is_successful=False,
        metadata={
            "iteration": spec.iteration,
            "error": message,
            "errorType": error_type,
            "attempt": task.attempt,
            "worker": worker.to_json(),
        },
    )


async def _run(
    task: RunTask, settings: Settings, sink: HttpSink, worker: WorkerIdentity
) -> ResultIn:
    from zebench.agents.registry import get_agent

    try:
        suite_dir = await obtain_suite(task, settings, sink)
        loaded = load_scenario(suite_dir, task.spec.scenario)
    except UserError as exc:  # BundleError, UnknownName, SuiteError
        return failed_result(task, "suite", str(exc), worker)
    try:
        agent = get_agent(task.spec.agent, settings)
    except UserError as exc:
        return failed_result(task, "agent", f"on worker {worker.host}: {exc}", worker)
    options = RunOptions(batch_id=task.batch_id, timeout_s=task.timeout_s, run_id=task.run_id)
    outcome = await execute_run(task.spec, loaded, agent, default_evaluators(), settings, options)
    result = outcome.result
    metadata = dict(result.metadata or {})
    metadata["attempt"] = task.attempt
    metadata["worker"] = {
        **worker.to_json(),
        "wallMs": outcome.wall_ms,
        "commandMs": outcome.command_ms,
    }
    return result.model_copy(update={"metadata": metadata})


async def perform(
    task: RunTask, settings: Settings, delivery: Delivery, worker: WorkerIdentity
) -> str:
    """Run ``task`` unless its run is stored already; answers what happened, for the log."""
    sink = delivery.sink
    if not isinstance(sink, HttpSink):
        raise UserError("a worker delivers to a results service: set ZE_BENCHMARKS_WORKER_URL")
    for report in await delivery.sync():  # what an earlier task could not deliver
        log.info("sync: %s %s %s", report.kind, report.key, report.outcome)
    if await _stored(sink, task.run_id):
        await _complete_if_done(task, delivery, sink)
        return "already stored (an earlier delivery of this task ran it)"
    result = await _run(task, settings, sink, worker)
    if await _stored(sink, task.run_id):  # another worker finished it meanwhile
        return "already stored by another worker meanwhile; this copy is dropped"
    report = await delivery.submit_result(result)
    if report.outcome in ("delivered", "duplicate"):
        await _complete_if_done(task, delivery, sink)
    return _describe(result, report)


def _describe(result: ResultIn, report: DeliveryReport) -> str:
    text = f"{result.status}, {report.outcome}"
    if result.status == "failed" and result.metadata:
        text += f" ({result.metadata.get('errorType')}: {result.metadata.get('error')})"
    if report.message:
        text += f": {report.message}"
    return text


async def _stored(sink: HttpSink, run_id: str) -> bool:
    try:
        return await sink.run_detail(run_id) is not None
    except Unavailable as exc:
        raise Retryable(f"cannot ask {sink.target} about {run_id}: {exc}") from exc


async def _complete_if_done(task: RunTask, delivery: Delivery, sink: HttpSink) -> None:
    """Mark the batch completed once every matrix cell has a stored run, so that a batch
    whose submitter went away still ends completed on the dashboard."""
    try:
        info = await sink.batch_info(task.batch_id)
    except Unavailable:
        return
    if info is None:
        return
    cells = {(r.suite, r.scenario, r.tier, r.agent, r.model or "", r.iteration) for r in info.runs}
    if len(cells) >= task.cells:
        await delivery.submit_batch(BatchIn(batch_id=task.batch_id, completed_at=now_ms()))
