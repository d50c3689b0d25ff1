"""A fresh workspace per run: a copy of the scenario's fixture in its own directory.

Each workspace ``<root>/<name>`` has a lock file ``<root>/<name>.lock`` that its run
holds (``flock``) from before the directory exists until it is removed. A run killed
with ``kill -9`` drops its lock with its process, so the next ``run``/``batch``/
``sync`` can tell its leftovers (workspace, sandbox state) from a live run's.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
from pathlib import Path

from zebench.sandbox.paths import refuse_links_leaving

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_LOCK = ".lock"
_SIDE_DIRS = (".sandbox",)
"""Directories a run keeps beside its workspace (the sandbox's private /tmp)."""
_held: dict[Path, int] = {}
"""Workspace -> the descriptor holding its lock, for as long as this process uses it."""


def new_workspace_dir(root: Path, label: str) -> Path:
    """A new, empty directory under ``root`` whose name starts with ``label``, locked as
    live until ``remove_workspace`` (or the end of this process)."""
    root.mkdir(parents=True, exist_ok=True)
    prefix = _UNSAFE.sub("-", label)[:80] + "-"
    fd, lock_name = tempfile.mkstemp(prefix=prefix, suffix=_LOCK, dir=root)
    # Locked before the directory exists: a cleaner that finds the lock free finds no
    # workspace to remove yet.
    fcntl.flock(fd, fcntl.LOCK_EX)
    workspace = Path(lock_name[: -len(_LOCK)])
    try:
        workspace.mkdir(mode=0o700)
    except OSError:
        os.close(fd)
        Path(lock_name).unlink(missing_ok=True)
        raise
    _held[workspace] = fd
    return workspace


def copy_fixture(fixture: Path, workspace: Path) -> None:
    """Symlinks are copied as links, never followed; a fixture holding a link that
    leads outside itself is refused (``LinkOutside``) before anything is copied."""
    refuse_links_leaving(fixture)
    shutil.copytree(fixture, workspace, symlinks=True, dirs_exist_ok=True)


def create_workspace(root: Path, label: str, fixture: Path | None) -> Path:
    """A new directory under ``root`` holding a copy of ``fixture`` (nothing without one)."""
    workspace = new_workspace_dir(root, label)
    if fixture is not None:
        copy_fixture(fixture, workspace)
    return workspace


def remove_workspace(workspace: Path) -> None:
    """Delete a workspace (and what a run kept beside it), including directories an agent
    made read-only; then release its lock."""
    _remove_tree(workspace)
    for side in _SIDE_DIRS:
        _remove_tree(workspace.with_name(workspace.name + side))
    workspace.with_name(workspace.name + _LOCK).unlink(missing_ok=True)
    fd = _held.pop(workspace, None)
    if fd is not None:
        os.close(fd)


def release_workspace(workspace: Path) -> None:
    """Keep ``workspace`` for the user (``--keep-workspace``): it stops being a run's, so
    no cleaner will ever remove it."""
    workspace.with_name(workspace.name + _LOCK).unlink(missing_ok=True)
    fd = _held.pop(workspace, None)
    if fd is not None:
        os.close(fd)


def remove_orphaned_workspaces(root: Path) -> list[Path]:
    """Remove the workspaces under ``root`` whose run is gone (its lock is free); the
    ones removed. A workspace whose run still holds its lock is never touched."""
    if not root.is_dir():
        return []
    removed: list[Path] = []
    for lock in sorted(root.glob(f"*{_LOCK}")):
        workspace = lock.with_name(lock.name[: -len(_LOCK)])
        if workspace in _held:
            continue
        try:
            fd = os.open(lock, os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # live: its run holds the lock
        try:
            _remove_tree(workspace)
            for side in _SIDE_DIRS:
                _remove_tree(workspace.with_name(workspace.name + side))
            lock.unlink(missing_ok=True)
            removed.append(workspace)
        finally:
            os.close(fd)
    return removed


def _remove_tree(path: Path) -> None:
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        return
    except OSError:
        for child in [path, *path.rglob("*")]:
            if child.is_dir() and not child.is_symlink():
                with contextlib.suppress(OSError):
                    child.chmod(0o700)
        shutil.rmtree(path, ignore_errors=True)
