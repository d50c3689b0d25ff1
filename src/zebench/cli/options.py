"""Options shared by every command that opens the results database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from zebench.store.database import Database

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="ZEBENCH_DATABASE_URL",
        help="sqlite:///path or postgresql://user@host/db (default: the embedded SQLite file).",
    ),
]


def resolve_database_url(database_url: str | None) -> str:
    from zebench.config import Settings

    if database_url:
        return database_url
    return Settings().database_url


def open_database(database_url: str | None, *, migrate: bool = True) -> Database:
    """The database named by ``--database-url`` (or the settings), migrated to the
    current schema unless told not to. Unreachable or unusable databases become a
    one-line ``UserError``."""
    from sqlalchemy.exc import ArgumentError, OperationalError

    from zebench.errors import UserError
    from zebench.store.database import Database
    from zebench.store.migrate import upgrade

    url = resolve_database_url(database_url)
    try:
        db = Database(url)
    except (ArgumentError, ValueError) as exc:
        raise UserError(
            f"--database-url {display_url(url)!s} is not a database URL: {exc}"
        ) from None
    except ImportError as exc:
        raise UserError(f"--database-url {display_url(url)}: driver missing ({exc})") from None
    if migrate:
        try:
            upgrade(db)
        except OperationalError as exc:
            db.close()
            raise UserError(f"cannot open database {display_url(url)}: {reason(exc)}") from None
    return db


def display_url(url: str) -> str:
    """The URL with any password masked, fit to print."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def reason(exc: BaseException) -> str:
    """The first line of what the database driver said (its messages run over lines)."""
    origin = getattr(exc, "orig", None) or exc
    lines = str(origin).strip().splitlines()
    return lines[0] if lines else exc.__class__.__name__
