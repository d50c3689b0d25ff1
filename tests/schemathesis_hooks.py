"""Schemathesis hooks for ``schema_fuzz`` (loaded through ``SCHEMATHESIS_HOOKS``)."""

from __future__ import annotations

import gzip
from typing import Any

import schemathesis


@schemathesis.serializer("application/gzip")
def gzip_body(_ctx: Any, value: Any) -> bytes:
    """A generated body as a gzip stream: valid gzip, holding whatever was generated
    (so the server's archive checks, not its gzip reader, get exercised)."""
    raw = value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")
    return gzip.compress(raw)
