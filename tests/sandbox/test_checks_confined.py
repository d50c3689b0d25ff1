"""A symlink an agent plants in the workspace does not make a check read the host."""

from __future__ import annotations

from pathlib import Path

from zebench.evaluators.globs import WorkspaceFiles


def test_planted_links_leading_outside_are_not_matched(tmp_path: Path) -> None:
    secret = tmp_path / "host-secret.txt"
    secret.write_text("root:x:0:0")
    workspace = tmp_path / "ws"
    (workspace / "src").mkdir(parents=True)
    (workspace / "src" / "own.txt").write_text("mine")
    (workspace / "src" / "leak.txt").symlink_to(secret)
    (workspace / "alias.txt").symlink_to("src/own.txt")
    files = WorkspaceFiles(workspace)
    assert files.match("src/leak.txt") == []
    assert sorted(p.name for p in files.match("**/*.txt")) == ["alias.txt", "own.txt"]
