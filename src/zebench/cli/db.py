"""``zebench db``: the schema (migrations) and the pre-aggregates."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from zebench.cli.help import HelpGroup
from zebench.cli.options import DatabaseUrl

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

db_app = typer.Typer(
    cls=HelpGroup, help="The results database: migrations and pre-aggregates.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade_command(database_url: DatabaseUrl = None) -> None:
    """Apply the migrations (one history for SQLite and PostgreSQL); safe to repeat."""
    from zebench.cli.options import display_url, open_database, resolve_database_url
    from zebench.store.migrate import current_revision

    url = resolve_database_url(database_url)
    db = open_database(url)
    try:
        typer.echo(f"{display_url(url)}: at revision {current_revision(db)}")
    finally:
        db.close()


@db_app.command("current")
def current_command(database_url: DatabaseUrl = None) -> None:
    """Print the schema revision the database is at ("none" before the first upgrade)."""
    from sqlalchemy.exc import OperationalError

    from zebench.cli.options import display_url, open_database, reason, resolve_database_url
    from zebench.errors import UserError
    from zebench.store.migrate import current_revision

    url = resolve_database_url(database_url)
    db = open_database(url, migrate=False)
    try:
        revision = current_revision(db)
    except OperationalError as exc:
        raise UserError(f"cannot open database {display_url(url)}: {reason(exc)}") from None
    finally:
        db.close()
    typer.echo(revision or "none")


@db_app.command("rebuild-aggregates")
def rebuild_command(database_url: DatabaseUrl = None) -> None:
    """Recompute the pre-aggregates and every batch's
    totals from the stored runs (after loading rows by other means than the API or
    `zebench import`, or once after a rolling upgrade to migration 0003)."""
    from zebench.cli.options import open_database
    from zebench.service.aggregates import rebuild_all

    db = open_database(database_url)
    try:
        batches = db.write(rebuild_all)
    finally:
        db.close()
    typer.echo(f"pre-aggregates rebuilt; {batches} batch total(s) recomputed")


@db_app.command("rescore")
def rescore_command(database_url: DatabaseUrl = None) -> None:
    """Recompute the scores of stored runs with the current scoring rules, from the
    evidence they stored (every check and test before and after). Runs without that
    evidence (scoring version 1) are left as they are, marked version 1."""
    from zebench.cli.options import open_database

    db = open_database(database_url)
    try:
        counts = db.write(_rescore)
    finally:
        db.close()
    rescored, unchanged, old = counts
    typer.echo(
        f"{rescored} run(s) rescored, {unchanged} unchanged, "
        f"{old} left as scoring version 1 (no evidence stored)"
    )


def _rescore(conn: Connection) -> tuple[int, int, int]:
    """(rescored, unchanged, left as version 1), in one transaction with the rebuild."""
    from zebench.harness.scoring import SCORING_VERSION, compute_scores, metric_from_evidence
    from zebench.service.aggregates import rebuild_all
    from zebench.service.rescore import NewScores, completed_runs, write_scores

    rescored = unchanged = old = 0
    pending: list[tuple[str, NewScores]] = []
    for run in completed_runs(conn):
        metrics = [
            metric_from_evidence(e.name, e.score, e.max_score, e.details) for e in run.evaluations
        ]
        if not metrics or any(m is None for m in metrics):
            old += 1
            continue
        weights = run.scores.metadata.get("weights")
        scores = compute_scores(
            [m for m in metrics if m is not None], weights if isinstance(weights, dict) else {}
        )
        new = NewScores(
            scores.total_score,
            scores.weighted_score,
            scores.success_metric,
            scores.is_successful,
            {**run.scores.metadata, "scoringVersion": SCORING_VERSION, "scoring": scores.to_json()},
        )
        if new == run.scores:
            unchanged += 1
            continue
        pending.append((run.run_id, new))
    for run_id, new in pending:
        write_scores(conn, run_id, new)
        rescored += 1
    if pending:
        rebuild_all(conn)
    return rescored, unchanged, old
