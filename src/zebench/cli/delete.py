"""``zebench delete``: remove junk runs and batches, keeping every statistic exact.

Only Typer is imported at module level; the work is imported when the command runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from zebench.cli.options import DatabaseUrl

if TYPE_CHECKING:
    from rich.console import Console

    from zebench.delivery.results_client import ResultsClient


def register(app: typer.Typer) -> None:
    app.command("delete")(delete)


def delete(
    run: Annotated[list[str] | None, typer.Option("--run", help="A run id (repeatable).")] = None,
    batch: Annotated[
        list[str] | None,
        typer.Option("--batch", help="A batch id: the batch and all its runs (repeatable)."),
    ] = None,
    before: Annotated[
        str | None,
        typer.Option(
            "--before",
            metavar="DATE",
            help="Every run started before DATE (YYYY-MM-DD, UTC midnight, or ISO 8601).",
        ),
    ] = None,
    suite: Annotated[
        str | None, typer.Option("--suite", help="With --before: only runs of this suite.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be deleted; delete nothing.")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Delete runs and batches from the results service (ZE_BENCHMARKS_WORKER_URL, with an
    admin key) or the embedded store (--database-url). Statistics, batch totals and the
    dashboard's figures are recomputed as if the deleted runs had never been stored.
    """
    import asyncio

    from rich.console import Console

    from zebench.config import Settings
    from zebench.delivery.base import DeliveryError
    from zebench.delivery.results_client import open_results
    from zebench.errors import UserError

    if suite is not None and before is None:
        raise UserError("--suite narrows --before: give --before DATE too")
    if not run and not batch and before is None:
        raise UserError("say what to delete: --run ID, --batch ID or --before DATE")
    before_ms = _parse_date(before) if before is not None else None
    console = Console(highlight=False)
    settings = Settings()
    client = open_results(settings.delivery, settings.database_url, database_url)

    async def main() -> int:
        try:
            return await _delete(client, run or [], batch or [], before_ms, suite, dry_run, console)
        finally:
            await client.aclose()

    try:
        missing = asyncio.run(main())
    except DeliveryError as exc:
        raise UserError(f"cannot delete at {client.target}: {exc}") from None
    if missing:
        raise typer.Exit(1)


async def _delete(
    client: ResultsClient,
    run_ids: list[str],
    batch_ids: list[str],
    before_ms: int | None,
    suite: str | None,
    dry_run: bool,
    console: Console,
) -> int:
    """Delete (or list, on a dry run); how many named runs or batches were not found."""
    verb = "would delete" if dry_run else "deleted"
    missing = 0
    if before_ms is not None:
        run_ids = [*run_ids, *await client.runs_before(before_ms, suite)]
    for batch_id in batch_ids:
        info = await client.batch_info(batch_id)
        if info is None:
            console.print(f"[yellow]not found[/] batch {batch_id}")
            missing += 1
            continue
        if not dry_run:
            await client.delete_batch(batch_id)
        console.print(f"{verb} batch {batch_id} with {len(info.runs)} run(s)")
    run_ids = list(dict.fromkeys(run_ids))
    if dry_run:
        for run_id in run_ids:
            console.print(f"{verb} run {run_id}")
        return missing
    deleted = set(await client.delete_runs(run_ids)) if run_ids else set()
    for run_id in run_ids:
        if run_id in deleted:
            console.print(f"{verb} run {run_id}")
        else:
            console.print(f"[yellow]not found[/] run {run_id}")
            missing += 1
    return missing


def _parse_date(text: str) -> int:
    from datetime import UTC, datetime

    from zebench.errors import UserError

    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"--before: expected a date like 2026-11-30, got {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)
