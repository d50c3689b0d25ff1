"""Keep paths inside a root: the workspace for an agent's tools, the suite for a scenario.

A path is inside when it still is after ``..`` and every symlink are resolved;
dangling links count as outside (a write through them would land outside).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath


class PathOutsideWorkspace(ValueError):
    """The path would reach outside the workspace; the message is shown to the model."""


class LinkOutside(OSError):
    """A tree to copy holds symlinks that lead outside it; they are not copied."""

    def __init__(self, root: Path, links: list[tuple[str, str]]) -> None:
        shown = ", ".join(f"{name} -> {target}" for name, target in links[:5])
        more = f" (and {len(links) - 5} more)" if len(links) > 5 else ""
        super().__init__(
            f"{root} holds symlinks leading outside it, not copied: {shown}{more}; "
            "replace them with the files themselves or with links inside the directory"
        )
        self.links = links


def is_inside(root: Path, path: Path) -> bool:
    """``path`` resolved (links and ``..``) is ``root`` or below it (``root`` resolved too)."""
    real_root = root.resolve()
    target = path.resolve()
    return target == real_root or target.is_relative_to(real_root)


def resolve_in_workspace(workspace: Path, raw: object) -> Path:
    """The real path ``raw`` names inside ``workspace``.

    Refused: non-strings, absolute and ``~`` paths, and anything that resolves
    outside the workspace, through ``..`` or through a symlink (dangling ones too:
    a write through them would land outside). ``a/../b`` that stays inside is fine.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise PathOutsideWorkspace("path must be a non-empty string relative to the workspace")
    if "\x00" in raw:
        raise PathOutsideWorkspace("path contains a NUL byte")
    text = raw.strip()
    if PurePosixPath(text).is_absolute() or Path(text).is_absolute() or text.startswith("~"):
        raise PathOutsideWorkspace(
            f"{raw!r} is absolute; use a path relative to the workspace root"
        )
    root = workspace.resolve()
    target = (root / text).resolve()
    if target != root and not target.is_relative_to(root):
        raise PathOutsideWorkspace(f"{raw!r} is outside the workspace")
    return target


def display_path(workspace: Path, path: Path) -> str:
    """``path`` as the model should see it: relative to the workspace, POSIX style."""
    relative = path.relative_to(workspace.resolve())
    return relative.as_posix() if relative.parts else "."


def links_leaving(root: Path) -> list[tuple[str, str]]:
    """Every symlink below ``root`` that is absolute or resolves outside ``root``
    : (relative name, link text). A copy keeps links as links, and
     such a link would reach the host (or the suite) from the workspace."""
    real_root = root.resolve()
    found: list[tuple[str, str]] = []
    for link in _symlinks(root):
        text = os.readlink(link)
        target = (link.parent / text).resolve()
        inside = target == real_root or target.is_relative_to(real_root)
        if os.path.isabs(text) or not inside:
            found.append((link.relative_to(root).as_posix(), text))
    return found


def _symlinks(root: Path) -> Iterator[Path]:
    for current, dirs, files in os.walk(root):  # does not descend into linked directories
        base = Path(current)
        for name in (*dirs, *files):
            if (base / name).is_symlink():
                yield base / name


def refuse_links_leaving(root: Path) -> None:
    """Raise ``LinkOutside`` when ``root`` holds a symlink leading outside it."""
    links = links_leaving(root)
    if links:
        raise LinkOutside(root, links)
