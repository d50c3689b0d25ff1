"""The environment a sandboxed command gets: an allow-list, never the host's whole one.

Names on the list pass (locale, terminal, colour and CI hints); anything that looks
like a credential is dropped even when asked for, except names passed explicitly
(``pass_env``: a CLI agent's own API key). HOME and TMPDIR point at the run's
private /tmp so tools that write caches find a writable place.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

ALLOWED = frozenset(
    {
        "PATH",
        "LANG",
        "LANGUAGE",
        "TERM",
        "TZ",
        "COLUMNS",
        "LINES",
        "NO_COLOR",
        "FORCE_COLOR",
        "CI",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONHASHSEED",
        "PYTHONPATH",
        "PYTHONUNBUFFERED",
        "NODE_ENV",
        "NODE_OPTIONS",
        "ZEBENCH_WORKSPACE",
        # How the harness asks pytest for a JUnit report of the test command (per-test
        # scoring, docs/scoring.md); the report is written inside the workspace.
        "PYTEST_ADDOPTS",
    }
)
SECRET = re.compile(r"(API_KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|PRIVATE_KEY)", re.I)


def is_secret(name: str) -> bool:
    return bool(SECRET.search(name))


def allowed_env(
    given: Mapping[str, str] | None, pass_env: Iterable[str] = (), *, home: str = "/tmp"
) -> dict[str, str]:
    """``given`` (default: this process's environment) cut to the allow-list."""
    source = os.environ if given is None else given
    passed = set(pass_env)
    env = {
        name: value
        for name, value in source.items()
        if name in passed or ((name in ALLOWED or name.startswith("LC_")) and not is_secret(name))
    }
    for name in passed - env.keys():
        if name in os.environ:
            env[name] = os.environ[name]
    env["PATH"] = _path_with_interpreter(env.get("PATH") or os.defpath)
    env.update(HOME=home, TMPDIR="/tmp", USER="zebench", LOGNAME="zebench", SHELL="/bin/sh")
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    return env


def _path_with_interpreter(path: str) -> str:
    """This interpreter's bin directory first, so ``python -m pytest`` means ours."""
    bin_dir = str(Path(sys.executable).parent)
    parts = path.split(os.pathsep)
    return path if parts[:1] == [bin_dir] else os.pathsep.join([bin_dir, *parts])
