"""A unified diff of the workspace against its fixture, size-capped, with +/- counts per file.

Stored with the run (``metadata.diffSummary`` and ``metadata.diffPatch``) so that the run
page can show what the agent changed without the workspace. Binary or undecodable
files are listed without their content; past the caps, files are still listed and
counted, their hunks left out.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zebench.workspace.diff import WorkspaceDiff

MAX_PATCH_CHARS = 200_000
MAX_FILE_BYTES = 1_000_000
"""A bigger file is listed without its diff."""
_MAX_FILES = 500


@dataclass
class Patch:
    files: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""
    truncated: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"files": self.files, "truncated": self.truncated}


def _lines(path: Path | None) -> list[str] | None:
    """The file's lines; [] when absent; None when binary, too big or undecodable."""
    if path is None or not path.is_file():
        return []
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return None


def _file_diff(rel: str, before: list[str], after: list[str]) -> tuple[str, int, int]:
    lines = list(
        difflib.unified_diff(
            before,
            after,
            f"a/{rel}" if before else "/dev/null",
            f"b/{rel}" if after else "/dev/null",
        )
    )
    added = sum(1 for line in lines[2:] if line.startswith("+"))
    removed = sum(1 for line in lines[2:] if line.startswith("-"))
    text = "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
    return text, added, removed


def build_patch(fixture: Path | None, workspace: Path, diff: WorkspaceDiff) -> Patch:
    patch = Patch()
    changes = [(rel, "added") for rel in diff.added]
    changes += [(rel, "modified") for rel in diff.modified]
    changes += [(rel, "deleted") for rel in diff.deleted]
    chunks: list[str] = []
    size = 0
    for rel, change in sorted(changes)[:_MAX_FILES]:
        before = _lines(fixture / rel if fixture is not None and change != "added" else None)
        after = _lines(workspace / rel if change != "deleted" else None)
        entry: dict[str, Any] = {"path": rel, "change": change}
        if before is None or after is None:
            entry["binary"] = True
        else:
            text, entry["additions"], entry["deletions"] = _file_diff(rel, before, after)
            if size + len(text) <= MAX_PATCH_CHARS:
                chunks.append(text)
                size += len(text)
            else:
                patch.truncated = True
        patch.files.append(entry)
    patch.truncated = patch.truncated or len(changes) > _MAX_FILES
    patch.text = "".join(chunks)
    return patch
