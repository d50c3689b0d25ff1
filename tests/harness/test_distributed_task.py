"""The run task as it travels through the broker, and the run identity it carries."""

from __future__ import annotations

import pytest

from zebench.harness.distributed.task import RunTask, SuiteRef, TaskError, run_id_for
from zebench.harness.matrix import RunSpec

SPEC = RunSpec("dist", "s1", "L0", "command", "m-1", 2)


def test_a_cell_has_one_identity_per_attempt() -> None:
    first = run_id_for("batch-a", SPEC.key, 1)
    assert run_id_for("batch-a", SPEC.key, 1) == first
    assert run_id_for("batch-a", SPEC.key, 2) != first
    assert run_id_for("batch-b", SPEC.key, 1) != first
    other = RunSpec("dist", "s1", "L0", "command", "m-1", 3)
    assert run_id_for("batch-a", other.key, 1) != first
    assert first.startswith("run-") and len(first) == 36


def test_a_task_survives_the_trip_through_json() -> None:
    task = RunTask(
        "batch-a", "run-1", SPEC, SuiteRef("dist", "ab" * 32, "aGk="), attempt=2, cells=8,
        timeout_s=90.0,
    )  # fmt: skip
    assert RunTask.from_json(task.to_json()) == task


@pytest.mark.parametrize(
    "payload",
    [None, {}, {"version": 99}, {"version": 1, "batchId": "b", "runId": "r", "run": {}}],
)
def test_a_message_that_is_not_a_run_task_is_refused(payload: object) -> None:
    with pytest.raises(TaskError):
        RunTask.from_json(payload)
