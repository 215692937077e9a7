"""Pages fast at scale: the shared anonymous page cache, the change counter, indexes on list orders.

Revision ID: 0020_webperf
Revises: 0016_conn2
Create Date: 2026-12-04 20:00:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

import catalog.models.base

revision = "0020_webperf"
down_revision = "0018_fid2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    counter = op.create_table(
        "change_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_counter")),
    )
    # a random start: see catalog.db.counter_start (values kept per process never meet an older registry's)
    op.bulk_insert(counter, [{"id": 1, "generation": secrets.randbits(40) + 1}])
    op.create_table(
        "page_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", catalog.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_page_cache")),
    )
    with op.batch_alter_table("dataset", schema=None) as batch_op:
        batch_op.create_index("ix_dataset_status_created", ["status", "created_at"], unique=False)
        batch_op.create_index("ix_dataset_status_updated", ["status", "updated_at"], unique=False)
        batch_op.create_index("ix_dataset_status_title", ["status", "title_vi"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dataset", schema=None) as batch_op:
        batch_op.drop_index("ix_dataset_status_title")
        batch_op.drop_index("ix_dataset_status_updated")
        batch_op.drop_index("ix_dataset_status_created")
    op.drop_table("page_cache")
    op.drop_table("change_counter")
