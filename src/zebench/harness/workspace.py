"""A fresh workspace per run: a copy of the scenario's fixture in its own temp directory."""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def new_workspace_dir(root: Path, label: str) -> Path:
    """A new, empty directory under ``root`` whose name starts with ``label``."""
    root.mkdir(parents=True, exist_ok=True)
    prefix = _UNSAFE.sub("-", label)[:80] + "-"
    return Path(tempfile.mkdtemp(prefix=prefix, dir=root))


def copy_fixture(fixture: Path, workspace: Path) -> None:
    """Symlinks are copied as links, not followed: a fixture cannot pull files from
    outside itself into the workspace."""
    shutil.copytree(fixture, workspace, symlinks=True, dirs_exist_ok=True)


def create_workspace(root: Path, label: str, fixture: Path | None) -> Path:
    """A new directory under ``root`` holding a copy of ``fixture`` (nothing without one)."""
    workspace = new_workspace_dir(root, label)
    if fixture is not None:
        copy_fixture(fixture, workspace)
    return workspace


def remove_workspace(workspace: Path) -> None:
    """Delete a workspace, including directories an agent made read-only."""
    try:
        shutil.rmtree(workspace)
    except FileNotFoundError:
        return
    except OSError:
        for path in [workspace, *workspace.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                with contextlib.suppress(OSError):
                    path.chmod(0o700)
        shutil.rmtree(workspace, ignore_errors=True)
