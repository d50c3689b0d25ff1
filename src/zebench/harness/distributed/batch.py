"""``zebench batch --broker``: submit (or resume) a distributed batch and follow it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from zebench.config import Settings
from zebench.delivery import Delivery
from zebench.harness.batch import BatchPlan, BatchRunReport, plan_batch
from zebench.harness.distributed.broker import check_broker, display_broker
from zebench.harness.distributed.follow import follow
from zebench.harness.distributed.submit import Dispatch, http_sink, submit_new, submit_resume
from zebench.harness.matrix import Matrix


@dataclass(frozen=True)
class BrokerOptions:
    url: str
    queue: str = "zebench"
    detach: bool = False
    requeue_missing: bool = False


async def run_distributed(
    matrix: Matrix | None,
    settings: Settings,
    delivery: Delivery,
    resume: str | None,
    broker: BrokerOptions,
    timeout_s: float | None,
    console: Console,
    state: dict[str, Any],
    *,
    labels: dict[str, Any] | None = None,
) -> BatchRunReport:
    """Check the broker first (nothing is published to one that is down), then submit
    the plan or what a resumed batch lacks, then follow it unless detached."""
    http_sink(delivery)
    check_broker(broker.url)
    if resume is not None:
        dispatch = await submit_resume(
            resume, delivery, broker.url, broker.queue, requeue_missing=broker.requeue_missing
        )
    else:
        plan = await plan_batch(matrix, settings, delivery, labels=labels)
        for note in plan.notes:
            console.print(f"[yellow]note[/] {escape(note)}")
        dispatch = await submit_new(plan, delivery, broker.url, broker.queue, timeout_s)
    state["batch_id"] = dispatch.batch_id
    follow_hint = (
        f"zebench batch --resume {dispatch.batch_id} --broker {display_broker(broker.url)}"
    )
    state["hint"] = f"workers go on; follow again with: {follow_hint}"
    done = f", {dispatch.already_done} already done" if dispatch.already_done else ""
    console.print(
        f"batch {dispatch.batch_id}: {dispatch.published} run(s) sent to queue "
        f"{broker.queue!r} on {display_broker(broker.url)}{done}; results at {delivery.target}",
        soft_wrap=True,
    )
    report = BatchRunReport(_plan(dispatch))
    if broker.detach:
        console.print(f"detached; follow with: {escape(follow_hint)}", soft_wrap=True)
        return report
    report.records = await follow(dispatch, delivery, console)
    return report


def _plan(dispatch: Dispatch) -> BatchPlan:
    return BatchPlan(
        batch_id=dispatch.batch_id,
        created_at=dispatch.created_at,
        matrix=dispatch.matrix,
        suite_dir=Path(dispatch.matrix.suite),
        specs=dispatch.cells,
        already_done=dispatch.already_done,
    )
