"""Download counts per form of a file: the file itself or one of its conversions (CSV, JSON, XLSX,
data package); the counter's key becomes (file, kind), existing counts are the file's own.

Revision ID: 0017_conv
Revises: 0016_conn2
Create Date: 2026-12-04 20:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017_conv'
down_revision = "0016_conn2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('download_count', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=8), server_default='file', nullable=False))
        batch_op.drop_constraint('pk_download_count', type_='primary')
        batch_op.create_primary_key('pk_download_count', ['distribution_id', 'kind'])


def downgrade() -> None:
    # the conversions' counts are added into the file's own before the kind goes
    op.execute("UPDATE download_count SET count = count + (SELECT COALESCE(SUM(c.count), 0) FROM download_count c "
               "WHERE c.distribution_id = download_count.distribution_id AND c.kind <> 'file') WHERE kind = 'file'")
    op.execute("DELETE FROM download_count WHERE kind <> 'file'")
    with op.batch_alter_table('download_count', schema=None) as batch_op:
        batch_op.drop_constraint('pk_download_count', type_='primary')
        batch_op.create_primary_key('pk_download_count', ['distribution_id'])
        batch_op.drop_column('kind')
