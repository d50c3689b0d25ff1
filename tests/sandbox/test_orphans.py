"""Workspaces of killed runs are removed on the next start; a live run's never are."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from zebench.harness.workspace import (
    new_workspace_dir,
    release_workspace,
    remove_orphaned_workspaces,
    remove_workspace,
)

_HOLD = """
import sys
from pathlib import Path
from zebench.harness.workspace import new_workspace_dir
ws = new_workspace_dir(Path(sys.argv[1]), "killed-run")
(ws / "work.txt").write_text("x")
ws.with_name(ws.name + ".sandbox").mkdir()
print(ws, flush=True)
sys.stdin.read()
"""


def test_a_killed_runs_workspace_is_removed_and_a_live_one_kept(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    killed = Path(holder.stdout.readline().strip())
    live = new_workspace_dir(tmp_path, "live-run")
    try:
        # While its process holds it, the other workspace counts as live too.
        assert remove_orphaned_workspaces(tmp_path) == []
        holder.kill()
        holder.wait()
        assert remove_orphaned_workspaces(tmp_path) == [killed]
        assert not killed.exists() and not killed.with_name(killed.name + ".sandbox").exists()
        assert live.is_dir()
    finally:
        remove_workspace(live)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_kept_workspace_is_never_an_orphan(tmp_path: Path) -> None:
    kept = new_workspace_dir(tmp_path, "kept")
    release_workspace(kept)
    assert remove_orphaned_workspaces(tmp_path) == []
    assert kept.is_dir()
