"""Results kept on disk until the results service has acknowledged them.

A result is written here before any attempt to deliver it and removed only
after the service acknowledged it, so a finished run survives a network
outage, a server that is down and a harness killed mid-batch. Each entry is one
JSON file written atomically (temp file, fsync, rename, fsync of the
directory): a reader never sees half a file. Entries the service refused for
good (a conflicting runId, invalid content) move to ``rejected/`` with the
reason, out of the way of later syncs but not lost.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Kind = Literal["result", "batch"]
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True)
class SpoolEntry:
    path: Path
    kind: Kind
    key: str
    """runId or batchId."""
    payload: dict[str, Any]


def _file_name(kind: Kind, key: str) -> str:
    # Escape rather than strip, so two different ids never share a file.
    safe = _UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", key)
    return f"{kind}-{safe}.json"


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def rejected_dir(self) -> Path:
        return self.directory / "rejected"

    def put(self, kind: Kind, key: str, payload: dict[str, Any]) -> SpoolEntry:
        """Persist ``payload`` durably; replaces an earlier entry with the same key."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / _file_name(kind, key)
        document = {"kind": kind, "key": key, "payload": payload}
        write_atomically(path, json.dumps(document, separators=(",", ":")).encode())
        return SpoolEntry(path, kind, key, payload)

    def remove(self, entry: SpoolEntry) -> None:
        with contextlib.suppress(FileNotFoundError):
            entry.path.unlink()

    def reject(self, entry: SpoolEntry, reason: str) -> Path:
        """Move an entry the service refused for good to ``rejected/``, with the reason."""
        self.rejected_dir.mkdir(parents=True, exist_ok=True)
        target = self.rejected_dir / entry.path.name
        document = {
            "kind": entry.kind,
            "key": entry.key,
            "reason": reason,
            "payload": entry.payload,
        }
        write_atomically(target, json.dumps(document, separators=(",", ":")).encode())
        self.remove(entry)
        return target

    def entries(self) -> list[SpoolEntry]:
        """Pending entries: batches first (so results find their batch), then oldest first."""
        if not self.directory.is_dir():
            return []
        found: list[tuple[int, float, SpoolEntry]] = []
        for path in self.directory.glob("*.json"):
            entry = self.read(path)
            if entry is not None:
                order = 0 if entry.kind == "batch" else 1
                found.append((order, path.stat().st_mtime, entry))
        found.sort(key=lambda item: (item[0], item[1], item[2].path.name))
        return [entry for _, _, entry in found]

    @staticmethod
    def read(path: Path) -> SpoolEntry | None:
        """An entry, or None for a file that is not one (left in place for a human)."""
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            kind, key, payload = document["kind"], document["key"], document["payload"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if kind not in ("result", "batch") or not isinstance(payload, dict):
            return None
        return SpoolEntry(path, kind, str(key), payload)
