"""``zebench scrape``: one cycle of the model throughput leaderboard (for cron)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from zebench.cli.options import DatabaseUrl

if TYPE_CHECKING:
    from zebench.config import Settings
    from zebench.throughput.cycle import CycleSummary


def _from_env(envvar: str, help: str) -> Any:
    """An option that the environment variable ``envvar`` may give instead."""
    return typer.Option(envvar=envvar, help=help)


ChutesApiUrl = Annotated[
    str | None, _from_env("ZEBENCH_CHUTES_API_URL", "Daily statistics API base URL.")
]
ChutesLlmUrl = Annotated[
    str | None, _from_env("ZEBENCH_CHUTES_LLM_URL", "Catalogue (/v1/models) base URL.")
]
ChutesWebUrl = Annotated[
    str | None, _from_env("ZEBENCH_CHUTES_WEB_URL", "Web pages base URL (fallback).")
]
Source = Annotated[
    str | None,
    _from_env("ZEBENCH_CHUTES_SOURCE", "json, html, or auto (json, falling back to the pages)."),
]
BatchSize = Annotated[
    int | None,
    _from_env("ZEBENCH_SCRAPE_HTML_BATCH_SIZE", "Stats pages per cycle in html mode."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Log each step.")]


def register(app: typer.Typer) -> None:
    app.command()(scrape)


def scrape(
    database_url: DatabaseUrl = None,
    chutes_api_url: ChutesApiUrl = None,
    chutes_llm_url: ChutesLlmUrl = None,
    chutes_web_url: ChutesWebUrl = None,
    source: Source = None,
    batch_size: BatchSize = None,
    as_json: AsJson = False,
    verbose: Verbose = False,
) -> None:
    """Scrape the LLM throughput statistics once and print a one-line summary.

    Exits 0 when the cycle ran or another process holds the lease (skipped),
    1 when the source could not be read (nothing is changed then).
    """
    import logging

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    settings = _settings(
        {
            "database_url": database_url,
            "chutes_api_url": chutes_api_url,
            "chutes_llm_url": chutes_llm_url,
            "chutes_web_url": chutes_web_url,
            "chutes_source": source,
            "scrape_html_batch_size": batch_size,
        }
    )
    summary = _run_cycle(settings)
    _report(summary, as_json=as_json)
    if summary.status == "failed":
        raise typer.Exit(1)


def _settings(overrides: dict[str, Any]) -> Settings:
    """The settings with the options given; a bad value is named by its option."""
    from pydantic import ValidationError

    from zebench.config import env_var, field_at, load_settings
    from zebench.errors import UserError

    given = {k: v for k, v in overrides.items() if v is not None}
    database_url = given.pop("database_url", None)
    try:
        return load_settings(database_url, throughput=given)
    except ValidationError as exc:
        first = exc.errors()[0]
        option = _OPTION_OF.get(field_at(first["loc"]), env_var(first["loc"]))
        raise UserError(f"{option}: {first['msg']}") from None


def _run_cycle(settings: Settings) -> CycleSummary:
    import asyncio

    from zebench.cli.options import open_database
    from zebench.throughput import Scraper

    db = open_database(settings.database_url)
    try:
        return asyncio.run(Scraper(db, settings.throughput).run_cycle())
    finally:
        db.close()


def _report(summary: CycleSummary, *, as_json: bool) -> None:
    import sys

    import orjson

    if as_json:
        typer.echo(orjson.dumps(summary.as_dict()).decode())
    else:
        stream = sys.stderr if summary.status == "failed" else sys.stdout
        stream.write(summary.line() + "\n")


_OPTION_OF = {
    "database_url": "--database-url",
    "chutes_api_url": "--chutes-api-url",
    "chutes_llm_url": "--chutes-llm-url",
    "chutes_web_url": "--chutes-web-url",
    "chutes_source": "--source",
    "scrape_html_batch_size": "--batch-size",
}
"""The option a settings field is given by, to name it in an error."""
