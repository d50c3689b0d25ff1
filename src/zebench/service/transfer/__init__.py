"""Moving results in and out: import from the original system or an export, export all.

``import_file`` reads a ``wrangler d1 export`` SQL dump, an old ``benchmarks.db``
or our own JSONL export and stores it through the service layer (idempotent);
``store_records`` is the bulk path behind it. ``export_jsonl`` / ``export_csv``
stream everything back out.
"""

from zebench.service.transfer.exporter import CSV_COLUMNS, count_runs, export_csv, export_jsonl
from zebench.service.transfer.importer import (
    ImportReport,
    detect_kind,
    import_file,
    store_records,
)
from zebench.service.transfer.records import BATCH_KIND, Record, UnreadableRecord

__all__ = [
    "BATCH_KIND",
    "CSV_COLUMNS",
    "ImportReport",
    "Record",
    "UnreadableRecord",
    "count_runs",
    "detect_kind",
    "export_csv",
    "export_jsonl",
    "import_file",
    "store_records",
]
