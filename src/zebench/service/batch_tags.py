"""A batch's tags as rows (``batch_tags``), so lists of batches and runs filter by tag.

The tags are the batch's ``metadata.tags`` (a list of strings); every write of a
batch's metadata replaces its rows, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.store.tables import batch_tags

MAX_TAG_CHARS = 100
MAX_TAGS = 20


def tags_of(metadata: dict[str, Any]) -> list[str]:
    """The strings of ``metadata.tags`` (1-100 characters; the first 20), unique, in order.

    Metadata is free-form in the original contract, so anything else there is kept
    in the metadata but not indexed as a tag (``zebench batch --tag`` checks tags
    before they are sent).
    """
    raw = metadata.get("tags")
    if not isinstance(raw, list):
        return []
    tags = dict.fromkeys(t for t in raw if isinstance(t, str) and 0 < len(t) <= MAX_TAG_CHARS)
    return list(tags)[:MAX_TAGS]


def replace_tags(conn: Connection, batch_id: str, tags: Sequence[str]) -> None:
    conn.execute(batch_tags.delete().where(batch_tags.c.batch_id == batch_id))
    if tags:
        conn.execute(batch_tags.insert(), [{"batch_id": batch_id, "tag": t} for t in tags])


def batches_tagged(tag: str) -> sa.Select[tuple[str]]:
    """The ids of the batches with ``tag``, as a subquery for ``IN``."""
    return sa.select(batch_tags.c.batch_id).where(batch_tags.c.tag == tag)
