"""How command groups list their commands in ``--help``."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING

from typer.core import TyperGroup

if TYPE_CHECKING:
    # Typer ships its own copy of Click; these are the types its groups are called with.
    from typer._click import Context, HelpFormatter


class HelpGroup(TyperGroup):
    """Lists each command with the whole first sentence of its help, wrapped in the
    description column, where Click would cut it at the terminal's width with "..."."""

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, first_sentence(command.short_help or command.help or "")))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def first_sentence(text: str) -> str:
    """The first paragraph's first sentence, its line breaks joined."""
    paragraph = inspect.cleandoc(text).split("\n\n", 1)[0]
    flat = " ".join(paragraph.split())
    end = flat.find(". ")
    return flat if end < 0 else flat[: end + 1]
