"""Reading our own JSONL export back: one batch or one run per line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from zebench.model.results import BatchIn, ResultIn
from zebench.service.transfer.records import (
    BATCH_KIND,
    Record,
    UnreadableRecord,
    explain,
    four_digit_year,
)


def count_lines(path: Path) -> int:
    """Lines, counted in large binary blocks (fast enough for millions)."""
    count = 0
    tail = b""
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            count += block.count(b"\n")
            tail = block
    if tail and not tail.endswith(b"\n"):
        count += 1
    return count


def read_jsonl(path: Path) -> Iterator[Record]:
    """Each line as a ``BatchIn`` (``"kind": "batch"``) or a ``ResultIn``; a line that is
    neither becomes ``UnreadableRecord`` naming its line number, and reading goes on."""
    with path.open("rb") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"{path.name} line {number}"
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield UnreadableRecord(where, f"not JSON ({exc})")
                continue
            if not isinstance(obj, dict):
                yield UnreadableRecord(where, "expected a JSON object")
                continue
            try:
                if obj.get("kind") == BATCH_KIND:
                    yield BatchIn.model_validate(obj)
                else:
                    yield ResultIn.model_validate(_padded_years(obj))
            except ValidationError as exc:
                run_id = obj.get("runId")
                yield UnreadableRecord(
                    where, explain(exc), run_id if isinstance(run_id, str) else None
                )


def _padded_years(run: dict[str, Any]) -> dict[str, Any]:
    for key in ("startedAt", "completedAt"):
        if key in run:
            run[key] = four_digit_year(run[key])
    for evaluation in run.get("evaluations") or ():
        if isinstance(evaluation, dict) and "createdAt" in evaluation:
            evaluation["createdAt"] = four_digit_year(evaluation["createdAt"])
    return run
