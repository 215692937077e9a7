"""Harvest fidelity, part B: languages kept, source publisher, spatial and other kept fields, dataset series.

Revision ID: 0014_langs
Revises: 0009_connections
Create Date: 2026-12-04 16:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014_langs"
down_revision = '0013_joblog'
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "dataset_series",
        sa.Column("identifier", sa.String(length=500), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("title_vi", sa.String(length=500), nullable=False),
        sa.Column("title_en", sa.String(length=500), nullable=True),
        sa.Column("title_lang", sa.String(length=8), nullable=True),
        sa.Column("description_vi", sa.Text(), nullable=True),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("translations", _json(), nullable=False),
        sa.Column("first_uri", sa.String(length=1000), nullable=True),
        sa.Column("last_uri", sa.String(length=1000), nullable=True),
        sa.Column("harvest_source_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_series")),
        sa.UniqueConstraint("identifier", name=op.f("uq_dataset_series_identifier")),
        sa.UniqueConstraint("slug", name=op.f("uq_dataset_series_slug")),
    )
    with op.batch_alter_table("dataset_series", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dataset_series_harvest_source_id"), ["harvest_source_id"], unique=False)
    with op.batch_alter_table("dataset", schema=None) as batch_op:
        batch_op.add_column(sa.Column("translations", _json(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("title_lang", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("publisher_name", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("publisher_uri", sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column("maintainer_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("maintainer_email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("spatial_geojson", _json(), nullable=True))
        batch_op.add_column(sa.Column("spatial_resolution_m", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("other_identifiers", _json(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("applicable_legislation", _json(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("series_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("series_links", _json(), nullable=False, server_default="{}"))
        batch_op.create_index(batch_op.f("ix_dataset_series_id"), ["series_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_dataset_series_id_dataset_series"), "dataset_series",
                                    ["series_id"], ["id"], ondelete="SET NULL")
    with op.batch_alter_table("distribution", schema=None) as batch_op:
        batch_op.add_column(sa.Column("translations", _json(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("checksum", _json(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("distribution", schema=None) as batch_op:
        batch_op.drop_column("checksum")
        batch_op.drop_column("translations")
    with op.batch_alter_table("dataset", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_dataset_series_id_dataset_series"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_dataset_series_id"))
        for name in ("series_links", "series_id", "applicable_legislation", "other_identifiers",
                     "spatial_resolution_m", "spatial_geojson", "maintainer_email", "maintainer_name",
                     "publisher_uri", "publisher_name", "title_lang", "translations"):
            batch_op.drop_column(name)
    with op.batch_alter_table("dataset_series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_series_harvest_source_id"))
    op.drop_table("dataset_series")
