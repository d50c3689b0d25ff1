"""Workspaces copied from fixtures, and what the agent changed in them."""

from __future__ import annotations

import json
import os
from pathlib import Path

from harness_support import REFERENCE_SUITES
from zebench.harness.workspace import create_workspace, remove_workspace
from zebench.workspace.diff import diff_workspace

FIXTURE = REFERENCE_SUITES / "update-deps" / "scenarios" / "nx-pnpm-monorepo" / "repo-fixture"


def test_fresh_copy_then_files_added_modified_deleted_and_dependencies(tmp_path: Path) -> None:
    ws = create_workspace(tmp_path / "ws", "update-deps/nx L1", FIXTURE)
    assert ws.parent == tmp_path / "ws" and "/" not in ws.name and " " not in ws.name
    assert diff_workspace(FIXTURE, ws).changed is False

    app = ws / "apps" / "app" / "package.json"
    manifest = json.loads(app.read_text())
    manifest["dependencies"]["react"] = "18.3.1"
    del manifest["dependencies"]["react-dom"]
    manifest["devDependencies"]["typescript"] = "^5.5.4"
    app.write_text(json.dumps(manifest, indent=2))
    (ws / "pnpm-workspace.yaml").unlink()
    (ws / "notes.md").write_text("hi")
    (ws / "node_modules" / "x").mkdir(parents=True)
    (ws / "node_modules" / "x" / "index.js").write_text("ignored")
    same_size = ws / "libs" / "util" / "package.json"
    text = same_size.read_text()
    same_size.write_text(text.replace("0.0.1", "0.0.2"))  # same length, new content

    diff = diff_workspace(FIXTURE, ws)
    assert diff.added == ["notes.md"]
    assert diff.deleted == ["pnpm-workspace.yaml"]
    assert diff.modified == ["apps/app/package.json", "libs/util/package.json"]
    changes = {(c.section, c.name, c.before, c.after, c.kind) for c in diff.dependency_changes}
    assert changes == {
        ("dependencies", "react", "18.2.0", "18.3.1", "changed"),
        ("dependencies", "react-dom", "18.2.0", None, "removed"),
        ("devDependencies", "typescript", None, "^5.5.4", "added"),
    }
    remove_workspace(ws)
    assert not ws.exists()


def test_a_file_rewritten_with_identical_content_is_not_a_change(tmp_path: Path) -> None:
    ws = create_workspace(tmp_path, "x", FIXTURE)
    target = ws / "package.json"
    target.write_text(target.read_text())
    os.utime(target, (1, 1))
    assert diff_workspace(FIXTURE, ws).modified == []


def test_read_only_directories_are_removed_too(tmp_path: Path) -> None:
    ws = create_workspace(tmp_path, "x", FIXTURE)
    locked = ws / "locked"
    locked.mkdir()
    (locked / "f").write_text("x")
    locked.chmod(0o500)
    remove_workspace(ws)
    assert not ws.exists()
