"""Delivering results so that none is lost: spool first, send, forget only once acknowledged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from zebench.config import DeliverySettings
from zebench.delivery.base import BatchInfo, Rejected, Sink, Unavailable
from zebench.delivery.spool import Kind, Spool, SpoolEntry
from zebench.model.results import BatchIn, ResultIn

Outcome = Literal["delivered", "duplicate", "spooled", "rejected"]


@dataclass(frozen=True)
class DeliveryReport:
    kind: Kind
    key: str
    outcome: Outcome
    message: str = ""


class Delivery:
    """Sends results and batches to a sink through a spool.

    Every entry is written to the spool before it is sent and removed after
    the sink acknowledged it. An entry the sink cannot take now stays for
    ``sync``; one it refused for good moves to the spool's ``rejected/``.
    """

    def __init__(self, sink: Sink, spool: Spool) -> None:
        self.sink = sink
        self.spool = spool

    @property
    def target(self) -> str:
        return self.sink.target

    async def submit_result(self, result: ResultIn) -> DeliveryReport:
        payload = result.model_dump(mode="json", by_alias=True, exclude_none=True)
        return await self._send(self.spool.put("result", result.run_id, payload))

    async def submit_batch(self, batch: BatchIn) -> DeliveryReport:
        payload = batch.model_dump(mode="json", by_alias=True, exclude_none=True)
        return await self._send(self.spool.put("batch", batch.batch_id, payload))

    async def _send(self, entry: SpoolEntry) -> DeliveryReport:
        try:
            if entry.kind == "result":
                ack = await self.sink.send_result(entry.payload)
            else:
                await self.sink.send_batch(entry.payload)
                ack = "created"
        except Rejected as exc:
            where = self.spool.reject(entry, str(exc))
            return DeliveryReport(entry.kind, entry.key, "rejected", f"{exc} (kept in {where})")
        except Unavailable as exc:
            return DeliveryReport(entry.kind, entry.key, "spooled", f"{exc}; kept in {entry.path}")
        self.spool.remove(entry)
        outcome: Outcome = "duplicate" if ack == "duplicate" else "delivered"
        return DeliveryReport(entry.kind, entry.key, outcome)

    async def sync(self) -> list[DeliveryReport]:
        """Send everything in the spool; stop at the first entry the sink cannot take now
        (it is down: the rest would fail the same way and wait for the next sync)."""
        reports = []
        for entry in self.spool.entries():
            report = await self._send(entry)
            reports.append(report)
            if report.outcome == "spooled":
                break
        return reports

    def pending(self) -> list[SpoolEntry]:
        return self.spool.entries()

    async def batch_info(self, batch_id: str) -> BatchInfo | None:
        return await self.sink.batch_info(batch_id)

    async def aclose(self) -> None:
        await self.sink.aclose()


def open_delivery(settings: DeliverySettings, database_url: str) -> Delivery:
    """HTTP to ``settings.worker_url`` when set, else the embedded database at ``database_url``."""
    spool = Spool(settings.spool_dir)
    sink: Sink
    if settings.worker_url:
        from zebench.delivery.http import HttpSink

        sink = HttpSink(
            settings.worker_url,
            settings.api_key,
            attempts=settings.delivery_attempts,
            backoff_s=settings.delivery_backoff_s,
            timeout_s=settings.delivery_timeout_s,
        )
    else:
        from zebench.delivery.embedded import EmbeddedSink

        sink = EmbeddedSink(database_url)
    return Delivery(sink, spool)
