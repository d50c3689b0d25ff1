"""``zebench keys``: write keys for the results API, stored hashed."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from zebench.cli.help import HelpGroup
from zebench.cli.options import DatabaseUrl
from zebench.cli.output import FormatOption, OutputFormat

keys_app = typer.Typer(cls=HelpGroup, help="Write keys for the results API.", no_args_is_help=True)


class KeyScope(StrEnum):
    write = "write"
    admin = "admin"


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def create_command(
    name: Annotated[str, typer.Option("--name", help="What the key is for, e.g. ci.")],
    scope: Annotated[
        KeyScope, typer.Option("--scope", help="write: submit results; admin: also admin routes.")
    ] = KeyScope.write,
    database_url: DatabaseUrl = None,
) -> None:
    """Make a key and print it once (on stdout, alone, for scripts); only its hash is kept."""
    import sys

    from zebench.cli.options import open_database
    from zebench.errors import UserError
    from zebench.model.errors import Conflict
    from zebench.service.keys import create_key

    name = name.strip()
    if not name or len(name) > 200:
        raise UserError("--name must be 1 to 200 characters")
    db = open_database(database_url)
    try:
        created = create_key(db, name, scope.value)
    except Conflict as exc:
        raise UserError(f"{exc.message}; revoke it first or choose another --name") from None
    finally:
        db.close()
    sys.stderr.write(f"created {scope.value} key {name!r}; it is shown only this once:\n")
    typer.echo(created.key)


@keys_app.command("list")
def list_command(
    database_url: DatabaseUrl = None, output: FormatOption = OutputFormat.table
) -> None:
    """Every key: name, scope, the first characters, and when it was made, used, revoked."""
    from rich.table import Table

    from zebench.cli.options import open_database
    from zebench.cli.output import make_console, print_json
    from zebench.service.keys import list_keys

    db = open_database(database_url)
    try:
        found = list_keys(db)
    finally:
        db.close()
    if output is OutputFormat.json:
        print_json([key.as_dict() for key in found])
        return
    if not found:
        typer.echo("no keys (writes accept API_SECRET_KEY, or dev-local-key on loopback)")
        return
    table = Table("name", "scope", "prefix", "created", "last used", "revoked")
    for key in found:
        row = key.as_dict()
        table.add_row(
            key.name,
            key.scope,
            key.prefix + "…",
            str(row["createdAt"]),
            str(row["lastUsedAt"] or "-"),
            str(row["revokedAt"] or "-"),
        )
    make_console().print(table)


@keys_app.command("revoke")
def revoke_command(
    name: Annotated[str, typer.Argument(help="The key's name.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a key: servers refuse it within ZEBENCH_KEY_CACHE_SECONDS (5 s by default)."""
    from zebench.cli.options import open_database
    from zebench.errors import UserError
    from zebench.model.errors import NotFound
    from zebench.service.keys import revoke_key

    db = open_database(database_url)
    try:
        revoke_key(db, name)
    except NotFound as exc:
        raise UserError(exc.message) from None
    finally:
        db.close()
    typer.echo(f"revoked key {name!r}")
