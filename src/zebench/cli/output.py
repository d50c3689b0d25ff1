"""How commands print: Rich on a terminal, plain unwrapped lines anywhere else, and
JSON for the listing commands' ``--format json``."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

# Wide enough that no line is ever wrapped: a table keeps its natural width and a
# message its one line, so a pipe or a log file gets what a script can cut and paste.
_UNWRAPPED = 1_000_000


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", help="table for people, json for scripts (a JSON array)."),
]


def make_console(*, stderr: bool = False) -> Console:
    """A console for stdout (or stderr). On a terminal: Rich's width, colours and live
    progress. Elsewhere: no colour, no wrapping, lines as long as they need to be."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(highlight=False, stderr=stderr)
    return Console(
        highlight=False,
        stderr=stderr,
        width=_UNWRAPPED,
        soft_wrap=True,
        no_color=True,
    )


def print_json(rows: list[dict[str, Any]]) -> None:
    """``rows`` as one indented JSON array on stdout (plain ``print``: nothing is styled)."""
    sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
