"""The Celery application both ends share, and what each broker needs to lose nothing.

Delivery is at least once: a task is acknowledged only after its run was
delivered or spooled (``task_acks_late``), one task at a time per worker slot
(prefetch 1). If a worker dies mid-run:

- RabbitMQ requeues the unacknowledged message as soon as the worker's
  connection closes (at once for a killed process; after two missed AMQP
  heartbeats, ``broker_heartbeat``, for a machine that vanished).
- Redis has no connection-bound acknowledgement: a message unacknowledged for
  ``visibility_timeout`` seconds is restored by any worker's periodic sweep. A
  live worker therefore re-stamps the messages it holds every third of that
  time (``VisibilityHeartbeat``), so the timeout bounds the recovery of a dead
  worker's run, not the length of a run.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from celery import Celery
from kombu import Connection

from zebench.errors import UserError

DEFAULT_QUEUE = "zebench"
DEFAULT_VISIBILITY_TIMEOUT_S = 120.0
"""Redis only: how long a dead worker's run waits before another worker gets it."""
RESTORE_SWEEP_S = 5
"""Redis only: how often a worker looks for messages whose visibility timeout ran out."""
AMQP_HEARTBEAT_S = 30

log = logging.getLogger("zebench.worker")


def is_redis(broker_url: str) -> bool:
    return urlsplit(broker_url).scheme in ("redis", "rediss")


def display_broker(broker_url: str) -> str:
    """The URL with its password masked, fit to print or store."""
    parts = urlsplit(broker_url)
    if parts.password is None:
        return broker_url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def create_app(
    broker_url: str,
    *,
    queue: str = DEFAULT_QUEUE,
    visibility_timeout_s: float = DEFAULT_VISIBILITY_TIMEOUT_S,
) -> Celery:
    """A Celery app on ``broker_url`` whose tasks go to ``queue``; no result backend
    (results go to the results service)."""
    app = Celery("zebench", broker=broker_url, set_as_current=False)
    transport: dict[str, Any] = {}
    if is_redis(broker_url):
        transport = {
            "visibility_timeout": int(visibility_timeout_s),
            "unacked_restore_interval": RESTORE_SWEEP_S,
            "unacked_restore_throttle": 1,
        }
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_default_queue=queue,
        task_create_missing_queues=True,
        task_acks_late=True,
        # A worker process that dies mid-task hands the message back instead of
        # acknowledging it as failed.
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=True,
        broker_heartbeat=AMQP_HEARTBEAT_S,
        broker_connection_retry_on_startup=True,
        broker_transport_options=transport,
        worker_send_task_events=False,
    )
    return app


def check_broker(broker_url: str, *, timeout_s: float = 5.0) -> None:
    """Raise a one-line ``UserError`` unless the broker accepts a connection now."""
    shown = display_broker(broker_url)
    scheme = urlsplit(broker_url).scheme
    if scheme not in ("amqp", "amqps", "pyamqp", "redis", "rediss"):
        raise UserError(f"--broker {shown}: expected an amqp:// (RabbitMQ) or redis:// URL")
    try:
        with Connection(broker_url, connect_timeout=timeout_s) as conn:
            conn.ensure_connection(max_retries=1, timeout=max(int(timeout_s), 1))
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise UserError(f"broker {shown} unreachable: {reason}") from None


class VisibilityHeartbeat:
    """Re-stamps, in Redis's index of unacknowledged messages, every message this
    worker holds, so that none is restored to another worker while it runs."""

    def __init__(self, broker_url: str, interval_s: float, index_key: str = "unacked_index"):
        import redis

        self._client = redis.Redis.from_url(broker_url)
        self._interval = interval_s
        self._index_key = index_key
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="visibility-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _held_tags(self) -> list[str]:
        from celery.worker import state

        tags = []
        for request in list(state.active_requests) + list(state.reserved_requests):
            tag = getattr(request.message, "delivery_tag", None)
            if tag:
                tags.append(str(tag))
        return tags

    def beat(self) -> int:
        """Re-stamp what is held now; answers how many messages were re-stamped."""
        tags = self._held_tags()
        if not tags:
            return 0
        now = time.time()
        # XX: only messages still unacknowledged; an acknowledged one must not come back.
        changed = self._client.zadd(self._index_key, dict.fromkeys(tags, now), xx=True, ch=True)
        return int(changed or 0)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.beat()
            except Exception as exc:  # the broker being down is the consumer's problem to report
                log.warning("visibility heartbeat failed: %s", exc)
