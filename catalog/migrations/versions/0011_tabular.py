"""Public copies of tabular files (preview, statistics, rows table) and stewards' type overrides.

Revision ID: 0011_tabular
Revises: 0009_connections
Create Date: 2026-12-04 16:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import catalog.models.base

revision = '0011_tabular'
down_revision = "0014_langs"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('public_file',
    sa.Column('distribution_id', sa.String(length=36), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('table_name', sa.String(length=63), nullable=True),
    sa.Column('fields', _JSON, nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('preview', _JSON, nullable=False),
    sa.Column('stats', _JSON, nullable=False),
    sa.Column('built_at', catalog.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['distribution_id'], ['distribution.id'],
                            name=op.f('fk_public_file_distribution_id_distribution'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('distribution_id', name=op.f('pk_public_file'))
    )
    op.create_table('type_override',
    sa.Column('distribution_id', sa.String(length=36), nullable=False),
    sa.Column('field', sa.String(length=300), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('set_at', catalog.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['distribution_id'], ['distribution.id'],
                            name=op.f('fk_type_override_distribution_id_distribution'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('distribution_id', 'field', name=op.f('pk_type_override'))
    )


def downgrade() -> None:
    op.drop_table('type_override')
    op.drop_table('public_file')
