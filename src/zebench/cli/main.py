"""The ``zebench`` command. Command modules import only Typer at module level, so
``zebench --help`` stays fast; their work is imported when a command runs."""

from __future__ import annotations

import sys

import typer

from zebench.cli.help import HelpGroup

app = typer.Typer(
    cls=HelpGroup,
    name="zebench",
    help="Benchmark AI coding agents and LLMs, and publish what the results say.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        from zebench import __version__

        typer.echo(f"zebench {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,  # before Click looks for a command, so none is needed
        help="Print the version and exit.",
    ),
) -> None:
    pass


def _register() -> None:
    from zebench.cli import (
        batch,
        compare,
        db,
        delete,
        keys,
        probe,
        run,
        scrape,
        serve,
        suites,
        transfer,
        worker,
    )

    for module in (
        serve,
        db,
        keys,
        transfer,
        run,
        suites,
        batch,
        compare,
        delete,
        scrape,
        probe,
        worker,
    ):
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
