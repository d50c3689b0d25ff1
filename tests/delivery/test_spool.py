"""The spool: atomic files, batches before results, refused entries set aside."""

from __future__ import annotations

import json
import os
from pathlib import Path

from zebench.delivery.spool import Spool


def test_put_replaces_atomically_and_leaves_no_temp_files(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    first = spool.put("result", "run/1", {"runId": "run/1", "v": 1})
    second = spool.put("result", "run/1", {"runId": "run/1", "v": 2})
    assert first.path == second.path and first.path.name == "result-run%2F1.json"
    assert json.loads(first.path.read_text())["payload"]["v"] == 2
    assert sorted(os.listdir(spool.directory)) == ["result-run%2F1.json"]


def test_entries_come_batches_first_then_oldest_first(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    older = spool.put("result", "a", {"n": 1})
    os.utime(older.path, (1000, 1000))
    spool.put("result", "b", {"n": 2})
    spool.put("batch", "x", {"batchId": "x"})
    (tmp_path / "garbage.json").write_text("{not json")
    assert [(e.kind, e.key) for e in spool.entries()] == [
        ("batch", "x"),
        ("result", "a"),
        ("result", "b"),
    ]
    assert (tmp_path / "garbage.json").exists()  # not ours to delete


def test_rejected_entries_move_aside_with_the_reason(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    entry = spool.put("result", "r1", {"runId": "r1"})
    moved = spool.reject(entry, "HTTP 409: run 'r1' already exists with different content")
    assert not entry.path.exists()
    assert spool.entries() == []
    document = json.loads(moved.read_text())
    assert document["reason"].startswith("HTTP 409") and document["payload"] == {"runId": "r1"}
