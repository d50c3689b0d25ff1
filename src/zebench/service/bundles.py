"""Suite bundles: tarballs of suites that distributed workers fetch by content hash.

Stored once per SHA-256 (a second upload of the same content writes nothing);
the hash is checked against the bytes here, so a stored bundle always is what
its name says.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.model.errors import Invalid, NotFound
from zebench.model.time import now_ms
from zebench.store.tables import suite_bundles

SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SUITE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$")


@dataclass(frozen=True)
class StoredBundle:
    sha256: str
    suite: str
    size_bytes: int


def check_bundle(sha256: str, suite: str, content: bytes) -> None:
    """Raise ``Invalid`` (naming the field) unless the upload can be stored as given."""
    if not SHA256.match(sha256):
        raise Invalid(
            "Invalid field 'sha256': expected 64 lowercase hex digits", {"field": "sha256"}
        )
    if not _SUITE.match(suite):
        raise Invalid("Invalid field 'suite': expected a suite directory name", {"field": "suite"})
    if not content:
        raise Invalid("Invalid field 'body': the bundle is empty", {"field": "body"})
    actual = hashlib.sha256(content).hexdigest()
    if actual != sha256:
        raise Invalid(
            "Invalid field 'body': its SHA-256 is not the one in the path",
            {"field": "body", "sha256": actual},
        )


def store_bundle(
    conn: Connection, sha256: str, suite: str, content: bytes
) -> Literal["created", "duplicate"]:
    """Store a checked bundle unless that hash is stored already."""
    found = conn.execute(
        sa.select(suite_bundles.c.sha256).where(suite_bundles.c.sha256 == sha256)
    ).first()
    if found is not None:
        return "duplicate"
    conn.execute(
        suite_bundles.insert().values(
            sha256=sha256,
            suite=suite,
            size_bytes=len(content),
            created_at=now_ms(),
            content=content,
        )
    )
    return "created"


def _row(conn: Connection, sha256: str, column: sa.ColumnElement[Any]) -> tuple[str, Any]:
    row = conn.execute(
        sa.select(suite_bundles.c.suite, column).where(suite_bundles.c.sha256 == sha256)
    ).first()
    if row is None:
        raise NotFound("Suite bundle not found", {"sha256": sha256})
    return str(row[0]), row[1]


def bundle_info(conn: Connection, sha256: str) -> StoredBundle:
    """What is stored under ``sha256``; ``NotFound`` otherwise."""
    suite, size = _row(conn, sha256, suite_bundles.c.size_bytes)
    return StoredBundle(sha256, suite, int(size))


def bundle_content(conn: Connection, sha256: str) -> tuple[StoredBundle, bytes]:
    """The bundle and its bytes; ``NotFound`` otherwise."""
    suite, content = _row(conn, sha256, suite_bundles.c.content)
    return StoredBundle(sha256, suite, len(content)), bytes(content)
