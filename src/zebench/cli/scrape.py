"""``zebench scrape``: one cycle of the model throughput leaderboard (for cron)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from zebench.cli.options import DatabaseUrl


def register(app: typer.Typer) -> None:
    app.command()(scrape)


def scrape(
    database_url: DatabaseUrl = None,
    chutes_api_url: Annotated[
        str | None,
        typer.Option(envvar="ZEBENCH_CHUTES_API_URL", help="Daily statistics API base URL."),
    ] = None,
    chutes_llm_url: Annotated[
        str | None,
        typer.Option(envvar="ZEBENCH_CHUTES_LLM_URL", help="Catalogue (/v1/models) base URL."),
    ] = None,
    chutes_web_url: Annotated[
        str | None,
        typer.Option(envvar="ZEBENCH_CHUTES_WEB_URL", help="Web pages base URL (fallback)."),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            envvar="ZEBENCH_CHUTES_SOURCE",
            help="json, html, or auto (json, falling back to the pages).",
        ),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            envvar="ZEBENCH_SCRAPE_HTML_BATCH_SIZE", help="Stats pages per cycle in html mode."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log each step.")] = False,
) -> None:
    """Scrape the LLM throughput statistics once and print a one-line summary.

    Exits 0 when the cycle ran or another process holds the lease (skipped),
    1 when the source could not be read (nothing is changed then).
    """
    import logging

    from pydantic import ValidationError

    from zebench.config import Settings
    from zebench.errors import UserError

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    overrides: dict[str, Any] = {
        "database_url": database_url,
        "chutes_api_url": chutes_api_url,
        "chutes_llm_url": chutes_llm_url,
        "chutes_web_url": chutes_web_url,
        "chutes_source": source,
        "scrape_html_batch_size": batch_size,
    }
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        option = _OPTION_OF.get(field, "ZEBENCH_" + field.upper())
        raise UserError(f"{option}: {first['msg']}") from None

    import asyncio
    import sys

    import orjson

    from zebench.cli.options import open_database
    from zebench.throughput import Scraper

    db = open_database(settings.resolved_database_url())
    try:
        summary = asyncio.run(Scraper(db, settings).run_cycle())
    finally:
        db.close()
    if as_json:
        typer.echo(orjson.dumps(summary.as_dict()).decode())
    else:
        stream = sys.stderr if summary.status == "failed" else sys.stdout
        stream.write(summary.line() + "\n")
    if summary.status == "failed":
        raise typer.Exit(1)


_OPTION_OF = {
    "database_url": "--database-url",
    "chutes_api_url": "--chutes-api-url",
    "chutes_llm_url": "--chutes-llm-url",
    "chutes_web_url": "--chutes-web-url",
    "chutes_source": "--source",
    "scrape_html_batch_size": "--batch-size",
}
"""The option a settings field is given by, to name it in an error."""
