"""The typed rows reads return are made from database rows by position: their fields
must be the tables' columns, in order."""

from __future__ import annotations

from zebench.model.runs import EvaluationRow, RunRow, TelemetryRow
from zebench.service.runs import RUN_COLUMNS
from zebench.store.tables import evaluations, telemetry


def test_rows_are_the_tables_columns_in_order() -> None:
    assert EvaluationRow._fields == tuple(evaluations.c.keys())
    assert TelemetryRow._fields == tuple(telemetry.c.keys())
    assert RunRow._fields == tuple(c.name for c in RUN_COLUMNS)
