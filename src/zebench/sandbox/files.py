"""File operations every provider shares: done from the host, confined to the workspace."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from zebench.sandbox.paths import refuse_links_leaving, resolve_in_workspace


class ConfinedFiles:
    """The file half of the ``Sandbox`` contract, for providers whose workspace is a host
    directory: every path resolved inside ``workspace`` (symlinks and ``..`` included)."""

    workspace: Path

    async def read_file(self, path: str) -> bytes:
        return await read_confined(self.workspace, path)

    async def write_file(self, path: str, data: bytes) -> Path:
        return await write_confined(self.workspace, path, data)

    async def copy_in(self, source: Path, dest: str = ".") -> list[str]:
        target = resolve_in_workspace(self.workspace, dest)
        return await asyncio.to_thread(overlay_tree, source, target)

    async def copy_out(self, path: str, dest: Path) -> None:
        await copy_out_confined(self.workspace, path, dest)


async def read_confined(workspace: Path, path: str) -> bytes:
    return await asyncio.to_thread(resolve_in_workspace(workspace, path).read_bytes)


async def write_confined(workspace: Path, path: str, data: bytes) -> Path:
    target = resolve_in_workspace(workspace, path)
    if target == workspace.resolve() or target.is_dir():
        raise IsADirectoryError(21, "is a directory", path)

    def write() -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    await asyncio.to_thread(write)
    return target


async def copy_out_confined(workspace: Path, path: str, dest: Path) -> None:
    source = resolve_in_workspace(workspace, path)
    if source.is_dir():
        await asyncio.to_thread(shutil.copytree, source, dest, symlinks=True, dirs_exist_ok=True)
    else:
        await asyncio.to_thread(shutil.copy2, source, dest, follow_symlinks=False)


def overlay_tree(source: Path, target: Path) -> list[str]:
    """Copy every file below ``source`` to the same place under ``target``, replacing what
    is there; the copied paths, relative and sorted. Symlinks are copied as links, and
    a tree holding a link that leads outside it is refused before anything is copied."""
    refuse_links_leaving(source)
    copied: list[str] = []
    for current, dirs, files in os.walk(source):
        linked = [d for d in dirs if (Path(current) / d).is_symlink()]
        dirs[:] = sorted(d for d in dirs if d not in linked)
        relative_dir = Path(current).relative_to(source)
        destination = target / relative_dir
        # A link planted in the workspace must not redirect the copy outside it.
        if not destination.resolve().is_relative_to(target.resolve()):
            raise OSError(f"{relative_dir.as_posix()} leads outside the workspace")
        destination.mkdir(parents=True, exist_ok=True)
        for name in sorted([*files, *linked]):
            path = destination / name
            if path.is_symlink() or (path.exists() and not path.is_file()):
                _remove(path)
            shutil.copy2(Path(current) / name, path, follow_symlinks=False)
            copied.append((relative_dir / name).as_posix())
    return copied


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
