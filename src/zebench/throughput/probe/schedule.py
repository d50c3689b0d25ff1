"""Re-probing the configured endpoints on a cron schedule, inside the server.

Every server process runs the schedule; the lease (the scraper's table and
functions, under its own name) lets one of them probe each tick. The probes
run outside any transaction; their results are saved and the lease released in
one transaction at the end, so a holder whose lease was taken over saves nothing.
An endpoint that refuses or cannot be reached is reported and skipped; the
others are still probed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.engine import Connection

from zebench.config import Settings
from zebench.errors import UserError
from zebench.model.time import now_ms, to_iso
from zebench.store.database import Database
from zebench.throughput import lease
from zebench.throughput.cycle import process_holder
from zebench.throughput.probe.runner import ProbeResult, run_probe, run_sweep
from zebench.throughput.probe.saved import save_probe
from zebench.throughput.probe.targets import ProbeTarget, load_targets
from zebench.throughput.scheduler import ScrapeSchedule

PROBE_LEASE = "probe-schedule"
log = logging.getLogger("zebench.throughput")


@dataclass
class ProbeCycle:
    status: Literal["ok", "failed", "skipped"]
    started_at: int
    duration_ms: int = 0
    probed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    """Endpoint (``model at url``) -> why it was not measured."""
    error: str | None = None

    def line(self) -> str:
        if self.status == "skipped":
            return f"probe cycle skipped: {self.error}"
        if self.status == "failed":
            return f"probe cycle failed: {self.error}"
        text = f"probed {len(self.probed)} of {len(self.probed) + len(self.skipped)} endpoints"
        text += f" in {self.duration_ms / 1000:.1f} s"
        if self.skipped:
            text += "; skipped " + "; ".join(f"{k}: {v}" for k, v in self.skipped.items())
        return text


class Prober:
    """Probes every target once per cycle; one cycle at a time in this process."""

    def __init__(self, db: Database, settings: Settings, targets: list[ProbeTarget]) -> None:
        self.db = db
        self.settings = settings
        self.targets = targets
        self.holder = process_holder()
        self._running = asyncio.Lock()

    async def run_cycle(self, *, tick_ms: int | None = None) -> ProbeCycle:
        async with self._running:
            started = now_ms()
            clock = time.perf_counter()
            tick = started if tick_ms is None else tick_ms
            if not await self.db.awrite(lambda conn: self._acquire(conn, started, tick)):
                return ProbeCycle("skipped", started, error=self._why_not(tick))
            try:
                measured, skipped = await self._probe_all()
                saved = await self.db.awrite(lambda conn: self._save(conn, measured))
            except lease.LeaseLost as exc:
                return ProbeCycle("failed", started, _elapsed(clock), error=str(exc))
            except BaseException:
                with contextlib.suppress(Exception):
                    self.db.write(lambda c: lease.abandon(c, name=PROBE_LEASE, holder=self.holder))
                raise
            return ProbeCycle("ok", started, _elapsed(clock), saved, skipped)

    async def _probe_all(self) -> tuple[list[list[ProbeResult]], dict[str, str]]:
        measured: list[list[ProbeResult]] = []
        skipped: dict[str, str] = {}
        for target in self.targets:
            config = target.config()
            try:
                if target.sweep:
                    measured.append(await run_sweep(config, sorted(set(target.sweep))))
                else:
                    measured.append([await run_probe(config)])
            except UserError as exc:
                skipped[f"{target.model} at {target.base_url}"] = str(exc)
        return measured, skipped

    def _save(self, conn: Connection, measured: list[list[ProbeResult]]) -> list[str]:
        stamp = now_ms()
        ids = [save_probe(conn, results, now_ms=stamp) for results in measured]
        lease.release(conn, name=PROBE_LEASE, holder=self.holder)
        return ids

    def _acquire(self, conn: Connection, started: int, tick: int) -> bool:
        return lease.try_acquire(
            conn,
            name=PROBE_LEASE,
            holder=self.holder,
            now_ms=started,
            ttl_ms=int(self.settings.probe_lease_s * 1000),
            tick_ms=tick,
        )

    def _why_not(self, tick: int) -> str:
        with self.db.read() as conn:
            current = lease.state(conn, PROBE_LEASE)
        if current is not None and current.cycle_at >= tick:
            return f"the cycle of {to_iso(tick)} was already taken by {current.holder}"
        holder = current.holder if current else "another process"
        return f"{holder} holds the probe lease"


def start_probe_schedule(state: Any, settings: Settings) -> ScrapeSchedule | None:
    """Probe ``settings.probe_targets`` on ``settings.probe_cron``; None when unset."""
    if not settings.probe_cron or settings.probe_targets is None:
        return None
    targets = load_targets(settings.probe_targets)
    prober = Prober(state.db, settings, targets)
    state.prober = prober
    schedule = ScrapeSchedule(prober, settings.probe_cron, name="probe")
    schedule.start()
    log.info("probing %d endpoints on schedule %r (UTC)", len(targets), settings.probe_cron)
    return schedule


def _elapsed(clock: float) -> int:
    return round((time.perf_counter() - clock) * 1000)
