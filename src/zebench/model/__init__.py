"""The domain types every layer shares, with no I/O and no framework beneath them:
what a run reports (``results``), the errors a request can meet (``errors``), time
as the store keeps it (``time``) and the statistics the figures use
(``statistics``)."""

from zebench.model.errors import Conflict, Invalid, NotFound, ServiceError
from zebench.model.results import BatchIn, EvaluationIn, ResultIn, TelemetryIn
from zebench.model.time import DAY_MS, now_ms, to_iso, to_ms

__all__ = [
    "DAY_MS",
    "BatchIn",
    "Conflict",
    "EvaluationIn",
    "Invalid",
    "NotFound",
    "ResultIn",
    "ServiceError",
    "TelemetryIn",
    "now_ms",
    "to_iso",
    "to_ms",
]
