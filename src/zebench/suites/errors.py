"""Problems found in a suite, each naming the file, the key and what was expected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from zebench.errors import UserError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a suite file. ``key`` is a dotted path (``a.b[0].c``) or ""."""

    file: Path
    key: str
    expected: str
    got: str | None = None
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else str(self.file)
        text = f"{where}: expected {self.expected}"
        if self.got is not None:
            text += f", got {self.got}"
        return text


class SuiteError(UserError):
    """A suite or scenario that cannot be used; the message lists every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class UnknownName(UserError):
    """A suite, scenario or tier that does not exist; the message lists the ones that do."""


def key_path(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def problems_from_validation(file: Path, exc: ValidationError) -> list[Problem]:
    """Turn pydantic's errors into problems a suite author can act on."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        kind = err["type"]
        message = str(err["msg"])
        if kind == "missing":
            problems.append(Problem(file, key_path(loc), "a value (this key is required)"))
            continue
        if kind == "value_error":
            expected = message.removeprefix("Value error, ")
        else:
            expected = message.removeprefix("Input should be ")
            expected = expected[:1].lower() + expected[1:]
        problems.append(Problem(file, key_path(loc), expected, _shown(err.get("input"))))
    return problems
