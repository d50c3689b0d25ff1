"""``zebench import`` / ``zebench export``: moving results in from the original system
(or an export) and out again."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zebench.cli.options import DatabaseUrl

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from zebench.store.database import Database


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


def register(app: typer.Typer) -> None:
    app.command("import")(import_results)
    app.command("export")(export_results)


def import_results(
    file: Annotated[
        Path,
        typer.Argument(
            help="A `wrangler d1 export` SQL dump, an old benchmarks.db, or a JSONL export."
        ),
    ],
    database_url: DatabaseUrl = None,
) -> None:
    """Import results from the original ze-benchmarks (D1 dump or benchmarks.db) or from
    `zebench export --format jsonl`. Safe to repeat: what is already stored is skipped."""
    import sys

    from rich.console import Console

    from zebench.cli.output import make_console
    from zebench.service.transfer import import_file

    console = Console(stderr=True)
    db = _open(database_url, create=True)
    try:
        with _progress(console, "importing") as progress:
            task = progress.add_task("importing", total=None)
            report = import_file(
                db,
                file,
                on_total=lambda n: progress.update(task, total=n),
                on_progress=lambda n: progress.advance(task, n),
            )
    except Exception as exc:
        _raise_if_database_error(exc, database_url)
        raise
    finally:
        db.close()

    out = make_console()
    out.print(
        f"runs: {report.runs_created} created, {report.runs_duplicate} already stored, "
        f"{report.runs_conflict} conflicting, {report.runs_invalid} invalid"
    )
    out.print(
        f"batches: {report.batches_created} created, {report.batches_updated} updated, "
        f"{report.batches_unchanged} unchanged (totals recomputed from runs)"
    )
    for table, count in report.orphans.items():
        out.print(f"skipped: {count} {table} rows whose run does not exist")
    for problem in report.problems:
        sys.stderr.write(f"  {problem}\n")  # one unwrapped line each, for grep
    if not report.ok:
        raise typer.Exit(1)


def export_results(
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="jsonl (re-importable) or csv.")
    ] = ExportFormat.jsonl,
    out: Annotated[
        str, typer.Option("--out", "-o", help="File to write, or - for standard output.")
    ] = "-",
    database_url: DatabaseUrl = None,
) -> None:
    """Export every batch and run: JSONL (one result per line, re-importable with
    `zebench import`) or CSV (one row per run)."""
    import os
    import sys

    from rich.console import Console

    from zebench.service.transfer import count_runs, export_csv, export_jsonl

    write = export_jsonl if fmt is ExportFormat.jsonl else export_csv
    db = _open(database_url, create=False)
    try:
        total = count_runs(db)
        if out == "-":
            try:
                write(db, sys.stdout.buffer)
                sys.stdout.flush()
            except BrokenPipeError:
                # The reader stopped early (`| head`): end quietly, as shell tools do.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                raise typer.Exit(141) from None
            return
        target = Path(out)
        # Written beside the target and renamed at the end: a failed export leaves no
        # half-written file that looks complete.
        partial = target.with_name(f".{target.name}.partial")
        console = Console(stderr=True)
        try:
            with partial.open("wb") as f, _progress(console, "exporting") as progress:
                task = progress.add_task("exporting", total=total)
                write(db, f, lambda n: progress.advance(task, n))
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        console.print(f"{total} runs written to {target}")
    except OSError as exc:
        from zebench.errors import UserError

        raise UserError(f"{out}: cannot write ({exc.strerror or exc})") from None
    except Exception as exc:
        _raise_if_database_error(exc, database_url)
        raise
    finally:
        db.close()


def _progress(console: Console, label: str) -> Progress:
    """A progress bar on a terminal; silent when stderr is a file or a pipe."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def _open(database_url: str | None, *, create: bool) -> Database:
    """The results database; migrated when importing, required to exist when exporting."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from zebench.cli.options import open_database, resolve_database_url
    from zebench.errors import UserError

    url = resolve_database_url(database_url)
    if not create and make_url(url).get_backend_name() == "sqlite":
        path = make_url(url).database
        if path and path != ":memory:" and not Path(path).exists():
            raise UserError(f"no database at {path} (nothing to export)")
    db = open_database(url, migrate=create)
    try:
        with db.read() as conn:
            if not sa.inspect(conn).has_table("runs"):
                raise UserError(
                    "the database has no zebench tables; run `zebench db upgrade` first"
                )
    except Exception as exc:
        db.close()
        _raise_if_database_error(exc, url)
        raise
    return db


def _raise_if_database_error(exc: Exception, database_url: str | None) -> None:
    """Turn a database that cannot be reached into one readable line."""
    from sqlalchemy.exc import OperationalError

    from zebench.cli.options import display_url, reason
    from zebench.errors import UserError

    if isinstance(exc, OperationalError):
        where = display_url(database_url) if database_url else "the database"
        raise UserError(f"cannot use {where}: {reason(exc)}") from None
