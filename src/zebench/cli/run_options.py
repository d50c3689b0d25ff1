"""Options shared by the harness commands (``run``, ``batch``, ``suites``, ``scenarios``),
and how they become settings. Only Typer is imported at module level."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from zebench.config import Settings

SuitesDir = Annotated[
    Path | None,
    typer.Option(
        "--suites-dir",
        envvar="ZEBENCH_SUITES_DIR",
        help="Directory of suites (default: ./suites if present); the examples are always found.",
    ),
]
KeepWorkspace = Annotated[
    bool, typer.Option("--keep-workspace", help="Keep each run's workspace for inspection.")
]
Timeout = Annotated[
    str | None,
    typer.Option(
        "--timeout",
        help="Agent time limit, overriding the scenario's timeout_minutes: 90, 90s, 15m, 1h.",
    ),
]
SandboxKind = Annotated[
    str | None,
    typer.Option(
        "--sandbox",
        envvar="ZEBENCH_SANDBOX",
        help="What contains the agent's commands: bubblewrap (default) or none (no isolation).",
    ),
]
SandboxNetwork = Annotated[
    str | None,
    typer.Option(
        "--sandbox-network",
        envvar="ZEBENCH_SANDBOX_NETWORK",
        help="none (default), on (outside network, not the host's loopback) or host.",
    ),
]
Iterations = Annotated[
    int, typer.Option("--iterations", "-n", min=1, help="Repeat each run this many times.")
]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$")


def parse_duration(text: str | None) -> float | None:
    """Seconds from ``90``, ``90s``, ``15m`` or ``1h``."""
    if text is None:
        return None
    from zebench.errors import UserError

    match = _DURATION.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise UserError(f"--timeout: expected a duration like 90s, 15m or 1h, got {text!r}")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def split_values(values: list[str] | None) -> list[str]:
    """``--tier L0,L1 --tier L2`` -> [L0, L1, L2]."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def command_settings(
    suites_dir: Path | None, sandbox: str | None = None, sandbox_network: str | None = None
) -> Settings:
    """The settings with the options given on the command line; an invalid one is a
    ``UserError`` naming the option."""
    from pydantic import ValidationError

    from zebench.config import PREFIX, env_var, load_settings
    from zebench.errors import UserError

    box = {"backend": sandbox, "sandbox_network": sandbox_network}
    try:
        return load_settings(
            harness={"suites_dir": suites_dir} if suites_dir is not None else {},
            sandbox={key: value for key, value in box.items() if value is not None},
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        field = env_var(error["loc"]).removeprefix(PREFIX).lower()
        raise UserError(f"--{field.replace('_', '-')}: {error['msg']}") from None
