"""Webhooks: every server process sends the due rows of the outbox, one process per row.

``ZEBENCH_WEBHOOK_URL`` names one or more targets; a batch completion received
by the API is written to the outbox (``zebench.service.webhook_outbox``) in the
transaction that records it, so ingest never waits for a target. Each process
polls the outbox every ``webhook_poll_s``, leases the due rows (one process
wins each), POSTs them and records the outcome:

- headers: ``X-Zebench-Event: batch.completed``, ``X-Zebench-Delivery: <row id>``
  (the same on every retry: receivers dedupe by it) and, with
  ``ZEBENCH_WEBHOOK_SECRET``, ``X-Zebench-Signature-256: sha256=<hex HMAC-SHA256
  of the body>`` as GitHub signs its webhooks;
- a 2xx answer is delivered; anything else (network errors included) is tried
  again after ``webhook_backoff_s`` doubled per failed try (at most one hour),
  up to ``webhook_attempts`` tries, then recorded as failed with the last error.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from urllib.parse import urlsplit

import httpx

from zebench.background import BackgroundLoop, process_holder
from zebench.config import ServerSettings
from zebench.model.time import now_ms
from zebench.service import webhook_outbox as outbox
from zebench.store.database import Database

log = logging.getLogger("zebench.webhooks")

SIGNATURE_HEADER = "X-Zebench-Signature-256"
MAX_BACKOFF_S = 3600.0


def parse_targets(text: str | None) -> tuple[str, ...]:
    """The URLs of ``ZEBENCH_WEBHOOK_URL`` (comma- or space-separated), each http(s)."""
    urls = tuple(dict.fromkeys(u for u in (text or "").replace(",", " ").split() if u))
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"ZEBENCH_WEBHOOK_URL: expected http(s)://host/path, got {url!r}")
    return urls


def notify_settings(settings: ServerSettings) -> outbox.Notify | None:
    """What the write path needs to enqueue completions; None when no webhook is set."""
    targets = parse_targets(settings.webhook_url)
    if not targets:
        return None
    return outbox.Notify(targets, settings.dashboard_url or None)


def signature(secret: str, body: bytes) -> str:
    """The ``X-Zebench-Signature-256`` value of ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def backoff_s(settings: ServerSettings, attempts: int) -> float:
    """The pause after the ``attempts``-th failed try."""
    return float(min(settings.webhook_backoff_s * 2 ** (attempts - 1), MAX_BACKOFF_S))


class WebhookSender(BackgroundLoop):
    """Sends due deliveries of this process's database until stopped; ``stop`` abandons
    a delivery in flight, and its lease expires for a retry."""

    def __init__(self, db: Database, settings: ServerSettings) -> None:
        super().__init__("zebench-webhooks")
        self.db = db
        self.settings = settings
        self.holder = process_holder()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look for due rows now (a completion was just written by this process)."""
        self._wake.set()

    async def _loop(self) -> None:
        timeout = self.settings.webhook_timeout_s
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            while True:
                try:
                    await self.send_due(client)
                except Exception:  # a bug or a database outage must not end the loop
                    log.exception("webhook delivery round failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.webhook_poll_s)
                self._wake.clear()

    async def send_due(self, client: httpx.AsyncClient) -> int:
        """Claim the due rows and send them; how many were claimed."""
        lease_ms = int((self.settings.webhook_timeout_s + 30) * 1000)
        claimed = await self.db.awrite(
            lambda conn: outbox.claim_due(conn, holder=self.holder, now=now_ms(), lease_ms=lease_ms)
        )
        await asyncio.gather(*(self._send(client, d) for d in claimed))
        return len(claimed)

    async def _send(self, client: httpx.AsyncClient, delivery: outbox.WebhookDelivery) -> None:
        body = delivery.body.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "zebench-webhooks",
            "X-Zebench-Event": outbox.EVENT,
            "X-Zebench-Delivery": str(delivery.id),
        }
        if self.settings.webhook_secret:
            headers[SIGNATURE_HEADER] = signature(self.settings.webhook_secret, body)
        error: str | None = None
        try:
            response = await client.post(delivery.target, content=body, headers=headers)
            if not response.is_success:
                error = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = f"{exc.__class__.__name__}: {exc}"
        now = now_ms()
        if error is None:
            await self.db.awrite(
                lambda conn: outbox.mark_delivered(conn, delivery.id, holder=self.holder, now=now)
            )
            return
        last = delivery.attempts >= self.settings.webhook_attempts
        retry_at = None if last else now + int(backoff_s(self.settings, delivery.attempts) * 1000)
        log.warning(
            "webhook %s to %s: %s (%s)",
            delivery.event_id,
            delivery.target,
            error,
            "giving up" if last else f"try {delivery.attempts + 1} later",
        )
        await self.db.awrite(
            lambda conn: outbox.mark_attempt_failed(
                conn, delivery.id, holder=self.holder, error=error, retry_at=retry_at, now=now
            )
        )


def start_sender(db: Database, settings: ServerSettings) -> WebhookSender | None:
    """Start sending when a webhook URL is configured; None otherwise."""
    if notify_settings(settings) is None:
        return None
    sender = WebhookSender(db, settings)
    sender.start()
    return sender
