"""``zebench worker``: a Celery worker whose one task is a run of a batch.

Runs execute in a pool of threads of this one process (``--concurrency``), each
in its own event loop: a run is mostly waiting on its agent and commands, and a
worker killed outright takes its runs with it rather than leaving orphaned pool
processes finishing them. SIGTERM (and the first Ctrl-C) stops taking tasks and
lets the runs in flight finish; SIGQUIT (or a second Ctrl-C) stops at once and
hands them back to the broker unacknowledged.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from celery import Celery, Task
from celery.concurrency.thread import TaskPool as ThreadTaskPool
from celery.exceptions import Reject

from zebench.config import Settings
from zebench.delivery import open_delivery
from zebench.errors import UserError
from zebench.harness.distributed.broker import (
    DEFAULT_VISIBILITY_TIMEOUT_S,
    VisibilityHeartbeat,
    check_broker,
    create_app,
    display_broker,
    is_redis,
)
from zebench.harness.distributed.execute import Retryable, WorkerIdentity, perform
from zebench.harness.distributed.task import TASK_NAME, RunTask, TaskError

log = logging.getLogger("zebench.worker")

RETRY_DELAY_S = 15
RETRY_DELAY_MAX_S = 60
"""Kept under the smallest sensible Redis visibility timeout, so a task waiting to
be retried is never restored to another worker meanwhile."""


_in_flight: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Task[str]]] = {}
_in_flight_lock = threading.Lock()


class RunThreads(ThreadTaskPool):
    """Celery's thread pool, able to stop the runs it holds: a cold shutdown (SIGQUIT, a
    second Ctrl-C) cancels them, which kills their commands and removes their workspaces,
    and each task then hands its message back."""

    def terminate_job(self, pid: int, signal: int | None = None) -> None:
        with _in_flight_lock:
            running = list(_in_flight.values())
        for loop, task in running:
            loop.call_soon_threadsafe(task.cancel)


def register_run_task(app: Celery, identity: WorkerIdentity) -> None:
    @app.task(name=TASK_NAME, bind=True, max_retries=None)
    def run(self: Task[Any, str], payload: Any) -> str:
        try:
            task = RunTask.from_json(payload)
        except TaskError as exc:
            # Nothing to store it under; acknowledged so that it does not loop.
            log.error("dropped a message that is not a run task: %s", exc)
            return "dropped"
        redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
        log.info(
            "took %s (batch %s: %s/%s, attempt %d%s)",
            task.run_id,
            task.batch_id,
            task.spec.suite,
            task.spec.label,
            task.attempt,
            ", redelivered" if redelivered else "",
        )
        try:
            outcome = asyncio.run(_perform(task, identity))
        except Retryable as exc:
            delay = min(RETRY_DELAY_S * 2**self.request.retries, RETRY_DELAY_MAX_S)
            log.warning("%s: %s; trying again in %d s", task.run_id, exc, delay)
            raise self.retry(exc=exc, countdown=delay) from exc
        except asyncio.CancelledError:
            log.warning("%s: handed back to the broker (the worker is stopping)", task.run_id)
            raise Reject("the worker stopped before the run finished", requeue=True) from None
        log.info("%s: %s", task.run_id, outcome)
        return outcome


async def _perform(task: RunTask, identity: WorkerIdentity) -> str:
    current = asyncio.current_task()
    assert current is not None
    key = threading.get_ident()
    with _in_flight_lock:
        _in_flight[key] = (asyncio.get_running_loop(), current)
    settings = Settings()
    delivery = open_delivery(settings.delivery, settings.database_url)
    try:
        return await perform(task, settings, delivery, identity)
    finally:
        with _in_flight_lock:
            _in_flight.pop(key, None)
        await delivery.aclose()


def _prepare_sandbox(settings: Settings) -> None:
    """Runs are contained here as `zebench run` contains them on this machine: refuse to
    start (one line) when the sandbox cannot work, and clear workspaces of killed runs."""
    from zebench.harness.isolation import sandbox_config
    from zebench.harness.workspace import remove_orphaned_workspaces
    from zebench.sandbox import NO_ISOLATION_WARNING, require_provider

    require_provider(sandbox_config(settings))
    if settings.sandbox.backend == "none":
        log.warning(NO_ISOLATION_WARNING)
    removed = remove_orphaned_workspaces(settings.harness.workspaces_dir)
    if removed:
        log.info("removed %d workspace(s) left by killed runs", len(removed))


def run_worker(
    broker_url: str,
    *,
    queue: str,
    concurrency: int,
    name: str | None = None,
    visibility_timeout_s: float = DEFAULT_VISIBILITY_TIMEOUT_S,
    loglevel: str = "INFO",
) -> int:
    """Serve tasks until stopped; answers the worker's exit code."""
    settings = Settings()
    if not settings.delivery.worker_url:
        raise UserError(
            "zebench worker delivers to a results service: set ZE_BENCHMARKS_WORKER_URL "
            "(and ZE_BENCHMARKS_API_KEY)"
        )
    _prepare_sandbox(settings)
    check_broker(broker_url)
    identity = WorkerIdentity.here(name)
    app = create_app(broker_url, queue=queue, visibility_timeout_s=visibility_timeout_s)
    register_run_task(app, identity)
    heartbeat = None
    if is_redis(broker_url):
        heartbeat = VisibilityHeartbeat(broker_url, max(visibility_timeout_s / 3, 1.0))
        heartbeat.start()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request buries the runs
    log.info(
        "worker %s: queue %r on %s, %d run(s) at once, results to %s",
        identity.node,
        queue,
        display_broker(broker_url),
        concurrency,
        settings.delivery.worker_url,
    )
    worker = app.Worker(
        hostname=identity.node,
        pool=RunThreads,
        concurrency=concurrency,
        queues=[queue],
        loglevel=loglevel,
        without_mingle=True,
        without_gossip=True,
        optimization="fair",
    )
    try:
        worker.start()
    finally:
        if heartbeat is not None:
            heartbeat.stop()
    return int(worker.exitcode or 0)
