"""Integration map, what remained: harvested connections, data services' own health, daily roll-ups.

Revision ID: 0016_conn2
Revises: 0009_connections
Create Date: 2026-12-04 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import catalog.models.base

revision = '0016_conn2'
down_revision = "0010_publishing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('connection_daily',
    sa.Column('connection_id', sa.String(length=36), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('up_seconds', sa.Float(), nullable=False),
    sa.Column('known_seconds', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['connection.id'], name=op.f('fk_connection_daily_connection_id_connection'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('connection_id', 'day', name=op.f('pk_connection_daily'))
    )
    with op.batch_alter_table('connection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('harvest_source_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_connection_harvest_source_id'), ['harvest_source_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_connection_harvest_source_id_harvest_source'), 'harvest_source', ['harvest_source_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('dataservice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('health', sa.String(length=16), nullable=False, server_default='unknown'))
        batch_op.add_column(sa.Column('health_at', catalog.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('probe_status', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('probe_latency_ms', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('probe_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('consecutive_failures', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_probe_at', catalog.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_dataservice_next_probe_at'), ['next_probe_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dataservice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dataservice_next_probe_at'))
        for name in ('next_probe_at', 'consecutive_failures', 'probe_error', 'probe_latency_ms', 'probe_status',
                     'health_at', 'health'):
            batch_op.drop_column(name)
    with op.batch_alter_table('connection', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_connection_harvest_source_id_harvest_source'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_connection_harvest_source_id'))
        batch_op.drop_column('harvest_source_id')
    op.drop_table('connection_daily')
