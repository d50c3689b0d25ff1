"""model probes: measured endpoints beside the scraped models

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 20:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_MODEL_COLUMNS = ("tps_p50", "tps_p90", "ttft_p50", "ttft_p90")


def upgrade() -> None:
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.add_column(sa.Column("endpoint", sa.String(length=500), nullable=True))
        for name in _MODEL_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Float(), nullable=True))
    op.create_table(
        "model_probes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("chute_id", sa.String(length=100), nullable=False),
        sa.Column("probed_at", sa.BigInteger(), nullable=False),
        sa.Column("sweep_id", sa.String(length=36), nullable=False),
        sa.Column("headline", sa.Boolean(), nullable=False),
        sa.Column("concurrency", sa.Integer(), nullable=True),
        sa.Column("rate", sa.Float(), nullable=True),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("ttft_p50_ms", sa.Float(), nullable=True),
        sa.Column("ttft_p90_ms", sa.Float(), nullable=True),
        sa.Column("tps_p50", sa.Float(), nullable=True),
        sa.Column("tps_p90", sa.Float(), nullable=True),
        sa.Column("itl_p50_ms", sa.Float(), nullable=True),
        sa.Column("tpot_p50_ms", sa.Float(), nullable=True),
        sa.Column("e2e_p50_ms", sa.Float(), nullable=True),
        sa.Column("total_output_tps", sa.Float(), nullable=False),
        sa.Column("requests_per_second", sa.Float(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chute_id"],
            ["models.chute_id"],
            name=op.f("fk_model_probes_chute_id_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_probes")),
    )
    op.create_index(
        "ix_model_probes_chute_time", "model_probes", ["chute_id", "probed_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_model_probes_chute_time", table_name="model_probes")
    op.drop_table("model_probes")
    with op.batch_alter_table("models", schema=None) as batch_op:
        for name in ("endpoint", *_MODEL_COLUMNS):
            batch_op.drop_column(name)
