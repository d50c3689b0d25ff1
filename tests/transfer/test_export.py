"""Exporting everything: JSONL that round-trips byte for byte, CSV one row per run."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import sqlalchemy as sa

from zebench.model.results import ResultIn
from zebench.service.results import submit_result
from zebench.service.transfer import CSV_COLUMNS, export_csv, export_jsonl, import_file
from zebench.store.database import Database
from zebench.store.tables import runs


def jsonl_of(db: Database) -> bytes:
    out = io.BytesIO()
    export_jsonl(db, out)
    return out.getvalue()


def add_rich_run(db: Database) -> None:
    """A run through the API's own path, with what the dump lacks: a transcript,
    unicode, nested metadata and no batch."""
    submit_result(
        db,
        ResultIn.model_validate(
            {
                "runId": "api-run-1",
                "suite": "update-deps",
                "scenario": "pnpm-é",
                "tier": "Lx",
                "agent": "anthropic",
                "model": "claude-opus-4",
                "status": "completed",
                "startedAt": "2025-12-01T08:00:00.123Z",
                "completedAt": "2025-12-01T08:10:00.456Z",
                "totalScore": 0.75,
                "weightedScore": 7.5,
                "isSuccessful": True,
                "metadata": {"nested": {"list": [1, 2.5, None]}, "note": "naïve ✓"},
                "evaluations": [
                    {
                        "evaluatorName": "llm_judge",
                        "score": 0.8,
                        "maxScore": 1,
                        "details": "x" * 200,
                    }
                ],
                "telemetry": {"toolCalls": 3, "tokensIn": 10, "costUsd": 0.25},
                "transcript": {"messages": [{"role": "user", "content": "Update deps."}]},
            }
        ),
    )


def test_jsonl_round_trips_byte_for_byte(
    db: Database, empty_twin: Database, d1_sample: Path, tmp_path: Path
) -> None:
    import_file(db, d1_sample)
    add_rich_run(db)
    first = jsonl_of(db)
    lines = first.splitlines()
    assert len(lines) == 3 + 25
    assert all(json.loads(line)["kind"] == "batch" for line in lines[:3])
    rich = json.loads(lines[-1])
    assert rich["transcript"] == {"messages": [{"role": "user", "content": "Update deps."}]}
    assert rich["startedAt"] == "2025-12-01T08:00:00.123Z"
    assert rich["metadata"]["note"] == "naïve ✓"
    # Every run line is a valid POST /api/results body.
    for line in lines[3:]:
        ResultIn.model_validate_json(line)

    path = tmp_path / "export.jsonl"
    path.write_bytes(first)
    report = import_file(empty_twin, path)
    assert (report.runs_created, report.batches_created, report.runs_invalid) == (25, 3, 0)
    assert jsonl_of(empty_twin) == first

    # Importing the export next to its source finds everything already there.
    again = import_file(db, path)
    assert (again.runs_created, again.runs_duplicate, again.runs_conflict) == (0, 25, 0)
    assert again.batches_unchanged == 3


def test_csv_has_one_row_per_run_with_flat_telemetry(db: Database, d1_sample: Path) -> None:
    import_file(db, d1_sample)
    out = io.BytesIO()
    written = export_csv(db, out)

    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode())))
    assert written == len(rows) == 24
    assert list(rows[0]) == CSV_COLUMNS
    last = rows[-1]
    assert last["runId"] == "1763400023000-0017ab"
    assert last["telemetry.toolCalls"] == "69"
    assert last["telemetry.workspaceDir"] == "/tmp/ws-23"
    assert last["isSuccessful"] == "true"
    assert last["evaluationCount"] == "2"
    assert [e["evaluatorName"] for e in json.loads(last["evaluations"])] == [
        "heuristic_checks",
        "llm_judge",
    ]
    failed = next(r for r in rows if r["runId"] == "1763400003000-0003ab")
    assert failed["status"] == "failed"
    assert json.loads(failed["metadata"])["error"] == "Agent timed out after 40 minutes"
    assert failed["telemetry.toolCalls"] == "" and failed["totalScore"] == ""


def test_export_streams_in_pages(db: Database) -> None:
    """More runs than one page: every run once, in storage order."""
    from zebench.service.transfer import exporter, store_records

    records = [
        ResultIn.model_validate(
            {
                "runId": f"r{i:05d}",
                "suite": "s",
                "scenario": "c",
                "tier": "L0",
                "agent": "echo",
                "status": "completed",
                "startedAt": "2025-01-01T00:00:00Z",
            }
        )
        for i in range(exporter._PAGE * 2 + 7)
    ]
    store_records(db, records)
    ids = [json.loads(line)["runId"] for line in jsonl_of(db).splitlines()]
    assert ids == [r.run_id for r in records]
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(runs)).scalar() == len(ids)
