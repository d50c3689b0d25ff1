"""The one ``MetaData`` every table is defined on, and the column types they share.

Times are integers (epoch milliseconds, UTC) on both engines: they sort,
compare and bucket by day (``ms // 86_400_000``) the same way in SQLite and
PostgreSQL. JSON documents are stored as text. The tables are defined in
``tables`` (results, access, bundles, tags, webhook outbox), ``aggregate_tables``
(the pre-aggregates) and ``throughput_tables`` (the model throughput scraper);
whatever needs the whole schema (the migrations) imports all three. The Alembic
history under ``migrations/`` must produce exactly this schema (a test compares them).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, MetaData

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias).
Id = BigInteger().with_variant(Integer(), "sqlite")


def whole_schema() -> MetaData:
    """``metadata`` with every table on it: each table module adds its own on import."""
    from zebench.store import aggregate_tables, tables, throughput_tables  # noqa: F401

    return metadata
