"""Delivering results: over HTTP to a results service or into the embedded store,
through a spool on disk so that no finished run is lost."""

from zebench.delivery.base import BatchInfo, Rejected, StoredRun, Unavailable
from zebench.delivery.deliver import Delivery, DeliveryReport, open_delivery
from zebench.delivery.spool import Spool

__all__ = [
    "BatchInfo",
    "Delivery",
    "DeliveryReport",
    "Rejected",
    "Spool",
    "StoredRun",
    "Unavailable",
    "open_delivery",
]
