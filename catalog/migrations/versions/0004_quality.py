"""Quality reports (kept over time, one per run of the checks on a dataset) and remembered link checks.

Revision ID: 0004_quality
Revises: 0003_search
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_quality"
down_revision = "0003_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('link_check',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('url_hash', sa.String(length=64), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('final_url', sa.Text(), nullable=True),
    sa.Column('content_type', sa.String(length=128), nullable=True),
    sa.Column('error_kind', sa.String(length=32), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('elapsed_ms', sa.Integer(), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_ok_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_check')),
    sa.UniqueConstraint('url_hash', name=op.f('uq_link_check_url_hash'))
    )
    with op.batch_alter_table('link_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_check_checked_at'), ['checked_at'], unique=False)

    op.create_table('quality_report',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('dataset_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('grade', sa.String(length=2), nullable=True),
    sa.Column('score_dung', sa.Integer(), nullable=True),
    sa.Column('score_du', sa.Integer(), nullable=True),
    sa.Column('score_sach', sa.Integer(), nullable=True),
    sa.Column('score_song', sa.Integer(), nullable=True),
    sa.Column('score_thong_nhat', sa.Integer(), nullable=True),
    sa.Column('score_dung_chung', sa.Integer(), nullable=True),
    sa.Column('rows_checked', sa.BigInteger(), nullable=False),
    sa.Column('rows_expected', sa.BigInteger(), nullable=True),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('checks', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('findings', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('files', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], name=op.f('fk_quality_report_dataset_id_dataset'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_report'))
    )
    with op.batch_alter_table('quality_report', schema=None) as batch_op:
        batch_op.create_index('ix_quality_report_dataset_created', ['dataset_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_quality_report_finished_at'), ['finished_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('quality_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quality_report_finished_at'))
        batch_op.drop_index('ix_quality_report_dataset_created')

    op.drop_table('quality_report')
    with op.batch_alter_table('link_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_check_checked_at'))

    op.drop_table('link_check')
