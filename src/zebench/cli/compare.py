"""``zebench compare``: did HEAD get worse than BASE beyond noise?

Only Typer is imported at module level; the work is imported when the command runs.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from zebench.cli.options import DatabaseUrl

if TYPE_CHECKING:
    from zebench.config import Settings
    from zebench.delivery.base import BatchInfo
    from zebench.delivery.results_client import ResultsClient
    from zebench.harness.compare_report import CompareReport

LATEST = "latest:"


class Format(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"


def register(app: typer.Typer) -> None:
    app.command("compare")(compare)


Batches = Annotated[
    list[str],
    typer.Argument(
        metavar="[BASE] HEAD",
        help="Batch ids; BASE may also be latest:TAG, or given with --baseline.",
        show_default=False,
    ),
]
Baseline = Annotated[
    str | None,
    typer.Option(
        "--baseline",
        metavar="BATCH|latest:TAG",
        help="The batch to compare against; latest:TAG is the newest completed batch "
        "with that tag other than HEAD.",
    ),
]
FailOnRegression = Annotated[
    bool,
    typer.Option("--fail-on-regression", help="Exit 1 when HEAD is worse beyond noise."),
]
Confidence = Annotated[
    float,
    typer.Option(
        "--confidence",
        min=0.5,
        max=0.999,
        help="Beyond noise means the two-sided p-value is below 1 - confidence.",
    ),
]
Resamples = Annotated[
    int,
    typer.Option(
        "--resamples",
        min=100,
        max=1_000_000,
        help="Random relabellings when there are too many to enumerate.",
    ),
]


def compare(
    batches: Batches,
    baseline: Baseline = None,
    fail_on_regression: FailOnRegression = False,
    output: Annotated[Format, typer.Option("--format", help="How to print it.")] = Format.table,
    confidence: Confidence = 0.95,
    resamples: Resamples = 5000,
    database_url: DatabaseUrl = None,
) -> None:
    """Compare HEAD with BASE per (suite, scenario, tier, agent, model), runs paired by cell.

    The verdict is a permutation test stratified by cell over every run (iterations
    count): worse, better, within noise, or too few runs. Reads the results service
    (ZE_BENCHMARKS_WORKER_URL) or the embedded store (--database-url). Exit codes:
    0 compared (no regression, or no --fail-on-regression); 1 HEAD is worse beyond
    noise and --fail-on-regression; 2 usage error or unknown batch.
    """
    from zebench.cli.gating import dashboard_url
    from zebench.config import Settings
    from zebench.harness.compare_report import compare as build
    from zebench.harness.compare_report import comparison_markdown
    from zebench.harness.reports import append_step_summary

    base_ref, head_ref = _refs(batches, baseline)
    settings = Settings()
    base, head = _load(settings, database_url, base_ref, head_ref)
    result = build(
        base,
        head,
        confidence=confidence,
        resamples=resamples,
        dashboard_url=dashboard_url(settings),
    )
    _print(result, output)
    append_step_summary(comparison_markdown(result))
    if fail_on_regression and result.test.regression:
        raise typer.Exit(1)


def _load(
    settings: Settings, database_url: str | None, base_ref: str, head_ref: str
) -> tuple[BatchInfo, BatchInfo]:
    """BASE and HEAD with their runs, from the results service or the embedded store."""
    import asyncio

    from zebench.delivery.base import DeliveryError
    from zebench.delivery.results_client import open_results
    from zebench.errors import UserError

    client = open_results(settings.delivery, settings.database_url, database_url)

    async def load() -> tuple[BatchInfo, BatchInfo]:
        try:
            head = await _batch(client, head_ref)
            base_id = await _resolve(client, base_ref, head.batch_id)
            return await _batch(client, base_id), head
        finally:
            await client.aclose()

    try:
        base, head = asyncio.run(load())
    except DeliveryError as exc:
        raise UserError(f"cannot read {client.target}: {exc}") from None
    if not base.runs or not head.runs:
        empty = base.batch_id if not base.runs else head.batch_id
        raise UserError(f"batch {empty!r} has no runs to compare")
    return base, head


def _print(result: CompareReport, output: Format) -> None:
    import json

    from rich.console import Console

    from zebench.harness.compare_report import (
        comparison_json,
        comparison_markdown,
        comparison_table,
    )

    if output is Format.json:
        typer.echo(json.dumps(comparison_json(result), indent=2))
    elif output is Format.markdown:
        typer.echo(comparison_markdown(result))
    else:
        Console(highlight=False).print(comparison_table(result))


def _refs(batches: list[str], baseline: str | None) -> tuple[str, str]:
    from zebench.errors import UserError

    if baseline is not None:
        if len(batches) != 1:
            raise UserError("with --baseline give one batch: HEAD")
        return baseline, batches[0]
    if len(batches) != 2:
        raise UserError("give BASE and HEAD (or HEAD with --baseline BATCH|latest:TAG)")
    return batches[0], batches[1]


async def _resolve(client: ResultsClient, ref: str, head_id: str) -> str:
    from zebench.errors import UserError

    if not ref.startswith(LATEST):
        return ref
    tag = ref[len(LATEST) :]
    if not tag:
        raise UserError(f"{ref!r}: expected latest:TAG, e.g. latest:main")
    found = await client.latest_batch(tag, exclude=head_id)
    if found is None:
        raise UserError(
            f"no completed batch tagged {tag!r} other than {head_id} at {client.target}"
        )
    return found


async def _batch(client: ResultsClient, batch_id: str) -> BatchInfo:
    from zebench.errors import UserError

    info = await client.batch_info(batch_id)
    if info is None:
        raise UserError(f"batch {batch_id!r} not found at {client.target}")
    return info
