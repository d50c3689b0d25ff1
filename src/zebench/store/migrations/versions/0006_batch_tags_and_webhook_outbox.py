"""batch tags (filtered lists) and the webhook outbox

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 20:00:00.000000
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

MAX_TAG_CHARS = 100


def upgrade() -> None:
    batch_tags = op.create_table(
        "batch_tags",
        sa.Column("batch_id", sa.String(length=200), nullable=False),
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["batches.batch_id"],
            name=op.f("fk_batch_tags_batch_id_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("batch_id", "tag", name=op.f("pk_batch_tags")),
    )
    op.create_index("ix_batch_tags_tag", "batch_tags", ["tag", "batch_id"], unique=False)
    op.create_table(
        "webhook_outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=300), nullable=False),
        sa.Column("batch_id", sa.String(length=200), nullable=False),
        sa.Column("target", sa.String(length=2000), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger(), nullable=False),
        sa.Column("lease_holder", sa.String(length=200), server_default="", nullable=False),
        sa.Column("lease_expires_at", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("delivered_at", sa.BigInteger(), nullable=True),
        sa.Column("failed_at", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_outbox")),
        sa.UniqueConstraint("event_id", "target", name=op.f("uq_webhook_outbox_event_id_target")),
    )
    op.create_index(
        "ix_webhook_outbox_due",
        "webhook_outbox",
        ["delivered_at", "failed_at", "next_attempt_at"],
        unique=False,
    )
    _backfill_tags(batch_tags)


def _backfill_tags(batch_tags: sa.Table) -> None:
    """Tags already recorded in batches' metadata become rows."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT batch_id, metadata FROM batches WHERE metadata IS NOT NULL")
    ).all()
    values = []
    for batch_id, text in rows:
        try:
            tags = json.loads(text).get("tags")
        except (ValueError, AttributeError):
            continue
        if isinstance(tags, list):
            for tag in dict.fromkeys(t for t in tags if isinstance(t, str)):
                if 0 < len(tag) <= MAX_TAG_CHARS:
                    values.append({"batch_id": batch_id, "tag": tag})
    if values:
        op.bulk_insert(batch_tags, values)


def downgrade() -> None:
    op.drop_index("ix_webhook_outbox_due", table_name="webhook_outbox")
    op.drop_table("webhook_outbox")
    op.drop_index("ix_batch_tags_tag", table_name="batch_tags")
    op.drop_table("batch_tags")
