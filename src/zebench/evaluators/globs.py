"""Glob patterns as scenario authors write them: ``**``, ``*``, ``?``, ``[...]`` and ``{a,b}``."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from zebench.sandbox.paths import is_inside
from zebench.workspace.diff import list_names

_BRACES = re.compile(r"\{([^{}]*)\}")


def expand_braces(pattern: str) -> list[str]:
    """``src/*.{ts,tsx}`` -> ``["src/*.ts", "src/*.tsx"]`` (nested braces too)."""
    match = _BRACES.search(pattern)
    if match is None or "," not in match.group(1):
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    return [
        expanded
        for option in match.group(1).split(",")
        for expanded in expand_braces(head + option + tail)
    ]


def _translate(pattern: str) -> str:
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif c == "*":
            out += "[^/]*"
            i += 1
        elif c == "?":
            out += "[^/]"
            i += 1
        elif c == "[":
            end = pattern.find("]", i + 2)
            if end == -1:
                out += re.escape(c)
                i += 1
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out += f"[{body}]"
                i = end + 1
        else:
            out += re.escape(c)
            i += 1
    return out


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A regex matching workspace-relative POSIX paths against ``pattern``."""
    pattern = pattern.removeprefix("./")
    alternatives = "|".join(_translate(p) for p in expand_braces(pattern))
    return re.compile(f"(?:{alternatives})\\Z")


class WorkspaceFiles:
    """Glob matching over one workspace, walked once (on the first glob) for all the
    checks of a run; build it after anything that may still change the files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._names: list[str] | None = None

    def match(self, pattern: str) -> list[Path]:
        """Files under the root matching ``pattern`` (tool-managed directories excluded),
        only those that are still inside the root once symlinks are followed."""
        plain = pattern.removeprefix("./")
        if not any(ch in plain for ch in "*?[{"):
            path = self.root / plain
            return [path] if path.is_file() and is_inside(self.root, path) else []
        if self._names is None:
            self._names = list_names(self.root)
        regex = glob_regex(pattern)
        # A symlink the agent planted may match; what it leads to outside is not read.
        found = [self.root / rel for rel in self._names if regex.match(rel)]
        return [path for path in found if is_inside(self.root, path)]
