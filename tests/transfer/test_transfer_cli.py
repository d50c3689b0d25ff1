"""`zebench import` and `zebench export` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from harness_support import ZEBENCH


def zebench(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ZEBENCH_HOME": str(home)}
    env.pop("ZEBENCH_DATABASE_URL", None)
    return subprocess.run(
        [ZEBENCH, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_import_then_export_on_the_command_line(
    db_url: str, d1_sample: Path, tmp_path: Path
) -> None:
    first = zebench("import", str(d1_sample), "--database-url", db_url, home=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "runs: 24 created, 0 already stored, 0 conflicting, 0 invalid" in first.stdout
    assert "batches: 3 created" in first.stdout

    again = zebench("import", str(d1_sample), "--database-url", db_url, home=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "runs: 0 created, 24 already stored" in again.stdout

    out = tmp_path / "all.jsonl"
    export = zebench("export", "--out", str(out), "--database-url", db_url, home=tmp_path)
    assert export.returncode == 0, export.stderr
    lines = out.read_text().splitlines()
    assert len(lines) == 3 + 24
    assert json.loads(lines[3])["runId"] == "1763400000000-0000ab"
    assert not list(tmp_path.glob(".*.partial"))

    csv_out = zebench("export", "--format", "csv", "--database-url", db_url, home=tmp_path)
    assert csv_out.returncode == 0, csv_out.stderr
    assert csv_out.stdout.splitlines()[0].startswith("runId,batchId,suite")
    assert len(csv_out.stdout.splitlines()) == 25


def test_default_database_is_the_embedded_one(d1_sample: Path, tmp_path: Path) -> None:
    result = zebench("import", str(d1_sample), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "zebench.db").exists()


def test_user_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\n")
    result = zebench("import", str(bad), home=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {bad}: not a SQL dump (no SQL statement in it)"

    missing = zebench("export", "--database-url", f"sqlite:///{tmp_path}/nope.db", home=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"error: no database at {tmp_path}/nope.db (nothing to export)"


def test_import_with_conflicts_exits_non_zero(d1_sample: Path, tmp_path: Path) -> None:
    assert zebench("import", str(d1_sample), home=tmp_path).returncode == 0
    changed = tmp_path / "changed.sql"
    changed.write_text(d1_sample.read_text().replace("'nx-pnpm-monorepo','L0'", "'other','L0'"))
    result = zebench("import", str(changed), home=tmp_path)
    assert result.returncode == 1
    assert "conflicting" in result.stdout
    assert "already exists with different content" in result.stderr
