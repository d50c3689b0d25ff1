"""The ``zebench`` command. Command modules import only Typer at module level, so
``zebench --help`` stays fast; their work is imported when a command runs."""

from __future__ import annotations

import sys

import typer

app = typer.Typer(
    name="zebench",
    help="Benchmark AI coding agents and LLMs, and publish what the results say.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        from zebench import __version__

        typer.echo(__version__)
        raise typer.Exit()


def _register() -> None:
    from zebench.cli import db, keys, run, scrape, serve, transfer

    for module in (serve, db, keys, transfer, run, scrape):
        module.register(app)


_register()


def main() -> None:
    """Entry point: user errors become one readable line and a non-zero exit."""
    from zebench.errors import UserError

    try:
        app()
    except UserError as exc:
        sys.stderr.write(f"error: {exc}\n")
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
