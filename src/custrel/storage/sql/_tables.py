"""SQLAlchemy Core tables. Every table carries ``customer_id`` so it can be partitioned by it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from custrel.ids import MAX_ID_LENGTH

__all__ = ["customers", "metadata", "outbox"]

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)
"""All of custrel's tables; include it in a host's own migrations (Alembic ``target_metadata``)."""

_Id = sa.String(MAX_ID_LENGTH)
_Instant = sa.DateTime(timezone=True)
_Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_NullableJson = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
_Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

customers = sa.Table(
    "custrel_customers",
    metadata,
    sa.Column("customer_id", _Id, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("given_name", sa.Text, nullable=False),
    sa.Column("family_name", sa.Text),
    sa.Column("preferred_name", sa.Text),
    sa.Column("email", sa.String(254), unique=True),
    sa.Column("phone", sa.String(16)),
    sa.Column("address", _NullableJson),
    sa.Column("timezone", sa.String(64)),
    sa.Column("locale", sa.String(35)),
    sa.Column("owner", _Id, index=True),
    sa.Column("ownership", _Json, nullable=False),
    sa.Column("consents", _Json, nullable=False),
    sa.Column("suppressions", _Json, nullable=False),
    sa.Column("tags", _Json, nullable=False),
    sa.Column("merged_ids", _Json, nullable=False),
    sa.Column("merged_into", _Id),
    sa.Column("created_at", _Instant, nullable=False),
    sa.Column("erased_at", _Instant),
)
"""One row per customer; the current owner is a copy of the last ownership entry, for queries."""

outbox = sa.Table(
    "custrel_outbox",
    metadata,
    sa.Column("position", _Position, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(64), nullable=False, unique=True),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("customer_id", _Id, nullable=False, index=True),
    sa.Column("aggregate_id", _Id, nullable=False),
    sa.Column("occurred_at", _Instant, nullable=False),
    sa.Column("payload", _Json, nullable=False),
    sa.Column("dispatched_at", _Instant),
    sa.Index(
        "ix_custrel_outbox_pending",
        "position",
        postgresql_where=sa.text("dispatched_at IS NULL"),
        sqlite_where=sa.text("dispatched_at IS NULL"),
    ),
)
"""Domain events in the order they were written; pending ones are found by a partial index."""
