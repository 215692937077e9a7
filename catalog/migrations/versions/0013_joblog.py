"""Harvest jobs say what they could not keep (a fidelity summary, the warnings not stored); data
services carry their global identifier, so that two sources bringing one service keep one.

Revision ID: 0013_joblog
Revises: 0009_connections
Create Date: 2026-12-04 16:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0013_joblog'
down_revision = '0012_opendata'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('harvest_job') as batch:
        batch.add_column(sa.Column('warnings_not_stored', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('fidelity', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()),
                                                                      'postgresql'), nullable=True))
    with op.batch_alter_table('dataservice') as batch:
        batch.add_column(sa.Column('identifier', sa.String(length=500), nullable=True))
        batch.create_index('ix_dataservice_identifier', ['identifier'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dataservice') as batch:
        batch.drop_index('ix_dataservice_identifier')
        batch.drop_column('identifier')
    with op.batch_alter_table('harvest_job') as batch:
        batch.drop_column('fidelity')
        batch.drop_column('warnings_not_stored')
