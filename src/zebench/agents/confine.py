"""Keep every path an agent's tool touches inside its workspace."""

from __future__ import annotations

from pathlib import Path, PurePosixPath


class PathOutsideWorkspace(ValueError):
    """The path would reach outside the workspace; the message is shown to the model."""


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
