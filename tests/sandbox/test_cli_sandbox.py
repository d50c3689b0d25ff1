"""The CLI and the sandbox: refusal in one line, the `none` warning, an agent's command
contained by default, and each stored run recording what contained it."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

from harness_support import cli_env, zebench
from sandbox_support import needs_bwrap


def _isolations(home: Path) -> list[dict[str, object]]:
    with sqlite3.connect(home / "zebench.db") as conn:
        rows = conn.execute("SELECT metadata FROM runs").fetchall()
    return [json.loads(metadata)["isolation"] for (metadata,) in rows]


def test_run_refuses_in_one_line_when_bubblewrap_is_missing(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "home", PATH="/nonexistent")
    done = zebench(["run", "example", "fix-slugify", "L1", "echo"], env)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "bubblewrap" in lines[0] and "--sandbox none" in lines[0]
    assert not (tmp_path / "home" / "zebench.db").exists()


def test_none_warns_and_records_that_nothing_was_contained(tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = zebench(
        ["run", "example", "fix-slugify", "L1", "echo", "--sandbox", "none"], cli_env(home)
    )
    assert done.returncode == 0, done.stderr
    assert "no isolation" in done.stderr
    assert [iso["kind"] for iso in _isolations(home)] == ["none"]


@needs_bwrap
def test_an_agents_command_cannot_write_outside_its_workspace_by_default(tmp_path: Path) -> None:
    home = tmp_path / "home"
    mark = Path(f"/tmp/zb-cli-escape-{uuid.uuid4().hex[:8]}")
    env = cli_env(home, ZEBENCH_AGENT_COMMAND=f"sh -c 'touch {mark}; touch {home}/planted'")
    done = zebench(["run", "example", "fix-slugify", "L1", "command"], env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not mark.exists()
    assert not (home / "planted").exists()
    [isolation] = _isolations(home)
    assert isolation["kind"] == "bubblewrap" and isolation["network"] == "none"
