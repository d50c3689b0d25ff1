"""A fresh workspace per run: a copy of the scenario's fixture in its own temp directory."""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def create_workspace(root: Path, label: str, fixture: Path | None) -> Path:
    """Copy ``fixture`` (or nothing, for artifact scenarios) into a new directory under ``root``.

    Symlinks are copied as links, not followed: a fixture cannot pull files from
    outside itself into the workspace.
    """
    root.mkdir(parents=True, exist_ok=True)
    prefix = _UNSAFE.sub("-", label)[:80] + "-"
    workspace = Path(tempfile.mkdtemp(prefix=prefix, dir=root))
    if fixture is not None:
        shutil.copytree(fixture, workspace, symlinks=True, dirs_exist_ok=True)
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
