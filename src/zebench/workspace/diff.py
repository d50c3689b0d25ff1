"""What the agent changed: files added, modified and deleted, and dependency changes.

The workspace is compared with the fixture it was copied from. Directories that
tools regenerate (``node_modules``, ``.git``, caches) are not compared.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

IGNORED_DIRS = frozenset(
    {
        ".git",
        "node_modules",
        "__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".venv",
        ".nx",
        ".turbo",
        ".pnpm-store",
        ".zebench",
    }
)
DEPENDENCY_SECTIONS = (
    "dependencies",
    "devDependencies",
    "peerDependencies",
    "optionalDependencies",
)
_LIST_LIMIT = 500


@dataclass(frozen=True)
class DependencyChange:
    file: str
    section: str
    name: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "section": self.section,
            "name": self.name,
            "from": self.before,
            "to": self.after,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class WorkspaceDiff:
    added: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    dependency_changes: list[DependencyChange] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.modified or self.deleted)

    def to_json(self) -> dict[str, Any]:
        return {
            "filesAdded": self.added[:_LIST_LIMIT],
            "filesModified": self.modified[:_LIST_LIMIT],
            "filesDeleted": self.deleted[:_LIST_LIMIT],
            "counts": {
                "added": len(self.added),
                "modified": len(self.modified),
                "deleted": len(self.deleted),
            },
            "dependencyChanges": [c.to_json() for c in self.dependency_changes[:_LIST_LIMIT]],
        }


def _walk(root: Path) -> Iterator[tuple[str, Path]]:
    """(relative POSIX path, path) of every file (and symlink) under ``root``."""
    if root is None or not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in IGNORED_DIRS]
        base = Path(dirpath)
        for name in filenames:
            path = base / name
            yield path.relative_to(root).as_posix(), path


def list_files(root: Path) -> dict[str, os.stat_result]:
    """Relative POSIX path -> stat for every file (and symlink) under ``root``."""
    return {rel: path.lstat() for rel, path in _walk(root)}


def list_names(root: Path) -> list[str]:
    """``list_files``' paths, sorted, without a stat per file."""
    return sorted(rel for rel, _ in _walk(root))


def _same(a: Path, sa: os.stat_result, b: Path, sb: os.stat_result) -> bool:
    if sa.st_size != sb.st_size:
        return False
    # The workspace was copied with its times; an untouched file keeps them.
    if sa.st_mtime_ns == sb.st_mtime_ns:
        return True
    if a.is_symlink() or b.is_symlink():
        return a.is_symlink() and b.is_symlink() and os.readlink(a) == os.readlink(b)
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            ca, cb = fa.read(1 << 16), fb.read(1 << 16)
            if ca != cb:
                return False
            if not ca:
                return True


def diff_workspace(fixture: Path | None, workspace: Path) -> WorkspaceDiff:
    before = list_files(fixture) if fixture is not None else {}
    after = list_files(workspace)
    added = sorted(set(after) - set(before))
    deleted = sorted(set(before) - set(after))
    modified = sorted(
        rel
        for rel in set(before) & set(after)
        if not _same(fixture / rel, before[rel], workspace / rel, after[rel])  # type: ignore[operator]
    )
    manifests = sorted(
        rel for rel in (*added, *modified, *deleted) if rel.rsplit("/", 1)[-1] == "package.json"
    )
    changes = [
        change
        for rel in manifests
        for change in dependency_changes(
            rel,
            _read_manifest(fixture / rel if fixture is not None else None),
            _read_manifest(workspace / rel),
        )
    ]
    return WorkspaceDiff(added, modified, deleted, changes)


def _read_manifest(path: Path | None) -> dict[str, Any]:
    if path is None or not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def dependency_changes(
    file: str, before: dict[str, Any], after: dict[str, Any]
) -> list[DependencyChange]:
    """Per section, every dependency added, removed or given another version range."""
    changes: list[DependencyChange] = []
    for section in DEPENDENCY_SECTIONS:
        old = before.get(section) if isinstance(before.get(section), dict) else {}
        new = after.get(section) if isinstance(after.get(section), dict) else {}
        assert isinstance(old, dict) and isinstance(new, dict)
        for name in sorted(set(old) | set(new)):
            a, b = old.get(name), new.get(name)
            if a != b:
                changes.append(
                    DependencyChange(
                        file,
                        section,
                        name,
                        None if a is None else str(a),
                        None if b is None else str(b),
                    )
                )
    return changes
