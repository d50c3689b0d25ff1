"""Re-probing the configured endpoints on a cron schedule, inside the server.

Every server process runs the schedule; the lease (the scraper's table and
functions, under its own name) lets one of them probe each tick. The probes
run outside any transaction; their results are saved and the lease released in
one transaction at the end, so a holder whose lease was taken over saves nothing.
An endpoint that refuses or cannot be reached is reported and skipped; the
others are still probed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.engine import Connection

from zebench.config import ThroughputSettings
from zebench.errors import UserError
from zebench.model.time import now_ms, to_iso
from zebench.store.database import Database
from zebench.throughput import lease
from zebench.throughput.leased import LeasedCycles, elapsed_ms
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


class Prober(LeasedCycles[ProbeCycle]):
    """Probes every target once per cycle; one cycle at a time in this process."""

    def __init__(
        self, db: Database, settings: ThroughputSettings, targets: list[ProbeTarget]
    ) -> None:
        super().__init__(db, PROBE_LEASE, settings.probe_lease_s)
        self.settings = settings
        self.targets = targets

    async def _cycle(self, started: int, clock: float) -> ProbeCycle:
        try:
            measured, skipped = await self._probe_all()
            saved = await self.db.awrite(lambda conn: self._save(conn, measured))
        except lease.LeaseLost as exc:
            return ProbeCycle("failed", started, elapsed_ms(clock), error=str(exc))
        return ProbeCycle("ok", started, elapsed_ms(clock), saved, skipped)

    async def _skipped(self, started: int, tick: int, clock: float) -> ProbeCycle:
        return ProbeCycle("skipped", started, error=self._why_not(tick))

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
        self.release(conn)
        return ids

    def _why_not(self, tick: int) -> str:
        current = self.lease_state()
        if current is not None and current.cycle_at >= tick:
            return f"the cycle of {to_iso(tick)} was already taken by {current.holder}"
        holder = current.holder if current else "another process"
        return f"{holder} holds the probe lease"


def start_probe_schedule(state: Any, settings: ThroughputSettings) -> ScrapeSchedule | None:
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
