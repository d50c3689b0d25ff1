"""``zebench db``: the schema (migrations) and the pre-aggregates."""

from __future__ import annotations

import typer

from zebench.cli.help import HelpGroup
from zebench.cli.options import DatabaseUrl

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
